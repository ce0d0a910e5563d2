"""Create, update and delete any row with the same rules everywhere.

The admin's CRUD endpoints, the API and the command line call these: each checks the actor's
table access, validates through ``training.records.validation.clean``, keeps department accounts to
their province (the row itself and every row it references), runs in one transaction and
writes the audit log.
"""

from __future__ import annotations

from typing import Any

from piccolo.table import Table

from training.auth import tokens
from training.auth.access import Actor, cccd_refused, check_table_access, scope_column, scope_where
from training.auth.tables import ApiToken
from training.classes import notices, states
from training.classes.tables import ClassSession, Enrolment, TrainingClass
from training.core.db import write_transaction
from training.core.errors import DomainError, FieldError, NotFound, PermissionDenied
from training.core.i18n import N_
from training.coverage.facts import after_row_change
from training.people.tables import Person
from training.records.audit import audit
from training.records.audit import audit_json as audit_json
from training.records.validation import clean


async def visible_row(table: type[Table], row_id: int, actor: Actor, write: bool = False) -> dict[str, Any]:
    """The row if the actor may see (or change) it, else NotFound (never reveal other provinces' rows)."""
    check_table_access(table, actor, write=write)
    query = table.select().where(table._meta.primary_key == row_id)
    where = scope_where(table, actor, write=write)
    if where is not None:
        query = query.where(where)
    row = await query.first().run()
    if row is None:
        raise NotFound.single("not_found", N_("No such row, or it belongs to another province."))
    return row


async def _check_references(table: type[Table], data: dict[str, Any], actor: Actor) -> None:
    """Every row a department's row points to must itself be visible to the department."""
    if actor.is_coordinator:
        return
    errors = []
    for column in table._meta.foreign_key_columns:
        value = data.get(column._meta.name)
        if value is None:
            continue
        target: type[Table] = column._foreign_key_meta.resolved_references
        where = scope_where(target, actor)
        query = target.exists().where(target._meta.primary_key == value)
        if where is not None:
            query = query.where(where)
        if not await query.run():
            errors.append(FieldError("reference_out_of_scope",
                                     N_("you can only choose rows of your own province"), column._meta.name))
    if errors:
        raise PermissionDenied(errors)


async def _check_own_province(table: type[Table], row_id: int, actor: Actor) -> None:
    where = scope_where(table, actor, write=True)
    if where is None:
        return
    ok = await table.exists().where((table._meta.primary_key == row_id) & where).run()
    if not ok:
        raise PermissionDenied.single("other_province", N_("You can only save rows of your own province."),
                                      field=None)


def _default_province(table: type[Table], values: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """A department's new row belongs to its province unless it says otherwise."""
    entry = scope_column(table)
    if not actor.is_department or entry is None or entry[0]._meta.call_chain:
        return values
    name = entry[0]._meta.name
    if values.get(name) is None:
        return {**values, name: actor.province_id}
    return values


def _known(table: type[Table], values: dict[str, Any]) -> dict[str, Any]:
    names = {c._meta.name for c in table._meta.columns}
    unknown = set(values) - names
    if unknown:
        raise DomainError.single("unknown_field", N_("Unknown field: {names}"), names=", ".join(sorted(unknown)))
    return values


async def _clean(table: type[Table], data: dict[str, Any], actor: Actor, row_id: int | None = None) -> dict[str, Any]:
    """``validation.clean``, except that a department is never told that a citizen ID belongs to someone it
    cannot see: that duplicate gets the one refusal of ``training.auth.access.cccd_refused`` (no enumeration)."""
    try:
        return await clean(table, data, row_id=row_id)
    except DomainError as exc:
        if table is not Person or actor.is_coordinator or not any(e.code == "cccd_duplicate" for e in exc.errors):
            raise
        cccd = (data.get("citizen_id") or "").replace(" ", "")
        mine = Person.exists().where((Person.citizen_id == cccd) & (Person.province == actor.province_id))
        if row_id is not None:
            mine = mine.where(Person.id != row_id)
        if actor.province_id is not None and await mine.run():
            raise  # someone of the department's own province: it may know
        raise type(exc)([cccd_refused(e.field) if e.code == "cccd_duplicate" else e for e in exc.errors],
                        status=exc.status) from None


async def create_row(table: type[Table], values: dict[str, Any], actor: Actor) -> dict[str, Any]:
    check_table_access(table, actor, write=True)
    if table is ApiToken:
        tokens.refuse_hand_made_token()
    pk = table._meta.primary_key._meta.name
    values = _known(table, {k: v for k, v in values.items() if k != pk})
    values = _default_province(table, values, actor)
    blank = table(_ignore_missing=True)
    defaults = {c._meta.name: getattr(blank, c._meta.name) for c in table._meta.columns if c._meta.name != pk}
    data = await _clean(table, {**defaults, **values}, actor)
    await _check_references(table, data, actor)
    if table is Enrolment:  # a new enrolment's status is decided by enrolment.enrol
        states.check_enrolment_move(None, data.get("status") or "registered", "create")
    if table is TrainingClass:
        states.check_class_move(data.get("code") or "", None, data.get("status") or "planned")
    async with write_transaction():
        row = table(**{k: v for k, v in data.items()})
        try:
            await row.save().run()
        except Exception as exc:
            _raise_conflict(exc)
        row_id = getattr(row, pk)
        await _check_own_province(table, row_id, actor)
        after = await table.select().where(table._meta.primary_key == row_id).first().run()
        await audit(actor, "create", table, row_id, None, after)
        await _derived(table, None, after)
    return after


async def update_row(table: type[Table], row_id: int, changes: dict[str, Any], actor: Actor) -> dict[str, Any]:
    await visible_row(table, row_id, actor, write=True)
    pk = table._meta.primary_key._meta.name
    changes = _known(table, {k: v for k, v in changes.items() if k != pk})
    if table is Enrolment:
        # The arrival time orders the waitlist: kept as recorded. The admin's edit form sends it back
        # to the second, so a different value is ignored rather than refused.
        changes.pop("enrolled_at", None)
    async with write_transaction():
        # Statuses and seats are decided on the current row, read with its class locked.
        await states.lock_class_of(table, row_id)
        before = await visible_row(table, row_id, actor, write=True)
        data = await _clean(table, {**before, **changes}, actor, row_id=row_id)
        data.pop(pk, None)
        await _check_references(table, data, actor)
        changed = {k: v for k, v in data.items() if before.get(k) != v}
        if not changed:
            return before
        await _check_rules(table, before, changed)
        try:
            await table.update({getattr(table, k): v for k, v in changed.items()}).where(
                table._meta.primary_key == row_id).run()
        except Exception as exc:
            _raise_conflict(exc)
        await _check_own_province(table, row_id, actor)
        after = await table.select().where(table._meta.primary_key == row_id).first().run()
        await audit(actor, "update", table, row_id, before, after)
        if table is TrainingClass:  # a higher capacity (or a class open again) moves the waitlist up
            await _promote(actor, after)
        if table is ClassSession:  # a session moved: its learners are told (ADR 0043)
            await notices.session_changed(before, after)
        await _derived(table, before, after)
    return after


async def _check_rules(table: type[Table], before: dict[str, Any], changed: dict[str, Any]) -> None:
    """What the generic update may not do: statuses move only through their transitions
    (``training.classes.states``), and a class keeps room for the learners holding a seat."""
    if table is Enrolment:
        if "status" in changed:
            states.check_enrolment_move(before["status"], changed["status"], "edit")
        fixed = sorted(set(changed) & {"training_class", "person"})
        if fixed:
            raise DomainError.single("enrolment_fixed", N_(
                "The class and the learner of an enrolment cannot be changed: withdraw the enrolment and enrol "
                "the learner again."), fixed[0], http_status=409)
    if table is ApiToken:
        tokens.check_token_edit(before, changed)
    if table is TrainingClass:
        if "status" in changed:
            states.check_class_move(before["code"], before["status"], changed["status"], "edit")
        if "capacity" in changed:
            states.check_capacity(before, changed["capacity"], await states.seats_taken(before["id"]))


async def _promote(actor: Actor, class_row: dict[str, Any]) -> None:
    moves = await states.fill_seats(class_row)
    for old, new in moves:
        await audit(actor, "promote", Enrolment, old["id"], old, new)
    await notices.promoted(class_row["id"], moves)


async def delete_row(table: type[Table], row_id: int, actor: Actor) -> None:
    await visible_row(table, row_id, actor, write=True)
    async with write_transaction():
        await states.lock_class_of(table, row_id)
        before = await visible_row(table, row_id, actor, write=True)
        try:
            await table.delete().where(table._meta.primary_key == row_id).run()
        except Exception as exc:  # a foreign key still points here
            raise_trigger_refusal(exc)
            if is_integrity_error(exc):
                raise DomainError.single(
                    "in_use", N_("This row is still used by other records and cannot be deleted."),
                    http_status=409) from exc
            raise
        await audit(actor, "delete", table, row_id, before, None)
        if table is Enrolment:  # a deleted enrolment frees its seat for the waitlist
            await _promote(actor, await states.locked_class(before["training_class"]))
        if table is ClassSession:  # a session removed: its learners are told (ADR 0043)
            await notices.session_cancelled(before)
        await _derived(table, before, None)


async def _derived(table: type[Table], before: dict | None, after: dict | None) -> None:
    """Keep the coverage tables (derived from people, enrolments, classes, courses, certificates) current."""
    await after_row_change(table, before, after)


# The database's own refusals (hand-written triggers) that a request may meet when another one changed the rows
# in between the checks and the write: trigger name -> (code, message, field).
TRIGGER_REFUSALS = {
    "trainer_course_relied_on": ("trainer_course_relied_on", N_(
        "A session from today on is taught by this trainer in this course: give that session another trainer "
        "first."), "course"),
    "class_session_trainer_qualified": ("trainer_not_qualified", N_(
        "This trainer may not teach the course of this class (their course was removed meanwhile): reload and "
        "choose another trainer."), "trainer"),
}


def raise_trigger_refusal(exc: Exception) -> None:
    """Raise the Vietnamese 409 of a trigger in ``TRIGGER_REFUSALS`` that refused this write; else return."""
    if not is_integrity_error(exc):
        return
    for name, (code, message, field) in TRIGGER_REFUSALS.items():
        if name in str(exc):
            raise DomainError.single(code, message, field, http_status=409) from exc


def _raise_conflict(exc: Exception) -> None:
    """A constraint the validation did not foresee (e.g. a concurrent insert): 409, never a 500."""
    raise_trigger_refusal(exc)
    if is_integrity_error(exc):
        raise DomainError.single("conflict", N_("This conflicts with an existing row; reload and try again."),
                                 http_status=409) from exc
    raise exc


def is_integrity_error(exc: Exception) -> bool:
    name = type(exc).__name__
    return ("IntegrityError" in name or "ForeignKeyViolation" in name or "RestrictViolation" in name
            or "UniqueViolation" in name or "CheckViolation" in name)

