"""A synthetic district: schools, classes and students with a year of simulated answers.

    .venv/bin/python bench/district/generate.py --students 50000 --schools 200 --days 250 --seed 1 --out /tmp/district

Draws students over schools and classes (about 25 to a class, one teacher each, grades
6 to 8 starting at different units of the demo framework), simulates their practice
with the school simulator the demo uses (``engine.simulate_school``: the demo framework
read from its CASE package, the demo items), and writes, per school:

* ``oneroster/<school>/``: a OneRoster 1.1 bundle (manifest, orgs, academicSessions,
  courses, classes, users, enrollments) that ``pathwise import roster`` reads;
* ``responses/<school>.csv``: the canonical response CSV (``domain.responses.HEADER``),
  its ``student_id`` the student's sourcedId, so an import into the school finds the
  accounts the roster made.

A response import maps student ids within one school, hence one CSV per school. Rows
go to disk a school at a time (one school's answers in memory, never the district's).
``district.json`` records the counts and the parameters. Same seed, same district.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pathwise.domain.responses import HEADER, format_row
from pathwise.engine.simulate_school import make_students, sim_items, simulate

TERM_START = datetime(2025, 9, 1, tzinfo=UTC)  # a Monday
TERM_END = "2026-06-30"
CLASS_SIZE = 25
GRADES = ("6", "7", "8")
# a small share of the non-typical learners the simulator knows
PERSONA_SHARES = (("ahead", 0.06), ("struggling", 0.10), ("stuck", 0.03))

USER_COLUMNS = ("sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role", "username",
                "userIds", "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone",
                "agentSourcedIds", "grades", "password")
MANIFEST = [("manifest.version", "1.0"), ("oneroster.version", "1.1"), ("file.academicSessions", "bulk"),
            ("file.categories", "absent"), ("file.classes", "bulk"), ("file.classResources", "absent"),
            ("file.courses", "bulk"), ("file.courseResources", "absent"), ("file.demographics", "absent"),
            ("file.enrollments", "bulk"), ("file.lineItems", "absent"), ("file.orgs", "bulk"),
            ("file.resources", "absent"), ("file.results", "absent"), ("file.users", "bulk"),
            ("source.systemCode", "absent"), ("source.systemName", "absent")]
GIVEN = ("Ada", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hugo", "Iris", "Jon", "Kemal", "Lena", "Mia",
         "Nico", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Vik", "Wren", "Yara", "Zoe")
FAMILY = ("Abbott", "Baker", "Costa", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Khan",
          "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Quist", "Rossi", "Silva", "Tanaka", "Umar", "Vogel",
          "Weber", "Xu", "Young", "Zhang")


def demo_framework():  # type: ignore[no-untyped-def]
    """The demo framework as stored (its skill graph, order and units) and the demo items:
    read from the CASE package and the items file through the importers, in a throwaway
    SQLite database, so the district practises exactly what the demo school does."""
    from pathwise.config import Mode, Settings
    from pathwise.interop.demo import framework
    from pathwise.services.access import Actor
    from pathwise.services.context import App, transaction
    from pathwise.services.demo import DEMO_FRAMEWORK_ID, DEMO_MASTERY_THRESHOLD
    from pathwise.services.demo_data import load_items
    from pathwise.services.frameworks import import_framework

    with tempfile.TemporaryDirectory() as tmp:
        system = App.from_settings(Settings(database_url=f"sqlite:///{tmp}/fw.db", mode=Mode.TEST))
        system.migrate()
        try:
            with transaction(system) as uow:
                import_framework(uow, Actor.system(), framework(), mastery_threshold=DEMO_MASTERY_THRESHOLD,
                                 framework_id=DEMO_FRAMEWORK_ID)
            with transaction(system) as uow:
                fw = uow.frameworks.get(DEMO_FRAMEWORK_ID)
        finally:
            system.close()
    assert fw is not None
    items = [item for item, _, _ in load_items().items]
    return fw, items


def _writer(path: Path, header: tuple[str, ...] | list[str]):  # type: ignore[no-untyped-def]
    fh = path.open("w", newline="", encoding="utf-8")
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(header)
    return fh, w


def write_bundle(folder: Path, school: str, classes: list[dict], students: list[dict]) -> None:
    """One school's OneRoster 1.1 bundle (bulk)."""
    folder.mkdir(parents=True, exist_ok=True)
    org = f"org-{school}"
    term = f"as-{school}-2026"
    course = f"crs-{school}-math"
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(("propertyName", "value"))
        w.writerows(MANIFEST)
    fh, w = _writer(folder / "orgs.csv", ("sourcedId", "status", "dateLastModified", "name", "type", "identifier",
                                          "parentSourcedId"))
    w.writerow((org, "active", "", f"District school {school}", "school", school, ""))
    fh.close()
    fh, w = _writer(folder / "academicSessions.csv", ("sourcedId", "status", "dateLastModified", "title", "type",
                                                      "startDate", "endDate", "parentSourcedId", "schoolYear"))
    w.writerow((term, "active", "", "School year 2025-26", "schoolYear", TERM_START.date().isoformat(), TERM_END,
                "", "2026"))
    fh.close()
    fh, w = _writer(folder / "courses.csv", ("sourcedId", "status", "dateLastModified", "schoolYearSourcedId",
                                             "title", "courseCode", "grades", "orgSourcedId", "subjects",
                                             "subjectCodes"))
    w.writerow((course, "active", "", term, "Mathematics", "MATH", "06,07,08", org, "mathematics", ""))
    fh.close()
    fh, w = _writer(folder / "classes.csv", ("sourcedId", "status", "dateLastModified", "title", "grades",
                                             "courseSourcedId", "classCode", "classType", "location",
                                             "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes",
                                             "periods"))
    for c in classes:
        w.writerow((c["id"], "active", "", c["title"], c["grade"].zfill(2), course, "", "scheduled", "", org, term,
                    "mathematics", "", ""))
    fh.close()
    fh, w = _writer(folder / "users.csv", USER_COLUMNS)
    for c in classes:
        t = c["teacher"]
        w.writerow((t["id"], "active", "", "true", org, "teacher", t["username"], "", t["given"], t["family"], "",
                    "", f"{t['username']}@district.example", "", "", "", "", ""))
    for s in students:
        w.writerow((s["id"], "active", "", "true", org, "student", s["username"], "", s["given"], s["family"], "",
                    "", "", "", "", "", s["grade"].zfill(2), ""))
    fh.close()
    fh, w = _writer(folder / "enrollments.csv", ("sourcedId", "status", "dateLastModified", "classSourcedId",
                                                 "schoolSourcedId", "userSourcedId", "role", "primary",
                                                 "beginDate", "endDate"))
    for c in classes:
        w.writerow((f"enr-{c['teacher']['id']}", "active", "", c["id"], org, c["teacher"]["id"], "teacher", "true",
                    "", ""))
    for s in students:
        w.writerow((f"enr-{s['id']}", "active", "", s["class"], org, s["id"], "student", "", "", ""))
    fh.close()


def plan_school(rng: np.random.Generator, school: str, n_students: int, unit_starts: list[int]) -> tuple[
        list[dict], list[dict]]:
    """Classes of about CLASS_SIZE with a teacher each; each class a grade, which sets where it starts."""
    n_classes = max(1, math.ceil(n_students / CLASS_SIZE))
    classes = []
    for c in range(n_classes):
        grade = GRADES[c % len(GRADES)]
        tid = f"{school}-t{c:03d}"
        classes.append({"id": f"{school}-c{c:03d}", "title": f"Math {grade} {chr(65 + c // 3 % 26)}{c}",
                        "grade": grade, "start": unit_starts[min(c % len(GRADES) * max(1, len(unit_starts) // 3),
                                                                 len(unit_starts) - 1)],
                        "teacher": {"id": tid, "username": tid, "given": str(rng.choice(GIVEN)),
                                    "family": str(rng.choice(FAMILY))}})
    students = []
    personas = np.array([p for p, _ in PERSONA_SHARES] + ["typical"])
    shares = [s for _, s in PERSONA_SHARES]
    probs = np.array(shares + [1.0 - sum(shares)])
    for i in range(n_students):
        c = classes[i % n_classes]
        sid = f"{school}-s{i:05d}"
        students.append({"id": sid, "username": sid, "given": str(rng.choice(GIVEN)),
                         "family": str(rng.choice(FAMILY)), "grade": c["grade"], "class": c["id"],
                         "start": c["start"], "persona": str(rng.choice(personas, p=probs))})
    return classes, students


def generate(students: int, schools: int, days: int, seed: int, out: Path) -> dict:
    if students < schools or schools < 1:
        raise SystemExit("need at least one school and one student per school")
    t0 = time.perf_counter()
    fw, items = demo_framework()
    graph = fw.graph()
    ordered = sorted(fw.skills, key=lambda s: s.position)
    sequence = [s.code for s in ordered]
    unit_start: dict[str | None, int] = {}
    for i, s in enumerate(ordered):
        unit_start.setdefault(s.unit, i)
    unit_starts = sorted(unit_start.values())
    bank = sim_items(items)
    weeks = max(1, math.ceil(days / 7))
    (out / "oneroster").mkdir(parents=True, exist_ok=True)
    (out / "responses").mkdir(parents=True, exist_ok=True)
    base, extra = divmod(students, schools)
    rows = 0
    per_school = []
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[rows]:,} answers")]
    with Progress(*columns) as bar:
        task = bar.add_task("schools", total=schools, rows=0)
        for s in range(schools):
            school = f"sch{s:04d}"
            n = base + (1 if s < extra else 0)
            rng = np.random.default_rng([seed, 10, s])
            classes, pupils = plan_school(rng, school, n, unit_starts)
            write_bundle(out / "oneroster" / school, school, classes, pupils)
            sims = make_students([p["id"] for p in pupils], [p["start"] for p in pupils],
                                 {p["id"]: p["persona"] for p in pupils if p["persona"] != "typical"}, sequence,
                                 seed * 100_003 + s)
            records = simulate(graph, sequence, bank, sims, TERM_START, weeks, seed * 100_003 + s)
            with (out / "responses" / f"{school}.csv").open("w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(HEADER)
                w.writerows(format_row(r.student, r.item_id, r.skill_codes, 1.0 if r.correct else 0.0,
                                       r.timestamp, duration_s=r.duration_s, hints=r.hints)
                            for r in records)
            rows += len(records)
            per_school.append({"school": school, "students": n, "classes": len(classes), "answers": len(records)})
            del records
            bar.update(task, advance=1, rows=rows)
    summary = {"students": students, "schools": schools, "days": days, "weeks": weeks, "seed": seed,
               "answers": rows, "skills": len(sequence), "items": len(items),
               "teachers": sum(p["classes"] for p in per_school), "term_start": TERM_START.isoformat(),
               "seconds": round(time.perf_counter() - t0, 1), "schools_detail": per_school}
    (out / "district.json").write_text(json.dumps(summary, indent=1))
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=50_000)
    ap.add_argument("--schools", type=int, default=200)
    ap.add_argument("--days", type=int, default=250, help="calendar days of practice from the term start")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    s = generate(args.students, args.schools, args.days, args.seed, args.out)
    print(json.dumps({k: v for k, v in s.items() if k != "schools_detail"}))


if __name__ == "__main__":
    main()
