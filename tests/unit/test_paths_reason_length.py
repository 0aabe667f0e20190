"""Every reason "What's next" shows is one short sentence, however long the skills' names
and however many skills a check covers, and it still says what it is about."""

from __future__ import annotations

import re

from pathwise.domain.content import Activity, ActivityKind
from pathwise.domain.framework import Skill, SkillGraph
from pathwise.engine.paths import LearnerView, rank
from pathwise.engine.paths.scoring import MAX_REASON_CHARS, check_activity, short_reason

LONG = {c: f"Solving multi-step word problems about {w} with fractions, decimals and percents"
        for c, w in zip("abcdef", ("recipes", "budgets", "maps", "speeds", "tiles", "scores"))}
GRAPH = SkillGraph([Skill("a", LONG["a"]), Skill("b", LONG["b"], prerequisites=(frozenset({"a"}),)),
                    *(Skill(c, LONG[c]) for c in "cdef")])


def _all_reasons(view: LearnerView, acts: list[Activity]) -> list[str]:
    return [x.text for r in rank(GRAPH, acts, view, k=10, titles=LONG) for x in r.reasons]


def _short(text: str) -> None:
    assert len(text) <= MAX_REASON_CHARS, (len(text), text)
    assert "\n" not in text and ". " not in text.rstrip("."), text  # one sentence


def test_reasons_stay_short_with_long_skill_names() -> None:
    acts = [Activity(f"p.{c}", f"Practise {c}", ActivityKind.PRACTICE, (c,)) for c in "abcdef"]
    acts.append(Activity("v.b", "A video", ActivityKind.VIDEO, ("b",), tags=("cooking",)))
    p = {c: 0.3 for c in "abcdef"} | {"a": 0.97}
    view = LearnerView(p_mastery=p, mastered=frozenset({"a"}), goals=frozenset({"b"}), focus=frozenset({"c"}),
                       interests=frozenset({"cooking"}), modalities=frozenset({"video"}),
                       attempts={"d": 4}, review_due={"a": 9.0}, retrievability={"a": 0.6})
    texts = _all_reasons(view, acts)
    assert any(t.startswith("Works toward your goal: Solving multi-step") for t in texts), texts
    assert any(t.startswith("Keep going: you're at 30% on Solving") for t in texts), texts
    for t in texts:
        _short(t)


def test_a_check_of_many_skills_names_what_fits_and_counts_the_rest() -> None:
    skills = tuple("abcdef")
    check = check_activity(skills, LONG)
    p = {c: 0.97 for c in skills}
    view = LearnerView(p_mastery=p, mastered=frozenset(skills), check=skills)
    recs = rank(GRAPH, [check], view, k=1, titles=LONG)
    assert recs and recs[0].purpose == "check"
    reason = recs[0].reason
    _short(reason)
    assert reason.startswith("Mastery check: confirm Solving multi-step"), reason
    more = re.search(r" and (\d) more$", reason)
    assert more, reason
    named = reason.removeprefix("Mastery check: confirm ")[:more.start() - len("Mastery check: confirm ")]
    assert len(named.split(", ")) + int(more.group(1)) == len(skills), reason
    # a short check names every skill
    few = rank(GRAPH, [check_activity(("a", "b"), {"a": "Alpha", "b": "Beta"})],
               LearnerView(p_mastery=p, mastered=frozenset(skills), check=("a", "b")), k=1,
               titles={"a": "Alpha", "b": "Beta"})
    assert few[0].reason == "Mastery check: confirm Alpha and Beta"


def test_short_reason_cuts_at_a_word() -> None:
    text = "Most to gain next: " + "fractions " * 20
    out = short_reason(text)
    assert len(out) <= MAX_REASON_CHARS and out.endswith("…") and not out.endswith(" …")
    assert out[:-1].split()[-1] == "fractions"
    assert short_reason("Your teacher's focus this week") == "Your teacher's focus this week"


def test_a_cut_after_a_cut_name_shows_one_ellipsis() -> None:
    """A name already cut ("proportional…") and then the reason cut right after it: one
    ellipsis, never two."""
    text = ("Step back: refresh Solve proportions (mastered), which Recognise and use proportional… "
            "builds on and more words")
    out = short_reason(text)
    assert out.endswith("proportional…") and "……" not in out and len(out) <= MAX_REASON_CHARS
