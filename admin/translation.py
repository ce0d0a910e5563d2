"""piccolo-admin's interface in Vietnamese (default) and English, from our gettext catalogs.

piccolo-admin ships no Vietnamese. Its English phrases are listed here as msgids so that
``pybabel extract`` puts them in ``locales/*/messages.po``; the Vietnamese text lives there,
with every other message of the system.
"""

from __future__ import annotations

from piccolo_admin.translations.data import ENGLISH
from piccolo_admin.translations.models import Translation

from training.core.i18n import N_, _

ADMIN_PHRASES = [
    N_("About"), N_("Add Row"), N_("Add"), N_("Apply"), N_("Ascending"), N_("Back to home page"),
    N_("Back"), N_("Change Password"), N_("Clear filters"), N_("Close"), N_("Comma"), N_("Create"),
    N_("Current password"), N_("Dark Mode"), N_("Days"), N_("Delete"), N_("Delimiter"), N_("Descending"),
    N_("Download"), N_("Download failed"), N_("Download successful"), N_("Edit"), N_("Export CSV"),
    N_("Filter"),
    N_("For timestamps which are timezone aware, they will be displayed in this timezone by default."),
    N_("Form submitted"), N_("Forms"), N_("Hide Filters"), N_("Hide referencing tables"), N_("Home"),
    N_("Hours"), N_("Light Mode"), N_("Links"), N_("Loading"), N_("Log Out"), N_("Login"), N_("MFA Code"),
    N_("MFA Setup"), N_("Minutes"), N_("New password confirmation"), N_("New password"), N_("New value"),
    N_("No results found"), N_("Note: Large data sets may take a while."),
    N_("Note: They are converted to UTC when stored in the database."), N_("of"), N_("page"),
    N_("Password"), N_("result(s)"), N_("rows"), N_("Save"), N_("Seconds"), N_("Select a column to update"),
    N_("Select a Column"), N_("Select a table in the sidebar to get started."), N_("selected result(s) on"),
    N_("Semicolon"), N_("Set Timezone"), N_("Show Filters"), N_("Show referencing tables"), N_("Showing"),
    N_("Sort by"), N_("Sort"), N_("Submit"), N_("Tables"), N_("Timezone"),
    N_("Thanks for using Piccolo Admin."), N_("Update"), N_("Use again"), N_("Username"), N_("Version"),
    N_("Weeks"), N_("Welcome to"), N_("with a matching"),
]


def admin_translations() -> list[Translation]:
    """Vietnamese first (the default), then English."""
    missing = set(ENGLISH.translations) - set(ADMIN_PHRASES)
    if missing:  # a piccolo-admin upgrade added phrases: list them above and translate them
        raise RuntimeError(f"piccolo-admin phrases without a msgid: {sorted(missing)}")
    vietnamese = Translation(
        language_name="Tiếng Việt",
        language_code="vi",
        translations={key: _(key, language="vi") for key in ENGLISH.translations},
    )
    english = Translation(
        language_name="English",
        language_code="en",
        translations={key: _(ENGLISH.translations[key], language="en") for key in ENGLISH.translations},
    )
    return [vietnamese, english]
