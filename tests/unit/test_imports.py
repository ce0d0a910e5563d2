"""No hidden cycles (issue 11 item 4): the project's modules import one another at module level, where
``lint-imports`` (the contracts in pyproject.toml) sees the layering; and the province scopes of
``training.auth.access``, written as column paths so that it imports no domain's tables, name real columns."""

import ast

from factories import ROOT

PACKAGES = ("training", "certificates", "admin")

def imports_inside_functions(sources=None) -> list[str]:
    """``path:line`` of every import of a project module inside a function body."""
    found = []
    for path, tree in sources if sources is not None else _sources():
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module or ""]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                else:
                    continue
                if any(name.split(".")[0] in PACKAGES for name in names):
                    found.append(f"{path}:{node.lineno}")
    return sorted(set(found))


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "piccolo_migrations" not in path.parts:
                name = path.relative_to(ROOT).as_posix()
                yield name, ast.parse(path.read_text(encoding="utf-8"), filename=name)


def test_no_project_module_is_imported_inside_a_function():
    found = imports_inside_functions()
    assert found == [], "import these at module level (a cycle in the way: break it, see docs/decisions.md)"


def test_the_check_finds_what_it_should():
    source = ("import json\nfrom training.core import db\n\ndef f():\n    import training.core.db\n    import os\n\n"
              "async def g():\n    from certificates import service\n    from json import dumps\n")
    assert imports_inside_functions([("training/probe.py", ast.parse(source))]) == [
        "training/probe.py:5", "training/probe.py:9"]


def test_every_province_scope_is_a_path_to_a_province():
    """Each entry of ``SCOPES`` names a table of the apps and follows its foreign keys to a province column."""
    from piccolo.conf.apps import Finder

    from training.auth.access import SCOPES, scope_column
    from training.reference.tables import Province

    tables = {t._meta.tablename: t for t in Finder().get_table_classes()}
    assert set(SCOPES) <= set(tables)
    for name in SCOPES:
        column, _shared = scope_column(tables[name])
        assert column._foreign_key_meta.resolved_references is Province, name
