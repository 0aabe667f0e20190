"""The import contracts cover the whole package: every top-level module or package of
``pathwise`` sits in a layer of the layers contract, so a new module cannot slip past
the rules by living outside them (as the command modules once did, beside ``cli``)."""

from __future__ import annotations

import pkgutil
import re
import tomllib
from pathlib import Path

import pathwise

ROOT = Path(__file__).resolve().parents[2]


def _contracts() -> list[dict]:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_every_top_level_module_is_in_a_layer() -> None:
    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    named = {m for layer in layers for m in re.split(r"\s*[|:]\s*", layer.strip())}
    top = {f"pathwise.{m.name}" for m in pkgutil.iter_modules(pathwise.__path__)}
    assert top, "found no modules under pathwise"
    assert top - named == set(), f"modules outside every layer: {sorted(top - named)}"
    assert named - top == set(), f"layers name modules that do not exist: {sorted(named - top)}"


def test_the_doors_may_not_touch_storage_directly() -> None:
    doors = next(c for c in _contracts() if c["name"].startswith("Web, CLI and interop"))
    assert set(doors["source_modules"]) == {"pathwise.web", "pathwise.cli", "pathwise.interop"}
    assert {"pathwise.store", "sqlalchemy"} <= set(doors["forbidden_modules"])
