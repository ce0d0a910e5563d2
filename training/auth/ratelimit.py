"""Rate limits shared by every worker and server of one database (ADR 0040).

A fixed window per client address: each request adds one to its (bucket, address, window) row with a
single atomic upsert and learns the total, so two servers behind a load balancer count together. A
process that has seen an address go over the limit answers the rest of that window from memory, so an
address hammering the service costs at most ``limit`` writes per window and process. Rows of windows
before the previous one are deleted when a process first sees a new window.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from training.auth.tables import RequestCount

_UPSERT = (
    "INSERT INTO request_count (bucket, address, window_start, hits) VALUES ({}, {}, {}, 1) "
    "ON CONFLICT (bucket, address, window_start) DO UPDATE SET hits = request_count.hits + 1 RETURNING hits")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the window ends


class SharedLimit:
    """``limit`` requests per ``window`` seconds and client address for one bucket of routes."""

    def __init__(self, bucket: str, limit: int, window: int = 60):
        self.bucket, self.limit, self.window = bucket, limit, window
        self._over: set[tuple[str, int]] = set()  # (address, window_start) known to be over the limit
        self._window_seen: int | None = None

    async def _forget_old(self, window_start: int) -> None:
        if self._window_seen == window_start:
            return
        self._window_seen = window_start
        self._over = {(a, w) for a, w in self._over if w == window_start}
        await RequestCount.delete().where(RequestCount.bucket == self.bucket,
                                          RequestCount.window_start < window_start - self.window).run()

    async def hit(self, address: str, now: float | None = None) -> Verdict:
        """Count one request of ``address``; whether it is allowed."""
        now = time.time() if now is None else now
        window_start = int(now) - int(now) % self.window
        reset = max(1, window_start + self.window - int(now))
        await self._forget_old(window_start)
        if (address, window_start) in self._over:
            return Verdict(False, self.limit, 0, reset)
        [row] = await RequestCount.raw(_UPSERT, self.bucket, address[:64], window_start).run()
        hits = int(row["hits"])
        if hits > self.limit:
            self._over.add((address, window_start))
            return Verdict(False, self.limit, 0, reset)
        return Verdict(True, self.limit, self.limit - hits, reset)
