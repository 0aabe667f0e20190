#!/usr/bin/env bash
# Build the separate environment in which the knowledge-tracing anchors run
# (bench/kt/anchors.py): pyBKT 1.4.3 compiled with its C++ extension, plus
# numpy, pandas and scikit-learn. It is never a dependency of Pathwise itself.
#
# Usage:   bash bench/kt/anchor_env.sh [VENV_DIR]
# Example: bash bench/kt/anchor_env.sh                 # builds /work/main/.bench-venv-kt
#          bash bench/kt/anchor_env.sh /tmp/kt-anchors # somewhere else
#
# Environment: PYTHON (interpreter used to create the venv, default python3).
#
# Idempotent: when the venv already holds a working C++ build of pyBKT with the
# pinned versions, it says so and does nothing.
#
# Why the pins and flags:
#  * scikit-learn 1.7.2: pyBKT 1.4.3 no longer imports with scikit-learn 1.8 or newer.
#  * pandas 2.x: the major the anchor figures were measured with; pyBKT 1.4.3 predates
#    pandas 3's copy-on-write rules and was not tried with them.
#  * --no-binary pyBKT: the published wheel is the pure-Python fallback, several
#    hundred times slower than the C++ build.
#  * --no-build-isolation: pyBKT's setup.py needs numpy's headers at build time and
#    silently installs the pure-Python fallback when it cannot import numpy, so the
#    build has to see the numpy already installed in the venv.
#  * the final check fails the script if the compiled modules are missing, so a
#    silent fallback can never pass for the C++ build.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${1:-$ROOT/.bench-venv-kt}"
PYTHON="${PYTHON:-python3}"

PYBKT_VERSION="1.4.3"
SKLEARN_PIN="scikit-learn==1.7.2"
PANDAS_PIN="pandas>=2.0,<3"
NUMPY_PIN="numpy>=1.24,<3"

say() { printf '[anchor-env] %s\n' "$*" >&2; }

check() {
    # Exit status 0 only for a complete, compiled, correctly pinned environment.
    "$VENV/bin/python" - "$PYBKT_VERSION" <<'PY'
import sys
from importlib.metadata import version

want = sys.argv[1]
problems = []
if version("pyBKT") != want:
    problems.append(f"pyBKT {version('pyBKT')} installed, {want} wanted")
sk = tuple(int(x) for x in version("scikit-learn").split(".")[:2])
if sk > (1, 7):
    problems.append(f"scikit-learn {version('scikit-learn')} is newer than 1.7.x")
try:
    from pyBKT.fit import E_step, predict_onestep_states  # compiled modules
    from pyBKT.generate import synthetic_data_helper
    from pyBKT.models import Model  # noqa: F401  (the package itself imports)
    for mod in (E_step, predict_onestep_states, synthetic_data_helper):
        path = getattr(mod, "__file__", "") or ""
        if not path.endswith(".so"):
            problems.append(f"{mod.__name__} is not a compiled extension ({path})")
except Exception as exc:  # noqa: BLE001  (any import failure means: not built)
    problems.append(f"pyBKT's compiled modules do not import: {exc!r}")
if problems:
    for p in problems:
        print("  " + p, file=sys.stderr)
    sys.exit(1)
import numpy, pandas, sklearn
print(f"pyBKT {version('pyBKT')} (C++), numpy {numpy.__version__}, "
      f"pandas {pandas.__version__}, scikit-learn {sklearn.__version__}, "
      f"python {sys.version.split()[0]}")
PY
}

if [[ -x "$VENV/bin/python" ]] && check >/dev/null 2>&1; then
    say "already built: $VENV"
    say "$(check)"
    exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    say "creating venv $VENV with $($PYTHON --version 2>&1)"
    "$PYTHON" -m venv "$VENV"
else
    say "venv $VENV exists but is incomplete; repairing it"
fi

PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)

say "installing build tools (setuptools, wheel)"
"${PIP[@]}" install --quiet "setuptools<81" wheel

say "installing $NUMPY_PIN, $PANDAS_PIN, $SKLEARN_PIN, requests"
"${PIP[@]}" install --quiet "$NUMPY_PIN" "$PANDAS_PIN" "$SKLEARN_PIN" requests

say "building pyBKT $PYBKT_VERSION from source with its C++ extension (about a minute)"
"${PIP[@]}" install --quiet --force-reinstall --no-deps --no-cache-dir \
    --no-build-isolation --no-binary pyBKT "pyBKT==$PYBKT_VERSION"

say "checking the build"
if ! check; then
    say "FAILED: pyBKT's C++ extension is not usable in $VENV (see above)."
    say "A C++ compiler with OpenMP (g++) and Python headers are needed."
    exit 1
fi
say "ready: $VENV/bin/python bench/kt/anchors.py --help"
