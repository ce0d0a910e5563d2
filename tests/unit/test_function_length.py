"""No function over 80 lines in training/, certificates/ or admin/ (migrations excepted): a reader
holds a function of that size in their head. Length = end_lineno - lineno + 1 (decorators aside)."""

import ast

from factories import ROOT

PACKAGES = ("training", "certificates", "admin")
MAX_LINES = 80

# Functions still too long, to be split (remove an entry when it is done; the list only shrinks).
# "path::name": the length when listed.
ALLOWED: dict[str, int] = {}


def long_functions() -> dict[str, int]:
    found: dict[str, int] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "piccolo_migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = node.end_lineno - node.lineno + 1
                    if length > MAX_LINES:
                        found[f"{path.relative_to(ROOT).as_posix()}::{node.name}"] = length
    return found


def test_no_function_over_80_lines():
    too_long = {name: n for name, n in long_functions().items() if name not in ALLOWED}
    assert not too_long, f"functions over {MAX_LINES} lines (split them): {too_long}"


def test_allow_list_is_current():
    """An allowed function that was split (or renamed) leaves the list."""
    stale = sorted(set(ALLOWED) - set(long_functions()))
    assert not stale, f"no longer over {MAX_LINES} lines, remove from ALLOWED: {stale}"
