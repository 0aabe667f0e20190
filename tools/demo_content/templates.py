"""Item templates for the demo framework: one generator per skill, as data with rules.

Each generator draws its numbers from a seeded ``random.Random`` and returns a
``Draft``: the prompt, the correct answer, typical wrong answers with the
misconception each one reveals, graded hints (the last is a worked solution), and a
``check`` predicate that decides whether an answer is right by an independent route
(substituting back, evaluating the expression, comparing values). The content tests
run ``check`` on every answer and every feedback answer, so a generator that gets
its mathematics wrong fails the build. ``to_item`` turns drafts into domain ``Item``
values (numeric, single choice, multiple choice, short text, ordering), which
``generate.py`` writes to the shipped ``items.yaml``.

Generation is deterministic: the same content (and item ids) every time. This is a
maintainer's tool, not part of the package: it imports only the domain and does no I/O.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction as F
from typing import Any

from pathwise.domain.content import Feedback, Item, ItemType

ITEMS_PER_SKILL = 8
CHOICE_VARIANTS = (3, 6)  # variant numbers rendered as single choice when a number draft allows


# --------------------------------------------------------------------------- numbers


def parse_number(text: str) -> F | None:
    """A typed answer as an exact number: "3/4", "-2", "0.75", "75%", "2 3/4"; else None."""
    s = text.strip().replace("\u2212", "-").replace(",", "")
    if not s:
        return None
    try:
        if s.endswith("%"):
            inner = parse_number(s[:-1])
            return None if inner is None else inner / 100
        m = re.fullmatch(r"(-?\d+)\s+(\d+)/(\d+)", s)
        if m:
            whole, num, den = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if den == 0:
                return None
            frac = F(num, den)
            return whole - frac if whole < 0 else whole + frac
        m = re.fullmatch(r"(-?\d+)\s*/\s*(-?\d+)", s)
        if m:
            den = int(m.group(2))
            return None if den == 0 else F(int(m.group(1)), den)
        if re.fullmatch(r"-?(\d+\.?\d*|\.\d+)", s):
            return F(Decimal(s))
    except (ValueError, ArithmeticError):
        return None
    return None


def fr(v: F | int) -> str:
    """A fraction as a student writes it: "3/4", "-5/2", or "7" when whole."""
    v = F(v)
    return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"


def terminates(v: F) -> bool:
    d = v.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def dec(v: F | int) -> str:
    """An exact decimal ("0.375", "12", "-1.5"); only for values whose decimal ends."""
    v = F(v)
    if not terminates(v):
        raise ValueError(f"{v} has no finite decimal")
    with localcontext() as ctx:
        ctx.prec = 50
        d = (Decimal(v.numerator) / Decimal(v.denominator)).normalize()
    text = format(d, "f")
    return "0" if text in ("-0", "0") else text


def par(n: int | F) -> str:
    """Wrap negatives in brackets inside an expression: 5 - (-3)."""
    return f"({fr(n)})" if n < 0 else fr(n)


def lin(coef: int, const: int, var: str = "x") -> str:
    """A linear expression in simplest written form: "5x + 4", "-x - 3", "7"."""
    if coef == 0:
        return str(const)
    head = var if coef == 1 else f"-{var}" if coef == -1 else f"{coef}{var}"
    if const == 0:
        return head
    return f"{head} + {const}" if const > 0 else f"{head} - {-const}"


def eval_expr(text: str, **values: F | int) -> F:
    """Evaluate a short algebraic expression exactly ("3x + 4", "2(n - 5)", "n/4", "3^2").

    Only digits, the given variables, + - * / ^ and brackets are allowed.
    """
    s = text.replace(" ", "").replace("\u00d7", "*").replace("\u00f7", "/").replace("\u2212", "-")
    if not re.fullmatch(r"[0-9a-z+\-*/^().]*", s):
        raise ValueError(f"unexpected characters in {text!r}")
    for name in re.findall(r"[a-z]", s):
        if name not in values:
            raise ValueError(f"unknown variable {name!r} in {text!r}")
    s = re.sub(r"(\d|\))(?=[a-z(])", r"\1*", s)  # implicit multiplication: 3x, 2(, )(
    s = re.sub(r"(\d+)", r"F(\1)", s).replace("^", "**")
    env: dict[str, Any] = {"F": F, **{k: F(v) for k, v in values.items()}}
    result = eval(s, {"__builtins__": {}}, env)  # noqa: S307 - our own restricted text
    return F(result)


def same_expr(a: str, b: str, var: str = "x") -> bool:
    try:
        return all(eval_expr(a, **{var: t}) == eval_expr(b, **{var: t}) for t in (F(-3), F(0), F(2), F(7), F(1, 2)))
    except (ValueError, ZeroDivisionError, SyntaxError, TypeError):
        return False


# --------------------------------------------------------------------------- drafts


@dataclass(frozen=True, slots=True)
class Wrong:
    answer: str
    code: str
    message: str


@dataclass(slots=True)
class Draft:
    """One generated question before it becomes an ``Item``.

    kind: "number" (typed number; may be shown as single choice), "text" (typed
    short text), "choice" (single choice), "multi" (select all), "order".
    ``check`` decides a single answer (number, text, choice), a single choice of a
    select-all question (is it one of the right ones?) or, for "order", a whole list.
    """

    prompt: str
    kind: str
    answer: Any
    wrongs: list[Wrong]
    hints: list[str]
    check: Callable[[Any], bool]
    choices: list[str] = field(default_factory=list)
    style: str = "fraction"  # how numbers are written: fraction, decimal, percent
    forms: tuple[str, ...] = ("fraction", "decimal")
    extra_skills: tuple[str, ...] = ()
    difficulty: float = 0.0
    simplest: bool = False  # a fraction answer must be in lowest terms (numeric items)


class Retry(Exception):
    """These numbers make a poor question; draw again."""


def _num_check(pred: Callable[[F], bool]) -> Callable[[Any], bool]:
    def check(text: Any) -> bool:
        v = parse_number(str(text))
        if v is None:
            return False
        try:
            return bool(pred(v))
        except ZeroDivisionError:
            return False

    return check


def number(prompt: str, value: F | int, pred: Callable[[F], bool],
           wrongs: Sequence[tuple[F | int | str | None, str, str]],
           hints: list[str], style: str = "fraction", forms: tuple[str, ...] | None = None, **kw: Any) -> Draft:
    """A typed-number question; wrong values equal to the answer (or to each other) are dropped.

    A wrong answer given as text ("8/20") is kept as the student would type it;
    a number is written in the question's style.
    """
    value = F(value)
    fmt = _formatter(style)
    check = _num_check(pred)
    seen = {value}
    ws: list[Wrong] = []
    for wv, code, msg in wrongs:
        if wv is None:
            continue
        if isinstance(wv, str):
            text, val = wv, parse_number(wv)
            if val is None:
                raise ValueError(f"wrong answer {wv!r} is not a number")
        else:
            val = F(wv)
            if style == "decimal" and not terminates(val):
                continue
            text = fmt(val)
        if val in seen:
            continue
        seen.add(val)
        ws.append(Wrong(text, code, msg))
    if not ws:
        raise Retry
    if forms is None:
        forms = ("percent",) if style == "percent" else ("fraction", "decimal")
    return Draft(prompt, "number", fmt(value), ws, hints, check, style=style, forms=forms, **kw)


def _formatter(style: str) -> Callable[[F], str]:
    if style == "decimal":
        return dec
    if style == "percent":
        return lambda v: f"{dec(v * 100)}%"
    return fr


def _fillers(d: Draft, rng: random.Random, want: int) -> list[str]:
    value = parse_number(d.answer)
    assert value is not None
    fmt = _formatter(d.style)
    step = F(1, 100) if d.style == "percent" else F(1, value.denominator) if value.denominator > 1 else F(1)
    cands = [value + step, value - step, value * 2, -value, value + 10 * step, value / 2 if value else F(3)]
    have = {d.answer, *(w.answer for w in d.wrongs)}
    out: list[str] = []
    for c in cands:
        if d.style == "decimal" and not terminates(c):
            continue
        text = fmt(c)
        if text not in have and not d.check(text):
            have.add(text)
            out.append(text)
    rng.shuffle(out)
    return out[:want]


# --------------------------------------------------------------------------- number


def g_num_factors(r: random.Random, i: int) -> Draft:
    g = r.choice([2, 3, 4, 5, 6, 8, 9, 12])
    m, n = sorted(r.sample(range(1, 10), 2))
    if math.gcd(m, n) != 1 or n < 2:
        raise Retry
    a, b = g * m, g * n

    def common(x: int) -> list[int]:
        return [k for k in range(1, x + 1) if a % k == 0 and b % k == 0]

    fa = [k for k in range(1, a + 1) if a % k == 0]
    fb = [k for k in range(1, b + 1) if b % k == 0]
    if i % 4 == 1:
        # select all common factors
        only_one = [k for k in sorted(set(fa) ^ set(fb)) if k > 1]
        right = [k for k in common(min(a, b))]
        if len(only_one) < 2 or len(right) < 2:
            raise Retry
        wrong_pick = r.sample(only_one, 2)
        right_pick = sorted(r.sample(right, min(3, len(right))))
        choices = [str(k) for k in sorted(set(right_pick + wrong_pick))]

        def is_common(text: Any) -> bool:
            k = int(text)
            return a % k == 0 and b % k == 0

        return Draft(
            f"Select all the numbers that are factors of both {a} and {b}.", "multi",
            [c for c in choices if is_common(c)],
            [Wrong(str(k), "factor_of_one_number_only",
                   f"{k} is a factor of {a if a % k == 0 else b} but not of {b if a % k == 0 else a}: "
                   "a common factor must divide both numbers.") for k in wrong_pick],
            [f"A common factor divides {a} and {b} with no remainder.",
             f"Factors of {a}: {', '.join(map(str, fa))}. Factors of {b}: {', '.join(map(str, fb))}.",
             f"The common factors are {', '.join(map(str, common(min(a, b))))}; pick those from the list."],
            is_common, choices=choices)
    lcm = a * b // g
    small = g // min(p for p in range(2, g + 1) if g % p == 0)
    wrongs: list[tuple[F | int | None, str, str]] = [
        (lcm, "gcf_lcm_confused", f"{lcm} is the least common multiple of {a} and {b}; the greatest common "
         "factor divides both numbers, so it cannot be larger than either of them."),
        (small if small > 1 else 1, "not_greatest_factor",
         f"{small if small > 1 else 1} divides both numbers, but it is not the greatest number that does."),
    ]
    return number(
        f"What is the greatest common factor of {a} and {b}?", g,
        lambda v: v.denominator == 1 and v > 0 and a % v == 0 and b % v == 0
        and not any(a % k == 0 and b % k == 0 for k in range(int(v) + 1, min(a, b) + 1)),
        wrongs,
        ["List the factors of each number.",
         f"Factors of {a}: {', '.join(map(str, fa))}. Factors of {b}: {', '.join(map(str, fb))}.",
         f"The numbers in both lists are {', '.join(map(str, common(min(a, b))))}; the greatest is {g}."])


def g_num_lcm(r: random.Random, i: int) -> Draft:
    a, b = sorted(r.sample(range(2, 16), 2))
    g = math.gcd(a, b)
    if g == 1:
        raise Retry
    lcm = a * b // g
    mult = [b * k for k in range(1, lcm // b + 1)]
    return number(
        f"What is the least common multiple of {a} and {b}?", lcm,
        lambda v: v.denominator == 1 and v > 0 and v % a == 0 and v % b == 0
        and not any(k % a == 0 and k % b == 0 for k in range(1, int(v))),
        [(a * b, "product_not_least", f"{a} \u00d7 {b} = {a * b} is a common multiple, but there is a smaller one."),
         (g, "lcm_gcf_confused", f"{g} is the greatest common factor; a common multiple is at least as big as "
          "both numbers.")],
        [f"List multiples of the larger number, {b}, and stop at the first one that {a} divides.",
         f"Multiples of {b}: {', '.join(map(str, mult))}.",
         f"{lcm} is the first multiple of {b} that is also a multiple of {a}, so the LCM is {lcm}."])


def g_num_int_add(r: random.Random, i: int) -> Draft:
    if i == 7:
        vals = r.sample([k for k in range(-12, 13)], 5)
        if sum(1 for v in vals if v < 0) < 2:
            raise Retry
        shown = [str(v) for v in vals]
        right = [str(v) for v in sorted(vals)]
        by_size = [str(v) for v in sorted(vals, key=lambda v: (abs(v), v))]
        if by_size == right:
            raise Retry

        def ordered(seq: Any) -> bool:
            nums = [int(x) for x in seq]
            return sorted(nums) == sorted(vals) and all(x < y for x, y in zip(nums, nums[1:]))

        return Draft(
            "Put these integers in order from least to greatest.", "order", right,
            [Wrong(", ".join(by_size), "ordered_by_size_ignoring_sign",
                   "You ordered by size without the sign: a negative number is less than zero, and -9 is less "
                   "than -2.")],
            ["Numbers further left on the number line are smaller.",
             "All the negative numbers come first; among them, the one furthest from zero is the least.",
             "In order: " + ", ".join(right) + "."],
            ordered, choices=shown)
    a = r.choice([k for k in range(-15, 16) if k])
    b = r.choice([k for k in range(-15, 16) if k])
    if i % 2 == 0:
        v = a + b
        wrongs: list[tuple[F | int | None, str, str]] = [(-v if v else None, "wrong_sign",
                                                           "Check the sign: the answer takes the sign of the number "
                                                           "further from zero.")]
        if (a < 0) != (b < 0):
            mag = abs(a) + abs(b)
            wrongs.append((mag if abs(a) > abs(b) and a > 0 or abs(b) > abs(a) and b > 0 else -mag,
                           "added_sizes_with_different_signs",
                           "With different signs, subtract the sizes instead of adding them."))
        return number(f"Work out {a} + {par(b)}.", v, lambda x: x - b == a, wrongs,
                      ["Start at the first number on a number line.",
                       f"Adding {par(b)} moves {abs(b)} to the {'right' if b > 0 else 'left'}.",
                       f"{a} + {par(b)} = {v}."])
    v = a - b
    wrongs = [(-v if v else None, "wrong_sign", "Check the sign of your answer on a number line.")]
    if b < 0:
        wrongs.append((a + b, "subtract_negative",
                       f"Subtracting a negative is adding: {a} - ({b}) = {a} + {-b}."))
    return number(f"Work out {a} - {par(b)}.", v, lambda x: x + b == a, wrongs,
                  ["Subtracting a number is the same as adding its opposite.",
                   f"{a} - {par(b)} = {a} + {par(-b)}.",
                   f"{a} + {par(-b)} = {v}."])


def g_num_int_mul(r: random.Random, i: int) -> Draft:
    a = r.choice([k for k in range(-12, 13) if abs(k) > 1])
    b = r.choice([k for k in range(-12, 13) if abs(k) > 1])
    if a > 0 and b > 0:
        raise Retry
    if i % 2 == 0:
        v = a * b
        return number(f"Work out {a} \u00d7 {par(b)}.", v, lambda x: x / b == a,
                      [(-v, "sign_rule", "Check the sign: same signs give a positive product, different signs a "
                        "negative one.")],
                      ["Multiply the sizes, then decide the sign.",
                       f"{abs(a)} \u00d7 {abs(b)} = {abs(v)}; the signs are {'the same' if (a < 0) == (b < 0) else 'different'}.",
                       f"{a} \u00d7 {par(b)} = {v}."])
    p = a * b
    return number(f"Work out {p} \u00f7 {par(b)}.", a, lambda x: x * b == p,
                  [(-a, "sign_rule", "Check the sign: dividing numbers with the same sign gives a positive "
                    "answer, different signs a negative one."),
                   (p * b if abs(p * b) < 200 else None, "multiplied_instead_of_divided",
                    "You multiplied; the question asks you to divide.")],
                  ["Divide the sizes, then decide the sign.",
                   f"{abs(p)} \u00f7 {abs(b)} = {abs(a)}; the signs are {'the same' if (p < 0) == (b < 0) else 'different'}.",
                   f"{p} \u00f7 {par(b)} = {a}."])


def g_num_order_ops(r: random.Random, i: int) -> Draft:
    a, b, c, d = (r.randint(2, 9) for _ in range(4))
    form = i % 4
    if form == 0:
        shown, py, wrong = f"{a} + {b} \u00d7 {c}", f"{a} + {b} * {c}", (a + b) * c
        why = "You worked left to right; multiply before you add."
        steps = f"{b} \u00d7 {c} = {b * c}, then {a} + {b * c} = {a + b * c}."
    elif form == 1:
        shown, py, wrong = f"{a} \u00d7 ({b} + {c})", f"{a} * ({b} + {c})", a * b + c
        why = "Brackets come first: add inside the brackets, then multiply."
        steps = f"{b} + {c} = {b + c}, then {a} \u00d7 {b + c} = {a * (b + c)}."
    elif form == 2:
        bb = b * c
        a = a + bb
        shown, py, wrong = f"{a} - {bb} \u00f7 {c}", f"{a} - {bb} / {c}", F(a - bb, c)
        why = "You subtracted first; divide before you subtract."
        steps = f"{bb} \u00f7 {c} = {b}, then {a} - {b} = {a - b}."
    else:
        shown, py, wrong = f"{a} + {b} \u00d7 {c} - {d}", f"{a} + {b} * {c} - {d}", (a + b) * c - d
        why = "You worked left to right; do the multiplication first."
        steps = f"{b} \u00d7 {c} = {b * c}, then {a} + {b * c} - {d} = {a + b * c - d}."
    value = eval_expr(py)
    return number(f"Work out {shown}.", value, lambda x: x == eval_expr(py),
                  [(wrong, "left_to_right" if form != 1 else "ignored_brackets", why)],
                  ["Brackets first, then multiplication and division, then addition and subtraction.",
                   "Find the multiplication, division or bracket to do first.", steps])


# --------------------------------------------------------------------------- fractions


def _proper(r: random.Random, lo: int = 2, hi: int = 9) -> F:
    d = r.randint(lo, hi)
    n = r.randint(1, d - 1)
    if math.gcd(n, d) != 1:
        raise Retry
    return F(n, d)


def g_frac_equiv(r: random.Random, i: int) -> Draft:
    q = _proper(r, 3, 9)
    a, b = q.numerator, q.denominator
    if i % 3 == 1:
        right = [f"{a * k}/{b * k}" for k in r.sample([2, 3, 4, 5], 2)]
        wrong_add = f"{a + 2}/{b + 2}"
        wrong_den = f"{a}/{b * 2}"
        choices = sorted(set(right + [wrong_add, wrong_den]), key=lambda s: (parse_number(s) or 0, s))
        r.shuffle(choices)

        def equal(text: Any) -> bool:
            return parse_number(str(text)) == q

        return Draft(
            f"Select all the fractions equal to {a}/{b}.", "multi", [c for c in choices if equal(c)],
            [Wrong(wrong_add, "add_same_number",
                   "Adding the same number to the top and bottom changes the fraction; multiply both instead."),
             Wrong(wrong_den, "changed_one_part",
                   "Changing only the denominator changes the size of the fraction.")],
            ["An equal fraction comes from multiplying top and bottom by the same number.",
             f"Check each one: divide its numerator and denominator by the same number to get back to {a}/{b}.",
             "The equal ones are " + " and ".join(right) + "."],
            equal, choices=choices)
    k = r.randint(2, 6)
    den = b * k
    return number(
        f"Fill in the missing numerator: {a}/{b} = ?/{den}", a * k, lambda v: v / den == q,
        [(a + den - b, "add_not_multiply",
          f"You added {den - b} to the numerator because the denominator grew by {den - b}; "
          f"multiply instead: the denominator was multiplied by {k}.")],
        [f"What do you multiply {b} by to get {den}?",
         f"{b} \u00d7 {k} = {den}, so multiply the numerator by {k} too.",
         f"{a} \u00d7 {k} = {a * k}, so {a}/{b} = {a * k}/{den}."])


def g_frac_simplify(r: random.Random, i: int) -> Draft:
    g = r.choice([4, 6, 8, 9, 12])
    q = _proper(r, 2, 9)
    m, n = q.numerator, q.denominator
    num, den = g * m, g * n
    p = min(k for k in range(2, g + 1) if g % k == 0)
    partial = f"{num // p}/{den // p}"

    def simplest(text: Any) -> bool:
        mt = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(text))
        if not mt:
            return False
        x, y = int(mt.group(1)), int(mt.group(2))
        return y > 0 and F(x, y) == F(num, den) and math.gcd(x, y) == 1

    wrongs = [Wrong(partial, "not_fully_simplified",
                    f"{partial} is equal to {num}/{den} but not in simplest form: {num // p} and {den // p} still "
                    "share a factor. Divide by the greatest common factor."),
              Wrong(f"{num // g}/{den}", "divided_one_part",
                    "Divide the numerator and the denominator by the same number.")]
    return Draft(
        f"Write {num}/{den} in simplest form.", "text", [f"{m}/{n}", f"{m} / {n}"], wrongs,
        [f"Find the greatest common factor of {num} and {den}.",
         f"The greatest common factor is {g}.",
         f"{num} \u00f7 {g} = {m} and {den} \u00f7 {g} = {n}, so {num}/{den} = {m}/{n}."],
        simplest)


def g_frac_compare(r: random.Random, i: int) -> Draft:
    if i % 3 == 2:
        vals: set[F] = set()
        shown: list[str] = []
        while len(shown) < 4:
            q = _proper(r, 2, 12)
            if q not in vals:
                vals.add(q)
                shown.append(fr(q))
        right = sorted(shown, key=lambda s: parse_number(s) or 0)
        by_den = sorted(shown, key=lambda s: (int(s.split("/")[1]), int(s.split("/")[0])))
        if by_den == right:
            raise Retry

        def ordered(seq: Any) -> bool:
            nums = [parse_number(x) for x in seq]
            return sorted(seq) == sorted(shown) and all(x < y for x, y in zip(nums, nums[1:]))  # type: ignore[operator]

        return Draft(
            "Put these fractions in order from least to greatest.", "order", right,
            [Wrong(", ".join(by_den), "ordered_by_denominator",
                   "You ordered by the denominators; a bigger denominator means smaller pieces, not a bigger "
                   "fraction. Compare the values.")],
            ["Compare each fraction to 1/2, or rewrite them over a common denominator.",
             "Turn each fraction into a decimal to compare: divide the numerator by the denominator.",
             "In order: " + ", ".join(right) + "."],
            ordered, choices=shown)
    x, y = _proper(r, 3, 8), _proper(r, 4, 12)
    if not (x.denominator < y.denominator and x > y and y.numerator > x.numerator):
        raise Retry
    choices = [fr(x), fr(y), "They are equal"]
    r.shuffle(choices)
    return Draft(
        f"Which is greater: {fr(x)} or {fr(y)}?", "choice", fr(x),
        [Wrong(fr(y), "bigger_numbers_bigger_fraction",
               f"{fr(y)} has bigger numbers, but its pieces are smaller ({y.denominator}ths). Compare over a "
               "common denominator."),
         Wrong("They are equal", "not_equal", "They are not equal: rewrite both over a common denominator.")],
        [f"Rewrite both fractions with the denominator {x.denominator * y.denominator // math.gcd(x.denominator, y.denominator)}.",
         f"{fr(x)} = {x.numerator * (y.denominator // math.gcd(x.denominator, y.denominator))}/"
         f"{x.denominator * y.denominator // math.gcd(x.denominator, y.denominator)} and {fr(y)} = "
         f"{y.numerator * (x.denominator // math.gcd(x.denominator, y.denominator))}/"
         f"{x.denominator * y.denominator // math.gcd(x.denominator, y.denominator)}.",
         f"So {fr(x)} is greater."],
        lambda t: parse_number(str(t)) == max(x, y) and str(t) in (fr(x), fr(y)), choices=choices)


def g_frac_add_like(r: random.Random, i: int) -> Draft:
    n = r.randint(3, 12)
    a, b = r.randint(1, n - 1), r.randint(1, n - 1)
    if i % 2 == 0:
        v = F(a + b, n)
        return number(
            f"Work out {a}/{n} + {b}/{n}.", v, lambda x: x - F(b, n) == F(a, n),
            [(f"{a + b}/{2 * n}", "add_denominators",
              f"You added the denominators too: the pieces are still {n}ths, so {a}/{n} + {b}/{n} is not "
              f"{a + b}/{2 * n}.")],
            [f"The pieces are the same size ({n}ths), so only the count of pieces changes.",
             f"Add the numerators: {a} + {b} = {a + b}.",
             f"{a}/{n} + {b}/{n} = {a + b}/{n}" + (f" = {fr(v)}." if fr(v) != f"{a + b}/{n}" else ".")])
    if a == b:
        raise Retry
    a, b = max(a, b), min(a, b)
    v = F(a - b, n)
    return number(
        f"Work out {a}/{n} - {b}/{n}.", v, lambda x: x + F(b, n) == F(a, n),
        [(F(b - a, n), "subtracted_backwards", "You subtracted the wrong way round: take the second fraction "
          "from the first."),
         (f"{a - b}/{2 * n}", "add_denominators", f"Keep the denominator: the pieces are still {n}ths.")],
        [f"The pieces are the same size ({n}ths).",
         f"Subtract the numerators: {a} - {b} = {a - b}.",
         f"{a}/{n} - {b}/{n} = {a - b}/{n}" + (f" = {fr(v)}." if fr(v) != f"{a - b}/{n}" else ".")])


def _unlike_pair(r: random.Random) -> tuple[F, F]:
    x, y = _proper(r, 2, 10), _proper(r, 2, 10)
    if x.denominator == y.denominator:
        raise Retry
    return x, y


def g_frac_add_unlike(r: random.Random, i: int) -> Draft:
    x, y = _unlike_pair(r)
    a, b, c, d = x.numerator, x.denominator, y.numerator, y.denominator
    lcd = b * d // math.gcd(b, d)
    add = i % 3 != 2
    if not add and x <= y:
        x, y = y, x
        a, b, c, d = c, d, a, b
    op = "+" if add else "-"
    v = x + y if add else x - y
    num = a * (lcd // b) + (c * (lcd // d) if add else -c * (lcd // d))
    wrongs: list[tuple[F | int | None, str, str]] = [
        (f"{a + c}/{b + d}" if add else (fr(F(a - c, b - d)) if b != d and a != c else None), "add_denominators",
         f"You {'added' if add else 'subtracted'} the denominators: {a}/{b} {op} {c}/{d} is not "
         f"{a + c if add else a - c}/{b + d if add else b - d}. Use a common denominator."),
        (f"{a + c}/{lcd}" if add else (f"{a - c}/{lcd}" if a > c else None), "numerators_not_scaled",
         f"You changed the denominators to {lcd} but did not change the numerators to match."),
    ]
    return number(
        f"Work out {a}/{b} {op} {c}/{d}.", v,
        (lambda t: t - y == x) if add else (lambda t: t + y == x), wrongs,
        [f"Find a common denominator for {b} and {d}.",
         f"Use {lcd}: {a}/{b} = {a * (lcd // b)}/{lcd} and {c}/{d} = {c * (lcd // d)}/{lcd}.",
         f"{a * (lcd // b)}/{lcd} {op} {c * (lcd // d)}/{lcd} = {num}/{lcd}"
         + (f" = {fr(v)}." if fr(v) != f"{num}/{lcd}" else ".")])


def g_frac_mixed(r: random.Random, i: int) -> Draft:
    w = r.randint(1, 5)
    q = _proper(r, 2, 9)
    a, n = q.numerator, q.denominator
    v = w + q
    if i % 2 == 0:
        return number(
            f"Write {w} {a}/{n} as an improper fraction.", v, lambda t: t == w + F(a, n),
            [(f"{w + a}/{n}", "add_whole_to_numerator",
              f"You added the whole number to the numerator; each whole is {n}/{n}, so {w} wholes are {w * n}/{n}."),
             (f"{w * a + n}/{n}", "multiplied_wrong_parts",
              f"Multiply the whole number by the denominator ({w} \u00d7 {n}), then add the numerator.")],
            [f"Each whole is {n}/{n}.",
             f"{w} wholes are {w} \u00d7 {n} = {w * n} {n}ths; add the {a} more.",
             f"{w * n} + {a} = {w * n + a}, so {w} {a}/{n} = {w * n + a}/{n}."],
            forms=("fraction",))
    improper = f"{w * n + a}/{n}"

    def is_mixed(text: Any) -> bool:
        mt = re.fullmatch(r"\s*(\d+)\s+(\d+)\s*/\s*(\d+)\s*", str(text))
        if not mt:
            return False
        whole, num, den = (int(g) for g in mt.groups())
        return 0 < num < den and whole + F(num, den) == v

    return Draft(
        f"Write {improper} as a mixed number (for example 2 1/3).", "text", [f"{w} {a}/{n}"],
        [Wrong(f"{w} {a}/{w * n + a}", "remainder_over_numerator",
               f"The remainder counts {n}ths, so it goes over {n}, not over {w * n + a}.")],
        [f"How many times does {n} go into {w * n + a}?",
         f"{w * n + a} \u00f7 {n} = {w} remainder {a}.",
         f"So {improper} = {w} {a}/{n}."],
        is_mixed)


def g_frac_mul(r: random.Random, i: int) -> Draft:
    if i % 3 == 0:
        k = r.randint(2, 6)
        q = _proper(r, 3, 9)
        a, b = q.numerator, q.denominator
        v = k * q
        return number(
            f"Work out {k} \u00d7 {a}/{b}.", v, lambda t: t / k == q,
            [(f"{k * a}/{k * b}", "multiply_both_parts",
              f"You multiplied the top and the bottom by {k}, which gives a fraction equal to {a}/{b}. Multiply "
              "only the numerator.")],
            [f"{k} \u00d7 {a}/{b} means {k} groups of {a}/{b}.",
             f"Multiply the numerator: {k} \u00d7 {a} = {k * a}.",
             f"{k} \u00d7 {a}/{b} = {k * a}/{b}" + (f" = {fr(v)}." if fr(v) != f"{k * a}/{b}" else ".")])
    x, y = _proper(r), _proper(r)
    a, b, c, d = x.numerator, x.denominator, y.numerator, y.denominator
    v = x * y
    return number(
        f"Work out {a}/{b} \u00d7 {c}/{d}.", v, lambda t: t / y == x,
        [(f"{a * d}/{b * c}", "cross_multiply", "Cross-multiplying is not how fractions are multiplied: multiply "
          "numerator by numerator and denominator by denominator."),
         (f"{a * c}/{b}" if b == d else f"{a + c}/{b + d}", "kept_denominator" if b == d else "added_parts",
          "Multiply the denominators as well." if b == d else "Multiply the numerators and the denominators; "
          "do not add them.")],
        ["Multiply the numerators, then the denominators.",
         f"{a} \u00d7 {c} = {a * c} and {b} \u00d7 {d} = {b * d}.",
         f"{a}/{b} \u00d7 {c}/{d} = {a * c}/{b * d}" + (f" = {fr(v)}." if fr(v) != f"{a * c}/{b * d}" else ".")])


def g_frac_div(r: random.Random, i: int) -> Draft:
    if i % 3 == 0:
        k = r.randint(2, 6)
        q = _proper(r, 2, 6)
        a, b = q.numerator, q.denominator
        v = k / q
        return number(
            f"Work out {k} \u00f7 {a}/{b}.", v, lambda t: t * q == k,
            [(f"{k * a}/{b}", "no_reciprocal", f"You multiplied by {a}/{b}; dividing by {a}/{b} means multiplying by "
              f"{b}/{a}."),
             (F(k, b), "divided_denominator_only", f"Dividing by {a}/{b} is multiplying by {b}/{a}.")],
            [f"How many {a}/{b}s fit into {k}?",
             f"Dividing by {a}/{b} is the same as multiplying by {b}/{a}.",
             f"{k} \u00d7 {b}/{a} = {k * b}/{a}" + (f" = {fr(v)}." if fr(v) != f"{k * b}/{a}" else ".")])
    x, y = _proper(r), _proper(r)
    a, b, c, d = x.numerator, x.denominator, y.numerator, y.denominator
    v = x / y
    return number(
        f"Work out {a}/{b} \u00f7 {c}/{d}.", v, lambda t: t * y == x,
        [(f"{a * c}/{b * d}", "no_reciprocal", f"You multiplied straight across; to divide, multiply by the reciprocal "
          f"{d}/{c}."),
         (f"{b * c}/{a * d}", "flipped_first_fraction", "You flipped the first fraction; flip the one you divide by.")],
        ["Keep the first fraction, change \u00f7 to \u00d7, flip the second fraction.",
         f"{a}/{b} \u00f7 {c}/{d} = {a}/{b} \u00d7 {d}/{c}.",
         f"{a}/{b} \u00d7 {d}/{c} = {a * d}/{b * c}" + (f" = {fr(v)}." if fr(v) != f"{a * d}/{b * c}" else ".")])


def g_frac_word(r: random.Random, i: int) -> Draft:
    form = i % 4
    if form in (0, 1):
        x, y = _unlike_pair(r)
        if form == 1 and x <= y:
            x, y = y, x
        if form == 0:
            prompt = (f"Maya walked {fr(x)} of a mile to school and then {fr(y)} of a mile to the library. "
                      "How far did she walk in all (in miles)?")
            v, pred = x + y, (lambda t: t - y == x)
            wrong = (f"{x.numerator + y.numerator}/{x.denominator + y.denominator}", "add_denominators",
                     "You added the tops and the bottoms; use a common denominator first.")
            step = f"{fr(x)} + {fr(y)} = {fr(v)}"
        else:
            prompt = (f"A jug held {fr(x)} of a litre of juice. Sam poured out {fr(y)} of a litre. "
                      "How much juice is left (in litres)?")
            v, pred = x - y, (lambda t: t + y == x)
            wrong = (x + y, "added_instead_of_subtracted", "Juice was poured out, so subtract.")
            step = f"{fr(x)} - {fr(y)} = {fr(v)}"
        return number(prompt, v, pred, [wrong],
                      ["Decide whether the amounts are combined or one is taken away.",
                       "Rewrite both fractions over a common denominator.", step + "."],
                      extra_skills=("frac.add.unlike",))
    if form == 2:
        x, y = _proper(r, 2, 8), _proper(r, 2, 6)
        v = x * y
        return number(
            f"A recipe needs {fr(x)} of a cup of flour. How much flour is needed for {fr(y)} of the recipe (in cups)?",
            v, lambda t: t / y == x,
            [(x + y, "added_instead_of_multiplied", f"'{fr(y)} of' an amount means multiply by {fr(y)}."),
             (x / y, "divided_instead_of_multiplied", f"'{fr(y)} of' an amount means multiply, not divide.")],
            [f"'{fr(y)} of {fr(x)}' means {fr(y)} \u00d7 {fr(x)}.",
             "Multiply the numerators and the denominators.",
             f"{fr(y)} \u00d7 {fr(x)} = {fr(v)}."],
            extra_skills=("frac.mul",))
    serving = _proper(r, 2, 8)
    k = r.randint(2, 8)
    total = serving * k
    return number(
        f"There are {fr(total)} cups of rice. Each serving is {fr(serving)} of a cup. How many servings is that?",
        k, lambda t: t * serving == total,
        [(total * serving, "multiplied_instead_of_divided",
          "To find how many servings fit, divide the total by the size of one serving.")],
        [f"How many {fr(serving)}s fit into {fr(total)}?",
         f"{fr(total)} \u00f7 {fr(serving)} = {fr(total)} \u00d7 {fr(1 / serving)}.",
         f"{fr(total)} \u00d7 {fr(1 / serving)} = {k}, so {k} servings."],
        extra_skills=("frac.div",))


# --------------------------------------------------------------------------- decimals and percents


_TERMINATING_DENS = [2, 4, 5, 8, 10, 20, 25, 50]


def g_dec_convert(r: random.Random, i: int) -> Draft:
    b = r.choice(_TERMINATING_DENS)
    a = r.randint(1, b - 1)
    if math.gcd(a, b) != 1:
        raise Retry
    q = F(a, b)
    scale = {2: 5, 4: 25, 5: 2, 8: 125, 10: 1, 20: 5, 25: 4, 50: 2}[b]
    power = b * scale
    return number(
        f"Write {a}/{b} as a decimal.", q, lambda t: t == F(a, b),
        [(parse_number(f"{a}.{b}"), "digits_as_decimal",
          f"{a}.{b} just puts the numerator and denominator either side of a point; {a}/{b} means {a} \u00f7 {b}."),
         (F(b, a) if a > 1 else None, "divided_wrong_way", f"Divide the numerator by the denominator: {a} \u00f7 {b}.")],
        [f"{a}/{b} means {a} \u00f7 {b}.",
         f"Make the denominator {power}: multiply top and bottom by {scale} to get {a * scale}/{power}.",
         f"{a * scale}/{power} = {dec(q)}."],
        style="decimal", forms=("decimal",))


def g_dec_mul(r: random.Random, i: int) -> Draft:
    x = F(r.randint(2, 35), 10)
    y = F(r.randint(2, 9), r.choice([10, 100]))
    if x.denominator == 1 or y.denominator == 1:
        raise Retry
    v = x * y
    places = len(dec(x).split(".")[1]) + len(dec(y).split(".")[1])
    whole = int(v * 10 ** places)
    return number(
        f"Work out {dec(x)} \u00d7 {dec(y)}.", v, lambda t: t / y == x,
        [(v * 10, "decimal_places", f"Count the decimal places: {dec(x)} and {dec(y)} have {places} between them, "
          "so the answer has that many."),
         (x + y, "added_instead_of_multiplied", "You added; the question asks you to multiply.")],
        ["Multiply as if there were no decimal points, then place the point.",
         f"{dec(x).replace('.', '').lstrip('0')} \u00d7 {dec(y).replace('.', '').lstrip('0')} = {whole}; "
         f"there are {places} decimal places in total.",
         f"So {dec(x)} \u00d7 {dec(y)} = {dec(v)}."],
        style="decimal")


def g_pct_concept(r: random.Random, i: int) -> Draft:
    if i % 2 == 0:
        p = r.choice([3, 5, 8, 12, 15, 25, 35, 40, 45, 60, 75, 80, 125])
        v = F(p, 100)
        return number(
            f"Write {p}% as a decimal.", v, lambda t: t * 100 == p,
            [(F(p, 10), "moved_one_place", "Percent means per hundred: divide by 100, which moves the point two "
              "places."),
             (F(p), "kept_percent_number", f"{p} is the percent without the % sign; as a decimal it is {p} \u00f7 100.")],
            ["Percent means 'out of 100'.", f"{p}% = {p}/100.", f"{p} \u00f7 100 = {dec(v)}."],
            style="decimal", forms=("decimal", "fraction"))
    b = r.choice([2, 4, 5, 10, 20, 25, 50])
    a = r.randint(1, b - 1)
    if math.gcd(a, b) != 1:
        raise Retry
    q = F(a, b)
    return number(
        f"Write {a}/{b} as a percent.", q, lambda t: t == F(a, b),
        [(F(int(f"{a}{b}"), 100), "digits_as_percent",
          f"Writing the digits side by side does not convert a fraction; find how many hundredths {a}/{b} is."),
         (q / 100, "forgot_to_multiply_by_100", f"{dec(q)} is the decimal; multiply by 100 to get the percent.")],
        ["A percent is a number of hundredths.",
         f"Multiply top and bottom by {100 // b}: {a}/{b} = {a * (100 // b)}/100.",
         f"{a * (100 // b)}/100 = {a * (100 // b)}%."],
        style="percent")


def g_pct_of(r: random.Random, i: int) -> Draft:
    p = r.choice([5, 10, 15, 20, 25, 30, 40, 50, 60, 75])
    unit = 100 // math.gcd(p, 100)
    base = unit * r.randint(1, max(1, 240 // unit))
    if base < 20:
        raise Retry
    v = F(p * base, 100)
    return number(
        f"What is {p}% of {base}?", v, lambda t: t * 100 == p * base,
        [(p * base, "forgot_divide_by_100", f"You multiplied {p} \u00d7 {base}; {p}% is {p}/100, so divide by 100."),
         (v / 10, "decimal_place", f"Check the decimal point: {p}% is {dec(F(p, 100))}.")],
        [f"{p}% means {p}/100.",
         f"{p}% of {base} = {p}/100 \u00d7 {base}.",
         f"{p} \u00d7 {base} = {p * base}, and {p * base} \u00f7 100 = {fr(v)}."],
        style="decimal")


def g_pct_change(r: random.Random, i: int) -> Draft:
    orig = r.choice([20, 40, 50, 60, 80, 120, 200, 250, 400])
    p = r.choice([10, 20, 25, 40, 50, 75])
    change = F(orig * p, 100)
    if change.denominator != 1:
        raise Retry
    up = i % 2 == 0
    new = orig + change if up else orig - change
    word = "increase" if up else "decrease"
    what = r.choice(["price of a bike", "number of club members", "cost of a ticket", "height of a plant"])
    unit = "$" if "price" in what or "cost" in what else ""
    return number(
        f"The {what} went from {unit}{orig} to {unit}{fr(new)}. By what percent did it {word}? "
        "Give the number without the % sign.",
        p, lambda t: t / 100 * orig == change,
        [(F(round(change / new * 1000), 10), "divided_by_new_amount",
          f"Divide the change by the original amount ({orig}), not the new one."),
         (change, "change_not_percent", f"{fr(change)} is the change itself; divide it by {orig} and multiply by 100.")],
        [f"Find the change: {fr(new)} and {orig} differ by {fr(change)}.",
         f"Divide the change by the original amount: {fr(change)} \u00f7 {orig} = {dec(change / orig)}.",
         f"{dec(change / orig)} = {p}%, so it is a {p}% {word}."],
        style="decimal", forms=("decimal",))


# --------------------------------------------------------------------------- ratios


def _ratio_parts(text: Any) -> tuple[int, int] | None:
    mt = re.fullmatch(r"\s*(\d+)\s*(?::|to)\s*(\d+)\s*", str(text))
    return (int(mt.group(1)), int(mt.group(2))) if mt else None


def g_ratio_concept(r: random.Random, i: int) -> Draft:
    k = r.randint(2, 6)
    m, n = r.randint(1, 7), r.randint(1, 7)
    if m == n or math.gcd(m, n) != 1:
        raise Retry
    girls, boys = k * m, k * n
    whole = i % 3 == 2
    if whole:
        target = F(girls, girls + boys)
        ask, x, y = "girls to all the students", m, m + n
        steps = f"girls : all = {girls} : {girls + boys}"
    else:
        target = F(boys, girls)
        ask, x, y = "boys to girls", n, m
        steps = f"boys : girls = {boys} : {girls}"

    def simplest(text: Any) -> bool:
        parts = _ratio_parts(text)
        return parts is not None and parts[1] > 0 and F(parts[0], parts[1]) == target and math.gcd(*parts) == 1

    wrongs = [Wrong(f"{y}:{x}", "ratio_order_reversed", f"Keep the order asked for: {ask}."),
              Wrong(f"{k * x}:{k * y}", "not_simplified",
                    f"That ratio is right but not in simplest form: divide both parts by {k}.")]
    if not whole:
        wrongs.append(Wrong(f"{n}:{m + n}", "part_to_whole", "That compares boys to all students, not to girls."))
    return Draft(
        f"A class has {girls} girls and {boys} boys. Write the ratio of {ask} in simplest form (like 2:3).",
        "text", [f"{x}:{y}", f"{x} : {y}", f"{x} to {y}"], wrongs,
        [f"Write the numbers in the order asked: {ask}.",
         f"{steps}; both numbers can be divided by {k}.",
         f"Dividing by {k} gives {x}:{y}."],
        simplest)


def g_ratio_equiv(r: random.Random, i: int) -> Draft:
    a, b = r.randint(2, 9), r.randint(2, 9)
    k = r.randint(2, 7)
    if a == b:
        raise Retry
    if i % 2 == 0:
        return number(
            f"Fill in the missing number so the ratios are equal: {a}:{b} = {a * k}:?", b * k,
            lambda t: F(a, b) == F(a * k) / t if t else False,
            [(a * k - a + b, "additive_reasoning",
              f"You added {a * k - a} to both parts; equal ratios come from multiplying both parts by the same "
              f"number ({k}).")],
            [f"What do you multiply {a} by to get {a * k}?",
             f"{a} \u00d7 {k} = {a * k}, so multiply {b} by {k} as well.",
             f"{b} \u00d7 {k} = {b * k}: {a}:{b} = {a * k}:{b * k}."])
    return number(
        f"Fill in the missing number so the ratios are equal: {a}:{b} = ?:{b * k}", a * k,
        lambda t: F(a, b) == t / (b * k),
        [(b * k - b + a, "additive_reasoning",
          f"You added {b * k - b} to both parts; multiply both parts by {k} instead.")],
        [f"What do you multiply {b} by to get {b * k}?",
         f"{b} \u00d7 {k} = {b * k}, so multiply {a} by {k} too.",
         f"{a} \u00d7 {k} = {a * k}: {a}:{b} = {a * k}:{b * k}."])


def g_ratio_unit_rate(r: random.Random, i: int) -> Draft:
    if i % 2 == 0:
        rate = r.randint(35, 70)
        hours = r.randint(2, 6)
        total = rate * hours
        return number(
            f"A car travels {total} miles in {hours} hours at a steady speed. How many miles does it travel in one hour?",
            rate, lambda t: t * hours == total,
            [(f"{hours}/{total}", "inverted_rate", "You divided hours by miles, which gives hours per mile. Divide "
              "miles by hours."),
             (total * hours, "multiplied_instead_of_divided", "To find the amount for one hour, divide by the "
              "number of hours.")],
            ["A unit rate is the amount for one unit: here, miles in one hour.",
             f"Divide the miles by the hours: {total} \u00f7 {hours}.",
             f"{total} \u00f7 {hours} = {rate} miles per hour."])
    price = F(r.randint(5, 40) * 25, 100)
    n = r.randint(2, 8)
    total = price * n
    thing = r.choice(["notebooks", "pens", "apples", "bus tickets"])
    return number(
        f"{n} {thing} cost ${dec(total)}. What is the price of one, in dollars?",
        price, lambda t: t * n == total,
        [(total * n, "multiplied_instead_of_divided", f"To find the price of one, divide the total by {n}."),
         (F(n) / total if terminates(F(n) / total) else None, "inverted_rate",
          "You divided the number of items by the cost; divide the cost by the number of items.")],
        ["The price of one is the total cost divided by the number of items.",
         f"${dec(total)} \u00f7 {n}.",
         f"${dec(total)} \u00f7 {n} = ${dec(price)}."],
        style="decimal")


def g_ratio_proportion(r: random.Random, i: int) -> Draft:
    q = _proper(r, 2, 7)
    m, n = q.numerator, q.denominator
    s, t = r.randint(2, 5), r.randint(2, 6)
    if s == t:
        raise Retry
    b, c, a = m * s, n * s, n * t
    x = m * t
    return number(
        f"Solve for x: x/{a} = {b}/{c}", x, lambda v: v / a == F(b, c),
        [(F(a * c, b), "cross_multiply_wrong_pair", f"Multiply {a} by {b} and divide by {c} (cross-multiply the "
          "pairs that face each other)."),
         (a + b - c if a + b - c > 0 else None, "additive_reasoning",
          "Equal ratios come from multiplying, not adding the same amount.")],
        [f"Simplify {b}/{c} first: it equals {m}/{n}.",
         f"x/{a} = {m}/{n}, and {a} = {n} \u00d7 {t}.",
         f"x = {m} \u00d7 {t} = {x}."])


def g_ratio_scale(r: random.Random, i: int) -> Draft:
    s = r.randint(2, 25)
    d = r.randint(3, 15)
    if i % 2 == 0:
        return number(
            f"On a map, 1 cm stands for {s} km. Two towns are {d} cm apart on the map. How far apart are they "
            "really, in km?",
            d * s, lambda v: v / s == d,
            [(d + s, "additive_reasoning", f"Each centimetre stands for {s} km, so multiply, do not add."),
             (F(d, s), "divided_instead_of_multiplied", f"Each centimetre is {s} km, so the real distance is bigger: "
              "multiply.")],
            [f"Every 1 cm on the map is {s} km.", f"{d} cm is {d} lots of {s} km.", f"{d} \u00d7 {s} = {d * s} km."])
    real = d * s
    return number(
        f"On a map, 1 cm stands for {s} km. Two towns are {real} km apart. How far apart are they on the map, in cm?",
        d, lambda v: v * s == real,
        [(real * s, "multiplied_instead_of_divided", "The map distance is smaller than the real one: divide by "
          f"{s}."),
         (real - s, "additive_reasoning", f"Divide the real distance by {s}, do not subtract.")],
        [f"Every {s} km is 1 cm on the map.", f"How many lots of {s} km are in {real} km?",
         f"{real} \u00f7 {s} = {d} cm."])


def g_ratio_share(r: random.Random, i: int) -> Draft:
    a, b = r.randint(1, 7), r.randint(2, 9)
    if a >= b or math.gcd(a, b) != 1:
        raise Retry
    k = r.randint(2, 12)
    total = (a + b) * k
    return number(
        f"Ana and Ben share ${total} in the ratio {a}:{b}. How much does Ben get, in dollars?",
        b * k, lambda v: v / b * (a + b) == total,
        [(k, "one_part_only", f"${k} is the size of one part; Ben gets {b} parts."),
         (a * k, "shares_swapped", f"That is Ana's share; Ben gets {b} of the {a + b} parts.")],
        [f"There are {a} + {b} = {a + b} equal parts.",
         f"One part is ${total} \u00f7 {a + b} = ${k}.",
         f"Ben gets {b} parts: {b} \u00d7 ${k} = ${b * k}."])


# --------------------------------------------------------------------------- expressions


def g_expr_evaluate(r: random.Random, i: int) -> Draft:
    a, b, x = r.randint(2, 9), r.randint(1, 12), r.randint(2, 9)
    form = i % 3
    if form == 0:
        text = f"{a}x + {b}"
        wrongs: list[tuple[F | int | None, str, str]] = [
            (int(f"{a}{x}") + b, "concatenated_coefficient",
             f"{a}x means {a} \u00d7 x, not the digits {a} and {x} side by side."),
            (a + x + b, "added_coefficient", f"{a}x means {a} times x, so multiply.")]
        steps = f"{a} \u00d7 {x} = {a * x}, then {a * x} + {b} = {a * x + b}."
    elif form == 1:
        if x <= b:
            x = b + r.randint(1, 4)
        text = f"{a}(x - {b})"
        wrongs = [(a * x - b, "distributed_to_first_term_only",
                   "Work out the bracket first, then multiply all of it."),
                  (a + x - b, "added_coefficient", f"{a}(...) means {a} times the bracket.")]
        steps = f"{x} - {b} = {x - b}, then {a} \u00d7 {x - b} = {a * (x - b)}."
    else:
        text = f"{a}x - {b}"
        wrongs = [(int(f"{a}{x}") - b, "concatenated_coefficient",
                   f"{a}x means {a} \u00d7 x, not the digits {a} and {x} side by side."),
                  (a * x + b, "sign_of_term", "The expression subtracts, so take away.")]
        steps = f"{a} \u00d7 {x} = {a * x}, then {a * x} - {b} = {a * x - b}."
    v = eval_expr(text, x=x)
    return number(f"Evaluate {text} when x = {x}.", v, lambda t: t == eval_expr(text, x=x), wrongs,
                  ["Replace x with its value.", "Use the order of operations: brackets, then multiply, then add "
                   "or subtract.", steps])


def g_expr_exponents(r: random.Random, i: int) -> Draft:
    if i % 2 == 0:
        base, e = r.randint(2, 6), r.randint(2, 4)
        text = f"{base}^{e}"
        v = base ** e
        times = " \u00d7 ".join([str(base)] * e)
        return number(
            f"Evaluate {text} ({base} to the power {e}).", v, lambda t: t == eval_expr(text),
            [(base * e, "multiplied_base_and_exponent", f"{text} means {base} multiplied by itself {e} times, "
              f"not {base} \u00d7 {e}."),
             (base + e, "added_base_and_exponent", f"{text} means {times}.")],
            ["The exponent says how many times the base is a factor.",
             f"{text} = {times}.",
             f"{times} = {v}."])
    a, base = r.randint(2, 5), r.randint(2, 6)
    text = f"{a} \u00d7 {base}^2"
    v = a * base * base
    return number(
        f"Evaluate {text}.", v, lambda t: t == eval_expr(text),
        [((a * base) ** 2, "multiplied_before_power", "Powers come before multiplication: square only the "
          f"{base}."),
         (a * base * 2, "multiplied_by_exponent", f"{base}^2 means {base} \u00d7 {base}, not {base} \u00d7 2.")],
        ["Work out the power first, then multiply.", f"{base}^2 = {base * base}.",
         f"{a} \u00d7 {base * base} = {v}."])


_PHRASES: list[tuple[str, str, Callable[[F, int, int], F], list[tuple[str, str, str]]]] = [
    ("{k} more than a number n", "n + {k}", lambda n, k, m: n + k,
     [("{k}n", "multiplied_instead_of_added", "'More than' means add."),
      ("n - {k}", "opposite_operation", "'More than' means add, not subtract.")]),
    ("{k} less than a number n", "n - {k}", lambda n, k, m: n - k,
     [("{k} - n", "less_than_order", "'{k} less than n' starts with n and takes {k} away: n - {k}."),
      ("n + {k}", "opposite_operation", "'Less than' means subtract.")]),
    ("{k} times a number n, plus {m}", "{k}n + {m}", lambda n, k, m: k * n + m,
     [("{k}(n + {m})", "grouping", "Only n is multiplied by {k}; the {m} is added afterwards."),
      ("{k} + n + {m}", "added_instead_of_multiplied", "'Times' means multiply.")]),
    ("a number n divided by {k}", "n/{k}", lambda n, k, m: n / k,
     [("{k}/n", "division_order", "The number n is divided, so n comes first: n/{k}."),
      ("{k}n", "multiplied_instead_of_divided", "'Divided by' means divide, not multiply.")]),
    ("twice the sum of a number n and {k}", "2(n + {k})", lambda n, k, m: 2 * (n + k),
     [("2n + {k}", "grouping", "'Twice the sum' doubles the whole sum: put n + {k} in brackets."),
      ("n + 2 + {k}", "added_instead_of_multiplied", "'Twice' means multiply by 2.")]),
    ("{m} less than {k} times a number n", "{k}n - {m}", lambda n, k, m: k * n - m,
     [("{m} - {k}n", "less_than_order", "'{m} less than' something means take {m} away from it."),
      ("{k}(n - {m})", "grouping", "Only n is multiplied by {k}; then {m} is taken away.")]),
]


def g_expr_write(r: random.Random, i: int) -> Draft:
    words, right_t, meaning, wrong_ts = _PHRASES[i % len(_PHRASES)]
    k, m = r.randint(2, 9), r.randint(1, 9)
    if k == m:
        raise Retry
    fill = {"k": k, "m": m}
    right = right_t.format(**fill)

    def matches(text: Any) -> bool:
        try:
            return all(eval_expr(str(text), n=t) == meaning(F(t), k, m) for t in (F(2), F(3), F(5), F(11)))
        except (ValueError, ZeroDivisionError, SyntaxError):
            return False

    wrongs = [Wrong(w.format(**fill), code, msg.format(**fill)) for w, code, msg in wrong_ts]
    choices = [right] + [w.answer for w in wrongs]
    extra = f"{k}n" if f"{k}n" not in choices else f"n + {k + m}"
    if not matches(extra):
        choices.append(extra)
    r.shuffle(choices)
    return Draft(
        f"Which expression means \u201c{words.format(**fill)}\u201d?", "choice", right, wrongs,
        ["Read the phrase slowly and decide which operation each word asks for.",
         "Check by picking a number for n and working out the phrase and each expression.",
         f"\u201c{words.format(**fill)}\u201d is {right}."],
        matches, choices=choices)


def _simplified_linear(text: Any, target: Callable[[F], F]) -> bool:
    s = str(text).replace(" ", "")
    if s.count("x") > 1 or "(" in s:
        return False
    try:
        return all(eval_expr(s, x=t) == target(F(t)) for t in (F(-2), F(0), F(1), F(5), F(1, 3)))
    except (ValueError, ZeroDivisionError, SyntaxError):
        return False


def _texts(expr: str) -> list[str]:
    """Accepted ways of writing a linear answer: as given, without spaces, constant first."""
    out = [expr, expr.replace(" ", "")]
    m = re.fullmatch(r"(-?\d*x) ([+-]) (\d+)", expr)
    if m:
        term = m.group(1)
        out.append(f"{m.group(3) if m.group(2) == '+' else '-' + m.group(3)} {'- ' + term[1:] if term.startswith('-') else '+ ' + term}")
    return list(dict.fromkeys(out))


def g_expr_like_terms(r: random.Random, i: int) -> Draft:
    a, c = r.randint(2, 9), r.randint(1, 8)
    b, d = r.randint(1, 12), r.randint(1, 12)
    minus_x = i % 3 == 2
    cx = -c if minus_x else c
    if a + cx == 0 or b == d:
        raise Retry
    shown = f"{a}x + {b} {'-' if minus_x else '+'} {lin(c, 0)} - {d}"
    right = lin(a + cx, b - d)
    wrongs = [Wrong(f"{a + cx + b - d}x", "combined_unlike_terms",
                    "You combined the x terms with the numbers; only like terms can be added."),
              Wrong(lin(a + cx, b + d), "sign_of_term", f"The {d} is subtracted: keep the minus sign with it.")]
    if minus_x:
        wrongs.append(Wrong(lin(a + c, b - d), "sign_of_term", f"The {c}x is subtracted: {a}x - {c}x = {lin(a - c, 0)}."))
    return Draft(
        f"Simplify {shown}.", "text", _texts(right), wrongs,
        ["Like terms have the same variable part: collect the x terms and the numbers separately.",
         f"x terms: {a}x {'-' if minus_x else '+'} {c}x = {lin(a + cx, 0)}. Numbers: {b} - {d} = {b - d}.",
         f"So the expression simplifies to {right}."],
        lambda t: _simplified_linear(t, lambda x: a * x + b + cx * x - d))


def g_expr_distribute(r: random.Random, i: int) -> Draft:
    k = r.randint(2, 9) * (-1 if i % 3 == 2 else 1)
    a = 1 if i % 2 == 0 else r.randint(2, 5)
    m = r.randint(1, 9) * r.choice([1, -1])
    inner = lin(a, m)
    shown = f"{k}({inner})"
    right = lin(k * a, k * m)
    wrongs = [Wrong(lin(k * a, m), "distributed_to_first_term_only",
                    f"Multiply every term in the bracket by {k}, including the {m}.")]
    if k < 0:
        wrongs.append(Wrong(lin(k * a, -k * m), "sign_when_distributing_negative",
                            f"A negative times {'a negative' if m < 0 else 'a positive'} is "
                            f"{'positive' if m < 0 else 'negative'}: {k} \u00d7 {par(m)} = {k * m}."))
    return Draft(
        f"Expand {shown}.", "text", _texts(right), wrongs,
        [f"Multiply each term inside the bracket by {k}.",
         f"{k} \u00d7 {lin(a, 0)} = {lin(k * a, 0)} and {k} \u00d7 {par(m)} = {k * m}.",
         f"{shown} = {right}."],
        lambda t: _simplified_linear(t, lambda x: k * (a * x + m)))


def g_expr_factor(r: random.Random, i: int) -> Draft:
    g = r.choice([2, 3, 4, 5, 6, 8, 9, 10, 12])
    p, q = r.randint(1, 7), r.randint(1, 9)
    if math.gcd(p, q) != 1:
        raise Retry
    shown = lin(g * p, g * q)
    right = f"{g}({lin(p, q)})"

    def factored(text: Any) -> bool:
        mt = re.fullmatch(r"\s*(\d+)\s*\((.*)\)\s*", str(text))
        if not mt or int(mt.group(1)) < 1:
            return False
        k, inner = int(mt.group(1)), mt.group(2)
        if "(" in inner or not same_expr(f"{k}({inner})", shown):
            return False
        const = eval_expr(inner, x=0)
        coef = eval_expr(inner, x=1) - const
        return coef.denominator == 1 and const.denominator == 1 and math.gcd(int(coef), int(const)) == 1

    smaller = [d for d in range(2, g) if g % d == 0]
    wrongs = [Wrong(f"{g}({lin(p, g * q)})", "divided_one_term_only",
                    f"Divide every term by {g}: the {g * q} becomes {q}.")]
    if smaller:
        d = max(smaller)
        wrongs.insert(0, Wrong(f"{d}({lin(g * p // d, g * q // d)})", "not_greatest_factor",
                               f"{d} is a common factor, but not the greatest: {g * p // d} and {g * q // d} still "
                               "share a factor."))
    return Draft(
        f"Factor out the greatest common factor: {shown}", "text", _texts(right), wrongs,
        [f"Find the greatest common factor of {g * p} and {g * q}.",
         f"The greatest common factor is {g}. Divide each term by {g}.",
         f"{g * p}x \u00f7 {g} = {lin(p, 0)} and {g * q} \u00f7 {g} = {q}, so {shown} = {right}."],
        factored)


# --------------------------------------------------------------------------- equations


def g_eq_one_step(r: random.Random, i: int) -> Draft:
    var = "xnmy"[i % 4]
    x = r.randint(-9, 15)
    a = r.randint(2, 12)
    form = i % 4
    if form == 0:
        shown, pred = f"{var} + {a} = {x + a}", (lambda t: t + a == x + a)
        wrong = (x + 2 * a, "used_same_operation", f"To undo + {a}, subtract {a} from both sides.")
        step = f"{var} = {x + a} - {a} = {x}"
    elif form == 1:
        shown, pred = f"{var} - {a} = {x - a}", (lambda t: t - a == x - a)
        wrong = (x - 2 * a, "used_same_operation", f"To undo - {a}, add {a} to both sides.")
        step = f"{var} = {x - a} + {a} = {x}"
    elif form == 2:
        shown, pred = f"{a}{var} = {a * x}", (lambda t: a * t == a * x)
        wrong = (a * a * x if x else a, "used_same_operation", f"{a}{var} means {a} times {var}; undo it by dividing by {a}.")
        step = f"{var} = {a * x} \u00f7 {a} = {x}"
    else:
        q = x
        shown, pred = f"{var}/{a} = {q}", (lambda t: t / a == q)
        wrong = (F(q, a) if q else a, "used_same_operation", f"{var} is divided by {a}; undo it by multiplying by {a}.")
        x = a * q
        step = f"{var} = {q} \u00d7 {a} = {x}"
    return number(f"Solve for {var}: {shown}", x, pred, [wrong],
                  [f"What has been done to {var}?", "Do the inverse operation to both sides.", step + "."])


def g_eq_two_step(r: random.Random, i: int) -> Draft:
    a = r.choice([k for k in range(-9, 10) if abs(k) > 1])
    x = r.randint(-10, 10)
    b = r.choice([k for k in range(-15, 16) if k])
    c = a * x + b
    shown = f"{lin(a, b)} = {c}"
    return number(
        f"Solve for x: {shown}", x, lambda t: a * t + b == c,
        [(F(c + b, a), "sign_when_moving_constant",
          f"To undo {'+ ' + str(b) if b > 0 else '- ' + str(-b)}, {'subtract' if b > 0 else 'add'} {abs(b)} on both sides."),
         (F(c, a) - b, "divided_before_undoing_constant",
          f"Undo the {'+' if b > 0 else '-'} {abs(b)} first, then divide by {a}: only the x term is multiplied.")],
        [f"First undo the {'+' if b > 0 else '-'} {abs(b)}, then undo the multiplication by {a}.",
         f"{lin(a, 0)} = {c} {'-' if b > 0 else '+'} {abs(b)} = {c - b}.",
         f"x = {c - b} \u00f7 {par(a)} = {x}."])


def g_eq_distribute(r: random.Random, i: int) -> Draft:
    a = r.randint(2, 8)
    x = r.randint(-6, 12)
    b = r.choice([k for k in range(-9, 10) if k])
    c = a * (x + b)
    shown = f"{a}({lin(1, b)}) = {c}"
    return number(
        f"Solve for x: {shown}", x, lambda t: a * (t + b) == c,
        [(F(c - b, a), "distributed_to_first_term_only",
          f"The {a} multiplies both terms in the bracket: {a}({lin(1, b)}) = {lin(a, a * b)}."),
         (F(c, a) + b, "sign_when_moving_constant", f"After dividing by {a}, undo the {b:+d} by "
          f"{'subtracting' if b > 0 else 'adding'} {abs(b)}.")],
        [f"Divide both sides by {a}, or expand the bracket first.",
         f"{lin(1, b)} = {c} \u00f7 {a} = {c // a}.",
         f"x = {c // a} {'-' if b > 0 else '+'} {abs(b)} = {x}."])


def g_eq_both_sides(r: random.Random, i: int) -> Draft:
    a, c = r.randint(2, 9), r.randint(1, 8)
    if a == c:
        raise Retry
    x = r.randint(-8, 10)
    b = r.randint(-12, 12)
    d = (a - c) * x + b
    shown = f"{lin(a, b)} = {lin(c, d)}"
    return number(
        f"Solve for x: {shown}", x, lambda t: a * t + b == c * t + d,
        [(F(d - b, a + c), "added_variable_terms", f"Subtract {lin(c, 0)} from both sides; do not add it."),
         (F(d + b, a - c), "sign_when_moving_constant", "When a number moves to the other side, its sign changes.")],
        [f"Get the x terms on one side: subtract {lin(c, 0)} from both sides.",
         f"{lin(a - c, b)} = {d}, so {lin(a - c, 0)} = {d - b}.",
         f"x = {d - b} \u00f7 {a - c} = {x}." if a - c != 1 else f"So x = {x}."])


def g_eq_fractions(r: random.Random, i: int) -> Draft:
    if i % 2 == 0:
        q = _proper(r, 2, 7)
        p, d = q.numerator, q.denominator
        t = r.randint(1, 9)
        x = d * t
        rhs = p * t
        return number(
            f"Solve for x: ({p}/{d})x = {rhs}", x, lambda v: q * v == rhs,
            [(F(rhs * p, d), "multiplied_by_fraction_not_reciprocal",
              f"To undo multiplying by {p}/{d}, multiply by its reciprocal {d}/{p}."),
             (F(rhs, d), "divided_by_denominator", f"Multiply both sides by {d}/{p}.")],
            [f"x is multiplied by {p}/{d}; undo it.",
             f"Multiply both sides by {d}/{p}.",
             f"x = {rhs} \u00d7 {d}/{p} = {x}."])
    a = r.randint(2, 9)
    x = a * r.randint(-5, 9)
    b = r.randint(1, 12)
    c = F(x, a) + b
    return number(
        f"Solve for x: x/{a} + {b} = {fr(c)}", x, lambda v: v / a + b == c,
        [(c - b if c != b else None, "forgot_to_multiply", f"After subtracting {b}, x/{a} = {fr(c - b)}; multiply "
          f"by {a} to find x."),
         (a * c - b, "multiplied_before_subtracting", f"Subtract {b} first, then multiply by {a}.")],
        [f"Undo the + {b} first.", f"x/{a} = {fr(c)} - {b} = {fr(c - b)}.", f"x = {fr(c - b)} \u00d7 {a} = {x}."])


def g_eq_word(r: random.Random, i: int) -> Draft:
    if i % 2 == 0:
        start, s, w = r.randint(5, 60), r.randint(3, 15), r.randint(3, 12)
        goal = start + s * w
        return number(
            f"Sam has ${start} saved and adds ${s} each week. After how many weeks will he have ${goal}?",
            w, lambda t: start + s * t == goal,
            [(F(goal, s), "ignored_starting_amount", f"Sam already has ${start}; he only needs to save the rest."),
             (F(goal + start, s), "added_starting_amount", f"Subtract the ${start} he already has from the goal.")],
            [f"Write an equation: {start} + {s}w = {goal}.",
             f"{s}w = {goal} - {start} = {goal - start}.",
             f"w = {goal - start} \u00f7 {s} = {w} weeks."],
            extra_skills=("eq.two_step",))
    base, per, miles = r.randint(2, 6), r.randint(2, 4), r.randint(3, 15)
    cost = base + per * miles
    return number(
        f"A taxi charges ${base} plus ${per} per mile. A ride cost ${cost}. How many miles long was the ride?",
        miles, lambda t: base + per * t == cost,
        [(F(cost, per), "ignored_fixed_charge", f"Take off the fixed ${base} charge before dividing."),
         (cost - base, "forgot_to_divide", f"${cost - base} is the cost of the miles; each mile costs ${per}.")],
        [f"Write an equation: {base} + {per}m = {cost}.",
         f"{per}m = {cost} - {base} = {cost - base}.",
         f"m = {cost - base} \u00f7 {per} = {miles} miles."],
        extra_skills=("eq.two_step",))


_OPS: dict[str, Callable[[F, F], bool]] = {
    "<": lambda a, b: a < b, ">": lambda a, b: a > b,
    "\u2264": lambda a, b: a <= b, "\u2265": lambda a, b: a >= b,
}
_FLIP = {"<": ">", ">": "<", "\u2264": "\u2265", "\u2265": "\u2264"}


def g_eq_inequality(r: random.Random, i: int) -> Draft:
    a = r.choice([k for k in range(-6, 7) if abs(k) > 1])
    if i % 2 == 0 and a > 0:
        a = -a
    k = r.randint(-8, 8)
    b = r.randint(-10, 10)
    op = r.choice(list(_OPS))
    c = a * k + b
    shown = f"{lin(a, b)} {op} {c}"
    right_op = _FLIP[op] if a < 0 else op
    right = f"x {right_op} {k}"

    def same_set(text: Any) -> bool:
        mt = re.fullmatch(r"x ([<>\u2264\u2265]) (-?\d+)", str(text))
        if not mt:
            return False
        o, kk = mt.group(1), F(int(mt.group(2)))
        tests = [F(k) + F(d, 2) for d in range(-6, 7)]
        return all(_OPS[o](t, kk) == _OPS[op](a * t + b, F(c)) for t in tests)

    wrong_flip = f"x {_FLIP[right_op]} {k}"
    wrongs = [Wrong(wrong_flip, "forgot_to_reverse" if a < 0 else "reversed_without_negative",
                    "Dividing by a negative number reverses the inequality sign." if a < 0 else
                    f"Dividing by a positive number ({a}) keeps the inequality sign as it is.")]
    if k != 0:
        wrongs.append(Wrong(f"x {right_op} {-k}", "sign_of_boundary", "Check the sign of the number you get after dividing."))
    choices = [right] + [w.answer for w in wrongs]
    if k != 0:
        choices.append(f"x {_FLIP[right_op]} {-k}")
    r.shuffle(choices)
    return Draft(
        f"Solve the inequality {shown}.", "choice", right, wrongs,
        ["Solve it like an equation, step by step.",
         f"{lin(a, 0)} {op} {c - b}; now divide both sides by {a}"
         + (" and reverse the sign, because you divide by a negative." if a < 0 else "."),
         f"So {right}."],
        same_set, choices=choices)


# --------------------------------------------------------------------------- linear relationships


def g_lin_coord(r: random.Random, i: int) -> Draft:
    x = r.choice([k for k in range(-8, 9) if k])
    y = r.choice([k for k in range(-8, 9) if k])
    if abs(x) == abs(y):
        raise Retry
    if i % 2 == 0:
        pt = f"({x}, {y})"

        def is_point(text: Any) -> bool:
            mt = re.fullmatch(r"\((-?\d+), (-?\d+)\)", str(text))
            return bool(mt) and (int(mt.group(1)), int(mt.group(2))) == (x, y)  # type: ignore[union-attr]

        wrongs = [Wrong(f"({y}, {x})", "coordinates_swapped", "The x-coordinate (left/right) comes first, then y."),
                  Wrong(f"({-x}, {y})", "sign_of_x", f"{'Left' if x < 0 else 'Right'} of the origin means x is "
                        f"{'negative' if x < 0 else 'positive'}."),
                  Wrong(f"({x}, {-y})", "sign_of_y", f"{'Down' if y < 0 else 'Up'} means y is "
                        f"{'negative' if y < 0 else 'positive'}.")]
        choices = [pt] + [w.answer for w in wrongs]
        r.shuffle(choices)
        return Draft(
            f"Which point is {abs(x)} units to the {'left' if x < 0 else 'right'} of the origin and "
            f"{abs(y)} units {'down' if y < 0 else 'up'}?", "choice", pt, wrongs,
            ["A point is written (x, y): across first, then up or down.",
             f"Left is negative x, down is negative y: x = {x}, y = {y}.", f"The point is {pt}."],
            is_point, choices=choices)
    quad = {(True, True): "I", (False, True): "II", (False, False): "III", (True, False): "IV"}
    right = quad[(x > 0, y > 0)]
    swapped = quad[(y > 0, x > 0)]
    wrongs = [Wrong(swapped, "coordinates_swapped", "Read x first (left or right), then y (up or down).")] \
        if swapped != right else [Wrong(quad[(not (x > 0), y > 0)], "sign_of_x", "A negative x is left of the y-axis.")]
    return Draft(
        f"In which quadrant is the point ({x}, {y})?", "choice", right, wrongs,
        ["Quadrant I is top right; the quadrants are numbered anticlockwise.",
         f"x = {x} is {'right' if x > 0 else 'left'} of the y-axis and y = {y} is {'above' if y > 0 else 'below'} "
         "the x-axis.",
         f"So the point is in quadrant {right}."],
        lambda t: str(t) == quad[(x > 0, y > 0)], choices=["I", "II", "III", "IV"])


def g_lin_table(r: random.Random, i: int) -> Draft:
    m, b = r.randint(2, 6), r.randint(-5, 9)
    if b == 0:
        raise Retry
    ys = [m * x + b for x in range(1, 5)]
    target = r.randint(7, 12)
    v = m * target + b
    return number(
        f"The table shows x = 1, 2, 3, 4 and y = {', '.join(map(str, ys))}. The pattern continues. "
        f"What is y when x = {target}?",
        v, lambda t: (t - ys[3]) == (ys[1] - ys[0]) * (target - 4),
        [(ys[0] * target, "assumed_proportional", f"y is not {ys[0]} times x here: the rule has a starting value "
          "as well."),
         (ys[3] + m, "next_row_only", f"That is y for x = 5; keep going until x = {target}.")],
        [f"How much does y go up each time x goes up by 1?",
         f"y goes up by {m} each step, so y = {lin(m, b)}.",
         f"When x = {target}: {m} \u00d7 {target} {'+' if b > 0 else '-'} {abs(b)} = {v}."])


def g_lin_slope(r: random.Random, i: int) -> Draft:
    x1, x2 = r.sample(range(-6, 9), 2)
    y1, y2 = r.sample(range(-6, 9), 2)
    dx, dy = x2 - x1, y2 - y1
    if abs(dx) == abs(dy):
        raise Retry
    v = F(dy, dx)
    return number(
        f"What is the slope of the line through ({x1}, {y1}) and ({x2}, {y2})?", v,
        lambda t: y1 + t * (x2 - x1) == y2,
        [(F(dx, dy), "run_over_rise", "Slope is the change in y divided by the change in x, not the other way round."),
         (-v, "mixed_subtraction_order", "Subtract in the same order on top and bottom: (y2 - y1)/(x2 - x1).")],
        ["Slope = change in y \u00f7 change in x.",
         f"Change in y: {y2} - {par(y1)} = {dy}. Change in x: {x2} - {par(x1)} = {dx}.",
         f"Slope = {dy} \u00f7 {par(dx)} = {fr(v)}."])


def g_lin_intercept(r: random.Random, i: int) -> Draft:
    m = r.choice([k for k in range(-5, 6) if k])
    px = r.choice([k for k in range(-4, 6) if k not in (0, 1)])
    b = r.randint(-9, 9)
    py = m * px + b
    return number(
        f"A line has slope {m} and passes through ({px}, {py}). What is its y-intercept?", b,
        lambda t: py == m * px + t,
        [(py + m * px, "sign_when_solving_for_b", f"b = y - mx: subtract {m} \u00d7 {px} from {py}."),
         (py - m, "subtracted_slope_only", f"Multiply the slope by x = {px} before subtracting.")],
        ["Use y = mx + b with the point's x and y.",
         f"{py} = {m} \u00d7 {par(px)} + b, so {py} = {m * px} + b.",
         f"b = {py} - {par(m * px)} = {b}."])


def g_lin_proportional(r: random.Random, i: int) -> Draft:
    k = r.choice([F(3, 2), F(2), F(3), F(4), F(5), F(5, 2)])
    x0 = 2 * r.randint(1, 6)
    x1 = r.randint(3, 15)
    if x1 == x0:
        raise Retry
    y0 = k * x0
    v = k * x1
    return number(
        f"y is proportional to x, and y = {fr(y0)} when x = {x0}. What is y when x = {x1}?", v,
        lambda t: t / x1 == y0 / x0,
        [(y0 + x1 - x0, "additive_reasoning", "In a proportional relationship y is always the same multiple of x; "
          "do not add the difference."),
         (F(x0) / y0 * x1, "inverted_constant", f"The constant is y \u00f7 x = {fr(y0)} \u00f7 {x0}, not x \u00f7 y.")],
        ["Find the constant of proportionality k = y \u00f7 x.",
         f"k = {fr(y0)} \u00f7 {x0} = {fr(k)}, so y = {fr(k)}x.",
         f"y = {fr(k)} \u00d7 {x1} = {fr(v)}."],
        style="decimal" if terminates(v) else "fraction")


# --------------------------------------------------------------------------- statistics


def g_stat_mean(r: random.Random, i: int) -> Draft:
    n = 5 if i % 2 == 0 else 4
    vals = [r.randint(2, 30) for _ in range(n - 1)]
    mean = r.randint(8, 20)
    last = mean * n - sum(vals)
    if not 1 <= last <= 40:
        raise Retry
    vals.append(last)
    r.shuffle(vals)
    srt = sorted(vals)
    med = F(srt[n // 2]) if n % 2 else F(srt[n // 2 - 1] + srt[n // 2], 2)
    total = sum(vals)
    return number(
        f"Find the mean of {', '.join(map(str, vals))}.", mean, lambda t: t * n == sum(vals),
        [(med, "median_not_mean", "That is the middle value (the median); the mean is the total shared equally."),
         (total, "forgot_to_divide", f"{total} is the total; divide it by the {n} values.")],
        ["Add all the values, then divide by how many there are.",
         f"The total is {total} and there are {n} values.",
         f"{total} \u00f7 {n} = {mean}."],
        style="decimal")


def g_stat_median(r: random.Random, i: int) -> Draft:
    n = 7 if i % 3 == 0 else 5 if i % 3 == 1 else 6
    vals = [r.randint(1, 40) for _ in range(n)]
    srt = sorted(vals)
    if srt == vals:
        raise Retry
    if n % 2:
        med = F(srt[n // 2])
        steps = f"The middle value is {fr(med)}."
    else:
        med = F(srt[n // 2 - 1] + srt[n // 2], 2)
        steps = f"The two middle values are {srt[n // 2 - 1]} and {srt[n // 2]}; halfway between is {dec(med)}."
    unsorted_mid = F(vals[n // 2]) if n % 2 else F(vals[n // 2 - 1] + vals[n // 2], 2)

    def is_median(t: F) -> bool:
        below = sum(1 for x in vals if x < t)
        above = sum(1 for x in vals if x > t)
        if n % 2:
            return t in vals and below <= n // 2 and above <= n // 2
        # even count: halfway between the largest value of the lower half and the smallest of the upper half
        lower = sorted(vals)[: n // 2]
        upper = sorted(vals)[n // 2:]
        return 2 * t == max(lower) + min(upper)

    mean = F(sum(vals), n)
    return number(
        f"Find the median of {', '.join(map(str, vals))}.", med, is_median,
        [(unsorted_mid, "did_not_sort", "Put the values in order before you find the middle."),
         (mean if terminates(mean) else None, "mean_not_median", "That is the mean; the median is the middle value "
          "once the data are in order.")],
        ["Order the values from least to greatest.", "Ordered: " + ", ".join(map(str, srt)) + ".", steps],
        style="decimal")


def g_prob_simple(r: random.Random, i: int) -> Draft:
    counts = {"red": r.randint(1, 9), "blue": r.randint(1, 9), "green": r.randint(1, 9)}
    colour = ["red", "blue", "green"][i % 3]
    total = sum(counts.values())
    fav = counts[colour]
    v = F(fav, total)
    return number(
        f"A bag has {counts['red']} red, {counts['blue']} blue and {counts['green']} green marbles. One marble is "
        f"picked at random. What is the probability that it is {colour}? Give a fraction in simplest form.",
        v, lambda t: t * total == fav,
        [(f"{fav}/{total - fav}", "odds_not_probability",
          f"Divide by all {total} marbles, not only the ones that are not {colour}."),
         (F(1, 3), "counted_colours", "The colours are not equally likely: count the marbles, not the colours.")],
        ["Probability = favourable outcomes \u00f7 all outcomes.",
         f"There are {fav} {colour} marbles out of {total}.",
         f"{fav}/{total}" + (f" = {fr(v)}." if fr(v) != f"{fav}/{total}" else ".")],
        forms=("fraction", "decimal", "percent"), simplest=True)


GENERATORS: dict[str, Callable[[random.Random, int], Draft]] = {
    "num.factors": g_num_factors, "num.lcm": g_num_lcm, "num.int.add": g_num_int_add,
    "num.int.mul": g_num_int_mul, "num.order_ops": g_num_order_ops,
    "frac.equiv": g_frac_equiv, "frac.simplify": g_frac_simplify, "frac.compare": g_frac_compare,
    "frac.add.like": g_frac_add_like, "frac.add.unlike": g_frac_add_unlike, "frac.mixed": g_frac_mixed,
    "frac.mul": g_frac_mul, "frac.div": g_frac_div, "frac.word": g_frac_word,
    "dec.convert": g_dec_convert, "dec.mul": g_dec_mul, "pct.concept": g_pct_concept, "pct.of": g_pct_of,
    "pct.change": g_pct_change,
    "ratio.concept": g_ratio_concept, "ratio.equiv": g_ratio_equiv, "ratio.unit_rate": g_ratio_unit_rate,
    "ratio.proportion": g_ratio_proportion, "ratio.scale": g_ratio_scale, "ratio.share": g_ratio_share,
    "expr.evaluate": g_expr_evaluate, "expr.exponents": g_expr_exponents, "expr.write": g_expr_write,
    "expr.like_terms": g_expr_like_terms, "expr.distribute": g_expr_distribute, "expr.factor": g_expr_factor,
    "eq.one_step": g_eq_one_step, "eq.two_step": g_eq_two_step, "eq.distribute": g_eq_distribute,
    "eq.both_sides": g_eq_both_sides, "eq.fractions": g_eq_fractions, "eq.word": g_eq_word,
    "eq.inequality": g_eq_inequality,
    "lin.coord": g_lin_coord, "lin.table": g_lin_table, "lin.slope": g_lin_slope,
    "lin.intercept": g_lin_intercept, "lin.proportional": g_lin_proportional,
    "stat.mean": g_stat_mean, "stat.median": g_stat_median, "prob.simple": g_prob_simple,
}


# --------------------------------------------------------------------------- drafts -> items


@dataclass(frozen=True, slots=True)
class Generated:
    """An item with the draft it came from (the content tests check one against the other)."""

    item: Item
    draft: Draft


def draft_for(skill: str, variant: int, max_tries: int = 200) -> Draft:
    gen = GENERATORS[skill]
    rng = random.Random(f"pathwise-demo|{skill}|{variant}")
    for _ in range(max_tries):
        try:
            return gen(rng, variant)
        except Retry:
            continue
    raise RuntimeError(f"template for {skill} found no usable numbers in {max_tries} draws")


def to_item(skill: str, variant: int, d: Draft) -> Item:
    item_id = f"i.{skill}.{variant + 1:02d}"
    skills = (skill, *d.extra_skills)
    difficulty = round(-1.0 + 2.0 * variant / max(ITEMS_PER_SKILL - 1, 1), 2)
    fb = tuple(Feedback(w.answer, w.message, w.code) for w in d.wrongs)
    hints = tuple(d.hints)
    if d.kind == "number" and variant in CHOICE_VARIANTS:
        rng = random.Random(f"pathwise-demo-choices|{skill}|{variant}")
        choices = [d.answer, *(w.answer for w in d.wrongs[:3])]
        choices += _fillers(d, rng, 4 - len(choices))
        rng.shuffle(choices)
        return Item(item_id, skills, ItemType.SINGLE_CHOICE, d.prompt, d.answer, tuple(choices), fb, hints, difficulty)
    if d.kind == "number":
        spec: dict[str, Any] = {"tolerance": 0.0, "forms": list(d.forms)}
        if d.simplest:
            spec["simplest"] = True
        return Item(item_id, skills, ItemType.NUMERIC, d.prompt, d.answer, (), fb, hints, difficulty, spec)
    if d.kind == "text":
        return Item(item_id, skills, ItemType.SHORT_TEXT, d.prompt, list(d.answer), (), fb, hints, difficulty,
                    {"case_sensitive": False})
    if d.kind == "choice":
        return Item(item_id, skills, ItemType.SINGLE_CHOICE, d.prompt, d.answer, tuple(d.choices), fb, hints,
                    difficulty)
    if d.kind == "multi":
        return Item(item_id, skills, ItemType.MULTIPLE_CHOICE, d.prompt, list(d.answer), tuple(d.choices), fb,
                    hints, difficulty)
    if d.kind == "order":
        return Item(item_id, skills, ItemType.ORDERING, d.prompt, list(d.answer), tuple(d.choices), fb, hints,
                    difficulty)
    raise ValueError(f"unknown draft kind {d.kind!r}")


def generate(skill_codes: Sequence[str], per_skill: int = ITEMS_PER_SKILL) -> list[Generated]:
    """Items for every skill that has a template, ``per_skill`` each, in a stable order."""
    out: list[Generated] = []
    for skill in skill_codes:
        if skill not in GENERATORS:
            raise KeyError(f"no item template for skill {skill}")
        prompts: set[str] = set()
        variant = 0
        made = 0
        while made < per_skill:
            d = draft_for(skill, variant)
            if _key(d) in prompts:
                # an identical question: draw again with the next seed, same variant shape
                d = _redraw(skill, variant, prompts)
            prompts.add(_key(d))
            out.append(Generated(to_item(skill, variant, d), d))
            variant += 1
            made += 1
    return out


def _key(d: Draft) -> str:
    return d.prompt + "|" + "|".join(sorted(d.choices))


def _redraw(skill: str, variant: int, prompts: set[str]) -> Draft:
    gen = GENERATORS[skill]
    for extra in range(1, 50):
        rng = random.Random(f"pathwise-demo|{skill}|{variant}|{extra}")
        for _ in range(200):
            try:
                d = gen(rng, variant)
            except Retry:
                continue
            if _key(d) not in prompts:
                return d
            break
    raise RuntimeError(f"template for {skill} repeats the same question")
