"""Simulated students for the load benchmark (run by bench/load/run.py; see its docstring).

Each simulated user is one student with an account of their own, listed in the plan
file that run.py writes (``--pw-plan``). On start the student signs in through
``POST /api/v1/auth/token``; then, until the run ends, they send one request after
each think time (uniform between 0.5 and 1.5 times ``--pw-think`` seconds), so the
shares of requests are the task weights:

* 70 %: the practice page, one step at a time: answer the item on screen
  (``POST /api/v1/practice/items/{id}/answer``), or, when the item is finished, take
  the next one (``POST /api/v1/practice/sessions/{id}/next``), start a session
  (``POST /api/v1/practice/sessions``) or finish one after its 8 items
  (``POST .../finish``). Each is reported under its own name; answers are most of them.
* 20 %: What's next (``GET /api/v1/learners/{id}/next``); its first practice
  suggestion becomes the skill of the student's next session (else a random skill).
* 10 %: a dashboard, half the time the student's own page (``GET /student``), half
  the time the class grid of the student's class as its teacher sees it
  (``GET /teacher/classes/{id}``, with the teacher's token: each teacher signs in once
  per run, when the first of their students does, and the class's students share it).

A student answers right with probability 0.7 on the first try and 0.8 after that, and
always by the third try, so items finish and sessions move on; the answer key comes
from the plan (the demo items). Every answer the server acknowledges (2xx with an
``evidence_id``) is counted and its evidence id kept, so run.py can check that each
one is stored.

Sign-ins are paced: at most ``--pw-sign-ins`` (4) are under way at once, since each
costs the server an argon2 hash. Measurement window: once every student has signed in, the statistics are reset
after ``--pw-warmup`` seconds and the window lasts ``--pw-measure`` seconds; then the
students stop (a task under way finishes first) and the summary, with the
acknowledged evidence ids, goes to ``--pw-out`` as JSON. Locust's ``--run-time`` is
only a safety limit.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from pathlib import Path
from typing import Any

import gevent
from gevent.event import Event
from gevent.lock import Semaphore
from locust import FastHttpUser, events, task
from locust.env import Environment
from locust.exception import StopUser

ANSWER = "/api/v1/practice/items/{presentation_id}/answer"
START = "/api/v1/practice/sessions"
NEXT_ITEM = "/api/v1/practice/sessions/{session_id}/next"
FINISH = "/api/v1/practice/sessions/{session_id}/finish"
WHATS_NEXT = "/api/v1/learners/{learner_id}/next"
STUDENT_PAGE = "/student"
CLASS_PAGE = "/teacher/classes/{class_id}"
SIGN_IN = "/api/v1/auth/token"
PERCENTILES = (0.5, 0.95, 0.99)


class Run:
    """What the whole process shares: the plan, the counters, the measurement window."""

    plan: dict[str, Any] = {}
    key: dict[str, dict[str, Any]] = {}
    skills: list[str] = []
    next_student = 0
    signed_in = 0
    sign_in_failed = 0
    sign_in_ms: list[float] = []
    acked: list[str] = []  # evidence ids of answers the server acknowledged
    unscored = 0  # 2xx answers the server did not score (no evidence by design)
    right_refused = 0  # answers sent as right that the server judged wrong (a wrong answer key)
    teacher_tokens: dict[str, str] = {}
    teacher_ready: dict[str, Event] = {}
    teacher_claimed: set[str] = set()
    sign_in_slots = Semaphore(4)
    window: dict[str, float] = {}
    summary: dict[str, Any] | None = None
    written = False


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    parser.add_argument("--pw-plan", default="", help="Plan file written by bench/load/run.py (accounts, answer key).")
    parser.add_argument("--pw-out", default="", help="Where to write the summary JSON.")
    parser.add_argument("--pw-think", type=float, default=10.0, help="Mean seconds between a student's actions.")
    parser.add_argument("--pw-warmup", type=float, default=10.0, help="Seconds after every sign-in before measuring.")
    parser.add_argument("--pw-measure", type=float, default=60.0, help="Seconds measured.")
    parser.add_argument("--pw-sign-ins", type=int, default=4, help="Sign-ins under way at once (argon2 is slow by "
                                                                  "design; more only queue in the server).")


@events.init.add_listener
def _init(environment: Environment, **_: Any) -> None:
    opts = environment.parsed_options
    if opts is None or not opts.pw_plan:
        raise SystemExit("give the plan: --pw-plan FILE (bench/load/run.py writes it)")
    with open(opts.pw_plan, encoding="utf-8") as f:
        Run.plan = json.load(f)
    Run.key = Run.plan["answer_key"]
    Run.skills = sorted({s for k in Run.key.values() for s in k["skills"]})
    Run.sign_in_slots = Semaphore(max(1, opts.pw_sign_ins))
    for t in Run.plan["teachers"]:
        Run.teacher_ready[t] = Event()


@events.test_start.add_listener
def _test_start(environment: Environment, **_: Any) -> None:
    gevent.spawn(_measure, environment)


def _measure(environment: Environment) -> None:
    """Wait for every sign-in, warm up, measure, then stop the students and write the summary."""
    opts = environment.parsed_options
    assert environment.runner is not None and opts is not None
    n = int(opts.num_users or 0)
    while Run.signed_in + Run.sign_in_failed < n:
        gevent.sleep(0.2)
    Run.window["all_signed_in"] = time.time()
    gevent.sleep(opts.pw_warmup)
    environment.stats.reset_all()
    Run.window["start"] = time.time()
    Path(opts.pw_out + ".window").write_text(str(Run.window["start"]))  # tells run.py --profile to start
    gevent.sleep(opts.pw_measure)
    Run.window["end"] = time.time()
    Run.summary = _stats(environment)
    environment.runner.stop()
    _write(environment, complete=True)
    environment.runner.quit()


@events.quitting.add_listener
def _quitting(environment: Environment, **_: Any) -> None:
    if not Run.written:  # the safety limit (--run-time) came first
        Run.summary = _stats(environment)
        _write(environment, complete=False)


def _row(entry: Any, seconds: float) -> dict[str, Any]:
    n = entry.num_requests
    return {"requests": n, "failures": entry.num_failures, "rps": round(n / seconds, 2) if seconds > 0 else 0.0,
            **{f"p{int(p * 100)}_ms": (entry.get_response_time_percentile(p) if n else None) for p in PERCENTILES},
            "max_ms": round(entry.max_response_time, 1) if n else None,
            "mean_ms": round(entry.avg_response_time, 1) if n else None}


def _stats(environment: Environment) -> dict[str, Any]:
    start = Run.window.get("start", environment.stats.total.start_time)
    seconds = Run.window.get("end", time.time()) - start
    endpoints = []
    for (name, method), entry in sorted(environment.stats.entries.items()):
        endpoints.append({"endpoint": f"{method} {name}", **_row(entry, seconds)})
    errors = [{"endpoint": f"{e.method} {e.name}", "error": str(e.error), "occurrences": e.occurrences}
              for e in environment.stats.errors.values()]
    return {"seconds": round(seconds, 2), "endpoints": endpoints, "total": _row(environment.stats.total, seconds),
            "errors": errors}


def _write(environment: Environment, *, complete: bool) -> None:
    opts = environment.parsed_options
    Run.written = True
    sign_in = sorted(Run.sign_in_ms)
    out = {
        "complete": complete,
        "users": int(opts.num_users or 0) if opts else 0,
        "think_s": opts.pw_think if opts else None,
        "window": Run.window,
        "measured": Run.summary,
        "signed_in": Run.signed_in,
        "sign_in_failed": Run.sign_in_failed,
        "sign_in_ms": {"n": len(sign_in),
                       "p50": sign_in[len(sign_in) // 2] if sign_in else None,
                       "p99": sign_in[min(len(sign_in) - 1, int(len(sign_in) * 0.99))] if sign_in else None,
                       "max": sign_in[-1] if sign_in else None},
        "acknowledged_answers": len(Run.acked),
        "acknowledged_ids": Run.acked,
        "unscored_answers": Run.unscored,
        "right_answers_judged_wrong": Run.right_refused,
        "exceptions": [{"count": e["count"], "msg": e["msg"]} for e in environment.runner.exceptions.values()]
        if environment.runner else [],
    }
    if opts and opts.pw_out:
        with open(opts.pw_out, "w", encoding="utf-8") as f:
            json.dump(out, f)


def _why(r: Any) -> str:
    """What went wrong with a response: its status and body, or the connection's error."""
    if r.status_code == 0 or r.text is None:
        return f"no response: {r.error!r}"
    return f"{r.status_code} {r.text[:300]}"


def _sign_in(client: Any, username: str, password: str) -> str | None:
    with Run.sign_in_slots:
        t0 = time.perf_counter()
        with client.post(SIGN_IN, json={"username": username, "password": password, "name": "load-test"},
                         name=SIGN_IN, catch_response=True) as r:
            if r.status_code != 201:
                r.failure(f"sign-in of {username}: {_why(r)}")
                return None
            Run.sign_in_ms.append((time.perf_counter() - t0) * 1000)
            return str(r.json()["token"])


class Student(FastHttpUser):
    """One student of the demo school (or of the extra classes run.py adds)."""

    network_timeout = 60.0
    connection_timeout = 60.0

    def wait_time(self) -> float:
        think = float(self.environment.parsed_options.pw_think)
        return random.uniform(0.5 * think, 1.5 * think)

    def on_start(self) -> None:
        students = Run.plan["students"]
        if Run.next_student >= len(students):
            raise RuntimeError(f"the plan has {len(students)} students: run.py makes one account per user")
        me = students[Run.next_student]
        Run.next_student += 1
        self.me = me
        self.auth: dict[str, str] = {}
        self.session_id: str | None = None
        self.item: dict[str, Any] | None = None
        self.complete = False
        self.tries = 0
        self.skill_used = ""
        self.skill: str = me["start_skill"]
        try:
            token = _sign_in(self.client, me["username"], me["password"])
            # the class's teacher signs in once, before the measured window
            teacher = self._teacher_token(me["teacher"]) if token else None
        except Exception:
            token = teacher = None
            Run.sign_in_failed += 1
            raise
        if token is None or teacher is None:
            Run.sign_in_failed += 1
            raise StopUser()
        self.auth = {"Authorization": f"Bearer {token}"}
        Run.signed_in += 1

    # -- the mix --------------------------------------------------------------------------------

    @task(70)
    def practise(self) -> None:
        """One step of the practice page: answer the item on screen, or get to the next one."""
        if self.session_id is None:
            self._start()
        elif self.complete:
            self._finish()
        elif self.item is None:
            self._next_item()
        else:
            self._answer()

    @task(20)
    def whats_next(self) -> None:
        with self.client.get(WHATS_NEXT.format(learner_id=self.me["id"]), headers=self.auth, name=WHATS_NEXT,
                             catch_response=True) as r:
            if r.status_code != 200:
                r.failure(_why(r))
                return
            data = r.json()
        for act in data.get("activities", []):
            if act["kind"] in ("practice", "check"):
                for s in act["skill_ids"]:
                    if s in Run.skills:
                        self.skill = s
                        return

    @task(10)
    def dashboard(self) -> None:
        if random.random() < 0.5:
            with self.client.get(STUDENT_PAGE, headers={**self.auth, "Accept": "text/html"}, name=STUDENT_PAGE,
                                 catch_response=True) as r:
                if r.status_code != 200:
                    r.failure(_why(r))
            return
        teacher = self.me["teacher"]
        token = self._teacher_token(teacher)
        if token is None:
            return
        with self.client.get(CLASS_PAGE.format(class_id=self.me["class_id"]),
                             headers={"Authorization": f"Bearer {token}", "Accept": "text/html"},
                             name=CLASS_PAGE, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(_why(r))

    # -- the practice loop, one request per step ------------------------------------------------

    def _answer(self) -> None:
        item = self.item
        assert item is not None
        key = Run.key.get(item["item_id"])
        if key is None:
            raise RuntimeError(f"item {item['item_id']} is not in the answer key")
        right = self.tries >= 2 or random.random() < (0.7 if self.tries == 0 else 0.8)
        response = key["right"] if right else self._wrong(key, item)
        body = {"attempt_id": uuid.uuid4().hex, "response": response}
        with self.client.post(ANSWER.format(presentation_id=item["id"]), json=body, headers=self.auth,
                              name=ANSWER, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(_why(r))
                self.item = None  # ask the session for its item again
                return
            out = r.json()
        outcome = out["outcome"]
        if outcome["evidence_id"] and not outcome["duplicate"]:
            Run.acked.append(outcome["evidence_id"])
        else:
            Run.unscored += 1
        if right and not outcome["correct"]:
            Run.right_refused += 1
        self.tries += 1
        if out["item"]["done"]:
            self.item = None
        self.complete = bool(out["session_complete"])

    def _next_item(self) -> None:
        with self.client.post(NEXT_ITEM.format(session_id=self.session_id), json={"skip": False}, headers=self.auth,
                              name=NEXT_ITEM, catch_response=True) as r:
            if r.status_code == 204:  # the session has given all its items
                r.success()
                self.complete = True
            elif r.status_code == 200:
                self._show(r.json())
            else:
                r.failure(_why(r))
                self.session_id = None

    def _start(self) -> None:
        with self.client.post(START, json={"skill_code": self.skill}, headers=self.auth, name=START,
                              catch_response=True) as r:
            if r.status_code != 201:
                r.failure(_why(r))
                self.skill = self.me["start_skill"]  # back to a skill this student has open
                return
            data = r.json()
        self.session_id = data["id"]
        self.skill_used = self.skill
        self.item = None
        # a resumed session may have every item done: it is finished next, then a new one starts
        self.complete = data["current"] is None and data["answered"] >= data["length"]
        if data["current"] is not None:
            self._show(data["current"])

    def _finish(self) -> None:
        with self.client.post(FINISH.format(session_id=self.session_id), headers=self.auth, name=FINISH,
                              catch_response=True) as r:
            if r.status_code != 200:
                r.failure(_why(r))
        self.session_id = None
        self.item = None
        self.complete = False
        # with no new suggestion from What's next the student practises the same skill again (as a
        # student would from the practice page: any other skill may be locked for them)

    def _show(self, item: dict[str, Any]) -> None:
        self.item = None if item["done"] else item
        self.tries = int(item["attempts"])

    @staticmethod
    def _wrong(key: dict[str, Any], item: dict[str, Any]) -> Any:
        wrong = key["wrong"]
        if key["type"] == "single_choice":
            shown = [c for c in item["choices"] if c != key["right"]]
            return random.choice(shown or wrong)
        return random.choice(wrong)

    def _teacher_token(self, teacher: str) -> str | None:
        ready = Run.teacher_ready[teacher]
        if teacher in Run.teacher_tokens:
            return Run.teacher_tokens[teacher]
        if ready.is_set():  # a sign-in was tried and failed
            return None
        if teacher in Run.teacher_claimed:  # another student of the class is signing the teacher in
            ready.wait(120)
            return Run.teacher_tokens.get(teacher)
        Run.teacher_claimed.add(teacher)
        try:
            token = _sign_in(self.client, teacher, Run.plan["teachers"][teacher])
            if token is not None:
                Run.teacher_tokens[teacher] = token
        finally:
            ready.set()
        return Run.teacher_tokens.get(teacher)
