"""Localisation: every user-facing message has its Vietnamese text; language negotiation."""

import subprocess
import sys

from babel.messages.pofile import read_po
from factories import ROOT

from training.core.i18n import _, negotiate


def _catalog(lang):
    with open(ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


def test_every_message_in_the_code_has_a_vietnamese_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "locales/babel.cfg",
                    "-k", "N_", "-o", str(pot), "training", "admin", "certificates"],
                   cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as fh:
        extracted = {m.id for m in read_po(fh) if m.id}
    vi = {m.id: m.string for m in _catalog("vi") if m.id}
    missing = sorted(extracted - set(vi))
    assert missing == [], f"run locales/update.sh and translate: {missing}"
    untranslated = sorted(k for k in extracted if not vi[k])
    assert untranslated == [], f"translate in locales/vi/LC_MESSAGES/messages.po: {untranslated}"
    en = {m.id for m in _catalog("en") if m.id}
    assert extracted <= en


def test_placeholders_survive_translation():
    import re

    for message in _catalog("vi"):
        if message.id and message.string:
            assert set(re.findall(r"{(\w+)}", message.id)) == set(re.findall(r"{(\w+)}", message.string)), message.id


def test_vietnamese_by_default_english_on_request():
    assert _("Full name", language="vi") == "Họ và tên"
    assert _("Full name", language="en") == "Full name"
    assert negotiate(None, None, None) == "vi"
    assert negotiate(None, None, "en-US,en;q=0.9") == "en"
    assert negotiate(None, None, "fr-FR,vi;q=0.5,en;q=0.4") == "vi"
    assert negotiate(None, "en", "vi") == "en"
    assert negotiate("vi", "en", "en") == "vi"


def test_messages_inside_f_strings_are_translated_too():
    """Babel cannot see _("…") inside an f-string on Python 3.11; such messages must be marked
    elsewhere (N_) so they reach the catalog, or the page shows English."""
    import io
    import re
    import tokenize

    vi = {m.id: m.string for m in _catalog("vi") if m.id}
    missing = []
    for path in [*ROOT.glob("training/**/*.py"), *ROOT.glob("admin/**/*.py"), *ROOT.glob("certificates/**/*.py")]:
        for tok in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
            if tok.type == tokenize.STRING and re.match(r"^[rbuRBU]*[fF]", tok.string):
                for call in re.finditer(r"""\b_\(\s*((?:"[^"]*"\s*)+|(?:'[^']*'\s*)+)""", tok.string):
                    msgid = "".join(a or b for a, b in re.findall(r""""([^"]*)"|'([^']*)'""", call.group(1)))
                    if not vi.get(msgid):
                        missing.append(f"{path.relative_to(ROOT)}: {msgid}")
    assert missing == []
