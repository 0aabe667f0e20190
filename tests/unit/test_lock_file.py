"""./dev installs exact versions: requirements.lock pins every package Pathwise and its
tests name, and ./dev passes it to pip as constraints."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def test_every_dependency_is_pinned_in_the_lock_file() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for extra in ("test", "bench"):
        wanted |= {_name(r) for r in project["optional-dependencies"][extra]}
    pinned = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"requirements.lock: {line!r} is not pinned with =="
            pinned[name.lower().replace("_", "-")] = version
    assert len(pinned) > len(wanted)  # the transitive ones too
    assert sorted(wanted - set(pinned)) == []


def test_dev_installs_with_the_lock_file() -> None:
    assert "-c requirements.lock" in (ROOT / "dev").read_text()
