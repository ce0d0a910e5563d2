"""The attendance policy and the classification of results: the one place that says what completes a class.

A learner completes a closed class when their attended share reaches the course's minimum attendance
share (``Course.min_attendance_share``, default ``DEFAULT_MIN_ATTENDANCE_SHARE``: 80 %) and, where the
course has a pass mark, their score reaches it. A completed learner's score is classified Xuất sắc,
Giỏi, Khá or Trung bình by the thresholds of ``TRAINING_CLASSIFICATION`` (``training.core.config``).

Used by closing a class (``training.classes.attendance``), the course table's default
(``training.classes.tables``) and the demo data (``training.demo.seed``).
"""

from __future__ import annotations

from decimal import Decimal

from training.core import config

DEFAULT_MIN_ATTENDANCE_SHARE = 0.8
"""The minimum attended share of a course that names none (and the default of the course column)."""

CLASSIFICATIONS = ("Xuất sắc", "Giỏi", "Khá", "Trung bình")
"""The classifications from best to lowest pass, as stored in ``Enrolment.classification``."""

SCORE_MIN = 0
SCORE_MAX = 10
SCORE_DECIMALS = 2
"""Scores are on the 10-point scale, with at most two decimals (8,5 or 8,25 as on a grade sheet)."""

_EPSILON = 1e-9  # shares and scores are floats: 0.8 reached by 4/5 must count as reached


def min_attendance_share(course_value: float | None) -> float:
    """The minimum attended share a course requires: its own value, or the default when it has none."""
    return DEFAULT_MIN_ATTENDANCE_SHARE if course_value is None else course_value


def attended_marks(excused_counts_as_present: bool | None) -> set[str]:
    """The attendance marks that count as attended: present and late, and excused where the course says so."""
    return {"present", "late"} | ({"excused"} if excused_counts_as_present else set())


def attended_share(attended: int, sessions: int) -> float:
    """The share of a class's sessions a learner attended, rounded to 4 places (0.0 without sessions)."""
    return round(attended / sessions, 4) if sessions else 0.0


def attends_enough(share: float, minimum: float | None) -> bool:
    """True when ``share`` reaches the minimum attended share (``None``: the default minimum)."""
    return share >= min_attendance_share(minimum) - _EPSILON


def passes_score(score: float | None, pass_mark: float | None) -> bool:
    """True when the course has no pass mark, or the score reaches it (no score: not passed)."""
    return pass_mark is None or (score is not None and score >= pass_mark - _EPSILON)


def score_problem(value: float | Decimal) -> str | None:
    """What is wrong with a score, as an error code: ``score_out_of_range`` (outside 0–10),
    ``score_decimals`` (more than two decimals), or ``None``. Every path that stores a score asks here:
    the scores grid (``training.classes.scores``) and the row rule of ``Enrolment`` (admin, API, imports)."""
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    if not exact.is_finite() or not SCORE_MIN <= exact <= SCORE_MAX:
        return "score_out_of_range"
    if exact != exact.quantize(Decimal(1).scaleb(-SCORE_DECIMALS)):
        return "score_decimals"
    return None


def completes(share: float, score: float | None, minimum: float | None, pass_mark: float | None) -> bool:
    """The completion rule: enough attendance and, where the course has a pass mark, a passing score."""
    return attends_enough(share, minimum) and passes_score(score, pass_mark)


def classification_thresholds() -> list[tuple[float, str]]:
    """The score thresholds on the 10-point scale, best first: [(9.0, "Xuất sắc"), (8.0, "Giỏi"), …],
    from TRAINING_CLASSIFICATION (default ``9,8,6.5,5``)."""
    values = [float(v) for v in config.classification().split(",")]
    return list(zip(values, CLASSIFICATIONS, strict=True))


def classify(score: float | None) -> str | None:
    """The classification of a score (``None`` below the lowest threshold, or without a score)."""
    if score is None:
        return None
    for threshold, name in classification_thresholds():
        if score >= threshold - _EPSILON:
            return name
    return None
