"""Static security analysis of the package: bandit finds no medium or high issue.

Low-severity notes (asserts, broad excepts around optional parts) are left to review;
a medium or high finding fails the build with bandit's own report.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "pathwise"


def _bandit() -> str:
    exe = shutil.which("bandit", path=str(Path(sys.executable).parent)) or shutil.which("bandit")
    if exe is None:
        pytest.fail("bandit is not installed (it comes with the test extras)")
    return exe


def test_bandit_finds_no_medium_or_high_issue() -> None:
    res = subprocess.run([_bandit(), "-q", "-r", str(SRC), "-f", "json", "--severity-level", "medium"],
                         capture_output=True, text=True, timeout=600)
    report = json.loads(res.stdout)
    assert report["metrics"]["_totals"]["loc"] > 10_000, "bandit read too little of the package"
    found = [f"{i['filename']}:{i['line_number']} {i['test_id']} {i['issue_severity']}: {i['issue_text']}"
             for i in report["results"] if i["issue_severity"] in ("MEDIUM", "HIGH")]
    assert found == []


def test_bandit_would_catch_a_medium_issue(tmp_path: Path) -> None:
    (tmp_path / "probe.py").write_text("import subprocess\n\ndef run(cmd):\n"
                                       "    return subprocess.call(cmd, shell=True)\n", encoding="utf-8")
    res = subprocess.run([_bandit(), "-q", "-r", str(tmp_path), "-f", "json", "--severity-level", "medium"],
                         capture_output=True, text=True, timeout=120)
    assert any(i["test_id"] == "B602" for i in json.loads(res.stdout)["results"])
