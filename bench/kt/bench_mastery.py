"""Is mastery calibrated? Reliability of the mastery estimate on the real test splits.

For each model that reads mastery as a probability that the skill is known, fitted on
train.csv only, every test answer is read in file order per learner: before the answer,
each of its skills' mastery estimate and the success the model promises at that
estimate on that skill's items (``predict_state`` on the skill alone); then the answer
is folded in. Only answers on items new to the learner count (their next answers on
the skill's unseen items). Printed per model and data set: a reliability table by
mastery bin (mean estimate, promised success, observed success, answers), and the line
that matters most, the moments read as mastered (estimate at or above the threshold):
how often the next answer was right against what the threshold promises.

    .venv/bin/python bench/kt/bench_mastery.py                     # assist09 and statics
    .venv/bin/python bench/kt/bench_mastery.py --datasets statics --json /tmp/mastery.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from pathwise.engine.kt import models as kt_models
from pathwise.engine.kt.bkt import BKT
from pathwise.services.kt import read_response_csv

ROOT = Path(__file__).resolve().parent.parent.parent
DATA = Path(os.environ.get("PATHWISE_SHARED_DATA", ROOT.parent / "shared" / "data")) / "kt"
EDGES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0000001)
MODELS = ("bkt-mastery", "bkt-per-skill", "bkt-pace")


def make(name: str) -> Any:
    if name == "bkt-per-skill":  # plain BKT counted per skill, as the product's mastery is
        return BKT(multi="each", name="bkt-per-skill")
    return kt_models.create(name)


def readings(model: Any, test: Any) -> dict[str, np.ndarray]:
    n = len(test)
    order = np.lexsort((np.arange(n), np.asarray(test.times), np.asarray(test.students)))
    states: dict[str, Any] = {}
    seen: set[tuple[str, str | None]] = set()
    est, promised, y, new = [], [], [], []
    for r in order.tolist():
        who, item, skills, c = test.students[r], test.items[r], test.skills[r], test.correct[r]
        st = states.get(who)
        if st is None:
            st = states[who] = model.load_state(model.new_state())
        fresh = (who, item) not in seen
        seen.add((who, item))
        for k in dict.fromkeys(skills):
            est.append(float(model.mastery_state(st, k)))
            promised.append(float(model.predict_state(st, item, (k,))))
            y.append(c)
            new.append(fresh)
        model.observe_state(st, item, skills, c)
    return {"est": np.asarray(est), "promised": np.asarray(promised), "y": np.asarray(y), "new": np.asarray(new)}


def reliability(r: dict[str, np.ndarray], threshold: float) -> dict[str, Any]:
    m = r["new"]
    est, prom, y = r["est"][m], r["promised"][m], r["y"][m]
    rows = []
    for lo, hi in zip(EDGES[:-1], EDGES[1:], strict=True):
        sel = (est >= lo) & (est < hi)
        if sel.any():
            rows.append({"bin": f"[{lo:.2f}, {min(hi, 1.0):.2f}{')' if hi < 1 else ']'}", "n": int(sel.sum()),
                         "mean_mastery": round(float(est[sel].mean()), 4),
                         "promised": round(float(prom[sel].mean()), 4), "observed": round(float(y[sel].mean()), 4)})
    ece = sum(x["n"] * abs(x["promised"] - x["observed"]) for x in rows) / max(int(m.sum()), 1)
    top = est >= threshold
    return {"answers_on_new_items": int(m.sum()), "bins": rows, "ece_by_bin": round(float(ece), 4),
            "mastered": {"n": int(top.sum()), "share": round(float(top.mean()), 4),
                         "promised": round(float(prom[top].mean()), 4) if top.any() else None,
                         "observed": round(float(y[top].mean()), 4) if top.any() else None}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=["assist09", "statics"])
    ap.add_argument("--models", nargs="+", default=list(MODELS))
    ap.add_argument("--threshold", type=float, default=0.95)
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args()
    out: dict[str, Any] = {}
    for ds in a.datasets:
        train = read_response_csv(DATA / ds / "train.csv")
        test = read_response_csv(DATA / ds / "test.csv")
        print(f"\n### {ds} (train {len(train):,} answers, test {len(test):,})\n")
        for name in a.models:
            t0 = time.perf_counter()
            model = make(name).fit(train)
            res = reliability(readings(model, test), a.threshold)
            res["seconds"] = round(time.perf_counter() - t0, 1)
            out[f"{ds}/{name}"] = res
            top = res["mastered"]
            print(f"{name}: read as mastered (>= {a.threshold}) before {top['n']:,} answers on new items "
                  f"({100 * top['share']:.1f}%): promised {top['promised']}, observed {top['observed']}; "
                  f"ECE over bins {res['ece_by_bin']} ({res['seconds']} s)\n")
            print("| mastery bin | answers | mean mastery | promised success | observed success |")
            print("|---|---:|---:|---:|---:|")
            for b in res["bins"]:
                print(f"| {b['bin']} | {b['n']:,} | {b['mean_mastery']:.3f} | {b['promised']:.3f} | {b['observed']:.3f} |")
            print()
            sys.stdout.flush()
    if a.json:
        a.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
