"""External anchors for the knowledge-tracing benchmark (bench/kt/bench_kt.py).

Runs inside the separate environment built by bench/kt/anchor_env.sh, reads only the
canonical response-log CSVs and imports nothing from Pathwise, so the figures it
prints are independent of the product's code.

Models:
  pybkt          pyBKT 1.4.3 (C++ build), standard BKT, one model per skill combination
  pybkt-forgets  the same with forgetting
  best-lr        logistic regression on the "Best-LR" features of Gervet et al. (2020)

Protocol (../shared/data/README.md): fit on train.csv only; for every row of test.csv,
in file order, predict P(correct) from the fitted model and that student's earlier test
rows only; one prediction per answer, whatever the number of its skills.

Example:
    .bench-venv-kt/bin/python bench/kt/anchors.py \\
        --data ../shared/data/kt/assist09 --model best-lr --json /tmp/assist09-best-lr.json
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

MODELS = ("pybkt", "pybkt-forgets", "best-lr")
REQUIRED = ("student_id", "item_id", "skill_ids", "correct", "timestamp")
SEED = 42


class InputError(Exception):
    """A data file that cannot be used as it is; the message names file, line and field."""


def log(msg: str) -> None:
    print(f"[anchors] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- data


def read_log(path: Path) -> dict[str, list]:
    """Read a canonical response log; check every row, report the first bad one by line."""
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    students: list[str] = []
    items: list[str] = []
    skills: list[tuple[str, ...]] = []
    correct: list[int] = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise InputError(f"{path}: the file is empty (a header row is needed)")
        header = [h.strip() for h in header]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise InputError(f"{path} line 1: missing column(s) {', '.join(missing)}")
        col = {name: header.index(name) for name in REQUIRED}
        width = len(header)
        for lineno, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != width:
                raise InputError(f"{path} line {lineno}: {len(row)} fields, the header has {width}")
            for name in ("student_id", "item_id", "skill_ids", "correct"):
                if not row[col[name]].strip():
                    raise InputError(f"{path} line {lineno}: field '{name}' is empty")
            value = row[col["correct"]].strip()
            if value not in ("0", "1"):
                raise InputError(f"{path} line {lineno}: field 'correct' must be 0 or 1, got {value!r}")
            combo = tuple(sorted({s.strip() for s in row[col["skill_ids"]].split(";") if s.strip()}))
            if not combo:
                raise InputError(f"{path} line {lineno}: field 'skill_ids' names no skill")
            students.append(row[col["student_id"]].strip())
            items.append(row[col["item_id"]].strip())
            skills.append(combo)
            correct.append(int(value))
    if not correct:
        raise InputError(f"{path}: no data rows")
    return {"student": students, "item": items, "skills": skills, "correct": correct}


# ------------------------------------------------------------------------ metrics


def metrics(y: Any, p: Any) -> dict[str, float]:
    import numpy as np
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    if not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1:
        raise RuntimeError("predictions outside [0, 1]")
    q = np.clip(p, 1e-15, 1 - 1e-15)
    bins = np.minimum((p * 10).astype(int), 9)  # 10 equal-width bins, 1.0 in the last
    ece = 0.0
    for b in range(10):
        sel = bins == b
        if sel.any():
            ece += sel.mean() * abs(p[sel].mean() - y[sel].mean())
    return {
        "auc": float(roc_auc_score(y, p)),
        "rmse": float(np.sqrt(np.mean((p - y) ** 2))),
        "logloss": float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))),
        "ece": float(ece),
    }


# -------------------------------------------------------------------------- pyBKT


class PyBKTAnchor:
    """pyBKT's own Model: every distinct skill combination is one BKT skill.

    pyBKT sorts a frame by student (stable, so file order is kept within a student)
    and runs its forward pass per student and skill: the prediction for a row comes
    from the fitted parameters and the same student's earlier rows of that skill
    combination (predict_onestep_states: state(t+1) = A @ filtered(t)). Rows whose
    skill combination never occurs in train get pyBKT's own default of 0.5.
    """

    def __init__(self, forgets: bool) -> None:
        self.forgets = forgets
        self.combo_names: dict[tuple[str, ...], str] = {}

    def _frame(self, data: dict[str, list], grow: bool) -> Any:
        import pandas as pd

        names = []
        for combo in data["skills"]:
            name = self.combo_names.get(combo)
            if name is None:
                # Plain generated names: pyBKT selects skills with a regular expression
                # built from their names, so names must not carry regex characters.
                name = f"c{len(self.combo_names)}" if grow else "unseen"
                if grow:
                    self.combo_names[combo] = name
            names.append(name)
        return pd.DataFrame(
            {"user_id": data["student"], "skill_name": names, "correct": data["correct"]}
        )

    def fit(self, data: dict[str, list]) -> None:
        from pyBKT.models import Model

        frame = self._frame(data, grow=True)
        self.model = Model(seed=SEED)  # standard options: num_fits=5, parallel=True
        self.model.fit(data=frame, forgets=self.forgets)

    def predict(self, data: dict[str, list]) -> Any:
        import numpy as np

        frame = self._frame(data, grow=False)
        n = len(frame)
        known = frame["skill_name"] != "unseen"
        self.n_unseen = int((~known).sum())
        p = np.full(n, 0.5)
        if known.any():
            out = self.model.predict(data=frame.copy())  # pyBKT re-sorts its frame
            got = out["correct_predictions"].reindex(range(n)).to_numpy(dtype=float)
            p[known.to_numpy()] = got[known.to_numpy()]
        return p

    def info(self) -> dict[str, Any]:
        from importlib.metadata import version

        from pyBKT.fit import E_step

        return {
            "pybkt_version": version("pyBKT"),
            "pybkt_compiled": str(getattr(E_step, "__file__", "")).endswith(".so"),
            "skill_combinations": len(self.combo_names),
            "forgets": self.forgets,
            "num_fits": self.model.num_fits,
            "n_test_unseen_skill": self.n_unseen,
        }


# ------------------------------------------------------------------------ Best-LR


class BestLRAnchor:
    """Logistic regression on the Best-LR features (Gervet et al. 2020, section 3).

    Features of one answer, all from the same student's earlier rows in the same file:
      * the item, one-hot;
      * its skills, many-hot;
      * for each of its skills: log(1 + earlier attempts on the skill) and
        log(1 + earlier correct answers on the skill), in that skill's own columns;
      * log(1 + earlier attempts) and log(1 + earlier correct) on the same item;
      * log(1 + earlier attempts) and log(1 + earlier correct) in total.
    Items and skills are indexed from train; those unseen in train add no column
    (their counts still feed the item and total counts). scikit-learn's
    LogisticRegression with its defaults (L2, C=1, lbfgs), up to 1000 iterations.
    """

    def fit(self, data: dict[str, list]) -> None:
        from sklearn.linear_model import LogisticRegression

        self.items = {it: k for k, it in enumerate(dict.fromkeys(data["item"]))}
        self.skills = {
            s: k for k, s in enumerate(dict.fromkeys(s for combo in data["skills"] for s in combo))
        }
        x, y = self._encode(data)
        self.lr = LogisticRegression(max_iter=1000)
        self.lr.fit(x, y)

    def predict(self, data: dict[str, list]) -> Any:
        x, _y = self._encode(data)
        return self.lr.predict_proba(x)[:, 1]

    def _encode(self, data: dict[str, list]) -> tuple[Any, Any]:
        import numpy as np
        import pandas as pd
        from scipy import sparse

        n = len(data["correct"])
        n_items, n_skills = len(self.items), len(self.skills)
        y = np.asarray(data["correct"], dtype=float)
        student = pd.Series(pd.factorize(pd.Series(data["student"]))[0])
        item = pd.Series(data["item"])

        def prior(keys: list[Any], hits: Any) -> tuple[Any, Any]:
            """Earlier attempts and earlier successes for each row's key, in row order."""
            grouped = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)}).assign(hit=hits)
            g = grouped.groupby([f"k{i}" for i in range(len(keys))], sort=False)
            attempts = g.cumcount().to_numpy(dtype=float)
            wins = (g["hit"].cumsum() - grouped["hit"]).to_numpy(dtype=float)
            return attempts, wins

        rows_all = np.arange(n)
        tot_a, tot_w = prior([student], y)
        item_a, item_w = prior([student, item], y)

        # one (row, skill) pair per skill of a row, only to count; predictions stay per row
        pair_row = np.fromiter(
            (r for r, combo in enumerate(data["skills"]) for _ in combo), dtype=np.int64
        )
        pair_skill = pd.Series([s for combo in data["skills"] for s in combo])
        sk_a, sk_w = prior([student.to_numpy()[pair_row], pair_skill], y[pair_row])
        sk_col = pair_skill.map(self.skills).to_numpy(dtype=float)
        keep = ~np.isnan(sk_col)
        sk_col = sk_col[keep].astype(np.int64)
        sk_row = pair_row[keep]

        it_col = item.map(self.items).to_numpy(dtype=float)
        it_keep = ~np.isnan(it_col)

        base_s = n_items
        base_sa = n_items + n_skills
        base_sw = n_items + 2 * n_skills
        base_c = n_items + 3 * n_skills
        rows = [
            rows_all[it_keep],
            sk_row,
            sk_row,
            sk_row,
            rows_all,
            rows_all,
            rows_all,
            rows_all,
        ]
        cols = [
            it_col[it_keep].astype(np.int64),
            base_s + sk_col,
            base_sa + sk_col,
            base_sw + sk_col,
            np.full(n, base_c),
            np.full(n, base_c + 1),
            np.full(n, base_c + 2),
            np.full(n, base_c + 3),
        ]
        vals = [
            np.ones(int(it_keep.sum())),
            np.ones(len(sk_row)),
            np.log1p(sk_a[keep]),
            np.log1p(sk_w[keep]),
            np.log1p(item_a),
            np.log1p(item_w),
            np.log1p(tot_a),
            np.log1p(tot_w),
        ]
        x = sparse.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n, base_c + 4),
        )
        x.eliminate_zeros()
        return x, y

    def info(self) -> dict[str, Any]:
        import sklearn

        return {
            "sklearn_version": sklearn.__version__,
            "n_features": int(self.lr.coef_.shape[1]),
            "n_iter": int(self.lr.n_iter_[0]),
            "C": self.lr.C,
        }


# ------------------------------------------------------------------------- checks


def causal_check(model: Any, test: dict[str, list], full: Any) -> dict[str, Any]:
    """Cut every test student's sequence at a random point, flip the answer of the last
    row kept, predict again: the kept rows must get the same predictions as in the full
    run. A model that looked at a row's own answer or at later rows fails this."""
    import numpy as np

    rng = np.random.default_rng(SEED)
    by_student: dict[str, list[int]] = {}
    for r, s in enumerate(test["student"]):
        by_student.setdefault(s, []).append(r)
    kept: list[int] = []
    for rows in by_student.values():
        kept.extend(rows[: int(rng.integers(1, len(rows) + 1))])
    kept.sort()
    last = {}
    for r in kept:
        last[test["student"][r]] = r
    cut = {k: [v[r] for r in kept] for k, v in test.items()}
    flip = {pos for pos, r in enumerate(kept) if last[test["student"][r]] == r}
    cut["correct"] = [1 - c if pos in flip else c for pos, c in enumerate(cut["correct"])]
    again = model.predict(cut)
    diff = float(np.max(np.abs(np.asarray(again) - np.asarray(full)[kept])))
    return {"rows_checked": len(kept), "max_abs_diff": diff, "passed": diff < 1e-9}


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Example: .bench-venv-kt/bin/python bench/kt/anchors.py "
        "--data ../shared/data/kt/assist09 --model pybkt --json /tmp/assist09-pybkt.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--data", type=Path, required=True, help="folder with train.csv and test.csv")
    ap.add_argument("--model", choices=MODELS, required=True)
    ap.add_argument("--json", type=Path, required=True, help="where to write the figures")
    ap.add_argument("--predictions", type=Path, help="also write p_correct per test row (CSV)")
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="OpenMP threads for pyBKT's C++ code (default 1: one core, like the product's fit)",
    )
    ap.add_argument(
        "--fit-repeats",
        type=int,
        default=1,
        help="fit this many times and report the median fit time (the last fit predicts)",
    )
    ap.add_argument(
        "--check-causal",
        action="store_true",
        help="also verify that no prediction uses its own answer or a later row",
    )
    args = ap.parse_args(argv)
    if args.threads < 1:
        ap.error("--threads must be at least 1")
    if args.fit_repeats < 1:
        ap.error("--fit-repeats must be at least 1")
    # before numpy or pyBKT load their thread pools
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

    try:
        t0 = time.perf_counter()
        train = read_log(args.data / "train.csv")
        test = read_log(args.data / "test.csv")
        load_seconds = time.perf_counter() - t0
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    if args.model.startswith("pybkt"):
        try:
            model: Any = PyBKTAnchor(forgets=args.model == "pybkt-forgets")
            from pyBKT.models import Model  # noqa: F401
        except ImportError:
            print(
                "error: pyBKT is not installed in this interpreter; build the anchor "
                "environment with: bash bench/kt/anchor_env.sh",
                file=sys.stderr,
            )
            return 2
    else:
        model = BestLRAnchor()

    log(f"{args.data.name} {args.model}: fit on {len(train['correct'])} train rows")
    walls, cpus = [], []
    for _ in range(args.fit_repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        model.fit(train)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    fit_seconds, fit_cpu_seconds = statistics.median(walls), statistics.median(cpus)
    log(f"  fit {fit_seconds:.2f} s; predict {len(test['correct'])} test rows")
    t0 = time.perf_counter()
    p = model.predict(test)
    predict_seconds = time.perf_counter() - t0
    if len(p) != len(test["correct"]):
        raise RuntimeError(f"{len(p)} predictions for {len(test['correct'])} test rows")

    result: dict[str, Any] = {
        "model": args.model,
        "dataset": args.data.name,
        **metrics(test["correct"], p),
        "fit_seconds": fit_seconds,
        "fit_cpu_seconds": fit_cpu_seconds,
        "fit_repeats": args.fit_repeats,
        "fit_seconds_all": walls,
        "predict_seconds": predict_seconds,
        "load_seconds": load_seconds,
        "n_train": len(train["correct"]),
        "n_test": len(test["correct"]),
        "seed": SEED,
        "threads": args.threads,
        "python": platform.python_version(),
        **model.info(),
    }
    if args.check_causal:
        log("  causal check")
        result["causal_check"] = model_check = causal_check(model, test, p)
        if not model_check["passed"]:
            log(f"  CAUSAL CHECK FAILED: {model_check}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    if args.predictions:
        with args.predictions.open("w", newline="") as fh:
            fh.write("p_correct\n")
            fh.writelines(f"{v:.6f}\n" for v in p)
    log(
        f"  auc {result['auc']:.4f} rmse {result['rmse']:.4f} logloss {result['logloss']:.4f} "
        f"ece {result['ece']:.4f} fit {fit_seconds:.2f} s predict {predict_seconds:.2f} s"
    )
    print(json.dumps(result))
    return 0 if result.get("causal_check", {}).get("passed", True) else 1


if __name__ == "__main__":
    sys.exit(main())
