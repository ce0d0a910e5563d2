"""One place each (issue 11, item 3): every setting, the attendance policy, enum labels, the Vietnamese
collation, the audit writer, the chunks helper and the safe file name helper live in one module, and no
module uses another module's private names."""

import ast
import random
import re

from factories import ROOT

PACKAGES = ("training", "certificates", "admin")


def _sources():
    """(path relative to the project, module name, syntax tree) of every module of the three packages."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT)
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield rel.as_posix(), ".".join(parts), ast.parse(path.read_text(encoding="utf-8"), str(rel))


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


# --- settings --------------------------------------------------------------------------------------

def _reads_environment(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb") \
                and isinstance(node.value, ast.Name) and node.value.id == "os":
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" \
                and any(a.name in ("environ", "getenv", "environb") for a in node.names):
            lines.append(node.lineno)
    return lines


def test_only_the_settings_module_reads_the_environment():
    found = [f"{path}:{line}" for path, _m, tree in _sources() if path != "training/core/config.py"
             for line in _reads_environment(tree)]
    assert found == []


SETTING = re.compile(r"^(TRAINING_[A-Z0-9_]+|DATABASE_URL)$")


def _settings_of_the_module() -> set[str]:
    tree = ast.parse((ROOT / "training" / "core" / "config.py").read_text(encoding="utf-8"))
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SETTING.match(node.value)}


def _settings_of_the_readme() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    names = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", section, flags=re.MULTILINE))
    # The test suite's own database is read by tests/conftest.py, not by the service.
    return names - {"TEST_DATABASE_URL"}


def test_the_readme_configuration_table_lists_exactly_the_settings_of_the_module():
    module, readme = _settings_of_the_module(), _settings_of_the_readme()
    assert len(module) >= 16
    assert sorted(module - readme) == [], "settings missing from README.md's Configuration table"
    assert sorted(readme - module) == [], "README.md lists settings that training/core/config.py does not read"


def test_every_setting_function_names_its_variable_in_its_docstring():
    tree = ast.parse((ROOT / "training" / "core" / "config.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            names = {c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str)
                     and SETTING.match(c.value)}
            doc = ast.get_docstring(node) or ""
            assert all(name in doc for name in names), (node.name, names)


def test_settings_are_read_at_use(monkeypatch):
    from training.core import config

    monkeypatch.setenv("TRAINING_PUBLIC_RATE_LIMIT", "7")
    monkeypatch.setenv("TRAINING_PDF_WORKERS", "3")
    monkeypatch.setenv("TRAINING_ACCESS_LOG", "1")
    assert (config.public_rate_limit(), config.pdf_workers(), config.access_log()) == (7, 3, True)
    monkeypatch.delenv("TRAINING_ACCESS_LOG")
    monkeypatch.setenv("TRAINING_PDF_WORKERS", "0")
    assert (config.pdf_workers(), config.access_log()) == (1, False)


# --- attendance policy and classification -----------------------------------------------------------

def test_the_completion_rule_and_classification_come_from_the_policy(monkeypatch):
    from training.classes import policy
    from training.classes.tables import Course

    assert Course.min_attendance_share.default == policy.DEFAULT_MIN_ATTENDANCE_SHARE == 0.8
    assert policy.completes(policy.attended_share(4, 5), None, None, None)  # 80 % reaches the default
    assert not policy.completes(policy.attended_share(3, 4), None, None, None)
    assert policy.completes(policy.attended_share(3, 4), 5.0, 0.75, 5.0)
    assert not policy.completes(1.0, 4.9, None, 5.0) and not policy.completes(1.0, None, None, 5.0)
    assert policy.attended_marks(False) == {"present", "late"}
    assert policy.attended_marks(True) == {"present", "late", "excused"}
    monkeypatch.setenv("TRAINING_CLASSIFICATION", "9.5,8.5,7,5.5")
    assert [policy.classify(s) for s in (9.5, 9.4, 8.5, 7, 6.9, 5.5, 5.4)] == [
        "Xuất sắc", "Giỏi", "Giỏi", "Khá", "Trung bình", "Trung bình", None]


def test_no_other_module_writes_its_own_attendance_threshold_or_classification():
    literals = []
    for path, _m, tree in _sources():
        if path in ("training/classes/policy.py", "training/core/config.py") or "piccolo_migrations" in path:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and any(isinstance(c, ast.Constant) and c.value in (0.8, 6.5)
                                                     for c in [node.left, *node.comparators]):
                literals.append(f"{path}:{node.lineno}")
            if isinstance(node, ast.keyword) and node.arg == "default" and isinstance(node.value, ast.Constant) \
                    and node.value.value == 0.8:
                literals.append(f"{path}:{node.lineno}")
            if isinstance(node, ast.Dict) and any(
                    isinstance(k, ast.Constant) and k.value == "min_attendance_share" and isinstance(v, ast.Constant)
                    for k, v in zip(node.keys, node.values, strict=True)):
                literals.append(f"{path}:{node.lineno}")
        names = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        literals += [f"{path}: def {n}" for n in names if "classif" in n]
    assert literals == []


# --- enum labels -----------------------------------------------------------------------------------

def test_enum_labels_come_from_one_function():
    from training.core.enums import ClassStatus, EnrolmentStatus, Level, OrganisationKind, label, labels

    assert label(Level, "masters", "vi") == "Thạc sĩ" and label(Level, Level.masters, "en") == "Master's"
    assert label((ClassStatus, EnrolmentStatus), "failed", "en") == "Not completed"
    assert label((ClassStatus, EnrolmentStatus), "running", "en") == "Running"
    assert (label(Level, None), label(Level, ""), label(Level, "no-such-level")) == ("", "", "no-such-level")
    assert list(labels(OrganisationKind, "en"))[:2] == ["provincial_department", "social_work_centre"]
    uses = [f"{path}:{node.lineno}" for path, _m, tree in _sources() if path != "training/core/enums.py"
            for node in ast.walk(tree)
            if (isinstance(node, ast.Name) and node.id in ("LABELS", "STATUS_LABELS"))
            or (isinstance(node, ast.alias) and node.name == "LABELS")]
    assert uses == [], "read labels through training.core.enums.label / labels"


# --- Vietnamese collation --------------------------------------------------------------------------

def test_vietnamese_dictionary_order():
    from training.core.collation import vi_name_key, vi_sort_key

    letters = ["a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "g", "h", "i", "k", "l", "m", "n", "o", "ô", "ơ", "p",
               "q", "r", "s", "t", "u", "ư", "v", "x", "y"]
    shuffled = letters[:]
    random.Random(11).shuffle(shuffled)
    assert sorted(shuffled, key=vi_sort_key) == letters
    # Tones: ngang < huyền < hỏi < ngã < sắc < nặng, and only when the letters are equal.
    tones = ["ma", "mà", "mả", "mã", "má", "mạ", "mac", "măng", "mâm", "mầm", "mậm"]
    shuffled = tones[:]
    random.Random(12).shuffle(shuffled)
    assert sorted(shuffled, key=vi_sort_key) == tones
    names = ["Ưng", "Uyên", "Ơn", "Ôn", "Oanh", "Ê-đê", "Em", "Đào", "Dung", "Ấn", "Ắc", "Anh", "Bình", "Ánh",
             "Ảnh", "Ạnh", "Ành", "Ãnh"]
    assert sorted(names, key=vi_sort_key) == ["Anh", "Ành", "Ảnh", "Ãnh", "Ánh", "Ạnh", "Ắc", "Ấn", "Bình", "Dung",
                                              "Đào", "Em", "Ê-đê", "Oanh", "Ôn", "Ơn", "Uyên", "Ưng"]
    # Upper and lower case alike; decomposed input (NFD) as composed; a space before any letter.
    assert vi_sort_key("ĐỨC") == vi_sort_key("đức") == vi_sort_key("đ\u0301c".replace("đ\u0301", "đu\u031b\u0301"))
    assert sorted(["Cao Bằng", "Cà Mau", "Cần Thơ"], key=vi_sort_key) == ["Cà Mau", "Cao Bằng", "Cần Thơ"]
    # Class lists: by given name first, then family and middle names.
    assert sorted(["Trần Văn Bình", "Lê Thị An", "Nguyễn Văn An", "Vũ Ánh"], key=vi_name_key) == [
        "Lê Thị An", "Nguyễn Văn An", "Vũ Ánh", "Trần Văn Bình"]


def test_there_is_one_vietnamese_sort_key():
    tones = [f"{path}:{node.lineno}" for path, _m, tree in _sources() if path != "training/core/collation.py"
             for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and node.value in ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323")]
    assert tones == []


# --- the audit writer ------------------------------------------------------------------------------

def test_audit_rows_are_written_by_one_module():
    writers = []
    for path, _m, tree in _sources():
        if path == "training/records/audit.py" or path == "training/tables.py" or "piccolo_migrations" in path:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and (
                    (isinstance(node.func, ast.Name) and node.func.id == "AuditLog")
                    or (isinstance(node.func, ast.Attribute) and node.func.attr in ("insert", "raw")
                        and isinstance(node.func.value, ast.Name) and node.func.value.id == "AuditLog")):
                writers.append(f"{path}:{node.lineno}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and re.search(r"insert\s+into\s+audit_log", node.value, re.IGNORECASE):
                writers.append(f"{path}:{node.lineno}")
    assert writers == []


# --- chunks and file names -------------------------------------------------------------------------

def test_one_chunks_helper():
    from training.core.db import chunks

    assert list(chunks(list(range(7)), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunks([], 3)) == [] and list(chunks((1, 2), 5)) == [[1, 2]]
    others = [f"{path}:{node.lineno} {node.name}" for path, _m, tree in _sources() if path != "training/core/db.py"
              for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and "chunk" in node.name]
    assert others == []


def test_one_safe_file_name_helper():
    from training.core.filenames import safe_filename

    assert safe_filename("KH-2026/Lớp Đặc biệt") == "KH-2026-Lop-Dac-biet"
    assert safe_filename('../"x"\r\n', replacement="_") == "____x___"
    assert safe_filename("", fallback="lop") == "lop" and len(safe_filename("x" * 500, max_length=60)) == 60
    rng = random.Random(13)
    for _i in range(300):
        text = "".join(rng.choice("aăĐđ/\\\"'. \t\n;:-_9Zệ\u0301\x00") for _j in range(rng.randint(0, 20)))
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,80}", safe_filename(text))
    others = []
    for path, _m, tree in _sources():
        if path == "training/core/filenames.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "isascii":
                others.append(f"{path}:{node.lineno}")
            if isinstance(node, ast.FunctionDef) and ("ascii" in node.name or "file_stem" in node.name):
                others.append(f"{path}:{node.lineno} {node.name}")
    assert others == []


# --- no private names across modules ---------------------------------------------------------------

def _private(name: str) -> bool:
    return name.startswith("_") and name != "_" and not (name.startswith("__") and name.endswith("__"))


def cross_module_private_uses(sources=None) -> list[str]:
    """``from x import _name`` and ``module._name`` where x / module is another of the project's modules
    (``self._x``, names used in their own module and dunder names are fine)."""
    found = []
    for path, here, tree in sources if sources is not None else _sources():
        modules: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                    and node.module.split(".")[0] in PACKAGES:
                for alias in node.names:
                    if _private(alias.name) and node.module != here:
                        found.append(f"{path}: from {node.module} import {alias.name}")
                    if _is_module(f"{node.module}.{alias.name}"):
                        modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in PACKAGES:
                        if alias.asname:
                            modules[alias.asname] = alias.name
                        else:  # "import a.b.c" binds "a"
                            modules[alias.name.split(".")[0]] = alias.name.split(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                base, chain = node.value, []
                while isinstance(base, ast.Attribute):
                    chain.append(base.attr)
                    base = base.value
                if isinstance(base, ast.Name) and base.id in modules:
                    target = ".".join([modules[base.id], *reversed(chain)])
                    if _is_module(target) and target != here:
                        found.append(f"{path}: {target}.{node.attr}")
    return found


def test_no_private_name_is_used_across_modules():
    assert sorted(cross_module_private_uses()) == []


def test_the_private_name_check_finds_what_it_should():
    source = ("from training.classes import roster as rs\nimport training.people.staff\n"
              "from training.core.db import _x, chunks\nrs._blank(1)\ntraining.people.staff._y\nself._z\n"
              "rs.__doc__\nchunks._private_attribute_of_a_function\n")
    probe = ("training/probe.py", "training.probe", ast.parse(source))
    assert sorted(cross_module_private_uses([probe])) == [
        "training/probe.py: from training.core.db import _x", "training/probe.py: training.classes.roster._blank",
        "training/probe.py: training.people.staff._y"]
