"""Builds the piccolo-admin ASGI app once, at start-up."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

import piccolo_admin.endpoints as admin_endpoints
from piccolo.apps.user.tables import BaseUser
from piccolo_admin.endpoints import TableConfig, create_admin
from piccolo_api.crud.endpoints import OrderBy
from piccolo_api.session_auth.tables import SessionsBase

from admin.certificate_forms import build_certificate_forms
from admin.export import install_export
from admin.forms import build_forms
from admin.menu import install_role_menu, private_api
from admin.notification_forms import build_notification_forms
from admin.phrases import patterns, phrases
from admin.scoping import ScopedCRUD, pydantic_error
from admin.signin import NoLimitProvider
from admin.translation import admin_translations
from admin.values import number_columns
from certificates.tables import Certificate, IssuerProfile
from training.auth.tables import Account, ApiToken
from training.classes.tables import (
    Attendance,
    ClassSession,
    Course,
    CoursePrerequisite,
    CourseQualification,
    Enrolment,
    Trainer,
    TrainerCourse,
    TrainingClass,
)
from training.core.config import base_url, default_language, session_hours, session_max_hours, time_zone
from training.core.i18n import N_, _, reset_language, set_language
from training.core.labels import TABLE_LABELS
from training.coverage.tables import CoverageTarget
from training.notifications.tables import Notification
from training.people.tables import Organisation, Person, PersonalDataAccess
from training.records.tables import AuditLog
from training.reference.tables import Commune, LegacyProvince, Province
from training.web.templating import STATIC_DIR

TRAINING = N_("Training")
PEOPLE = N_("Learners and organisations")
CERTIFICATION = N_("Certification")
SYSTEM = N_("System")
SIDEBAR_LINKS = {N_("Today's work"): "/admin-home", N_("Class workspace"): "/classes",
                 N_("Coverage dashboard"): "/dashboard", N_("Import a roster"): "/tools/roster",
                 N_("Import a staff list"): "/tools/staff", N_("Today's attendance"): "/sessions/today",
                 N_("Trainer pool and workload"): "/trainers",
                 N_("Import a sign-in sheet"): "/tools/attendance-sheet",
                 N_("Issue certificates"): "/tools/certificates", N_("Verify a certificate"): "/verify",
                 N_("API documentation"): "/schema", N_("Service status"): "/health"}


def table_configs() -> list[TableConfig]:
    """Every table of the admin, newest rows first (id descending) until the user sorts: a row just added
    is on the first page."""
    configs = _table_configs()
    for config in configs:
        config.order_by = [OrderBy(config.table_class._meta.primary_key, ascending=False)]
    return configs


def _table_configs() -> list[TableConfig]:
    training, people, certification, system = _(TRAINING), _(PEOPLE), _(CERTIFICATION), _(SYSTEM)
    return [
        TableConfig(Course, menu_group=training,
                    visible_columns=[Course.id, Course.code, Course.name_vi, Course.level, Course.hours,
                                     Course.certificate_kind, Course.validity_months],
                    visible_filters=[Course.code, Course.name_vi, Course.level, Course.certificate_kind]),
        TableConfig(CoursePrerequisite, menu_group=training),
        TableConfig(TrainingClass, menu_group=training,
                    visible_columns=[TrainingClass.id, TrainingClass.code, TrainingClass.course,
                                     TrainingClass.host_province, TrainingClass.start_date,
                                     TrainingClass.end_date, TrainingClass.capacity,
                                     TrainingClass.delivery_mode, TrainingClass.status],
                    visible_filters=[TrainingClass.code, TrainingClass.course, TrainingClass.host_province,
                                     TrainingClass.institution, TrainingClass.status,
                                     TrainingClass.delivery_mode, TrainingClass.start_date]),
        TableConfig(ClassSession, menu_group=training,
                    visible_columns=[ClassSession.id, ClassSession.training_class, ClassSession.session_date,
                                     ClassSession.start_time, ClassSession.end_time, ClassSession.topic,
                                     ClassSession.trainer, ClassSession.venue],
                    visible_filters=[ClassSession.training_class, ClassSession.session_date,
                                     ClassSession.trainer, ClassSession.topic]),
        TableConfig(Trainer, menu_group=training),
        TableConfig(TrainerCourse, menu_group=training),
        TableConfig(CourseQualification, menu_group=training),
        TableConfig(Enrolment, menu_group=training,
                    visible_columns=[Enrolment.id, Enrolment.training_class, Enrolment.person, Enrolment.status,
                                     Enrolment.score, Enrolment.classification, Enrolment.enrolled_at],
                    visible_filters=[Enrolment.training_class, Enrolment.person, Enrolment.status,
                                     Enrolment.classification]),
        TableConfig(Attendance, menu_group=training,
                    visible_filters=[Attendance.session, Attendance.enrolment, Attendance.status]),
        TableConfig(Person, menu_group=people,
                    visible_columns=[Person.id, Person.full_name, Person.date_of_birth, Person.sex,
                                     Person.staff_category, Person.organisation, Person.province,
                                     Person.legacy_province, Person.active_to],
                    visible_filters=[Person.full_name, Person.citizen_id, Person.staff_category, Person.sex,
                                     Person.organisation, Person.province, Person.legacy_province,
                                     Person.commune]),
        TableConfig(Organisation, menu_group=people,
                    visible_filters=[Organisation.name, Organisation.kind, Organisation.province]),
        TableConfig(Province, menu_group=people),
        TableConfig(LegacyProvince, menu_group=people),
        TableConfig(Commune, menu_group=people, visible_filters=[Commune.code, Commune.name, Commune.province]),
        TableConfig(CoverageTarget, menu_group=people,
                    visible_filters=[CoverageTarget.province, CoverageTarget.staff_category,
                                     CoverageTarget.level, CoverageTarget.year]),
        TableConfig(Certificate, menu_group=certification,
                    visible_filters=[Certificate.number, Certificate.status, Certificate.issuer,
                                     Certificate.register_year]),
        TableConfig(IssuerProfile, menu_group=certification),
        TableConfig(Account, menu_group=system),
        TableConfig(ApiToken, menu_group=system, exclude_visible_columns=[ApiToken.token_hash]),
        TableConfig(AuditLog, menu_group=system,
                    visible_columns=[AuditLog.id, AuditLog.created_at, AuditLog.username, AuditLog.action,
                                     AuditLog.table_name, AuditLog.row_id],
                    visible_filters=[AuditLog.username, AuditLog.action, AuditLog.table_name,
                                     AuditLog.row_id]),
        TableConfig(Notification, menu_group=system,
                    visible_columns=[Notification.id, Notification.created_at, Notification.kind,
                                     Notification.channel, Notification.status, Notification.attempts,
                                     Notification.last_error, Notification.person, Notification.sent_at,
                                     Notification.next_attempt_at],
                    visible_filters=[Notification.status, Notification.kind, Notification.channel,
                                     Notification.person, Notification.created_at]),
        TableConfig(PersonalDataAccess, menu_group=system,
                    visible_filters=[PersonalDataAccess.person, PersonalDataAccess.username,
                                     PersonalDataAccess.action]),
        TableConfig(BaseUser, menu_group=system),
        TableConfig(SessionsBase, menu_group=system),
    ]


def build_admin(production: bool = False, allowed_hosts: list[str] | None = None):
    """The admin app, with ScopedCRUD in place of PiccoloCRUD for every table."""
    original = admin_endpoints.PiccoloCRUD
    admin_endpoints.PiccoloCRUD = ScopedCRUD
    try:
        app = create_admin(
            tables=table_configs(),
            forms=build_certificate_forms() + build_forms() + build_notification_forms(),
            auth_table=BaseUser,
            session_table=SessionsBase,
            site_name=_("Social work training and certification"),
            default_language_code="vi",
            translations=admin_translations(),
            production=production,
            # piccolo's CSRF check compares the Origin/Referer with these on https requests.
            allowed_hosts=allowed_hosts or [urlparse(base_url()).hostname or "127.0.0.1"],
            session_expiry=dt.timedelta(hours=session_hours()),
            max_session_expiry=dt.timedelta(hours=session_max_hours()),
            sidebar_links={_(label): url for label, url in SIDEBAR_LINKS.items()},
            auto_include_related=False,
            page_size=25,
            # Sign-in limits count failures in the database: admin.signin.guard_admin_login.
            rate_limit_provider=NoLimitProvider(),
        )
    finally:
        admin_endpoints.PiccoloCRUD = original
    _install_validation_handler(app)
    install_role_menu(app)
    install_export(app)
    app.template = app.template.replace(
        "</head>", '  <link rel="stylesheet" href="/static/admin.css">\n'
                   f'  <script src="/admin-labels.js" data-time-zone="{time_zone()}"></script>\n'
                   '  <script src="/static/admin-hooks.js"></script>\n</head>'
    ).replace('<html lang="en">', '<html lang="vi">')
    return app


def _install_validation_handler(app) -> None:
    """FastAPI validates request bodies before PiccoloCRUD runs: answer in Vietnamese too."""
    from fastapi.exceptions import RequestValidationError

    async def handler(request, exc: RequestValidationError):
        return pydantic_error(list(exc.errors()))

    private_api(app).add_exception_handler(RequestValidationError, handler)


WRONG_PASSWORD = N_("The username or password is not correct.")

# Accessible names for piccolo-admin's controls that have none (axe-core rules "label", "link-name",
# "select-name"): by control, and for icon-only links by the Font Awesome icon they show.
CONTROL_NAMES = {
    "username": N_("Username"), "password": N_("Password"), "select_all": N_("Select all rows"),
    "select_row": N_("Select this row"), "page": N_("Page number"), "page_size": N_("Rows per page"),
    "select": N_("Choose a value"), "input": N_("Value"),
}
ICON_NAMES = {
    "times": N_("Close"), "xmark": N_("Close"), "pen-to-square": N_("Edit"), "trash-can": N_("Delete"),
    "ellipsis-v": N_("More actions"), "angle-left": N_("Previous page"),
    "angle-right": N_("Next page"), "angle-down": N_("Show more"), "angle-up": N_("Show less"),
    "edit": N_("Edit"), "trash-alt": N_("Delete"), "eye": N_("Show"), "eye-slash": N_("Hide"),
    "plus": N_("Add"), "download": N_("Download"), "sort": N_("Sort"), "filter": N_("Filters"),
    "layer-group": N_("Show or hide this group"), "link": N_("Open the linked row"),
}


# What the admin's date and time fields (typed as dd/mm/yyyy and HH:mm, admin-labels.js) say when the
# text is not a date or a time.
INVALID = {"date": N_("Type the date as dd/mm/yyyy, for example 06/04/2026."),
           "time": N_("Type the time as HH:mm, for example 08:30."),
           "datetime": N_("Type the date and time as dd/mm/yyyy HH:mm, for example 06/04/2026 08:30.")}


def built_texts() -> list[str]:
    """The texts ``build_admin`` writes into the admin once, in the current language: menu groups,
    sidebar links and form names (piccolo-admin cannot translate them per user)."""
    return ([_(msgid) for msgid in (TRAINING, PEOPLE, CERTIFICATION, SYSTEM, *SIDEBAR_LINKS)]
            + [form.name for form in build_certificate_forms() + build_forms() + build_notification_forms()])


def texts_in(language: str) -> list[str]:
    token = set_language(language)
    try:
        return built_texts()
    finally:
        reset_language(token)


def labels_data() -> dict:
    """The texts of ``/admin-labels.js`` (training/web/static/admin-labels.js), served as ``/admin-labels.json``:
    the table names to relabel in the admin's menu and titles (piccolo-admin shows raw table names), and
    the message shown when a sign-in is refused (piccolo-admin shows "Problem logging in" in English), and
    the accessible names of the controls piccolo-admin leaves unnamed, piccolo-admin's untranslated
    phrases (admin/phrases.py), the time zone dates are shown and typed in, the date fields' messages, and
    each table's fractional-number columns (shown with a decimal comma in Vietnamese)."""
    labels = {
        lang: {name.replace("_", " "): _(msgid, language=lang) for name, msgid in TABLE_LABELS.items()}
        for lang in ("vi", "en")
    }
    names = {lang: {"controls": {key: _(msgid, language=lang) for key, msgid in CONTROL_NAMES.items()},
                    "icons": {key: _(msgid, language=lang) for key, msgid in ICON_NAMES.items()}}
             for lang in ("vi", "en")}
    return {"labels": labels, "wrong_password": {lang: _(WRONG_PASSWORD, language=lang) for lang in ("vi", "en")},
            "names": names, "phrases": all_phrases(), "patterns": patterns(), "time_zone": time_zone(),
            "numbers": {config.table_class._meta.tablename: sorted(number_columns(config.table_class))
                        for config in table_configs() if number_columns(config.table_class)},
            "invalid": {lang: {kind: _(msgid, language=lang) for kind, msgid in INVALID.items()}
                        for lang in ("vi", "en")}}


def all_phrases() -> dict[str, dict[str, str]]:
    """piccolo-admin's untranslated phrases (admin/phrases.py) and, for a user who chose another language
    than the server's, the texts the admin was built with (``built_texts``)."""
    found = phrases()
    built = texts_in(default_language())
    for lang in found:
        found[lang].update({b: t for b, t in zip(built, texts_in(lang), strict=True) if b != t})
    return found


def labels_script() -> str:
    """The admin page's script, ``/admin-labels.js`` (a static file: training/web/static/admin-labels.js)."""
    return (STATIC_DIR / "admin-labels.js").read_text(encoding="utf-8")
