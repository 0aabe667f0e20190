"""How each step scales with the answers: a log-log fit over bench_district.py results.

    .venv/bin/python bench/district/scaling.py /tmp/district_runs/bench_*.json [--to 20000000]

For each step, fits log(wall seconds) and log(peak RSS above the process's start) against
log(rows the step worked on) by least squares, prints the slopes (1.0 is linear) and what
the fitted lines give at ``--to`` answers. An extrapolation far past the measured sizes: a
guide to the order of magnitude, not a measurement. A slope below 1 comes partly from fixed costs
(start-up, loading the model) that shrink in share as the sizes grow, so the table also
gives the time at the largest run's own rate (rows a second), which does not assume it.

The fit reads at most ``PATHWISE_FIT_MAX_ROWS`` answers (docs/decisions/0015): its line is
fitted on the answers it used, and read at the largest number it used when the district
has more, since that is what a refit of ``--to`` answers would use too.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    slope, intercept = np.polyfit(np.log(xs), np.log(ys), 1)
    return float(slope), float(intercept)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="+", type=Path)
    ap.add_argument("--to", type=float, default=20_000_000)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    runs = sorted((json.loads(p.read_text()) for p in args.results), key=lambda r: r["district"]["answers"])
    if len(runs) < 2:
        raise SystemExit("need at least two sizes")
    out = []
    print(f"| step | sizes | time slope | time at {args.to:,.0f} (slope) | at the largest run's rate | "
          f"memory slope | extra RSS at {args.to:,.0f} |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for step in [s["step"] for s in runs[0]["steps"]]:
        xs, ts, ms = [], [], []
        capped = False
        for r in runs:
            s = next((s for s in r["steps"] if s["step"] == step), None)
            if s is None:
                continue
            xs.append(s["rows"] if s.get("unit") == "answers" else r["district"]["answers"])
            capped = capped or s.get("answers_available", s["rows"]) > s["rows"]
            ts.append(s["wall_s"])
            ms.append(max(s["peak_rss_mb"] - s["start_rss_mb"], 1.0))
        if len(xs) < 2:
            continue
        bt, at = fit(xs, ts)
        bm, am = fit(xs, ms)
        at_rows = min(args.to, max(xs)) if capped else args.to
        t_to = float(np.exp(at) * at_rows ** bt)
        m_to = float(np.exp(am) * at_rows ** bm)
        out.append({"step": step, "sizes": xs, "time_slope": round(bt, 3), "time_at_s": round(t_to),
                    "memory_slope": round(bm, 3), "extra_rss_at_mb": round(m_to), "capped_at": at_rows if capped else None})
        note = f" (capped: {at_rows:,.0f} answers used)" if capped else ""
        largest = max(range(len(xs)), key=lambda i: xs[i])
        at_rate = ts[largest] * at_rows / xs[largest]  # the largest run's rows a second, held
        out[-1]["time_at_largest_rate_s"] = round(at_rate)
        print(f"| {step}{note} | {len(xs)} | {bt:.2f} | {t_to / 60:,.0f} min | {at_rate / 60:,.0f} min | "
              f"{bm:.2f} | {m_to / 1024:,.1f} GB |")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
