"""An account's own settings: the language its pages are drawn in.

A signed-in user sets their own language only (nobody sets another person's, not even an
admin); an admin of a school sets the school's default language, which every account that
chose none follows. The codes are the languages the pages have a complete catalogue for
(``LANGUAGES``); anything else is refused with a message naming the field and nothing
changes. How a request's language is picked (the account's, then the school's, then the
browser's for a visitor) is :func:`choose_language`. No web framework here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pathwise.domain.people import Role
from pathwise.services.access import Actor, require_account, require_role, require_school
from pathwise.services.errors import Invalid, NotFound
from pathwise.store.uow import UnitOfWork

# code -> the language's own name (as its speakers write it, so anyone can find theirs)
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class LanguageChoice:
    chosen: str | None  # the account's own choice; None: the school's default
    school_default: str  # the school's default language (English unless an admin set one)

    @property
    def effective(self) -> str:
        return self.chosen or self.school_default


def _checked(code: str, field: str) -> str | None:
    code = (code or "").strip().lower()
    if code in ("", "default"):
        return None
    if code not in LANGUAGES:
        names = ", ".join(f"{c} ({n})" for c, n in LANGUAGES.items())
        raise Invalid(f"{field}: {code[:20]!r} is not a language the pages speak; choose one of {names}", field)
    return code


def language_of(uow: UnitOfWork, actor: Actor) -> LanguageChoice:
    """The signed-in user's language choice and their school's default."""
    if actor.is_system or not actor.user_id:
        return LanguageChoice(None, DEFAULT_LANGUAGE)
    require_account(uow, actor, actor.user_id)
    found = uow.locales.of_user(actor.user_id)
    if found is None:
        raise NotFound("no such account")
    mine, school = found
    return LanguageChoice(mine if mine in LANGUAGES else None,
                          school if school in LANGUAGES else DEFAULT_LANGUAGE)


def set_language(uow: UnitOfWork, actor: Actor, user_id: str, code: str) -> LanguageChoice:
    """Set the account's own language (``"default"``, or an empty code: follow the school's). A user
    sets their own only; the system may set anyone's."""
    if not (actor.is_system or (actor.user_id is not None and actor.user_id == user_id)):
        raise NotFound(f"no user {user_id}")
    require_account(uow, actor, user_id)
    chosen = _checked(code, "language")
    uow.locales.set_user(user_id, chosen)
    found = uow.locales.of_user(user_id)
    school = found[1] if found and found[1] in LANGUAGES else DEFAULT_LANGUAGE
    return LanguageChoice(chosen, school)


def set_school_language(uow: UnitOfWork, actor: Actor, school_id: str, code: str) -> str:
    """Set a school's default language (its admin, or the system); returns the code in force."""
    require_role(actor, Role.ADMIN)
    require_school(actor, school_id)
    if uow.schools.get(school_id) is None:
        raise NotFound(f"no school {school_id}")
    chosen = _checked(code, "school_language")
    uow.locales.set_school(school_id, chosen)
    uow.audit.add(actor.user_id, "school-language", None, "school", {"school": school_id, "language": chosen})
    return chosen or DEFAULT_LANGUAGE


def from_accept_language(header: str | None, supported: Iterable[str] = LANGUAGES) -> str | None:
    """The first supported language a browser asks for (``Accept-Language``, by its weights),
    or None. "es-MX" counts as "es"; "*" and unknown languages count for nothing."""
    if not header:
        return None
    wanted: list[tuple[float, int, str]] = []
    for n, part in enumerate(header.split(",")[:40]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        code = tag.strip().lower().replace("_", "-").split("-")[0]
        if code and code != "*" and q > 0:
            wanted.append((-q, n, code))
    allowed = set(supported)
    for _, _, code in sorted(wanted):
        if code in allowed:
            return code
    return None


def choose_language(account: str | None, school: str | None, accept_language: str | None) -> str:
    """The language of a page: the account's choice, else its school's default, else (for a
    visitor with neither) what the browser asks for, else English."""
    for code in (account, school):
        if code in LANGUAGES:
            return str(code)
    return from_accept_language(accept_language) or DEFAULT_LANGUAGE
