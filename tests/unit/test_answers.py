"""Unit tests for the answer checkers: every item type, equivalent forms, feedback
matching, malformed input and the safe parameter evaluator."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathwise.domain.answers import (
    ExpressionError,
    ParameterError,
    Status,
    algebraically_equal,
    arrange_choices,
    check_answer,
    draw_params,
    fill,
    hint_credit,
    hint_credit_message,
    instantiate,
    parse_number,
    safe_eval,
    validate_item,
)
from pathwise.domain.content import Feedback, Item, ItemType


def numeric(answer: str = "3/4", **spec: object) -> Item:
    spec.setdefault("forms", ["fraction", "decimal", "percent"])
    return Item(
        id="n1", skill_codes=("frac.add",), type=ItemType.NUMERIC, prompt="1/2 + 1/4 = ?", answer=answer,
        feedback=(Feedback("2/6", "You added the denominators.", "add-denominators"),), spec=dict(spec),
    )


def short(answer: list[str], **spec: object) -> Item:
    return Item(id="t1", skill_codes=("alg.expr",), type=ItemType.SHORT_TEXT, prompt="Simplify", answer=answer,
                feedback=(Feedback("x^2+1", "Square the whole bracket.", "square-terms"),), spec=dict(spec))


def single() -> Item:
    return Item(id="c1", skill_codes=("frac.cmp",), type=ItemType.SINGLE_CHOICE, prompt="Largest?",
                choices=("1/2", "2/3", "3/5", "1/3"), answer="2/3",
                feedback=(Feedback("1/3", "A bigger denominator means smaller pieces.", "bigger-denominator"),))


def multi() -> Item:
    return Item(id="m1", skill_codes=("num.prime",), type=ItemType.MULTIPLE_CHOICE, prompt="Primes?",
                choices=("2", "3", "4", "9"), answer=["2", "3"],
                feedback=(Feedback("9", "9 = 3 x 3, so it is not prime.", "odd-means-prime"),))


def ordering() -> Item:
    return Item(id="o1", skill_codes=("frac.order",), type=ItemType.ORDERING, prompt="Smallest first",
                choices=("1/2", "1/3", "3/4"), answer=["1/3", "1/2", "3/4"],
                feedback=(Feedback("1/2 | 1/3 | 3/4", "Compare the sizes, not the denominators.", "denominator-order"),))


# ---------------------------------------------------------------- numeric


@pytest.mark.parametrize("given", ["3/4", "0.75", ".75", "75%", "75 %", "6/8", " 3 / 4 ", "0.750", "\uff13/\uff14"])
def test_numeric_equivalent_forms_are_correct(given: str) -> None:
    assert check_answer(numeric(), given).status == Status.CORRECT


def test_numeric_percent_is_refused_when_the_item_does_not_allow_it() -> None:
    r = check_answer(numeric(forms=["fraction", "decimal"]), "75%")
    assert r.status == Status.INVALID and "fraction" in r.message


def test_numeric_decimal_refused_when_only_fractions_allowed_but_integers_always_allowed() -> None:
    item = numeric(answer="2", forms=["fraction"])
    assert check_answer(item, "2.0").status == Status.INVALID
    assert check_answer(item, "2").status == Status.CORRECT
    assert check_answer(item, "4/2").status == Status.CORRECT


def test_numeric_tolerance() -> None:
    item = numeric(answer="3.14", tolerance=0.01)
    assert check_answer(item, "3.15").correct
    assert check_answer(item, "3.1416").correct
    assert not check_answer(item, "3.16").correct


def test_numeric_mixed_numbers_and_negatives() -> None:
    assert check_answer(numeric(answer="-3/2"), "-1 1/2").correct
    assert check_answer(numeric(answer="-3/2"), "\u22121.5").correct
    assert not check_answer(numeric(answer="-3/2"), "1.5").correct


def test_numeric_misconception_feedback_matches_equivalent_form() -> None:
    r = check_answer(numeric(), "1/3")  # 2/6 in lowest terms
    assert r.status == Status.INCORRECT
    assert r.misconception == "add-denominators"
    assert r.message == "You added the denominators."


def test_numeric_wrong_without_feedback() -> None:
    r = check_answer(numeric(), "0.8")
    assert r.status == Status.INCORRECT and r.feedback is None and r.score == 0.0


def test_numeric_simplest_form_asked_again() -> None:
    r = check_answer(numeric(simplest=True), "6/8")
    assert r.status == Status.INVALID and "simplest" in r.message
    assert check_answer(numeric(simplest=True), "3/4").correct


@pytest.mark.parametrize("bad", ["", "   ", None, "abc", "1/0", "1,5", "x" * 10_000, "9" * 100,
                                 "<script>alert(1)</script>", float("nan"), True, ["3/4"], {"a": 1}])
def test_numeric_malformed_input_is_invalid_not_an_error(bad: object) -> None:
    r = check_answer(numeric(), bad)
    assert r.status == Status.INVALID and r.message


def test_invisible_format_characters_are_ignored() -> None:
    assert check_answer(numeric(), "\u202e3/4\u200b").correct


def test_numeric_comma_message_is_helpful() -> None:
    assert "decimal point" in check_answer(numeric(), "0,75").message


def test_numeric_accepts_a_number_value() -> None:
    assert check_answer(numeric(answer="12"), 12).correct
    assert check_answer(numeric(answer="0.5"), 0.5).correct


def test_parse_number_forms() -> None:
    assert parse_number("50%").value == Fraction(1, 2) and parse_number("50%").form == "percent"
    assert parse_number("4/6").reduced is False
    assert parse_number("12").form == "integer"


# ---------------------------------------------------------------- short text


def test_short_text_case_and_spaces() -> None:
    item = short(["Photosynthesis"])
    assert check_answer(item, "  photosynthesis ").correct
    assert check_answer(item, "PHOTO SYNTHESIS").correct  # spaces do not matter
    assert not check_answer(short(["Paris"], case_sensitive=True), "paris").correct


def test_short_text_patterns() -> None:
    item = short(["colour"], patterns=[r"colou?r"])
    assert check_answer(item, "Color").correct
    assert not check_answer(item, "colors").correct


def test_short_text_bad_pattern_is_ignored_and_reported_by_validation() -> None:
    item = short(["a"], patterns=["("])
    assert not check_answer(item, "b").correct
    assert any("patterns[0]" in p for p in validate_item(item))


@pytest.mark.parametrize("given", ["x^2+2x+1", "(x+1)^2", "1 + 2x + x^2", "x*x + 2*x + 1", "(1+x)(x+1)", "x**2+2x+1"])
def test_short_text_algebraic_equivalence(given: str) -> None:
    assert check_answer(short(["x^2+2x+1"], algebraic=True), given).correct


def test_short_text_algebraic_not_equal_and_feedback() -> None:
    item = short(["x^2+2x+1"], algebraic=True)
    r = check_answer(item, "1 + x^2")
    assert r.status == Status.INCORRECT and r.misconception == "square-terms"
    assert not check_answer(item, "x^2+2x+2").correct


def test_short_text_without_algebraic_flag_is_literal() -> None:
    assert not check_answer(short(["x^2+2x+1"]), "(x+1)^2").correct


def test_equations_equal_up_to_scale() -> None:
    assert algebraically_equal("y = 2x + 1", "2y = 4x + 2") is True
    assert algebraically_equal("y = 2x + 1", "y - 1 = 2x") is True
    assert algebraically_equal("y = 2x + 1", "y = 2x") is False
    assert algebraically_equal("y = 2x + 1", "2x + 1") is False
    assert algebraically_equal("hello there!", "x") is None


@pytest.mark.parametrize("bad", ["", " ", None, 42.5, "a" * 600, "<script>alert('x')</script>", "\u0000\u0001"])
def test_short_text_malformed(bad: object) -> None:
    r = check_answer(short(["x^2+2x+1"], algebraic=True), bad)
    assert not r.correct


def test_short_text_script_tag_is_compared_as_text() -> None:
    item = short(["<b>bold</b>"])
    assert check_answer(item, "<B>bold</B>").correct
    assert not check_answer(item, "<script>alert(1)</script>").correct


def test_short_text_unicode() -> None:
    item = short(["Ångström", "café"])
    assert check_answer(item, "ÅNGSTRÖM").correct
    assert check_answer(item, "cafe\u0301").correct  # combining accent normalised


def test_huge_algebraic_input_is_bounded() -> None:
    item = short(["x"], algebraic=True)
    assert not check_answer(item, "(" * 150 + "x" + ")" * 150).correct
    assert not check_answer(item, "2^64^64^64").correct
    assert not check_answer(item, "-" * 300 + "x").correct


# ---------------------------------------------------------------- choices


def test_single_choice() -> None:
    assert check_answer(single(), "2/3").correct
    r = check_answer(single(), "1/3")
    assert r.status == Status.INCORRECT and r.misconception == "bigger-denominator"
    assert check_answer(single(), "3/5").feedback is None
    assert check_answer(single(), "7/8").status == Status.INVALID
    assert check_answer(single(), "").status == Status.INVALID
    assert check_answer(single(), ["2/3", "1/2"]).status == Status.INVALID
    assert check_answer(single(), "<script>").status == Status.INVALID


def test_multiple_choice() -> None:
    assert check_answer(multi(), ["3", "2"]).correct
    r = check_answer(multi(), ["2", "3", "9"])
    assert r.status == Status.INCORRECT and r.misconception == "odd-means-prime"
    partial = check_answer(multi(), ["2"])
    assert partial.status == Status.INCORRECT and "not all" in partial.message
    assert check_answer(multi(), []).status == Status.INVALID
    assert check_answer(multi(), ["2", "5"]).status == Status.INVALID
    assert check_answer(multi(), None).status == Status.INVALID


def test_ordering() -> None:
    assert check_answer(ordering(), ["1/3", "1/2", "3/4"]).correct
    r = check_answer(ordering(), ["1/2", "1/3", "3/4"])
    assert r.status == Status.INCORRECT and r.misconception == "denominator-order"
    assert check_answer(ordering(), ["1/3", "1/2"]).status == Status.INVALID
    assert check_answer(ordering(), ["1/3", "1/3", "3/4"]).status == Status.INVALID
    assert check_answer(ordering(), "1/3").status == Status.INVALID


# ---------------------------------------------------------------- parameters


def test_safe_eval_arithmetic() -> None:
    assert safe_eval("a + b * 2", {"a": 1, "b": 3}) == 7
    assert safe_eval("a / b", {"a": 1, "b": 4}) == Fraction(1, 4)
    assert safe_eval("2^3 - max(1, 5) + abs(-2) + sqrt(9/4)") == Fraction(13, 2)
    assert safe_eval("a < b", {"a": 1, "b": 2}) == 1
    assert safe_eval("round(2/3, 2)") == Fraction(67, 100)


@pytest.mark.parametrize("bad", ["__import__('os')", "a.b", "open('x')", "1/0", "lambda: 1", "2 ** 1000", "x", "[1]",
                                 "sqrt(2)", "", "1 +", "((1)"])
def test_safe_eval_refuses_everything_else(bad: str) -> None:
    with pytest.raises(ExpressionError):
        safe_eval(bad, {"a": 1})


def param_item() -> Item:
    return Item(
        id="p1", skill_codes=("frac.add",), type=ItemType.NUMERIC,
        prompt="What is {a}/{d} + {b}/{d}?", answer="{=(a+b)/d}",
        feedback=(Feedback("{=a+b}/{=2*d}", "You added the denominators.", "add-denominators"),),
        hints=("Keep the denominator {d}.", "Add the numerators: {a} + {b}.", "{a}/{d} + {b}/{d} = {=(a+b)/d}"),
        spec={"params": {"a": [1, 5], "b": [1, 5], "d": {"choices": [7, 9, 11]}}, "require": ["a != b"],
              "forms": ["fraction", "decimal"]},
    )


def test_parameterised_item_draws_per_seed_and_checks() -> None:
    item = param_item()
    a, pa = instantiate(item, 1)
    b, _ = instantiate(item, 1)
    assert a == b  # same seed, same numbers
    prompts = {instantiate(item, s)[0].prompt for s in range(20)}
    assert len(prompts) > 3  # retakes differ
    assert "{" not in a.prompt and pa["a"] != pa["b"]
    num = int(pa["a"]) + int(pa["b"])
    assert check_answer(a, f"{num}/{pa['d']}").correct
    wrong = check_answer(a, f"{num}/{2 * int(pa['d'])}")
    assert wrong.misconception == "add-denominators"
    assert a.hints[-1].endswith(a.answer)
    assert validate_item(item) == []


def test_parameter_rules_are_validated() -> None:
    with pytest.raises(ParameterError):
        draw_params({"params": {"a": [5, 1]}}, 0)
    with pytest.raises(ParameterError):
        draw_params({"params": {"a": [1, 2]}, "require": ["a > 5"]}, 0)
    with pytest.raises(ParameterError):
        draw_params({"params": {"a": "__import__('os')"}}, 0)
    assert draw_params({"params": {"a": {"min": 0.5, "max": 1, "step": 0.25}, "b": "a*4"}}, 3)["b"] in (2, 3, 4)


def test_fill_leaves_other_braces() -> None:
    assert fill("The set {1, 2} has {n} members {{n}}", {"n": Fraction(2)}) == "The set {1, 2} has 2 members {n}"


# ---------------------------------------------------------------- presentation and validation


def test_fewer_choices_keeps_the_answer_and_the_misconception() -> None:
    shown = arrange_choices(single(), "s1", max_choices=2)
    assert len(shown) == 2 and "2/3" in shown and "1/3" in shown
    assert len(arrange_choices(single(), "s1")) == 4


def test_ordering_never_shown_already_solved() -> None:
    for s in range(30):
        assert list(arrange_choices(ordering(), s)) != ["1/3", "1/2", "3/4"]


def test_validate_item_reports_problems() -> None:
    bad = Item(id="b1", skill_codes=("x",), type=ItemType.SINGLE_CHOICE, prompt="?", choices=("a", "b"), answer="c")
    assert any("not one of the choices" in p for p in validate_item(bad))
    assert validate_item(numeric(answer="three")) != []
    order = Item(id="o2", skill_codes=("x",), type=ItemType.ORDERING, prompt="?", choices=("a", "b"), answer=["a"])
    assert validate_item(order) == ["answer: must list every choice exactly once"]
    for good in (numeric(), single(), multi(), ordering(), short(["x"])):
        assert validate_item(good) == []


# ---------------------------------------------------------------- hints as evidence


@pytest.mark.parametrize(("score", "used", "total", "credit"), [
    (1.0, 0, 3, 1.0), (1.0, 1, 3, 0.6667), (1.0, 2, 3, 0.3333), (1.0, 3, 3, 0.0), (1.0, 5, 3, 0.0),
    (1.0, 1, 2, 0.5), (1.0, 1, 1, 0.0), (0.0, 2, 3, 0.0), (1.0, 2, 0, 1.0), (0.5, 1, 2, 0.25),
])
def test_hint_credit_takes_an_equal_share_per_hint(score: float, used: int, total: int, credit: float) -> None:
    assert hint_credit(score, used, total) == pytest.approx(credit, abs=1e-4)


def test_hint_credit_message_names_the_help() -> None:
    assert hint_credit_message(0, 3) == ""
    assert "1 of 3 hints" in hint_credit_message(1, 3)
    assert "worked solution" in hint_credit_message(3, 3)


# ---------------------------------------------------------------- malformed input, every checker

MALFORMED = ["", "   ", None, 0, -1, 3.5, float("inf"), True, {"a": 1}, [], [None], [1, 2], "x" * 100_000,
             "\u0000\u0001\u202e", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
             "日本語の答え", "🙂🙂", ["<script>alert(1)</script>"] * 3, ["2/3"] * 10_000]


def every_item() -> list[Item]:
    return [numeric(), short(["x^2+2x+1"], algebraic=True), short(["Paris"]), single(), multi(), ordering()]


@pytest.mark.parametrize("bad", MALFORMED, ids=lambda b: type(b).__name__ + str(len(b) if hasattr(b, "__len__") else b)[:10])
def test_every_checker_refuses_malformed_input_calmly(bad: object) -> None:
    """Never an exception, never a right answer; unusable input is asked again, and
    the message never repeats the student's markup back."""
    for item in every_item():
        r = check_answer(item, bad)
        assert not r.correct, (item.type, bad)
        assert r.status in (Status.INVALID, Status.INCORRECT) and r.message
        assert "<script" not in r.message and "onerror" not in r.message
        if r.status == Status.INVALID:
            assert r.score == 0.0 and r.feedback is None


@pytest.mark.parametrize("item", every_item(), ids=lambda i: i.type.value)
def test_script_text_is_only_compared_never_run(item: Item) -> None:
    """An item whose right answer is markup-looking text is matched as text."""
    tag = "<script>alert(1)</script>"
    shown = Item(id="s1", skill_codes=("x",), type=ItemType.SINGLE_CHOICE, prompt=tag, choices=(tag, "b"), answer=tag)
    assert check_answer(shown, tag).correct and not check_answer(shown, "b").correct
    assert not check_answer(item, tag).correct


def test_choice_checkers_read_unicode_forms_alike() -> None:
    item = Item(id="u1", skill_codes=("x",), type=ItemType.SINGLE_CHOICE, prompt="?", choices=("Café", "Tea"),
                answer="Café")
    assert check_answer(item, "cafe\u0301").correct  # combining accent
    assert check_answer(item, "CAFÉ").correct
    assert check_answer(item, "Tea").status == Status.INCORRECT
    assert check_answer(ordering(), ["\uff11/3", "1/2", "3/4"]).correct  # full-width digit


def test_huge_numeric_and_choice_input_is_bounded() -> None:
    assert check_answer(numeric(), "1" + "0" * 1000).status == Status.INVALID
    assert check_answer(numeric(), "1/" + "9" * 500).status == Status.INVALID
    assert check_answer(multi(), ["2"] * 10_000).status == Status.INVALID
    assert check_answer(ordering(), ["1/3"] * 10_000).status == Status.INVALID


_texts = st.text(max_size=300)
_responses = st.one_of(_texts, st.lists(_texts, max_size=8), st.none(), st.integers(), st.floats())


@settings(max_examples=300, deadline=None)
@given(_responses)
def test_no_response_makes_a_checker_fail(response: object) -> None:
    for item in every_item():
        r = check_answer(item, response)
        assert r.status in (Status.CORRECT, Status.INCORRECT, Status.INVALID)
        assert 0.0 <= r.score <= 1.0 and (r.status == Status.CORRECT) == (r.score == 1.0)


@settings(max_examples=200, deadline=None)
@given(st.fractions(min_value=-1000, max_value=1000, max_denominator=50))
def test_a_number_is_right_in_each_of_its_forms(value: Fraction) -> None:
    item = numeric(answer=f"{value.numerator}/{value.denominator}")
    assert check_answer(item, f"{value.numerator}/{value.denominator}").correct
    assert check_answer(item, f"{value.numerator * 3}/{value.denominator * 3}").correct
    if 10**6 % value.denominator == 0:  # a terminating decimal
        dec = f"{float(value):.6f}"
        assert check_answer(item, dec).correct
        assert check_answer(item, f"{float(value * 100):.4f}%").correct


@pytest.mark.parametrize("pattern", [r"(a+)+b", r"(\w*)*", r"([a-z]+\s?)+", r"((a+))+", r"(a{1,3})+", "x" * 201])
def test_patterns_that_could_hang_the_check_are_refused(pattern: str) -> None:
    item = short(["a"], patterns=[pattern])
    assert any(p.startswith("spec.patterns[0]:") for p in validate_item(item))
    # an item stored before this rule never runs the pattern: a long response is checked at once
    assert not check_answer(item, "a" * 40 + "!").correct


@pytest.mark.parametrize("pattern", [r"colou?r", r"(ab|cd){2,5}", r"(\d+)\s*cm", r"(?:foo)+", r"\(a+\)+", r"[+*(]+x"])
def test_ordinary_patterns_are_accepted(pattern: str) -> None:
    assert validate_item(short(["a"], patterns=[pattern])) == []
