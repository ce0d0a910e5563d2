"""Province names as people write them in files ("TP. Hồ Chí Minh", "tỉnh Ninh Thuận", "HCM"), matched to
the 2025 provinces and, for names of provinces merged in 2025, to the legacy province as well."""

from __future__ import annotations

import re

from training.spreadsheets.reading import fold


def province_index(provinces: list[dict], legacy: list[dict]) -> dict[str, tuple[int, int | None]]:
    """Folded name -> (2025 province id, legacy province id or None). 2025 names win over legacy ones."""
    index: dict[str, tuple[int, int | None]] = {}
    for row in legacy:
        index[fold(row["name"])] = (row["province"], row["id"])
    for row in provinces:
        index[fold(row["name"])] = (row["id"], None)
    by_name = {fold(r["name"]): r for r in provinces}
    legacy_by_name = {fold(r["name"]): r for r in legacy}
    extra = {"hcm": "ho chi minh", "tphcm": "ho chi minh", "sai gon": "ho chi minh",
             "thua thien hue": "hue", "ba ria vung tau": "ba ria vung tau", "brvt": "ba ria vung tau",
             "dak lak": "dak lak", "dac lac": "dak lak", "dak nong": "dak nong", "ha noi": "ha noi"}
    for alias, target in extra.items():
        if target in by_name:
            index.setdefault(alias, (by_name[target]["id"], None))
        elif target in legacy_by_name:
            index.setdefault(alias, (legacy_by_name[target]["province"], legacy_by_name[target]["id"]))
    return index


_PROVINCE_PREFIX = re.compile(r"^(tinh|thanh pho|tp)\s+")


def find_province(value: str, index: dict[str, tuple[int, int | None]]) -> tuple[int, int | None] | None:
    """(2025 province id, legacy province id or None) of a province cell, or None when unknown."""
    key = fold(value)
    if key in index:
        return index[key]
    stripped = _PROVINCE_PREFIX.sub("", key)
    if stripped in index:
        return index[stripped]
    return index.get(stripped.replace(" ", ""))
