"""The service's metrics, in Prometheus' text format (``prometheus_client``).

Counters and histograms live here, in the process that counts: requests and their latency by route
template (``training.web.observability`` counts them), files imported (each import's save path calls
``record_import``). With several uvicorn workers ``training serve`` points PROMETHEUS_MULTIPROC_DIR
at a fresh folder before they start: each worker writes its counts there and ``exposition`` adds them
up, whichever worker answers the scrape. Figures that live in the database (certificates, the
notification outbox, the connection pool) are read when ``/metrics`` is asked for and passed to
``exposition`` as metric families.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import Metric

from training.core.config import metrics_multiprocess_dir

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

HTTP_REQUESTS = Counter("training_http_requests_total", "HTTP requests answered, by method, route template "
                        "and status", ["method", "route", "status"])
HTTP_SECONDS = Histogram("training_http_request_duration_seconds", "Time to answer an HTTP request, by method "
                         "and route template", ["method", "route"],
                         buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
IMPORTS = Counter("training_imports_total", "Files imported and saved (all rows), by kind", ["kind"])
DATABASE_UNAVAILABLE = Counter("training_database_unavailable_total",
                               "Requests answered 503 because the database could not be reached or written")


def record_import(kind: str) -> None:
    """One file of ``kind`` (roster, sheet, staff, communes) saved."""
    IMPORTS.labels(kind=kind).inc()


class _Families:
    """A collector of metric families computed elsewhere (read from the database for this scrape)."""

    def __init__(self, families: list[Metric]):
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


def exposition(families: list[Metric]) -> bytes:
    """The text a scrape reads: this process's counts (or every worker's, added up), then ``families``."""
    if metrics_multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    extra = CollectorRegistry(auto_describe=True)
    extra.register(_Families(families))
    return generate_latest(registry) + generate_latest(extra)
