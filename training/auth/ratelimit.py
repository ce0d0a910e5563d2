"""Rate limits shared by every worker and server of one database (ADR 0040).

A fixed window per client address: each request adds one to its (bucket, address, window) row with an
atomic upsert and learns the total, so two servers behind a load balancer count together. A
process that has seen an address go over the limit answers the rest of that window from memory, so an
address hammering the service costs at most ``limit`` writes per window and process. Rows of windows
before the previous one are deleted when a process first sees a new window.

Group commit: the requests of one process that arrive while its previous upsert is still running wait
for it and then go to the database together, as one multi-row upsert adding each address's count (ADR
0047). Every request is still counted before it is answered, and each learns its own place in the total
(the k requests of one address in a batch that brought the total to T are T-k+1 ... T), so the limit
stays exact; under load a process writes once per batch instead of once per request.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass

from training.auth.tables import RequestCount
from training.core.db import chunks

_UPSERT = (
    "INSERT INTO request_count (bucket, address, window_start, hits) VALUES {} "
    "ON CONFLICT (bucket, address, window_start) DO UPDATE SET hits = request_count.hits + excluded.hits "
    "RETURNING address, hits")


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
        self._queue: list[tuple[str, int, asyncio.Future]] = []  # (address, window_start, its total)
        self._writing = asyncio.Lock()

    async def _forget_old(self, window_start: int) -> None:
        if self._window_seen == window_start:
            return
        self._window_seen = window_start
        self._over = {(a, w) for a, w in self._over if w == window_start}
        await RequestCount.delete().where(RequestCount.bucket == self.bucket,
                                          RequestCount.window_start < window_start - self.window).run()

    async def _count(self, address: str, window_start: int) -> int:
        """Add one request of ``address`` to the shared count; its place in the window's total."""
        placed = asyncio.get_running_loop().create_future()
        self._queue.append((address, window_start, placed))
        async with self._writing:
            if not placed.done():  # not written by the batch before: write every request queued now
                batch, self._queue = self._queue, []
                try:
                    await self._write(batch)
                except BaseException:  # the others go with the next batch; this request fails (e.g. 503)
                    self._queue = [item for item in batch if item[2] is not placed] + self._queue
                    raise
        return placed.result()

    async def _write(self, batch: list[tuple[str, int, asyncio.Future]]) -> None:
        counts = Counter((address, window_start) for address, window_start, _f in batch)
        totals: dict[tuple[str, int], int] = {}
        for part in chunks(list(counts.items())):
            for window_start in {w for (_a, w), _n in part}:
                rows = [(a, n) for (a, w), n in part if w == window_start]
                values = ", ".join(["({}, {}, {}, {})"] * len(rows))
                args = [x for a, n in rows for x in (self.bucket, a, window_start, n)]
                for row in await RequestCount.raw(_UPSERT.format(values), *args).run():
                    totals[(row["address"], window_start)] = int(row["hits"])
        for key, n in counts.items():
            counts[key] = totals[key] - n  # the total before this batch: its requests come next, in order
        for address, window_start, future in batch:
            counts[(address, window_start)] += 1
            future.set_result(counts[(address, window_start)])

    async def hit(self, address: str, now: float | None = None) -> Verdict:
        """Count one request of ``address``; whether it is allowed."""
        now = time.time() if now is None else now
        window_start = int(now) - int(now) % self.window
        reset = max(1, window_start + self.window - int(now))
        await self._forget_old(window_start)
        if (address, window_start) in self._over:
            return Verdict(False, self.limit, 0, reset)
        hits = await self._count(address[:64], window_start)
        if hits > self.limit:
            self._over.add((address, window_start))
            return Verdict(False, self.limit, 0, reset)
        return Verdict(True, self.limit, self.limit - hits, reset)
