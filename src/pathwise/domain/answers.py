"""Answer checking: normalisation, equivalent forms, feedback matching and parameters.

``check_answer(item, response)`` decides whether a student's response to an item is
correct, incorrect or unusable (empty, too long, not in a form the item allows) and
finds the feedback naming the misconception when the response matches a typical
wrong answer. ``instantiate(item, seed)`` draws the numbers of a parameterised item
with a safe arithmetic evaluator (a small parser over exact fractions; never Python
``eval``). ``validate_item`` lists every problem of an authored item.

Pure functions over domain values: no I/O, nothing of ours outside the domain, no
numpy. A response is only ever compared, never executed or rendered here.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from fractions import Fraction
from typing import Any

from pathwise.domain.content import Feedback, Item, ItemType

MAX_RESPONSE = 500  # characters in one typed response
MAX_EXPRESSION = 200  # characters in an algebraic or parameter expression
MAX_CHOICES = 50
NUMERIC_FORMS = ("fraction", "decimal", "percent")
DEFAULT_FORMS = ("fraction", "decimal")


class Status(StrEnum):
    CORRECT = "correct"
    INCORRECT = "incorrect"
    INVALID = "invalid"  # not scored: the student is asked to answer again


@dataclass(frozen=True, slots=True)
class CheckResult:
    status: Status
    score: float
    message: str
    feedback: Feedback | None = None

    @property
    def correct(self) -> bool:
        return self.status == Status.CORRECT

    @property
    def scored(self) -> bool:
        return self.status != Status.INVALID

    @property
    def misconception(self) -> str | None:
        return self.feedback.misconception if self.feedback else None


def _invalid(message: str) -> CheckResult:
    return CheckResult(Status.INVALID, 0.0, message)


# --------------------------------------------------------------------------- text


def normalise_text(text: str, case_sensitive: bool = False) -> str:
    """NFKC, typographic dashes and quotes made plain, spaces collapsed, case folded."""
    t = unicodedata.normalize("NFKC", text)
    t = t.translate(_PLAIN)
    t = "".join(ch for ch in t if unicodedata.category(ch) not in ("Cc", "Cf") or ch in " \t\n")
    t = " ".join(t.split())
    return t if case_sensitive else t.casefold()


_PLAIN = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'",
                        "\u201c": '"', "\u201d": '"', "\u00d7": "*", "\u00f7": "/", "\u22c5": "*"})


def _squeeze(text: str) -> str:
    return text.replace(" ", "")


def _text_of(response: Any) -> str | None:
    if isinstance(response, bool) or response is None:
        return None
    if isinstance(response, (int, float)):
        if isinstance(response, float) and not math.isfinite(response):
            return None
        return str(response)
    if isinstance(response, str):
        return response
    return None


# -------------------------------------------------------------------------- numbers


class NumberFormError(ValueError):
    """The text is not a number in any form we read, or not in an allowed one."""


_INT = r"\d+"
_DEC = r"(?:\d+\.\d*|\.\d+|\d+)"
_RE_FRACTION = re.compile(rf"^([+-]?)(?:({_INT})\s+)?({_INT})\s*/\s*({_INT})$")
_RE_DECIMAL = re.compile(rf"^([+-]?)({_DEC})$")
_RE_PERCENT = re.compile(rf"^([+-]?)({_DEC})\s*%$")


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    value: Fraction
    form: str  # "integer", "fraction", "decimal", "percent"
    reduced: bool = True


def parse_number(text: str) -> ParsedNumber:
    """Read an integer, a fraction (``3/4``, ``1 1/2``), a decimal or a percentage."""
    t = normalise_text(text).strip()
    if not t:
        raise NumberFormError("the answer is empty")
    if len(t) > 64:
        raise NumberFormError("that is too long to be a number")
    m = _RE_FRACTION.match(t)
    if m:
        sign, whole, num, den = m.groups()
        if int(den) == 0:
            raise NumberFormError("a fraction cannot have 0 as its denominator")
        v = Fraction(int(num), int(den)) + (int(whole) if whole else 0)
        reduced = math.gcd(int(num), int(den)) == 1
        return ParsedNumber(-v if sign == "-" else v, "fraction", reduced)
    m = _RE_PERCENT.match(t)
    if m:
        v = Fraction(m.group(2)) / 100
        return ParsedNumber(-v if m.group(1) == "-" else v, "percent")
    m = _RE_DECIMAL.match(t)
    if m:
        v = Fraction(m.group(2))
        form = "integer" if re.fullmatch(_INT, m.group(2)) else "decimal"
        return ParsedNumber(-v if m.group(1) == "-" else v, form)
    if re.fullmatch(r"[+-]?\d+,\d+", t):
        raise NumberFormError("use a decimal point, not a comma (0.5, not 0,5)")
    raise NumberFormError("that is not a number we can read (try 3/4, 0.75 or 12)")


def format_number(v: Fraction) -> str:
    """An exact value as the simplest text: ``12``, ``-3/4``."""
    return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"


def numeric_forms(spec: Mapping[str, Any]) -> tuple[str, ...]:
    forms = spec.get("forms")
    if not forms:
        return DEFAULT_FORMS
    return tuple(str(f) for f in forms)


def _form_words(forms: Sequence[str]) -> str:
    names = {"fraction": "a fraction", "decimal": "a decimal", "percent": "a percentage"}
    words = [names.get(f, f) for f in forms]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _tolerance(spec: Mapping[str, Any]) -> Fraction:
    tol = spec.get("tolerance", 0) or 0
    try:
        v = Fraction(str(tol))
    except (ValueError, ZeroDivisionError):
        return Fraction(0)
    return abs(v)


def _numbers_match(given: Fraction, expected: Fraction, tol: Fraction) -> bool:
    return abs(given - expected) <= tol


def check_numeric(item: Item, response: Any) -> CheckResult:
    text = _text_of(response)
    if text is None or not text.strip():
        return _invalid("Type a number to answer.")
    if len(text) > MAX_RESPONSE:
        return _invalid("That answer is too long.")
    forms = numeric_forms(item.spec)
    try:
        given = parse_number(text)
    except NumberFormError as exc:
        return _invalid(_sentence(str(exc)))
    if given.form != "integer" and given.form not in forms:
        return _invalid(f"Give your answer as {_form_words(forms)}, or a whole number.")
    try:
        expected = parse_number(str(item.answer)).value
    except NumberFormError:
        return _invalid("This item has no usable answer key; your teacher has been told.")
    tol = _tolerance(item.spec)
    if _numbers_match(given.value, expected, tol):
        if item.spec.get("simplest") and given.form == "fraction" and not given.reduced:
            return _invalid("That is the right value: now write the fraction in its simplest form.")
        return CheckResult(Status.CORRECT, 1.0, "Correct.")
    fb = None
    for f in item.feedback:
        try:
            if _numbers_match(given.value, parse_number(f.answer).value, tol):
                fb = f
                break
        except NumberFormError:
            continue
    return _incorrect(fb)


def _sentence(s: str) -> str:
    s = s.strip()
    return (s[:1].upper() + s[1:]).rstrip(".") + "."


def _incorrect(fb: Feedback | None) -> CheckResult:
    return CheckResult(Status.INCORRECT, 0.0, fb.message if fb else "Not quite.", fb)


# -------------------------------------------------------------- safe expressions


class ExpressionError(ValueError):
    """An expression could not be read or evaluated."""


_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?|\.\d+)|([A-Za-z_][A-Za-z_0-9]*)|(\*\*|<=|>=|==|!=|[-+*/^(),<>]))")
_FUNCS = {"min", "max", "abs", "floor", "ceil", "round", "sqrt"}
_MAX_BITS = 2048
_MAX_DEPTH = 60


def _tokens(text: str, split_letters: bool) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            bad = text[pos:].strip()[:1]
            raise ExpressionError(f"unexpected character {bad!r}")
        pos = m.end()
        num, name, op = m.groups()
        if num is not None:
            out.append(("num", num))
        elif name is not None:
            if split_letters and name not in _FUNCS:
                if not name.isalpha():
                    raise ExpressionError(f"unexpected name {name!r}")
                out.extend(("name", ch) for ch in name)
            else:
                out.append(("name", name))
        else:
            out.append(("op", "^" if op == "**" else op))
    return out


class _Parser:
    """Recursive descent over tokens, producing a small tuple tree."""

    def __init__(self, tokens: list[tuple[str, str]], implicit: bool, comparisons: bool) -> None:
        self.t = tokens
        self.i = 0
        self.implicit = implicit
        self.comparisons = comparisons
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise ExpressionError("the expression ends too early")
        if value is not None and tok[1] != value:
            raise ExpressionError(f"expected {value!r} but found {tok[1]!r}")
        self.i += 1
        return tok

    def parse(self) -> Any:
        if not self.t:
            raise ExpressionError("the expression is empty")
        node = self.compare()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return node

    def compare(self) -> Any:
        left = self.sum()
        tok = self.peek()
        if tok and tok[0] == "op" and tok[1] in ("<", "<=", ">", ">=", "==", "!="):
            if not self.comparisons:
                raise ExpressionError(f"{tok[1]!r} is not allowed here")
            self.take()
            return ("cmp", tok[1], left, self.sum())
        return left

    def sum(self) -> Any:
        node = self.term()
        while (tok := self.peek()) and tok[1] in ("+", "-"):
            self.take()
            node = (tok[1], node, self.term())
        return node

    def term(self) -> Any:
        node = self.unary()
        while True:
            tok = self.peek()
            if tok and tok[1] in ("*", "/"):
                self.take()
                node = (tok[1], node, self.unary())
            elif tok and self.implicit and (tok[0] in ("num", "name") or tok[1] == "("):
                node = ("*", node, self.power())
            else:
                return node

    def unary(self) -> Any:
        tok = self.peek()
        if tok and tok[1] in ("+", "-"):
            self.take()
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise ExpressionError("the expression is nested too deeply")
            inner = self.unary()
            self.depth -= 1
            return ("neg", inner) if tok[1] == "-" else inner
        return self.power()

    def power(self) -> Any:
        base = self.atom()
        tok = self.peek()
        if tok and tok[1] == "^":
            self.take()
            return ("^", base, self.unary())
        return base

    def atom(self) -> Any:
        tok = self.take()
        kind, val = tok
        if kind == "num":
            return ("num", Fraction(val))
        if kind == "name":
            if val in _FUNCS and (nxt := self.peek()) and nxt[1] == "(":
                self.take("(")
                args = [self.nested()]
                while (p := self.peek()) and p[1] == ",":
                    self.take()
                    args.append(self.nested())
                self.take(")")
                return ("call", val, args)
            return ("var", val)
        if val == "(":
            node = self.nested()
            self.take(")")
            return node
        raise ExpressionError(f"unexpected {val!r}")

    def nested(self) -> Any:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise ExpressionError("the expression is nested too deeply")
        node = self.sum()
        self.depth -= 1
        return node


def parse_expression(text: str, *, algebra: bool = False) -> Any:
    """Parse arithmetic (``+ - * / ^``, brackets, min/max/abs/floor/ceil/round/sqrt).

    ``algebra=True`` reads single-letter variables with implicit multiplication
    (``2x``, ``3(x+1)``, ``xy``); otherwise names are whole words and comparisons
    (``a < b``) are allowed, for parameter rules.
    """
    if len(text) > MAX_EXPRESSION:
        raise ExpressionError(f"the expression is longer than {MAX_EXPRESSION} characters")
    t = normalise_text(text, case_sensitive=True)
    return _Parser(_tokens(t, split_letters=algebra), implicit=algebra, comparisons=not algebra).parse()


def _check_size(v: Fraction) -> Fraction:
    if v.numerator.bit_length() > _MAX_BITS or v.denominator.bit_length() > _MAX_BITS:
        raise ExpressionError("a number grew too large")
    return v


def evaluate(node: Any, env: Mapping[str, Fraction]) -> Fraction:
    """Evaluate a parsed expression exactly; comparisons give 1 or 0."""
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "var":
        if node[1] not in env:
            raise ExpressionError(f"unknown name {node[1]!r}")
        return env[node[1]]
    if kind == "neg":
        return -evaluate(node[1], env)
    if kind == "cmp":
        a, b = evaluate(node[2], env), evaluate(node[3], env)
        op = node[1]
        ok = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]
        return Fraction(int(ok))
    if kind == "call":
        args = [evaluate(a, env) for a in node[2]]
        return _call(node[1], args)
    a, b = evaluate(node[1], env), evaluate(node[2], env)
    if kind == "+":
        return _check_size(a + b)
    if kind == "-":
        return _check_size(a - b)
    if kind == "*":
        return _check_size(a * b)
    if kind == "/":
        if b == 0:
            raise ExpressionError("division by zero")
        return _check_size(a / b)
    if kind == "^":
        if b.denominator != 1 or abs(b.numerator) > 64:
            raise ExpressionError("powers must be whole numbers from -64 to 64")
        if a == 0 and b < 0:
            raise ExpressionError("division by zero")
        if a.numerator.bit_length() * abs(b.numerator) > _MAX_BITS or a.denominator.bit_length() * abs(b.numerator) > _MAX_BITS:
            raise ExpressionError("a number grew too large")
        return a ** int(b)
    raise ExpressionError(f"unknown operation {kind!r}")


def _call(name: str, args: list[Fraction]) -> Fraction:
    if name in ("min", "max"):
        if not args:
            raise ExpressionError(f"{name} needs at least one value")
        return min(args) if name == "min" else max(args)
    if len(args) != 1 and name != "round":
        raise ExpressionError(f"{name} takes one value")
    x = args[0]
    if name == "abs":
        return abs(x)
    if name == "floor":
        return Fraction(math.floor(x))
    if name == "ceil":
        return Fraction(math.ceil(x))
    if name == "round":
        places = int(args[1]) if len(args) > 1 else 0
        if len(args) > 2 or not 0 <= places <= 10:
            raise ExpressionError("round takes a value and 0-10 decimal places")
        scale = Fraction(10) ** places
        return Fraction(math.floor(x * scale + Fraction(1, 2))) / scale
    if name == "sqrt":
        if x < 0:
            raise ExpressionError("square root of a negative number")
        n, d = math.isqrt(x.numerator), math.isqrt(x.denominator)
        if n * n != x.numerator or d * d != x.denominator:
            raise ExpressionError("sqrt is only for perfect squares (results stay exact)")
        return Fraction(n, d)
    raise ExpressionError(f"unknown function {name!r}")


def safe_eval(text: str, env: Mapping[str, Fraction | int] | None = None) -> Fraction:
    """Evaluate an arithmetic text with named values, exactly. Never Python ``eval``."""
    values = {k: Fraction(v) for k, v in (env or {}).items()}
    return evaluate(parse_expression(text), values)


def _variables(node: Any, out: set[str]) -> set[str]:
    kind = node[0]
    if kind == "var":
        out.add(node[1])
    elif kind == "neg":
        _variables(node[1], out)
    elif kind == "call":
        for a in node[2]:
            _variables(a, out)
    elif kind in ("+", "-", "*", "/", "^"):
        _variables(node[1], out)
        _variables(node[2], out)
    return out


_POINTS = (Fraction(7, 3), Fraction(-5, 2), Fraction(11, 7), Fraction(3, 11), Fraction(-13, 5), Fraction(17, 4))


def algebraically_equal(a: str, b: str) -> bool | None:
    """True/False when both sides read as expressions (or equations); None otherwise.

    Expressions are compared exactly at several rational points (a polynomial or
    rational identity holds at all of them); equations ``l = r`` are equal when
    ``l - r`` of one is a non-zero multiple of the other's.
    """
    try:
        ea, eb = _side(a), _side(b)
    except ExpressionError:
        return None
    if ea is None or eb is None:
        return None
    (na, eq_a), (nb, eq_b) = ea, eb
    if eq_a != eq_b:
        return False
    names = sorted(_variables(na, set()) | _variables(nb, set()))
    ratio: Fraction | None = None
    tried = 0
    for k in range(len(_POINTS)):
        env = {n: _POINTS[(k + i) % len(_POINTS)] + i for i, n in enumerate(names)}
        try:
            va, vb = evaluate(na, env), evaluate(nb, env)
        except ExpressionError:
            continue
        tried += 1
        if eq_a:
            if (va == 0) != (vb == 0):
                return False
            if vb != 0:
                r = va / vb
                if ratio is None:
                    ratio = r
                elif r != ratio:
                    return False
        elif va != vb:
            return False
    return tried >= 3


def _side(text: str) -> tuple[Any, bool] | None:
    t = normalise_text(text, case_sensitive=True)
    if not t or len(t) > MAX_EXPRESSION:
        return None
    if t.count("=") > 1:
        return None
    if "=" in t:
        left, right = t.split("=")
        lt, rt = parse_expression(left, algebra=True), parse_expression(right, algebra=True)
        return ("-", lt, rt), True
    return parse_expression(t, algebra=True), False


# ------------------------------------------------------------------- short text


def _accepted(item: Item) -> list[str]:
    ans = item.answer
    if isinstance(ans, str):
        return [ans]
    if isinstance(ans, (list, tuple)):
        return [str(a) for a in ans]
    return []


def _text_matches(given: str, expected: str, spec: Mapping[str, Any]) -> bool:
    cs = bool(spec.get("case_sensitive", False))
    g, e = normalise_text(given, cs), normalise_text(expected, cs)
    if g == e or _squeeze(g) == _squeeze(e):
        return True
    if spec.get("algebraic"):
        return algebraically_equal(given, expected) is True
    return False


def _nested_repeat(pattern: str) -> bool:
    """True when a group that contains a repeat is itself repeated (``(a+)+``, ``((\\w*))*``):
    such patterns can make the regular-expression engine take exponential time."""
    stack = [False]  # per open group: does it contain a repeat?
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":  # a character class: nothing inside repeats
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i = j + 1
            continue
        if c == "(":
            stack.append(False)
        elif c == ")" and len(stack) > 1:
            inner = stack.pop()
            repeated = i + 1 < n and pattern[i + 1] in "+*{"
            if inner and repeated:
                return True
            if inner or repeated:
                stack[-1] = True
        elif c in "+*{":
            stack[-1] = True
        i += 1
    return False


MAX_PATTERN = 200


def pattern_problem(pattern: str) -> str | None:
    """Why an authored answer pattern is refused, or None when it is usable."""
    if len(pattern) > MAX_PATTERN:
        return f"longer than {MAX_PATTERN} characters"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"not a valid regular expression ({exc})"
    if _nested_repeat(pattern):
        return "a repeated group inside a repeat (like (a+)+) can take too long to check; simplify it"
    return None


def check_short_text(item: Item, response: Any) -> CheckResult:
    text = _text_of(response)
    if text is None or not text.strip():
        return _invalid("Type an answer first.")
    if len(text) > MAX_RESPONSE:
        return _invalid(f"That answer is too long (at most {MAX_RESPONSE} characters).")
    spec = item.spec
    if any(_text_matches(text, e, spec) for e in _accepted(item)):
        return CheckResult(Status.CORRECT, 1.0, "Correct.")
    cs = bool(spec.get("case_sensitive", False))
    norm = normalise_text(text, cs)
    flags = 0 if cs else re.IGNORECASE
    for pat in spec.get("patterns") or ():
        if pattern_problem(str(pat)) is not None:
            continue  # refused at import; never run one that could hang the check
        if re.fullmatch(str(pat), norm, flags):
            return CheckResult(Status.CORRECT, 1.0, "Correct.")
    fb = next((f for f in item.feedback if _text_matches(text, f.answer, spec)), None)
    return _incorrect(fb)


# ---------------------------------------------------------------------- choices


def _choice_key(text: str) -> str:
    return normalise_text(text)


def _as_list(response: Any) -> list[str] | None:
    if isinstance(response, str):
        return [response]
    if isinstance(response, (list, tuple)) and all(isinstance(r, str) for r in response):
        return list(response)
    return None


def check_single_choice(item: Item, response: Any) -> CheckResult:
    picked = _as_list(response)
    if not picked or len(picked) != 1 or not picked[0].strip():
        return _invalid("Choose one answer.")
    keys = {_choice_key(c) for c in item.choices}
    g = _choice_key(picked[0])
    if g not in keys:
        return _invalid("Choose one of the answers shown.")
    if g == _choice_key(str(item.answer)):
        return CheckResult(Status.CORRECT, 1.0, "Correct.")
    fb = next((f for f in item.feedback if _choice_key(f.answer) == g), None)
    return _incorrect(fb)


def check_multiple_choice(item: Item, response: Any) -> CheckResult:
    picked = _as_list(response)
    if picked is None or not [p for p in picked if p.strip()]:
        return _invalid("Choose at least one answer.")
    if len(picked) > MAX_CHOICES:
        return _invalid("Too many answers chosen.")
    keys = {_choice_key(c) for c in item.choices}
    given = {_choice_key(p) for p in picked if p.strip()}
    if not given <= keys:
        return _invalid("Choose only among the answers shown.")
    correct = {_choice_key(a) for a in (_accepted(item))}
    if given == correct:
        return CheckResult(Status.CORRECT, 1.0, "Correct.")
    fb = None
    for f in item.feedback:
        parts = {_choice_key(p) for p in _split_list(f.answer)}
        if parts == given or (len(parts) == 1 and parts <= given - correct):
            fb = f
            break
    if fb is None and given < correct:
        return CheckResult(Status.INCORRECT, 0.0, "Some of your choices are right, but not all the right ones are chosen.")
    return _incorrect(fb)


def _split_list(text: str) -> list[str]:
    for sep in ("|", ";", ","):
        if sep in text:
            return [p.strip() for p in text.split(sep) if p.strip()]
    return [text.strip()]


def check_ordering(item: Item, response: Any) -> CheckResult:
    order = _as_list(response)
    if order is None or len(order) < 2:
        return _invalid("Put all the items in order.")
    keys = [_choice_key(c) for c in item.choices]
    given = [_choice_key(o) for o in order]
    if sorted(given) != sorted(keys):
        return _invalid("Use each item shown exactly once.")
    if given == [_choice_key(a) for a in _accepted(item)]:
        return CheckResult(Status.CORRECT, 1.0, "Correct.")
    fb = next((f for f in item.feedback if [_choice_key(p) for p in _split_list(f.answer)] == given), None)
    return _incorrect(fb)


_CHECKERS = {
    ItemType.SINGLE_CHOICE: check_single_choice,
    ItemType.MULTIPLE_CHOICE: check_multiple_choice,
    ItemType.NUMERIC: check_numeric,
    ItemType.SHORT_TEXT: check_short_text,
    ItemType.ORDERING: check_ordering,
}


def check_answer(item: Item, response: Any) -> CheckResult:
    """Check a response (text, or a list of choice texts) against an instantiated item."""
    return _CHECKERS[item.type](item, response)


def hint_credit(score: float, hints_used: int, hints_total: int) -> float:
    """The evidence score of an answer given after ``hints_used`` of the item's hints.

    Help taken is evidence too: each hint takes an equal share of the credit, so an
    answer typed after the worked solution (the last hint) counts 0, and one hint of
    two leaves half. Without hints the score is unchanged.
    """
    if score <= 0 or hints_used <= 0 or hints_total <= 0:
        return score
    used = min(hints_used, hints_total)
    return round(score * (hints_total - used) / hints_total, 4)


def hint_credit_message(hints_used: int, hints_total: int) -> str:
    """Plain words for a right answer reached with help (empty when no hint was used)."""
    if hints_used <= 0 or hints_total <= 0:
        return ""
    if hints_used >= hints_total:
        return ("You reached it with the worked solution, so it counts as practice rather than "
                "as a sign of mastery. Try the next one on your own.")
    return (f"You used {hints_used} of {hints_total} hints, so it counts as part of a right answer "
            "towards your mastery.")


# ------------------------------------------------------------------- parameters


class ParameterError(ValueError):
    """A parameter rule is wrong, or no draw satisfies the item's requirements."""


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(=?)([^{}]{1,200})\}")
MAX_DRAWS = 200


def is_parameterised(item: Item) -> bool:
    return bool(item.spec.get("params"))


def _draw_one(name: str, rule: Any, rng: random.Random, env: Mapping[str, Fraction]) -> Fraction:
    if isinstance(rule, bool):
        raise ParameterError(f"params.{name}: give [low, high], {{min, max, step}}, {{choices: [...]}} or an expression")
    if isinstance(rule, (list, tuple)):
        if len(rule) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) for x in rule):
            raise ParameterError(f"params.{name}: a range is [low, high] with two whole numbers")
        lo, hi = rule
        if lo > hi:
            raise ParameterError(f"params.{name}: low {lo} is above high {hi}")
        return Fraction(rng.randint(lo, hi))
    if isinstance(rule, Mapping):
        if "choices" in rule:
            opts = rule["choices"]
            if not isinstance(opts, (list, tuple)) or not opts:
                raise ParameterError(f"params.{name}.choices: give a non-empty list of numbers")
            try:
                return Fraction(str(rng.choice(list(opts))))
            except (ValueError, ZeroDivisionError):
                raise ParameterError(f"params.{name}.choices: every choice must be a number") from None
        try:
            lo, hi = Fraction(str(rule["min"])), Fraction(str(rule["max"]))
            step = Fraction(str(rule.get("step", 1)))
        except KeyError as exc:
            raise ParameterError(f"params.{name}: missing {exc.args[0]}") from None
        except (ValueError, ZeroDivisionError):
            raise ParameterError(f"params.{name}: min, max and step must be numbers") from None
        if step <= 0 or lo > hi:
            raise ParameterError(f"params.{name}: needs min <= max and a positive step")
        n = int((hi - lo) / step)
        if n > 10**6:
            raise ParameterError(f"params.{name}: too many values between min and max")
        return lo + step * rng.randint(0, n)
    if isinstance(rule, str):
        try:
            return safe_eval(rule, env)
        except ExpressionError as exc:
            raise ParameterError(f"params.{name}: {exc}") from None
    if isinstance(rule, (int, float)):
        return Fraction(str(rule))
    raise ParameterError(f"params.{name}: give [low, high], {{min, max, step}}, {{choices: [...]}} or an expression")


def draw_params(spec: Mapping[str, Any], seed: int | str) -> dict[str, Fraction]:
    """Draw values for ``spec["params"]`` satisfying every ``spec["require"]`` rule."""
    rules = spec.get("params") or {}
    if not isinstance(rules, Mapping):
        raise ParameterError("params: give a mapping of names to rules")
    for name in rules:
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z_0-9]{0,31}", name) or name in _FUNCS:
            raise ParameterError(f"params: {name!r} is not a usable name (letters, digits, _)")
    requires = spec.get("require") or []
    if isinstance(requires, str):
        requires = [requires]
    rng = random.Random(str(seed))
    for _ in range(MAX_DRAWS):
        env: dict[str, Fraction] = {}
        for name, rule in rules.items():
            env[name] = _draw_one(name, rule, rng, env)
        try:
            if all(safe_eval(str(r), env) != 0 for r in requires):
                return env
        except ExpressionError as exc:
            raise ParameterError(f"require: {exc}") from None
    raise ParameterError(f"require: no values satisfied the rules in {MAX_DRAWS} draws")


def fill(text: str, env: Mapping[str, Fraction]) -> str:
    """Replace ``{a}`` with a value and ``{=a+b}`` with the value of the expression."""

    def sub(m: re.Match[str]) -> str:
        whole = m.group(0)
        if whole == "{{":
            return "{"
        if whole == "}}":
            return "}"
        is_expr, body = m.group(1), m.group(2).strip()
        if is_expr:
            try:
                return format_number(safe_eval(body, env))
            except ExpressionError as exc:
                raise ParameterError(f"{{={body}}}: {exc}") from None
        if body in env:
            return format_number(env[body])
        return whole

    return _PLACEHOLDER.sub(sub, text)


def instantiate(item: Item, seed: int | str) -> tuple[Item, dict[str, str]]:
    """The item with its numbers drawn for one attempt, and the drawn values as text."""
    if not is_parameterised(item):
        return item, {}
    env = draw_params(item.spec, seed)
    answer = item.answer
    if isinstance(answer, str):
        answer = fill(answer, env)
    elif isinstance(answer, (list, tuple)):
        answer = [fill(str(a), env) for a in answer]
    elif isinstance(answer, (int, float)) and not isinstance(answer, bool):
        answer = str(answer)
    out = replace(
        item,
        prompt=fill(item.prompt, env),
        answer=answer,
        choices=tuple(fill(c, env) for c in item.choices),
        feedback=tuple(Feedback(fill(f.answer, env), fill(f.message, env), f.misconception) for f in item.feedback),
        hints=tuple(fill(h, env) for h in item.hints),
        spec=dict(item.spec),
    )
    return out, {k: format_number(v) for k, v in env.items()}


# ------------------------------------------------------------------ presentation


def arrange_choices(item: Item, seed: int | str, max_choices: int | None = None) -> tuple[str, ...]:
    """The choices in the order shown for one attempt.

    Choice items are shuffled unless ``spec["shuffle"]`` is false; ``max_choices``
    (an accommodation: fewer choices per item) keeps every correct choice, then the
    distractors that carry misconception feedback, then others. Ordering items are
    shown in a shuffled order that is never already the answer.
    """
    rng = random.Random(f"choices|{seed}")
    choices = list(item.choices)
    if item.type == ItemType.ORDERING:
        if len(choices) < 2:
            return tuple(choices)
        answer = [_choice_key(a) for a in _accepted(item)]
        for _ in range(20):
            rng.shuffle(choices)
            if [_choice_key(c) for c in choices] != answer:
                break
        return tuple(choices)
    if item.type not in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_CHOICE):
        return ()
    if max_choices is not None and 2 <= max_choices < len(choices):
        correct = {_choice_key(a) for a in _accepted(item)}
        with_fb = {_choice_key(f.answer) for f in item.feedback}
        ranked = sorted(
            choices,
            key=lambda c: (0 if _choice_key(c) in correct else 1 if _choice_key(c) in with_fb else 2, rng.random()),
        )
        keep_n = max(max_choices, len(correct) + (1 if len(correct) < len(choices) else 0))
        keep = set(ranked[:keep_n])
        choices = [c for c in choices if c in keep]
    if item.spec.get("shuffle", True):
        rng.shuffle(choices)
    return tuple(choices)


# --------------------------------------------------------------------- validation


def validate_item(item: Item) -> list[str]:
    """Every problem with an authored item, as ``field: message`` texts (empty if fine)."""
    problems: list[str] = []
    spec = item.spec or {}
    if not math.isfinite(item.difficulty):
        problems.append("difficulty: must be a finite number")
    for i, h in enumerate(item.hints):
        if not isinstance(h, str) or not h.strip():
            problems.append(f"hints[{i}]: a hint needs text")
    for i, f in enumerate(item.feedback):
        if not f.message.strip():
            problems.append(f"feedback[{i}].message: feedback needs a message")
    samples: list[Item] = [item]
    if is_parameterised(item):
        samples = []
        for seed in range(5):
            try:
                samples.append(instantiate(item, seed)[0])
            except ParameterError as exc:
                problems.append(str(exc))
                return problems
    for inst in samples:
        found = _validate_instance(inst)
        if found:
            problems.extend(found)
            break
    return problems


def _validate_instance(item: Item) -> list[str]:
    p: list[str] = []
    spec = item.spec or {}
    keys = [_choice_key(c) for c in item.choices]
    if len(set(keys)) != len(keys):
        p.append("choices: two choices read the same")
    if item.type == ItemType.SINGLE_CHOICE:
        if not isinstance(item.answer, str):
            p.append("answer: a single-choice answer is the text of the correct choice")
        elif _choice_key(item.answer) not in keys:
            p.append(f"answer: {item.answer!r} is not one of the choices")
    elif item.type == ItemType.MULTIPLE_CHOICE:
        ans = item.answer
        if not isinstance(ans, (list, tuple)) or not ans or not all(isinstance(a, str) for a in ans):
            p.append("answer: a multiple-choice answer is a list of the correct choices' texts")
        else:
            for a in ans:
                if _choice_key(a) not in keys:
                    p.append(f"answer: {a!r} is not one of the choices")
    elif item.type == ItemType.ORDERING:
        ans = item.answer
        if not isinstance(ans, (list, tuple)) or not all(isinstance(a, str) for a in ans):
            p.append("answer: an ordering answer is the list of the choices in the correct order")
        elif sorted(_choice_key(a) for a in ans) != sorted(keys):
            p.append("answer: must list every choice exactly once")
    elif item.type == ItemType.NUMERIC:
        try:
            parse_number(str(item.answer))
        except NumberFormError as exc:
            p.append(f"answer: {item.answer!r}: {exc}")
        forms = spec.get("forms")
        if forms is not None and (not isinstance(forms, (list, tuple)) or any(f not in NUMERIC_FORMS for f in forms)):
            p.append(f"spec.forms: use a list of {', '.join(NUMERIC_FORMS)}")
        tol = spec.get("tolerance", 0)
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not math.isfinite(tol) or tol < 0:
            p.append("spec.tolerance: must be a number 0 or above")
        for i, f in enumerate(item.feedback):
            try:
                parse_number(f.answer)
            except NumberFormError as exc:
                p.append(f"feedback[{i}].answer: {f.answer!r}: {exc}")
    elif item.type == ItemType.SHORT_TEXT:
        ans = item.answer
        ok = isinstance(ans, str) or (isinstance(ans, (list, tuple)) and all(isinstance(a, str) for a in ans))
        if not ok:
            p.append("answer: a short-text answer is a list of accepted texts")
        elif not _accepted(item) and not spec.get("patterns"):
            p.append("answer: give at least one accepted text or a pattern")
        pats = spec.get("patterns") or []
        if not isinstance(pats, (list, tuple)):
            p.append("spec.patterns: give a list of regular expressions")
        else:
            for i, pat in enumerate(pats):
                why = pattern_problem(str(pat))
                if why:
                    p.append(f"spec.patterns[{i}]: {why}")
    return p
