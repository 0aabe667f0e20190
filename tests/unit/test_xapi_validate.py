"""The xAPI statement rules: what the LRS accepts and what it refuses with a clear message."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pathwise.interop.xapi import validate as v
from pathwise.services.errors import Invalid

BASE: dict[str, Any] = {
    "actor": {"objectType": "Agent", "mbox": "mailto:ada@example.org", "name": "Ada"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
    "object": {"id": "https://lms.example/q/1", "definition": {"interactionType": "choice",
                                                                "choices": [{"id": "a"}, {"id": "b"}]}},
}


def stmt(**changes: Any) -> dict[str, Any]:
    s = copy.deepcopy(BASE)
    for k, val in changes.items():
        if val is None:
            s.pop(k, None)
        else:
            s[k] = val
    return s


def test_a_plain_statement_passes() -> None:
    assert v.check_statement(stmt(), v2=True)["verb"]["id"].endswith("answered")


@pytest.mark.parametrize("bad, word", [
    (stmt(actor={"mbox": "ada@example.org"}), "mailto"),
    (stmt(actor={"mbox": "mailto:a@b.org", "openid": "http://x.org/a"}), "exactly one"),
    (stmt(actor={"objectType": "Group"}), "anonymous Group"),
    (stmt(verb={"id": "not an iri"}), "IRI"),
    (stmt(verb={"id": "http://v.org/x", "display": {"not a tag!": "x"}}), "language tag"),
    (stmt(object={"id": "https://a.org/1", "definition": {"interactionType": "essay"}}), "interaction type"),
    (stmt(object={"id": "https://a.org/1", "definition": {"interactionType": "likert",
                                                            "choices": [{"id": "a"}]}}), "not allowed"),
    (stmt(object={"id": "https://a.org/1", "definition": {"interactionType": "choice",
                                                            "choices": [{"id": "a"}, {"id": "a"}]}}), "distinct"),
    (stmt(result={"duration": "PT1H2X"}), "duration"),
    (stmt(result={"score": {"scaled": 1.5}}), "scaled"),
    (stmt(result={"score": {"raw": 5, "min": 6, "max": 10}}), "below min"),
    (stmt(timestamp="2024-01-01T10:00:00-00:00"), "-00:00"),
    (stmt(timestamp="yesterday"), "ISO 8601"),
    (stmt(id="1234"), "UUID"),
    (stmt(context={"registration": "nope"}), "UUID"),
    (stmt(object={"objectType": "Agent", "mbox": "mailto:b@example.org"},
          context={"platform": "web"}), "only be used"),
    (stmt(extra=1), "unknown properties"),
    (stmt(result={"success": None}), "must not be null"),
    (stmt(verb={"id": "http://adlnet.gov/expapi/verbs/voided"}), "StatementRef"),
    (stmt(object={"objectType": "SubStatement", "actor": BASE["actor"], "verb": BASE["verb"],
                  "object": {"objectType": "SubStatement", "actor": BASE["actor"], "verb": BASE["verb"],
                             "object": BASE["object"]}}), "SubStatement"),
    (stmt(version="3.0.0"), "version"),
    (stmt(attachments=[{"usageType": "http://u.org/x", "display": {"en": "x"}, "contentType": "text/plain",
                        "length": 3}]), "sha2 is required"),
    (stmt(authority={"objectType": "Group", "mbox": "mailto:g@example.org",
                     "member": [{"mbox": "mailto:a@example.org"}, {"account": {"homePage": "http://a.org",
                                                                                 "name": "k"}}]}), "anonymous"),
])
def test_invalid_statements_are_refused_naming_the_rule(bad: dict[str, Any], word: str) -> None:
    with pytest.raises(Invalid) as info:
        v.check_statement(bad, v2=True)
    assert word in str(info.value)


def test_context_agents_exist_only_in_2_0() -> None:
    ctx = {"contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:t@example.org"},
                              "relevantTypes": ["http://types.org/teacher"]}]}
    assert v.check_statement(stmt(context=ctx), v2=True)
    with pytest.raises(Invalid):
        v.check_statement(stmt(context=ctx), v2=False)


def test_extensions_may_hold_null_and_timestamps_normalise_to_utc() -> None:
    assert v.check_statement(stmt(result={"extensions": {"http://e.org/x": None}}), v2=True)
    when = v.parse_timestamp("2024-03-01T12:00:00.123456789+02:00")
    assert (when.hour, when.microsecond) == (10, 123456)


@pytest.mark.parametrize("good", ["P1Y2M3DT4H5M6.7S", "PT0.01S", "P4W", "P1D", "PT1H"])
def test_iso_durations(good: str) -> None:
    v.check_duration(good, "duration")


@pytest.mark.parametrize("bad", ["P", "PT", "P1DT", "1H", "PT1H1D"])
def test_bad_durations(bad: str) -> None:
    with pytest.raises(Invalid):
        v.check_duration(bad, "duration")
