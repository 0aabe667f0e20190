"""The learner profile: interests, preferred ways of learning, goals and accommodations.

``LearnerProfile.from_stored`` reads whatever is stored (lists of names or dicts, as
older writers left them) without failing; ``apply_patch`` checks a change and returns
the new stored form. A change follows JSON merge-patch: a list given replaces the
list (``None`` empties it), ``accommodations`` merges key by key (``None`` or ``False``
turns one off; ``None`` for the whole object turns all off).
Messages name the field at fault. Whether a goal's skill exists, and what day it is,
are passed in: no I/O here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pathwise.domain.content import ActivityKind
from pathwise.domain.errors import ValidationError
from pathwise.domain.framework import check_code

INTERESTS = "interests"
MODALITIES = "preferred_modalities"
GOALS = "goals"
ACCOMMODATIONS = "accommodations"
FIELDS = (INTERESTS, MODALITIES, GOALS, ACCOMMODATIONS)

# Ways of learning a learner may prefer: the kinds of activity, less the mastery check.
MODALITY_CHOICES = tuple(k.value for k in ActivityKind if k != ActivityKind.CHECK)
FLAGS = ("read_aloud", "large_print", "calculator_allowed", "breaks")
ACCOMMODATION_KEYS = ("extended_time", "fewer_choices", *FLAGS)

MAX_INTERESTS = 12
MAX_INTEREST_LENGTH = 40
MAX_GOALS = 20
MAX_EXTENDED_TIME = 4.0
MAX_FEWER_CHOICES = 10
_INTEREST = re.compile(r"^[^\W_](?:[\w '&+.-]*[^\W_])?$")

# What a learner may be interested in: topics of their life, not words about content
# ("review", "mixed", "real-world" describe an activity, never an interest). Activities
# carry a topic as a tag; a few other spellings of a topic count as the topic itself.
INTEREST_TOPICS = ("animals", "art", "building", "cooking", "games", "money", "music", "nature", "science",
                   "space", "sports", "stories", "technology", "travel")
_TOPIC_WORDS = {
    "animal": "animals", "pets": "animals",
    "drawing": "art", "painting": "art", "design": "art", "fashion": "art",
    "construction": "building", "building things": "building", "engineering": "building", "lego": "building",
    "food": "cooking", "baking": "cooking", "recipes": "cooking",
    "game": "games", "video games": "games", "puzzles": "games",
    "shopping": "money", "business": "money",
    "songs": "music", "dance": "music",
    "outdoors": "nature", "plants": "nature", "environment": "nature",
    "astronomy": "space", "planets": "space",
    "sport": "sports", "football": "sports", "soccer": "sports", "basketball": "sports",
    "books": "stories", "reading": "stories", "writing": "stories", "film": "stories", "history": "stories",
    "computers": "technology", "coding": "technology", "cars": "technology", "phones": "technology",
    "maps": "travel", "geography": "travel",
    "experiments": "science",
}


def interest_topic(word: str) -> str | None:
    """The topic ``word`` names (``"soccer"`` -> ``"sports"``), or ``None`` when it names none."""
    w = " ".join(str(word).split()).lower()
    if w in INTEREST_TOPICS:
        return w
    return _TOPIC_WORDS.get(w)


def topics_of(tags: Collection[str]) -> tuple[str, ...]:
    """The interest topics among an activity's tags, in tag order; content tags are left out."""
    return tuple(dict.fromkeys(t for t in (interest_topic(x) for x in tags) if t))


def matching_interest(tags: Collection[str], interests: Collection[str]) -> str | None:
    """The first of an activity's tags (as written) whose topic one of the learner's interests
    names, or ``None``.

    Only topics match: an interest the learner typed that names no topic ("review") matches
    nothing, and a content tag on an activity ("mixed") matches no interest."""
    wanted = {t for t in (interest_topic(i) for i in interests) if t}
    return next((tag for tag in tags if interest_topic(tag) in wanted), None)



@dataclass(frozen=True, slots=True)
class Goal:
    """A skill the learner wants to reach, optionally by a date."""

    skill_code: str
    target_date: date | None = None

    def to_stored(self) -> dict[str, Any]:
        out: dict[str, Any] = {"skill_code": self.skill_code}
        if self.target_date is not None:
            out["target_date"] = self.target_date.isoformat()
        return out


@dataclass(frozen=True, slots=True)
class Accommodations:
    """What practice and assessments adapt: a time factor, fewer choices, and flags."""

    extended_time: float | None = None
    fewer_choices: int | None = None
    flags: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.extended_time is not None and not 1 < self.extended_time <= MAX_EXTENDED_TIME:
            raise ValidationError("accommodations.extended_time",
                                  f"a factor above 1 and at most {MAX_EXTENDED_TIME:g} (e.g. 1.5), or off")
        if self.fewer_choices is not None and not 2 <= self.fewer_choices <= MAX_FEWER_CHOICES:
            raise ValidationError("accommodations.fewer_choices",
                                  f"a whole number of choices from 2 to {MAX_FEWER_CHOICES}, or off")
        unknown = sorted(self.flags - set(FLAGS))
        if unknown:
            raise ValidationError("accommodations", f"unknown accommodation {unknown[0]!r}")

    @property
    def any(self) -> bool:
        return self.extended_time is not None or self.fewer_choices is not None or bool(self.flags)

    def to_stored(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.extended_time is not None:
            out["extended_time"] = self.extended_time
        if self.fewer_choices is not None:
            out["fewer_choices"] = self.fewer_choices
        out.update({f: True for f in FLAGS if f in self.flags})
        return out

    @classmethod
    def from_stored(cls, raw: Any) -> Accommodations:
        """Lenient: a list of names or a dict; ``true`` means the usual 1.5x time or 3 choices."""
        if isinstance(raw, list):
            raw = {a: True for a in raw if isinstance(a, str)}
        if not isinstance(raw, Mapping):
            return cls()
        et, fc = raw.get("extended_time"), raw.get("fewer_choices")
        time = 1.5 if et is True else float(et) if _number(et) and 1 < float(et) <= MAX_EXTENDED_TIME else None
        few = 3 if fc is True else int(fc) if isinstance(fc, int) and not isinstance(fc, bool) and fc >= 2 else None
        if few is not None and few > MAX_FEWER_CHOICES:
            few = MAX_FEWER_CHOICES
        return cls(time, few, frozenset(f for f in FLAGS if raw.get(f) is True))


@dataclass(frozen=True, slots=True)
class LearnerProfile:
    interests: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    goals: tuple[Goal, ...] = ()
    accommodations: Accommodations = Accommodations()
    home_language: str | None = None

    @classmethod
    def from_stored(cls, raw: Mapping[str, Any]) -> LearnerProfile:
        """Whatever is stored, read without failing (unreadable entries are left out)."""
        interests = tuple(dict.fromkeys(str(i).strip().lower() for i in _list(raw.get(INTERESTS)) if str(i).strip()))
        mods = raw.get(MODALITIES) or raw.get("modalities")
        modalities = tuple(dict.fromkeys(str(m).lower() for m in _list(mods) if str(m).lower() in MODALITY_CHOICES))
        goals: dict[str, Goal] = {}
        for g in _list(raw.get(GOALS)):
            if isinstance(g, str) and g:
                goals.setdefault(g, Goal(g))
            elif isinstance(g, Mapping):
                code = g.get("skill_code") or g.get("skill")
                if isinstance(code, str) and code:
                    goals.setdefault(code, Goal(code, _date_or_none(g.get("target_date"))))
        lang = raw.get("home_language")
        return cls(interests, modalities, tuple(goals.values()), Accommodations.from_stored(raw.get(ACCOMMODATIONS)),
                   lang if isinstance(lang, str) else None)


@dataclass(frozen=True, slots=True)
class ProfileChange:
    """The outcome of a patch: the new stored profile and the fields that changed."""

    stored: dict[str, Any]
    changed: tuple[str, ...]
    before: dict[str, Any]
    after: dict[str, Any]


def fields_of(patch: Mapping[str, Any]) -> tuple[str, ...]:
    """The profile fields a patch touches; an unknown key is refused by name."""
    if not isinstance(patch, Mapping):
        raise ValidationError("profile", "send an object of fields to change")
    unknown = [k for k in patch if k not in FIELDS]
    if unknown:
        raise ValidationError(str(unknown[0]), f"not a profile field you can change (use {', '.join(FIELDS)})")
    return tuple(k for k in FIELDS if k in patch)


def apply_patch(stored: Mapping[str, Any], patch: Mapping[str, Any], *, known_skills: Collection[str],
                today: date) -> ProfileChange:
    """Check ``patch`` and return the new stored profile; other keys (grade, home
    language, ...) are kept as they are. ``known_skills`` are the codes a goal may name;
    a new or moved target date may not lie in the past."""
    fields = fields_of(patch)
    current = LearnerProfile.from_stored(stored)
    new: dict[str, Any] = {}
    if INTERESTS in fields:
        new[INTERESTS] = list(check_interests(patch[INTERESTS]))
    if MODALITIES in fields:
        new[MODALITIES] = list(check_modalities(patch[MODALITIES]))
    if GOALS in fields:
        old_dates = {g.skill_code: g.target_date for g in current.goals}
        goals = check_goals(patch[GOALS], known_skills)
        for i, g in enumerate(goals):
            if g.target_date is not None and g.target_date < today and old_dates.get(g.skill_code) != g.target_date:
                raise ValidationError(f"goals.{i}.target_date", f"{g.target_date.isoformat()} is in the past")
        new[GOALS] = [g.to_stored() for g in goals]
    if ACCOMMODATIONS in fields:
        new[ACCOMMODATIONS] = merge_accommodations(current.accommodations, patch[ACCOMMODATIONS]).to_stored()
    out = dict(stored)
    changed: list[str] = []
    before: dict[str, Any] = {}
    for name, value in new.items():
        if stored.get(name) != value:
            changed.append(name)
            before[name] = stored.get(name)
            out[name] = value
    return ProfileChange(out, tuple(changed), before, {n: new[n] for n in changed})


def check_interests(value: Any) -> tuple[str, ...]:
    items = _given_list(INTERESTS, value)
    out: dict[str, None] = {}
    for i, raw in enumerate(items):
        if not isinstance(raw, str):
            raise ValidationError(f"{INTERESTS}.{i}", "an interest is a word or a few words")
        word = " ".join(raw.split()).lower()
        if not word:
            continue
        if len(word) > MAX_INTEREST_LENGTH:
            raise ValidationError(f"{INTERESTS}.{i}", f"{raw[:20]!r}... is longer than {MAX_INTEREST_LENGTH} characters")
        if not _INTEREST.match(word):
            raise ValidationError(f"{INTERESTS}.{i}", f"{raw!r}: use letters, digits, spaces and - ' & + . only")
        out[word] = None
    if len(out) > MAX_INTERESTS:
        raise ValidationError(INTERESTS, f"at most {MAX_INTERESTS} interests ({len(out)} given)")
    return tuple(out)


def check_modalities(value: Any) -> tuple[str, ...]:
    items = _given_list(MODALITIES, value)
    out: dict[str, None] = {}
    for i, raw in enumerate(items):
        name = raw.strip().lower() if isinstance(raw, str) else raw
        if name not in MODALITY_CHOICES:
            raise ValidationError(f"{MODALITIES}.{i}",
                                  f"{raw!r} is not a way of learning here (use {', '.join(MODALITY_CHOICES)})")
        out[name] = None
    return tuple(out)


def check_goals(value: Any, known_skills: Collection[str]) -> tuple[Goal, ...]:
    items = _given_list(GOALS, value)
    if len(items) > MAX_GOALS:
        raise ValidationError(GOALS, f"at most {MAX_GOALS} goals ({len(items)} given)")
    out: list[Goal] = []
    seen: set[str] = set()
    for i, raw in enumerate(items):
        if isinstance(raw, str):
            raw = {"skill_code": raw}
        if not isinstance(raw, Mapping):
            raise ValidationError(f"{GOALS}.{i}", "a goal is a skill code, or {skill_code, target_date}")
        extra = sorted(set(raw) - {"skill_code", "target_date"})
        if extra:
            raise ValidationError(f"{GOALS}.{i}.{extra[0]}", "not a goal field (use skill_code, target_date)")
        code = check_code(raw.get("skill_code"), f"{GOALS}.{i}.skill_code")  # type: ignore[arg-type]
        if code not in known_skills:
            raise ValidationError(f"{GOALS}.{i}.skill_code", f"unknown skill {code!r} in this learner's framework")
        if code in seen:
            raise ValidationError(f"{GOALS}.{i}.skill_code", f"skill {code!r} is already a goal")
        seen.add(code)
        out.append(Goal(code, _check_date(raw.get("target_date"), f"{GOALS}.{i}.target_date")))
    return tuple(out)


def merge_accommodations(current: Accommodations, patch: Any) -> Accommodations:
    """Merge-patch the accommodations: keys given are set, ``None``/``False`` turns one off;
    ``None`` for the whole object turns all off."""
    if patch is None:
        return Accommodations()
    if not isinstance(patch, Mapping):
        raise ValidationError(ACCOMMODATIONS, "send an object, e.g. {\"extended_time\": 1.5}")
    unknown = [k for k in patch if k not in ACCOMMODATION_KEYS]
    if unknown:
        raise ValidationError(f"{ACCOMMODATIONS}.{unknown[0]}",
                              f"unknown accommodation (use {', '.join(ACCOMMODATION_KEYS)})")
    time, few, flags = current.extended_time, current.fewer_choices, set(current.flags)
    if "extended_time" in patch:
        v = patch["extended_time"]
        if v is None or v is False:
            time = None
        elif _number(v):
            time = round(float(v), 4)
        else:
            raise ValidationError(f"{ACCOMMODATIONS}.extended_time", f"{v!r} is not a number (e.g. 1.5) or off")
    if "fewer_choices" in patch:
        v = patch["fewer_choices"]
        if v is None or v is False:
            few = None
        elif isinstance(v, int) and not isinstance(v, bool):
            few = v
        elif isinstance(v, float) and v.is_integer():
            few = int(v)
        else:
            raise ValidationError(f"{ACCOMMODATIONS}.fewer_choices", f"{v!r} is not a whole number or off")
    for f in FLAGS:
        if f in patch:
            v = patch[f]
            if v is True:
                flags.add(f)
            elif v is False or v is None:
                flags.discard(f)
            else:
                raise ValidationError(f"{ACCOMMODATIONS}.{f}", "true or false")
    return Accommodations(time, few, frozenset(flags))


def _given_list(name: str, value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise ValidationError(name, "send a list")
    return list(value)


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v  # noqa: PLR0124 (NaN)


def _check_date(value: Any, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            d = date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(field, f"{value!r} is not a date (YYYY-MM-DD)") from None
        if not 2000 <= d.year <= 2100:
            raise ValidationError(field, f"{value!r} is not a plausible date")
        return d
    raise ValidationError(field, "a date (YYYY-MM-DD)")


def _date_or_none(value: Any) -> date | None:
    try:
        return _check_date(value, "target_date")
    except ValidationError:
        return None
