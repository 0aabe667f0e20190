"""The REST API keeps to its own OpenAPI description, for every role and for anonymous callers.

schemathesis loads /api/v1/openapi.json from the application in-process and runs every
operation with all its checks (the status code, content type, headers and body of each
answer are the documented ones; what the description calls invalid is refused and what
it calls valid is accepted; no server error; authentication is not ignored; the Allow
header lists what the path takes; ...), in all its phases (examples, coverage of the
boundaries, generated and mutated requests, sequences of calls), once anonymous and once
per role with a bearer token: student Ana, teacher Rivera, guardian Lopez and the admin of
the two-school world of ``web_school``. A few items, a practice session, a rubric, a
project and a submission are added to that world, and the path parameters name them, so
the requests go past the 404s to the services.

The run is deterministic (derandomized generation from a fixed seed, no example database)
and bounded (``MAX_EXAMPLES`` per operation and phase). A failure lists every finding:
role, operation, check and a short message, then one request that shows it.

The learner record deletion runs on a learner of its own (Eva), so that it cannot erase
the learner the other operations use; an explicit case checks its answers when it deletes.

One exception, narrow and explained in ``api_schema_rules``: a request the description
calls valid may still be refused with 422 when it names stored things that do not exist
(a skill, a criterion, an activity on offer) or breaks a rule that JSON Schema cannot
state (two levels with the same points, a window that closes before it opens); only a 422
whose ``field`` is one listed for that operation passes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from schemathesis.engine import events as st_events
from schemathesis.engine import from_schema

from pathwise.config import Mode, Settings
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.items import import_items, parse_items_document
from pathwise.web.app import API_PREFIX, create_app
from tests.security.api_schema_rules import keep_failure
from tests.security.web_client import WebClient, bearer
from tests.security.web_school import PASSWORD, WebSchool, build_school

pytestmark = [
    pytest.mark.slow,
    # hypothesis warns when it describes a large generated body to itself: its own cost, not ours
    pytest.mark.filterwarnings("ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"),
]

# Fixed, so every run sends the same requests; set them to look further on your machine.
SEED = int(os.environ.get("PATHWISE_API_SCHEMA_SEED", "20260901"))
MAX_EXAMPLES = int(os.environ.get("PATHWISE_API_SCHEMA_EXAMPLES", "8"))
# How long one answer may take before the run calls it an error. This test is about what the
# answers say, not how fast they come (speed is measured in bench/); the limit is there to
# catch an answer that never comes, not a busy machine's slow one. The slowest answer of
# each role is printed, so a slow operation still shows.
REQUEST_TIMEOUT = float(os.environ.get("PATHWISE_API_SCHEMA_TIMEOUT", "120"))
ROLES = ("anonymous", "ana", "rivera", "lopez", "admin")
RECORD = f"{API_PREFIX}/learners/{{learner_id}}/record"

ITEMS = """
items:
  - id: schema.add.1
    skills: [frac.add]
    type: numeric
    prompt: "1/2 + 1/4 = ?"
    answer: "3/4"
    hints: ["Make the denominators the same.", "1/2 = 2/4, so 2/4 + 1/4 = 3/4."]
  - id: schema.add.2
    skills: [frac.add]
    type: single_choice
    prompt: "1/3 + 1/3 = ?"
    choices: ["2/3", "2/6"]
    answer: "2/3"
  - id: schema.equiv.1
    skills: [frac.equiv]
    type: single_choice
    prompt: "Which equals 1/2?"
    choices: ["2/4", "2/3"]
    answer: "2/4"
"""

RUBRIC = {"id": "poster", "title": "Fraction poster", "criteria": [
    {"id": "accuracy", "title": "Accurate fractions", "skill_codes": ["frac.add"],
     "levels": [{"points": 0, "label": "Not yet"}, {"points": 2, "label": "Partly"}, {"points": 4, "label": "Fully"}]}]}
PROJECT = {"id": "poster-project", "title": "Fraction poster", "kind": "project", "skill_codes": ["frac.add"],
           "rubric_id": "poster"}


@dataclass
class World:
    system: App
    school: WebSchool
    tokens: dict[str, str]
    token_ids: dict[str, str]
    session_id: str
    presentation_id: str
    submission_id: str


@dataclass(frozen=True)
class Finding:
    role: str
    operation: str
    check: str
    message: str

    def line(self) -> str:
        return f"[{self.role}] {self.operation} -- {self.check}: {self.message}"


@dataclass
class RunResult:
    operations: set[str] = field(default_factory=set)
    cases: int = 0
    passed_over: int = 0
    phases: dict[str, str] = field(default_factory=dict)
    findings: dict[Finding, str] = field(default_factory=dict)  # each with one request that shows it
    errors: list[str] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")  # seconds, and the request that took them


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    db = tmp_path_factory.mktemp("api-schema") / "pathwise.db"
    system = App.from_settings(Settings(database_url=f"sqlite:///{db}", mode=Mode.TEST))
    system.migrate()
    w = build_school(system)
    parsed = parse_items_document(ITEMS, "schema.yaml")
    with system.uow() as uow:
        assert import_items(uow, Actor.system(), parsed.items, parsed.problems).created == 3
        uow.commit()
    client = WebClient(system)
    try:
        tokens = {who: client.token(who, PASSWORD, name="api-schema") for who in ROLES if who != "anonymous"}
        # a second token each, for the revocation route (revoking the one in use would end the run)
        token_ids = {}
        for who, tok in tokens.items():
            r = client.post(f"{API_PREFIX}/auth/tokens", json={"name": "spare"}, headers=bearer(tok))
            assert r.status_code == 201, r.text
            token_ids[who] = r.json()["token_id"]
        ana, rivera = bearer(tokens["ana"]), bearer(tokens["rivera"])
        r = client.post(f"{API_PREFIX}/practice/sessions", json={"skill_code": "frac.add"}, headers=ana)
        assert r.status_code == 201, r.text
        session = r.json()
        assert session["current"], session
        assert client.post(f"{API_PREFIX}/rubrics", json=RUBRIC, headers=rivera).status_code == 201
        assert client.post(f"{API_PREFIX}/assessments", json=PROJECT, headers=rivera).status_code == 201
        r = client.post(f"{API_PREFIX}/submissions", headers=ana, json={
            "title": "Fraction cake", "skill_codes": ["frac.add"], "artefact_url": "https://example.org/cake"})
        assert r.status_code == 201, r.text
        yield World(system, w, tokens, token_ids, session["id"], session["current"]["id"], r.json()["id"])
    finally:
        client.close()
        system.close()


def _config(world: World, role: str) -> Any:
    w = world.school
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "color": False,
        "max-failures": 100_000,  # find them all
        "request-timeout": REQUEST_TIMEOUT,
        "headers": {} if role == "anonymous" else {"Authorization": f"Bearer {world.tokens[role]}"},
        # real things the roles can reach (or, for the others, are denied as if missing)
        "parameters": {
            "path.learner_id": w.ana,
            "path.class_id": w.class_a,
            "path.skill_id": "frac.compare",
            "path.framework_id": "fw-fractions",
            "path.token_id": world.token_ids.get(role, "no-such-token"),
            "path.session_id": world.session_id,
            "path.presentation_id": world.presentation_id,
            "path.rubric_id": "poster",
            "path.assessment_id": "poster-project",
            "path.submission_id": world.submission_id,
            "path.platform_id": "no-such-platform",
            "path.resource_link_id": "no-such-link",
        },
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        # every check; `max_response_time` has no limit to check against, so it stays off
        "checks": {"enabled": True},
        "operations": [
            # the record deletion takes a learner of its own (the others all use Ana)
            {"include-path": RECORD, "include-method": "DELETE", "parameters": {"path.learner_id": w.eva}},
        ],
    })


def _load_schema(world: World, role: str) -> Any:
    app = create_app(world.system)
    schema = schemathesis.openapi.from_asgi(f"{API_PREFIX}/openapi.json", app, config=_config(world, role))

    @schema.hook
    def filter_failure(ctx: Any, failure: Any, case: Any, response: Any) -> bool:
        return keep_failure(failure, case, response)

    return schema


def _short(title: str, message: str) -> str:
    text = " ".join(f"{title}. {message}".split())
    return text if len(text) <= 400 else text[:397] + "..."


def run_schemathesis(world: World, role: str) -> RunResult:
    schema = _load_schema(world, role)
    result = RunResult()
    for event in from_schema(schema).execute():
        if isinstance(event, st_events.ScenarioFinished):
            rec = event.recorder
            result.cases += len(rec.cases)
            result.passed_over += sum(rec.filtered_failures.values())
            for interaction in rec.interactions.values():
                if interaction.response is not None and interaction.response.elapsed > result.slowest[0]:
                    result.slowest = (interaction.response.elapsed,
                                      f"{interaction.request.method} {interaction.request.uri}")
            for case_id, node in rec.cases.items():
                result.operations.add(node.value.operation.label)
                for check in rec.checks.get(case_id, []):
                    if check.failure_info is None:
                        continue
                    failure = check.failure_info.failure
                    found = Finding(role, node.value.operation.label, check.name,
                                    _short(failure.title, failure.message))
                    if found not in result.findings:
                        interaction = rec.interactions.get(case_id)
                        answer = interaction.response if interaction else None
                        shown = check.failure_info.code_sample
                        if answer is not None:
                            shown += f"\n    -> {answer.status_code} {answer.content[:300]!r}"
                        result.findings[found] = shown
        elif isinstance(event, st_events.PhaseFinished):
            result.phases[event.phase.name.value] = event.status.value
        elif isinstance(event, st_events.NonFatalError):
            result.errors.append(f"[{role}] {event.label}: {event.info.message}")
        elif isinstance(event, st_events.FatalError):
            result.errors.append(f"[{role}] the run stopped: {event.exception!r}")
    return result


def test_every_operation_keeps_to_the_description_for_every_role(world: World) -> None:
    started = time.perf_counter()
    findings: dict[Finding, str] = {}
    errors: list[str] = []
    for role in ROLES:
        res = run_schemathesis(world, role)
        findings.update(res.findings)
        errors += res.errors
        print(f"{role}: {len(res.operations)} operations, {res.cases} cases, {len(res.findings)} findings, "
              f"{res.passed_over} stored-data refusals passed over; slowest answer {res.slowest[0]:.2f} s "
              f"({res.slowest[1]}); phases {res.phases}")
        assert len(res.operations) == 59 and all(" /api/v1/" in op for op in res.operations), res.operations
    print(f"{len(findings)} findings in {time.perf_counter() - started:.1f} s")
    listed = sorted(findings, key=lambda f: (f.operation, f.check, f.role))
    for f in listed:
        print(f.line(), findings[f], sep="\n    ")
    assert not errors, "\n".join(errors)
    assert not findings, f"{len(findings)} conformance failures:\n" + "\n".join(f.line() for f in listed)
    with world.system.uow() as uow:
        assert uow.users.get(world.school.ana) is not None  # the learner every operation reaches is still there
        assert uow.users.get(world.school.eva) is None  # the record deletion reached its own learner


def test_the_record_deletion_answers_as_described(world: World) -> None:
    """The generated run deletes Eva's record at most once; here each answer is checked."""
    schema = _load_schema(world, "admin")
    delete = schema[RECORD]["DELETE"]
    w = world.school

    def call(role: str, learner_id: str) -> Any:
        headers = {} if role == "anonymous" else {"Authorization": f"Bearer {world.tokens[role]}"}
        case = delete.Case(path_parameters={"learner_id": learner_id}, headers=headers)
        return case.call_and_validate()  # every check; raises listing the failures

    for role, status in (("anonymous", 401), ("ana", 404), ("rivera", 404), ("lopez", 404)):
        assert call(role, w.cara).status_code == status, role
    gone = call("admin", w.cara)
    assert gone.status_code == 200 and gone.json()["reference"], gone.text
    assert call("admin", w.cara).status_code == 404  # already gone: like any missing learner
    assert call("admin", w.zed).status_code == 404  # another school's
