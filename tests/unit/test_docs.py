"""The documentation names code that exists.

Every module path (``training/…py``, ``certificates/…py``, ``admin/…py``) that README.md or a page of
docs/ mentions exists, and every ``path::name`` is defined in that module; the ADRs in docs/decisions/
are numbered without gaps, each has its status, context, decision and consequences, and the index
docs/decisions.md links every one.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
MODULE = re.compile(r"(?<![\w/])((?:training|certificates|admin)/[\w/]+\.py)(?:::(\w+))?")

def mentioned_modules() -> dict[tuple[str, str | None], list[str]]:
    found: dict[tuple[str, str | None], list[str]] = {}
    for doc in DOCS:
        for path, name in MODULE.findall(doc.read_text(encoding="utf-8")):
            found.setdefault((path, name or None), []).append(str(doc.relative_to(ROOT)))
    return found


def defines(source: str, name: str) -> bool:
    return re.search(rf"^\s*(?:async\s+def|def|class)\s+{name}\b|^{name}\s*[:=]", source, re.M) is not None


def test_every_module_the_docs_name_exists_and_defines_what_they_say():
    missing, undefined = [], []
    for (path, name), where in sorted(mentioned_modules().items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        module = ROOT / path
        if not module.is_file():
            missing.append(f"{path} ({', '.join(sorted(set(where)))})")
        elif name and not defines(module.read_text(encoding="utf-8"), name):
            undefined.append(f"{path}::{name} ({', '.join(sorted(set(where)))})")
    assert not missing, f"the docs name modules that do not exist: {missing}"
    assert not undefined, f"the docs name functions or constants their module does not define: {undefined}"


def test_the_adrs_are_numbered_complete_and_indexed():
    adrs = sorted((ROOT / "docs" / "decisions").glob("[0-9][0-9][0-9][0-9]-*.md"))
    assert len(adrs) >= 15
    assert [int(p.name[:4]) for p in adrs] == list(range(1, len(adrs) + 1)), "ADR numbers have a gap or a repeat"
    index = (ROOT / "docs" / "decisions.md").read_text(encoding="utf-8")
    for adr in adrs:
        text = adr.read_text(encoding="utf-8")
        assert text.startswith(f"# {adr.name[:4]}. "), f"{adr.name}: the title starts with its number"
        for part in ("- Status: ", "\n## Context\n", "\n## Decision\n", "\n## Consequences\n"):
            assert part in text, f"{adr.name} has no {part.strip()!r}"
        assert f"(decisions/{adr.name})" in index, f"docs/decisions.md does not link {adr.name}"
