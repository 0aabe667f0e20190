"""Bank items as the school simulator sees them: grouped by first skill, with a guessing rate."""

from __future__ import annotations

import pytest

from pathwise.domain.content import Item, ItemType
from pathwise.engine.simulate_school import sim_items


def _item(id_: str, kind: ItemType, skills: tuple[str, ...], choices: tuple[str, ...] = ()) -> Item:
    return Item(id_, skills, kind, "prompt", "a", choices=choices, difficulty=0.3)


def test_items_grouped_by_first_skill_with_their_guess_rate() -> None:
    items = [
        _item("i1", ItemType.SINGLE_CHOICE, ("s.a", "s.b"), ("a", "b", "c", "d")),
        _item("i2", ItemType.MULTIPLE_CHOICE, ("s.a",), ("a", "b")),
        _item("i3", ItemType.NUMERIC, ("s.b",)),
        _item("i4", ItemType.ORDERING, ("s.b",), ("a", "b", "c")),
    ]
    got = sim_items(items)
    assert sorted(got) == ["s.a", "s.b"]
    by_id = {s.id: s for group in got.values() for s in group}
    assert by_id["i1"].guess == pytest.approx(0.25)
    assert by_id["i2"].guess == pytest.approx(0.1)
    assert by_id["i3"].guess == pytest.approx(0.05)
    assert by_id["i4"].guess == pytest.approx(0.1)
    assert by_id["i1"].skill_codes == ("s.a", "s.b") and by_id["i1"].difficulty == pytest.approx(0.3)
    assert [s.id for s in got["s.b"]] == ["i3", "i4"]
