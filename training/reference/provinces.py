"""Reference data: the 34 provinces of 2025 and the 63 legacy provinces mapped to them."""

from __future__ import annotations

import csv
from pathlib import Path

from training.core.db import migrate
from training.reference.tables import LegacyProvince, Province

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


async def load_provinces() -> tuple[int, int]:
    """Insert or update the province reference data; safe to run any number of times."""
    existing = {r["code"]: r for r in await Province.select().run()}
    for row in _rows("provinces_2025.csv"):
        current = existing.get(row["code"])
        if current is None:
            await Province.insert(Province(code=row["code"], name=row["name"], kind=row["kind"])).run()
        elif (current["name"], current["kind"]) != (row["name"], row["kind"]):
            await Province.update({Province.name: row["name"], Province.kind: row["kind"]}).where(
                Province.code == row["code"]
            ).run()
    ids = {r["code"]: r["id"] for r in await Province.select(Province.id, Province.code).run()}
    legacy = {r["code"]: r for r in await LegacyProvince.select().run()}
    for row in _rows("provinces_legacy_63.csv"):
        values = {"name": row["legacy_name"], "kind": row["kind"], "province": ids[row["code_2025"]]}
        current = legacy.get(row["legacy_code"])
        if current is None:
            await LegacyProvince.insert(LegacyProvince(code=row["legacy_code"], **values)).run()
        elif any(current[k] != v for k, v in values.items()):
            await LegacyProvince.update(
                {getattr(LegacyProvince, k): v for k, v in values.items()}
            ).where(LegacyProvince.code == row["legacy_code"]).run()
    return await Province.count().run(), await LegacyProvince.count().run()


async def province_by_code(code: str) -> dict | None:
    return await Province.select().where(Province.code == code.strip().zfill(2)).first().run()


async def migrate_and_load_provinces(quiet: bool = True) -> None:
    """Bring the database up to date: pending migrations, then the province reference data, under one
    migration lock. What every start-up runs before touching the database: the web app, each command,
    the tests."""
    await migrate(quiet, then=load_provinces)
