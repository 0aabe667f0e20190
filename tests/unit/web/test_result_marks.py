"""A result's mark is drawn, not a character: no page, template, style sheet or source text
shows a tick or cross glyph that a screen reader would read out instead of the words."""

from __future__ import annotations

import re
from pathlib import Path

import pathwise

SRC = Path(pathwise.__file__).parent
GLYPHS = ("✗", "✓", "◐", "✔", "✘")


def test_no_tick_or_cross_glyph_in_pages_styles_or_source() -> None:
    files = [p for p in SRC.rglob("*") if p.suffix in {".html", ".css", ".py", ".js"} and "vendor" not in p.parts]
    assert files
    found = [(str(p.relative_to(SRC)), g) for p in files for g in GLYPHS if g in p.read_text(encoding="utf-8")]
    assert not found, found


def test_each_result_mark_is_drawn_with_a_mask_and_no_generated_text() -> None:
    css = (SRC / "web" / "pages" / "static" / "pathwise.css").read_text(encoding="utf-8")
    for tone in ("good", "part", "not", "hint"):
        rule = re.search(rf"^\.outcome-{tone}::before \{{([^}}]*)\}}", css, re.M)
        assert rule and "--mark: url(\"data:image/svg+xml," in rule.group(1), tone
    shared = re.search(r"\.outcome-good::before, [^{]*\{([^}]*)\}", css)
    assert shared and 'content: ""' in shared.group(1) and "mask:" in shared.group(1)
