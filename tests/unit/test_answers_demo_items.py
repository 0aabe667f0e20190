"""Every demo item as shipped (``services/demo_data/items.yaml``), checked by the answer
checkers: the key is accepted, and each typical wrong answer is refused with its own
misconception feedback (the demo content and the checkers agree on the item format)."""

from __future__ import annotations

from pathwise.domain.answers import _split_list, check_answer, validate_item
from pathwise.domain.content import ItemType
from pathwise.services.demo_data import load_items


def test_demo_items_agree_with_the_checkers() -> None:
    parsed = load_items()
    assert parsed.problems == []
    items = [item for item, _, _ in parsed.items]
    assert len(items) > 100
    problems: list[str] = []
    for item in items:
        problems.extend(f"{item.id}: {p}" for p in validate_item(item))
        key = item.answer[0] if item.type == ItemType.SHORT_TEXT else item.answer
        if not check_answer(item, key).correct:
            problems.append(f"{item.id}: its own answer {key!r} is not accepted")
        for f in item.feedback:
            if item.type == ItemType.ORDERING:
                response: object = _split_list(f.answer)
            elif item.type == ItemType.MULTIPLE_CHOICE:
                response = [f.answer]
            else:
                response = f.answer
            r = check_answer(item, response)
            if r.correct or r.feedback is None or r.feedback.message != f.message:
                problems.append(f"{item.id}: wrong answer {f.answer!r} gives {r.status.value} {r.message!r}")
    assert problems == []
