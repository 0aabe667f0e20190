"""What a practice session and a learner's confidence ratings add up to: the calm summary
at the end of a session (what improved, what to review, the effort) and how well the
learner's confidence before checking matches their results."""

from __future__ import annotations

from datetime import UTC, datetime

from pathwise.domain.answers import Status, instantiate
from pathwise.domain.practice import PracticeSession
from pathwise.services.access import Actor, Need, require_learner
from pathwise.services.practice_views import Calibration, Summary, meter
from pathwise.store.uow import UnitOfWork


def summarise(uow: UnitOfWork, sess: PracticeSession) -> Summary:
    """The summary of a session the caller may already read."""
    pres_rows = uow.practice.presentations(sess.id)
    answered = [p for p in pres_rows if p.attempts > 0]
    first = sum(1 for p in answered if p.first_correct)
    responses = uow.practice.responses([p.id for p in pres_rows])
    correct_pres = {r.presentation_id for r in responses if r.status == Status.CORRECT.value}
    eventually = len(correct_pres)
    kept_going = sum(1 for p in answered if not p.first_correct and p.id in correct_pres)
    hints = sum(p.hints_shown for p in pres_rows)
    m = meter(uow, sess.learner_id, sess.skill_code, sess.start_mastery)
    improved: list[str] = []
    # words follow the evidence: a gain is named only when the estimate rose
    if m.change > 0:
        improved.append(f"{m.title} went from {m.start_percent}% to {m.percent}%.")
    if kept_going:
        improved.append(f"You fixed {kept_going} answer{'s' if kept_going != 1 else ''} after a first miss.")
    if m.mastered and (m.start_p is None or m.start_p < m.threshold):
        improved.append(f"You have mastered {m.title}.")
    review: list[str] = []
    seen: set[str] = set()
    for r in responses:
        if r.misconception and r.misconception not in seen:
            seen.add(r.misconception)
            review.append(r.message)
    for p in pres_rows:
        if p.attempts and p.id not in correct_pres:
            item = uow.items.get(p.item_id)
            if item is not None:
                review.append(f"Try again: {instantiate(item, p.id)[0].prompt}")
        elif p.hints_shown and p.hints_shown >= _hint_count(uow, p.item_id):
            item = uow.items.get(p.item_id)
            if item is not None:
                review.append(f"You used the worked solution for: {instantiate(item, p.id)[0].prompt}")
    effort = _effort(len(answered), kept_going, hints)
    end = sess.ended_at or datetime.now(UTC)
    minutes = max(0, round((end - sess.started_at).total_seconds() / 60))
    score_text = f"{first} of {len(answered)} right first time; {eventually} right in the end."
    return Summary(sess.id, sess.skill_code, sess.mode, len(answered), first, eventually, kept_going, hints, minutes,
                   m, tuple(improved), tuple(review[:6]), effort, score_text)


def _hint_count(uow: UnitOfWork, item_id: str) -> int:
    item = uow.items.get(item_id)
    return len(item.hints) if item else 0


def _effort(answered: int, kept_going: int, hints: int) -> str:
    if answered == 0:
        return "Nothing answered this time, and that is fine: come back when you are ready."
    parts = [f"You worked through {answered} question{'s' if answered != 1 else ''}"]
    if kept_going:
        parts.append(f"kept going after {kept_going} miss{'es' if kept_going != 1 else ''}")
    if hints:
        parts.append(f"used {hints} hint{'s' if hints != 1 else ''} to learn the steps")
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return text + ". Steady work like this is how skills grow."


def calibration(uow: UnitOfWork, actor: Actor, learner_id: str) -> Calibration:
    """How well the learner's confidence before checking matches their results."""
    require_learner(uow, actor, learner_id, Need.READ, "calibration")
    # confidence is a judgement of "is my answer right?", so it is compared with right/wrong
    # (not with the credit left after hints)
    rows = [(c, 1.0 if st == Status.CORRECT.value else 0.0) for c, st in uow.practice.confidence_ratings(learner_id)]
    if not rows:
        return Calibration(0, None, None, None, "Rate your confidence before checking to see how well you judge your own work.")
    n = len(rows)
    conf = sum(c for c, _ in rows) / n
    acc = sum(s for _, s in rows) / n
    brier = sum((c - s) ** 2 for c, s in rows) / n
    gap = conf - acc
    if n < 5:
        tendency, label = "unknown", "A few more ratings are needed to say how well-calibrated you are."
    elif abs(gap) <= 0.1:
        tendency, label = "calibrated", "Well calibrated: your confidence matches your results."
    elif gap > 0:
        tendency, label = "over", "Often more confident than your results: check your work before submitting."
    else:
        tendency, label = "under", "Often less confident than your results: you know more than you think."
    return Calibration(n, conf, acc, brier, label, tendency)
