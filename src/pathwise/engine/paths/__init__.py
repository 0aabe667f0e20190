"""Adaptive learning paths: which skills are open to a learner, which activities to
offer next and why, when to step back (wheel-spinning), when to offer a mastery
check, and when to review a mastered skill (the memory model in ``review``).

Pure functions over domain values and plain numbers: no storage, no web, no clock
(callers pass ``now`` or elapsed days). The services decide who may see what.
"""

from pathwise.engine.paths.checks import CheckCadence, check_skills
from pathwise.engine.paths.frontier import SkillState, SkillStatus, open_skills, skill_map
from pathwise.engine.paths.guard import WheelSpinGuard, step_back_targets
from pathwise.engine.paths.review import MemoryModel, MemoryState
from pathwise.engine.paths.scoring import (
    LearnerView,
    Reason,
    Recommendation,
    Weights,
    rank,
)

__all__ = [
    "CheckCadence", "LearnerView", "MemoryModel", "MemoryState", "Reason", "Recommendation", "SkillState",
    "SkillStatus", "Weights", "WheelSpinGuard", "check_skills", "open_skills", "rank", "skill_map",
    "step_back_targets",
]
