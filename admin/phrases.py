"""piccolo-admin's texts that its translation mechanism does not cover, in our catalogs.

piccolo-admin 1.14 passes about 70 phrases through its ``$t`` (``admin/translation.py`` translates those);
the others are written in English into its bundle: toasts, confirmations, "Load more", "of 39",
"15 per page", "Select a row from …", "True"/"False"/"None", the filter operators, some titles.
``/admin-labels.js`` replaces them on the page, by exact text (``PHRASES``) or by pattern
(``PATTERNS``), in text, in ``title``/``placeholder``/``label`` attributes and in ``confirm``/``alert``.
The inventory (grep of the bundle, pages walked in a browser) is in ADR 0033.
"""

from __future__ import annotations

from training.core.i18n import N_, _

LANGUAGES = ("vi", "en")

# The English text piccolo-admin shows -> our msgid (the same English unless it reads badly).
PHRASES = {
    # toasts
    "Successfully added row": N_("Successfully added row"),
    "Successfully saved row": N_("Successfully saved row"),
    "Successfully deleted row": N_("Successfully deleted row"),
    "Successfully deleted rows": N_("Successfully deleted rows"),
    "Successfully updated rows": N_("Successfully updated rows"),
    "Successfully applied filter": N_("Successfully applied filter"),
    "Successfully cleared filters": N_("Successfully cleared filters"),
    "Successfully submitted form": N_("Successfully submitted form"),
    "The form has errors.": N_("The form has errors."),
    "Invalid column name or value": N_("Invalid column name or value"),
    "Unable to delete the row.": N_("Unable to delete the row."),
    "Logout failed": N_("Logout failed"),
    "Logging in": N_("Logging in"),
    "Logging out": N_("Logging out"),
    "Deleting!": N_("Deleting!"),
    "Deleting rows!": N_("Deleting rows!"),
    "Clearing ...": N_("Clearing ..."),
    "Updating ...": N_("Updating ..."),
    "Loading ...": N_("Loading ..."),
    "Uploading file": N_("Uploading file"),
    "The request failed.": N_("The request failed."),
    "The file is too large.": N_("The file is too large."),
    "An error happened on the server.": N_("An error happened on the server."),
    "Unknown error": N_("Unknown error"),
    "Page not found": N_("Page not found"),
    "Please select at least one column.": N_("Please select at least one column."),
    "The server can't be reached - please try later.": N_("The server can't be reached - please try later."),
    "MFA code required": N_("MFA code required"),
    "Error": N_("Error"),
    # confirmations (window.confirm)
    "Are you sure you want to delete this row?": N_("Are you sure you want to delete this row?"),
    "Are you sure you want to delete the selected rows?": N_("Are you sure you want to delete the selected rows?"),
    "Are you sure you want to logout?": N_("Are you sure you want to log out?"),
    # lists, pickers, filters, forms
    "Load more": N_("Load more"),
    "Columns": N_("Columns"),
    "Add sort column": N_("Add sort column"),
    "Toggle all": N_("Toggle all"),
    "Include readable": N_("Include readable names"),
    "Download": N_("Download"),
    "Unable to preview file - download below.": N_("Unable to preview file - download below."),
    "Set null:": N_("Leave empty:"),
    "Type here to filter": N_("Type here to filter"),
    "All": N_("All"),
    "None": N_("(none)"),
    "Null": N_("(none)"),
    "NULL": N_("(none)"),
    "True": N_("Yes"),
    "False": N_("No"),
    "Equals": N_("Equals"),
    "Not Equal": N_("Not equal"),
    "Less Than": N_("Less than"),
    "Less Than or Equal To": N_("Less than or equal to"),
    "Greater Than": N_("Greater than"),
    "Greater Than or Equal To": N_("Greater than or equal to"),
    "contains": N_("contains"),
    "exact": N_("is exactly"),
    "starts": N_("starts with"),
    "ends": N_("ends with"),
    # titles of icon links and buttons
    "Edit Row": N_("Edit row"),
    "Delete Row": N_("Delete row"),
    "Delete selected Rows": N_("Delete the selected rows"),
    "Bulk Update": N_("Update the selected rows"),
    "View": N_("View the file"),
    "Remove": N_("Remove"),
    "Show password": N_("Show password"),
    "Hide password": N_("Hide password"),
    "Show tables": N_("Show tables"),
    "Hide tables": N_("Hide tables"),
    "Show forms": N_("Show forms"),
    "Hide forms": N_("Hide forms"),
    "Show links": N_("Show links"),
    "Hide links": N_("Hide links"),
    "Translations": N_("Languages"),
    "Click for more info": N_("Click for more info"),
}

# Texts with a number or a name inside: {n}, {table}, {id} are filled in by /admin-labels.js.
PATTERNS = {
    "of": N_("of {n}"),  # the pager: "of 39"
    "per_page": N_("{n} per page"),  # the page-size choice
    "select_row": N_("Select a row from the table {table}"),  # the foreign-key picker's title
    "delete_row": N_("Are you sure you want to delete row {id}?"),
}


def phrases() -> dict[str, dict[str, str]]:
    """{language: {piccolo-admin's English text: what to show}}."""
    return {lang: {english: _(msgid, language=lang) for english, msgid in PHRASES.items()} for lang in LANGUAGES}


def patterns() -> dict[str, dict[str, str]]:
    """{language: {pattern key: text with {n}/{table}/{id}}}."""
    return {lang: {key: _(msgid, language=lang) for key, msgid in PATTERNS.items()} for lang in LANGUAGES}
