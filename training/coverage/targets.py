"""Coverage targets: which target applies to a group, and how many people are still to train."""

from __future__ import annotations

import math
from typing import Any

from training.coverage.tables import CoverageTarget


async def load_targets() -> list[dict[str, Any]]:
    """Every coverage target (a few dozen rows)."""
    return await CoverageTarget.select().run()


def applicable_target(targets: list[dict[str, Any]], province_id: int | None, category: str | None,
                      level: str | None, year: int) -> dict[str, Any] | None:
    """The target for a group: the level must match exactly (no level = "any level"); a province's own
    target beats a national one, a category's own beats one for all categories; then the nearest
    target year from ``year`` on, else the latest earlier one (a missed target stays in force)."""
    best, best_key = None, None
    for t in targets:
        if t["level"] != level:
            continue
        if t["province"] is not None and t["province"] != province_id:
            continue
        if t["staff_category"] is not None and t["staff_category"] != category:
            continue
        ahead = t["year"] >= year
        key = (t["province"] is not None, t["staff_category"] is not None, ahead,
               -t["year"] if ahead else t["year"])
        if best_key is None or key > best_key:
            best, best_key = t, key
    return best


def gap_people(target: float | None, active: int, trained: int) -> int | None:
    """People still to train to reach the target share (0 when reached; None without a target)."""
    if target is None:
        return None
    needed = math.ceil(target * active - 1e-9)
    return max(0, needed - trained)
