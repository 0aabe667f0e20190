"""Summarise a load run's profile: where the server's CPU time went.

Reads the collapsed stacks that ``bench/load/run.py --profile`` writes (py-spy's raw
format: frames separated by ``;``, then a space and the sample count) and prints, for the
frames of Pathwise's own code and of the libraries it calls, the share of samples that
pass through each function (inclusive) and the share spent in it (self), largest first.
Idle samples (a worker waiting on its socket or its event loop) are counted apart, so the
shares are of the time the server was busy.

    .venv/bin/python bench/load/profile_summary.py /tmp/pathwise-load-xxxx/profile-u300.txt --top 40
    .venv/bin/python bench/load/profile_summary.py PROFILE --under "record_answer"   # only stacks through it
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

# frames where a worker waits rather than works (the event loop's select, a thread pool's idle wait)
IDLE = re.compile(r"\b(select|poll|epoll_wait|_worker \(concurrent/futures|wait \(threading\.py|_recv_loop|"
                  r"run_forever|_run_once)\b")
FRAME = re.compile(r"^(?P<fn>.+?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def frames(stack: str) -> list[str]:
    out = []
    for raw in stack.split(";"):
        m = FRAME.match(raw.strip())
        if not m:
            out.append(raw.strip())
            continue
        file = m["file"]
        for marker in ("site-packages/", "src/", "lib/python3"):
            if marker in file:
                file = file.split(marker, 1)[1]
                break
        out.append(f"{m['fn']} ({file})")
    return out


def summarise(lines: Iterable[str], under: str | None = None) -> tuple[int, int, Counter[str], Counter[str]]:
    """(busy samples, idle samples, samples through each frame, samples in each frame) of
    collapsed stacks; with ``under``, only the stacks through a function whose name holds it."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    busy = idle = 0
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        fs = frames(stack)
        if fs and IDLE.search(fs[-1]):
            idle += n
            continue
        if under and not any(under in f.split(" (")[0] for f in fs):
            continue
        busy += n
        for f in set(fs):
            inclusive[f] += n
        if fs:
            own[fs[-1]] += n
    return busy, idle, inclusive, own


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("profile", type=Path)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--under", help="Only stacks with a frame whose function name contains this text.")
    args = ap.parse_args(argv)
    busy, idle, inclusive, own = summarise(args.profile.read_text().splitlines(), args.under)
    if not busy:
        print("no busy samples")
        return 1
    print(f"busy samples: {busy} (idle, not counted: {idle})")
    print(f"\n{'incl %':>7} {'self %':>7}  function")
    for f, n in inclusive.most_common(args.top):
        print(f"{100 * n / busy:7.1f} {100 * own[f] / busy:7.1f}  {f}")
    print(f"\nmost self time:\n{'self %':>7}  function")
    for f, n in own.most_common(args.top // 2):
        print(f"{100 * n / busy:7.1f}  {f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
