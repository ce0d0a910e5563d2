"""Every HTML page is a Jinja2 template (training/web/templates, certificates/web/templates): no HTML is built in
Python strings, templates escape what they show, and templates and static files ship with the package."""

import ast
import re
from pathlib import Path

from factories import ROOT

TAG = re.compile(r"<(html|head|body|div|span|p|a|table|tr|td|th|form|input|button|script|style|svg|h[1-6]|ul|li|"
                 r"label|select|option)\b", re.I)
# A string that has to hold a tag and is not HTML we build: none today. Add "path:line": reason.
EXEMPT: dict[str, str] = {}


def html_in_python_strings(root: Path = ROOT) -> list[str]:
    found = []
    for package in ("training", "certificates"):
        for path in sorted((root / package).rglob("*.py")):
            if "piccolo_migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and TAG.search(node.value):
                    where = f"{path.relative_to(root)}:{node.lineno}"
                    if where not in EXEMPT:
                        found.append(f"{where}: {node.value.strip()[:60]!r}")
    return found


def test_no_html_tag_in_a_python_string():
    assert html_in_python_strings() == []


def test_the_check_sees_html_in_strings_and_f_strings(tmp_path):
    (tmp_path / "training").mkdir()
    (tmp_path / "certificates").mkdir()
    (tmp_path / "training" / "page.py").write_text('x = 1\nPAGE = f"<div class=\\"a\\">{x}</div>"\n')
    (tmp_path / "certificates" / "card.py").write_text("CARD = '<p>ok</p>'\nMENTION = 'a < b; <tr> is a row'\n")
    found = html_in_python_strings(tmp_path)
    files = sorted(f.split(":")[0] for f in found)
    assert files == ["certificates/card.py", "certificates/card.py", "training/page.py"]


def test_templates_and_static_files_are_package_data():
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    for package in ("training.web", "certificates.web"):
        folder = ROOT.joinpath(*package.split("."))
        for path in folder.rglob("*"):
            if path.is_file() and {"templates", "static"} & set(path.relative_to(folder).parts):
                relative = path.relative_to(folder)
                assert any(relative.match(pattern) for pattern in data.get(package, [])), (package, relative)
