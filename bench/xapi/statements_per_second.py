"""Benchmark: how many xAPI statements per second the LRS stores in batches on SQLite.

Two paths, each on a fresh SQLite file: straight through the service
(``services.xapi.store_statements``, validation included) and over HTTP (POST
/xapi/statements to a real ``pathwise serve`` process). Each path runs ``--repeat``
times, alternating, every run on its own fresh file; prints one JSON line per run and
then one summary line per path with the median rate.

    .venv/bin/python bench/xapi/statements_per_second.py --statements 20000 --batch 500 --repeat 3

Statements carry an actor, a verb, an activity with a definition, a context with a
registration and a parent activity, and a scored result: the indexes the queries use
are all written. Measures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from pathwise.config import Mode, Settings
from pathwise.interop.xapi import validate
from pathwise.services import xapi as xapi_service
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction


def make_statement(i: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.example", "name": f"s{i % 500:04d}"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
        "object": {"objectType": "Activity", "id": f"https://lms.example/items/{i % 200}",
                   "definition": {"name": {"en-US": f"Item {i % 200}"}, "interactionType": "choice",
                                  "choices": [{"id": "a"}, {"id": "b"}]}},
        "result": {"success": i % 3 != 0, "score": {"scaled": (i % 10) / 10}, "duration": "PT12.5S"},
        "context": {"registration": str(uuid.uuid4()),
                    "contextActivities": {"parent": [{"id": "https://lms.example/courses/fractions"}]}},
        "timestamp": "2026-11-22T10:00:00.000Z",
    }


def via_service(n: int, batch: int, folder: Path) -> dict[str, Any]:
    system = App.from_settings(Settings(database_url=f"sqlite:///{folder / 'service.sqlite'}", mode=Mode.TEST))
    system.migrate()
    with transaction(system) as uow:
        cred = xapi_service.create_credential(uow, Actor.system(), "bench", ["all"])
    with transaction(system) as uow:
        client = xapi_service.authenticate(uow, cred.key, cred.secret)
    statements = [make_statement(i) for i in range(n)]
    start = time.perf_counter()
    for i in range(0, n, batch):
        chunk = statements[i:i + batch]
        for st in chunk:
            validate.check_statement(st, v2=True)
        with transaction(system) as uow:
            xapi_service.store_statements(uow, system.tracker(), client, chunk)
    elapsed = time.perf_counter() - start
    system.close()
    return {"path": "service", "database": "sqlite", "statements": n, "batch": batch,
            "seconds": round(elapsed, 2), "statements_per_s": round(n / elapsed)}


def via_http(n: int, batch: int, folder: Path) -> dict[str, Any]:
    env = dict(os.environ, PATHWISE_DATABASE_URL=f"sqlite:///{folder / 'http.sqlite'}", PATHWISE_MODE="local")
    pathwise = str(Path(sys.executable).with_name("pathwise"))
    subprocess.run([pathwise, "db", "upgrade"], env=env, check=True, capture_output=True)
    made = subprocess.run([pathwise, "xapi", "credentials", "create", "bench", "--scope", "all", "--json"],
                          env=env, check=True, capture_output=True, text=True)
    cred = json.loads(made.stdout)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([pathwise, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/xapi"
    auth = "Basic " + base64.b64encode(f"{cred['key']}:{cred['secret']}".encode()).decode()
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/about", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        bodies = [json.dumps([make_statement(j) for j in range(i, min(i + batch, n))]).encode()
                  for i in range(0, n, batch)]
        start = time.perf_counter()
        for body in bodies:
            req = urllib.request.Request(f"{base}/statements", data=body, method="POST", headers={
                "Content-Type": "application/json", "X-Experience-API-Version": "2.0.0", "Authorization": auth})
            with urllib.request.urlopen(req) as resp:
                assert resp.status == 200
        elapsed = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(10)
    return {"path": "http", "database": "sqlite", "statements": n, "batch": batch,
            "seconds": round(elapsed, 2), "statements_per_s": round(n / elapsed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--statements", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rates: dict[str, list[int]] = {"service": [], "http": []}
    for run in range(args.repeat):
        for name, path in (("service", via_service), ("http", via_http)):
            with tempfile.TemporaryDirectory() as tmp:
                result = path(args.statements, args.batch, Path(tmp))
            rates[name].append(result["statements_per_s"])
            print(json.dumps({"run": run + 1, **result}), flush=True)
    for name, values in rates.items():
        print(json.dumps({"path": name, "database": "sqlite", "statements": args.statements, "batch": args.batch,
                          "runs": len(values), "median_statements_per_s": round(statistics.median(values)),
                          "min": min(values), "max": max(values)}), flush=True)


if __name__ == "__main__":
    main()
