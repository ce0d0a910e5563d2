"""The demo's data (names, courses, organisations, classes, …) from ``training/data/demo.json``.

The file ships inside the package (see ``[tool.setuptools.package-data]`` in pyproject.toml) and is
read with ``importlib.resources``, so an installed wheel finds it as well as a source checkout.
Weighted name lists are stored as ``[value, count]`` pairs and expanded here, in order: the demo
draws from them with a seeded random generator, so their order is part of the demo.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

DEMO_FILE = "demo.json"


@cache
def demo_data() -> dict[str, Any]:
    """The parsed ``demo.json`` (read once per process)."""
    text = (resources.files("training") / "data" / DEMO_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def expand(pairs: list[list[Any]]) -> list[str]:
    """``[["Nguyễn", 2], ["Lê", 1]]`` → ``["Nguyễn", "Nguyễn", "Lê"]`` (order kept)."""
    return [value for value, count in pairs for _i in range(count)]
