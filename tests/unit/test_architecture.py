"""The import contracts cover the whole package and bite.

Every top-level module or package of ``pathwise`` sits in a layer of the layers
contract, so a new module cannot slip past the rules by living outside them (as the
command modules once did, beside ``cli``). And each rule DESIGN.md draws is shown to
hold by breaking it: a copy of the package gets one forbidden import per rule, and
import-linter must name every one of them."""

from __future__ import annotations

import os
import pkgutil
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

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
    assert {"pathwise.store", "pathwise.engine", "sqlalchemy"} <= set(doors["forbidden_modules"])


# (where the probe goes, what it imports): one forbidden import per rule
PROBES = [
    ("cli", "pathwise.web.app"),  # web and cli are independent doors
    ("web", "pathwise.cli"),
    ("interop", "pathwise.web.app"),  # standards adapters sit below the doors
    ("services", "pathwise.interop.case"),  # services know no door
    ("store", "pathwise.engine.kt.bkt"),  # storage, engine and config are independent
    ("engine", "pathwise.config"),
    ("engine", "pathwise.services.mastery"),
    ("engine", "pydantic"),  # the engine is numbers: numpy and scipy only
    ("domain", "numpy"),  # the domain is plain Python
    ("domain", "pathwise.engine.kt.bkt"),
    ("services", "fastapi"),  # use cases know no web framework
    ("store", "typer"),
    ("interop", "starlette"),  # standards adapters translate plain data; HTTP is the web's
    ("interop", "fastapi"),
    ("web", "sqlalchemy"),  # the doors reach storage only through services
    ("cli", "pathwise.store.tables"),
    ("interop", "pathwise.store.uow"),
    ("web", "pathwise.engine.paths.scoring"),  # the doors reach the engine only through services
    ("cli", "pathwise.engine.kt.bkt"),
    ("services", "sqlalchemy"),  # services reach the database only through the unit of work
    ("services", "pathwise.store.tables"),
    ("services", "pathwise.store.repositories_practice"),
]


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if exe is None:
        pytest.fail("lint-imports is not installed (it comes with the test extras)")
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([exe, "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_contracts_hold_on_the_package_as_it_is(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "src" / "pathwise", tmp_path / "pathwise")
    res = _lint(tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr


def test_every_rule_catches_a_forbidden_import(tmp_path: Path) -> None:
    pkg = tmp_path / "pathwise"
    shutil.copytree(ROOT / "src" / "pathwise", pkg)
    names = []
    for n, (where, target) in enumerate(PROBES):
        name = f"_probe{n}"
        (pkg / where / f"{name}.py").write_text(f"import {target}\n", encoding="utf-8")
        names.append((f"pathwise.{where}.{name}", target))
    res = _lint(tmp_path)
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    missed = [f"{src} -> {dst}" for src, dst in names if f"{src} -> {dst}" not in out]
    assert missed == [], f"forbidden imports no contract caught: {missed}\n{out}"


# What DESIGN.md lets the inner layers use beyond the standard library. A "forbidden"
# contract can only list what is banned, so this allow-list closes the gap: any other
# third-party import in these layers fails here, whatever its name.
ALLOWED_OUTSIDE_STDLIB = {
    "pathwise.engine": {"numpy", "scipy"},  # the numbers: numpy/scipy only
    "pathwise.domain": set(),  # the vocabulary: plain Python
}


@pytest.mark.parametrize("layer", sorted(ALLOWED_OUTSIDE_STDLIB))
def test_inner_layers_use_only_what_the_design_allows(layer: str) -> None:
    import grimp

    graph = grimp.build_graph("pathwise", include_external_packages=True, cache_dir=None)
    modules = {layer} | graph.find_descendants(layer)
    assert len(modules) > 3, f"found too few modules under {layer}"
    external = {dst.split(".")[0] for m in modules for dst in graph.find_modules_directly_imported_by(m)
                if not dst.startswith("pathwise")}
    third_party = {name for name in external if name not in sys.stdlib_module_names and name != "__future__"}
    assert third_party <= ALLOWED_OUTSIDE_STDLIB[layer], sorted(third_party - ALLOWED_OUTSIDE_STDLIB[layer])


# -- one transaction convention ------------------------------------------------------------------
# Use cases take a unit of work; the doors open it: the web through ``web.deps.Tx`` (and the
# sign-in lookup in ``web.auth``), the CLI and the interop adapters through
# ``services.context.transaction``. Nobody else commits.

SRC = ROOT / "src" / "pathwise"
_OPENS = re.compile(r"\.uow\(\)|\.commit\(\)")


def _offenders(folder: Path, allowed: set[str]) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel in allowed:
            continue
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _OPENS.search(line.split("#", 1)[0]):
                found.append(f"{rel}:{no}: {line.strip()}")
    return found


def test_views_never_open_or_commit_a_transaction() -> None:
    assert (SRC / "web" / "deps.py").is_file()
    assert _offenders(SRC / "web", allowed={"web/deps.py"}) == []


def test_services_never_touch_the_session_or_commit() -> None:
    """Repositories ask the database; a use case never commits. The doors' helper
    (services/context.py) and batch runners that commit per batch through it are the
    only places that open a unit of work."""
    session = [f"{p.relative_to(SRC).as_posix()}:{no}"
               for p in sorted((SRC / "services").rglob("*.py"))
               for no, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
               if re.search(r"\buow\.session\b|\.session\.(add|execute|scalar|scalars|get|flush|delete)\(", line)]
    assert session == []
    commits = [o for o in _offenders(SRC / "services", allowed={"services/context.py"}) if ".commit()" in o]
    assert commits == []


def test_a_probe_view_that_commits_is_caught(tmp_path: Path) -> None:
    probe = tmp_path / "web" / "probe.py"
    probe.parent.mkdir()
    probe.write_text("def view(uow):\n    uow.commit()\n", encoding="utf-8")
    global SRC
    saved, SRC = SRC, tmp_path
    try:
        assert _offenders(tmp_path / "web", allowed=set()) == ["web/probe.py:2: uow.commit()"]
    finally:
        SRC = saved


def test_no_import_circles() -> None:
    """No module of ours reaches itself through its imports (function-level ones included):
    each area can be read, and changed, from the bottom up."""
    import grimp

    graph = grimp.build_graph("pathwise", cache_dir=None)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    modules = sorted(graph.modules)
    assert len(modules) > 100
    for m in modules:
        if m not in index:
            visit(m)
    assert circles == []
