"""Finding the people (and organisations) a file names: by citizen ID, else by name and date of birth.

- ``person_name_key``: a name as compared (cleaned, case-folded, marks kept).
- ``existing_people``: the stored people a file may name, read once for the whole file.
- ``match_person``: the rule of the roster import: the same citizen ID is the same person (a
  different name or birth date is only a warning); without one, the same name, date of birth and
  organisation as a person without a citizen ID on record is a possible duplicate, and that person is
  used. Another province's person is refused without naming them (no enumeration).
- ``organisation_index`` and ``guess_kind``: organisations by name, and the kind a new one's name suggests.
- ``org_key``: an organisation name as compared, the usual abbreviations written out ("UBND" = "Ủy ban
  nhân dân", "TT" at the start = "Trung tâm", "CTXH" = "Công tác xã hội"), so a file's "TT CTXH tỉnh"
  finds the stored "Trung tâm Công tác xã hội tỉnh" instead of creating a second organisation.
"""

from __future__ import annotations

import datetime as dt

from training.auth.access import Actor, cccd_refused
from training.core.db import chunks
from training.core.i18n import N_
from training.core.text import clean_text
from training.people.parsing import ParsedRow
from training.people.tables import Organisation, Person
from training.spreadsheets.importing import RowCheck
from training.spreadsheets.reading import fold

# A new organisation's kind, guessed from words of its name (first match wins).
ORG_KIND_WORDS: list[tuple[str, str]] = [
    ("trung tam cong tac xa hoi", "social_work_centre"), ("trung tam ctxh", "social_work_centre"),
    ("bao tro xa hoi", "social_assistance_facility"), ("tro giup xa hoi", "social_assistance_facility"),
    ("benh vien", "hospital"), ("trung tam y te", "hospital"), ("tram y te", "hospital"),
    ("dai hoc", "training_institution"), ("cao dang", "training_institution"), ("hoc vien", "training_institution"),
    ("truong", "school"), ("uy ban nhan dan", "commune_committee"), ("ubnd", "commune_committee"),
    ("so ", "provincial_department"), ("bo ", "ministry"), ("hoi ", "association"),
]
DEFAULT_ORG_KIND = "social_assistance_facility"

# Abbreviations in organisation names (folded words -> folded words), as offices write them.
ORG_ABBREVIATIONS = {"ubnd": "uy ban nhan dan", "ctxh": "cong tac xa hoi", "btxh": "bao tro xa hoi",
                     "tgxh": "tro giup xa hoi"}
# Only as the first word: inside a name "TT" is usually "thị trấn" (a town: "UBND TT Cam Đức").
ORG_LEADING_ABBREVIATIONS = {"tt": "trung tam"}


def person_name_key(name: str | None) -> str:
    """A full name as compared when matching people: cleaned, case-folded (marks kept)."""
    return (clean_text(name) or "").casefold()


def org_key(name: str | None) -> str:
    """An organisation name as compared: folded (no case, accents or punctuation), abbreviations written out."""
    words = fold(name).split()
    if words:
        words[0] = ORG_LEADING_ABBREVIATIONS.get(words[0], words[0])
    return " ".join(ORG_ABBREVIATIONS.get(w, w) for w in words)


def guess_kind(name: str) -> str:
    """The organisation kind an organisation's name suggests ("UBND xã …" → commune committee)."""
    folded = fold(name) + " "
    for words, kind in ORG_KIND_WORDS:
        if folded.startswith(words) or f" {words}" in f" {folded}":
            return kind
    return DEFAULT_ORG_KIND


async def organisation_index(actor: Actor) -> dict[str, list[dict]]:
    """The organisations the actor may use, by name key and by ``org_key`` (``~`` prefix)."""
    org_query = Organisation.select(Organisation.id, Organisation.name, Organisation.province)
    if actor.is_department:
        org_query = org_query.where((Organisation.province == actor.province_id) | Organisation.province.is_null())
    orgs_by_name: dict[str, list[dict]] = {}
    for org in await org_query.run():
        orgs_by_name.setdefault(person_name_key(org["name"]), []).append(org)
        orgs_by_name.setdefault("~" + org_key(org["name"]), []).append(org)
    return orgs_by_name


async def existing_people(parsed: list[ParsedRow], actor: Actor
                           ) -> tuple[dict[str, dict], dict[tuple[str, dt.date], list[dict]]]:
    """The stored people the file may name: by citizen ID, and by (name key, date of birth); one
    query per chunk of citizen IDs and per chunk of names."""
    person_cols = (Person.id, Person.full_name, Person.date_of_birth, Person.citizen_id, Person.organisation,
                   Person.province)
    cccds = sorted({p.values["citizen_id"] for p in parsed if p.values.get("citizen_id")})
    by_cccd: dict[str, dict] = {}
    for chunk in chunks(cccds):
        for person in await Person.select(*person_cols).where(Person.citizen_id.is_in(chunk)).run():
            by_cccd[person["citizen_id"]] = person
    names = sorted({n for p in parsed if p.values.get("full_name") and p.values.get("date_of_birth")
                    for n in (p.values["full_name"], p.values["full_name"].title())})
    by_name_dob: dict[tuple[str, dt.date], list[dict]] = {}
    for chunk in chunks(names):
        query = Person.select(*person_cols).where(Person.full_name.is_in(chunk) & Person.date_of_birth.is_not_null())
        if actor.is_department:
            query = query.where(Person.province == actor.province_id)
        for person in await query.run():
            by_name_dob.setdefault((person_name_key(person["full_name"]), person["date_of_birth"]), []).append(person)
    return by_cccd, by_name_dob


def match_person(item: ParsedRow, org_id: int | None, by_cccd: dict[str, dict],
                 by_name_dob: dict[tuple[str, dt.date], list[dict]], actor: Actor,
                 check: RowCheck) -> tuple[dict | None, bool]:
    """The stored person the row names, if any, and whether one was found but is hidden from the
    actor (another province's). Sets the outcome's status to existing or possible_duplicate."""
    values, out = item.values, check.out
    cccd, dob = values.get("citizen_id"), values.get("date_of_birth")
    name_key = person_name_key(values.get("full_name"))
    person = by_cccd.get(cccd) if cccd else None
    if person is not None and actor.is_department and person["province"] != actor.province_id:
        # Someone of another province: say only that; their name and record are not the department's.
        refused = cccd_refused()  # the same answer as the staff import and the admin (no enumeration)
        check.err(refused.field, refused.code, refused.message)
        return None, True
    if person is not None:
        out.status = "existing"
        if person_name_key(person["full_name"]) != name_key and name_key:
            check.warn("full_name", "name_differs", N_(
                "this citizen ID belongs to {name} in the system; the name in the file differs and is not "
                "changed"), name=person["full_name"])
        if dob and person["date_of_birth"] and dob != person["date_of_birth"]:
            check.warn("date_of_birth", "dob_differs", N_(
                "the system has {date} as this person's date of birth; it is not changed"),
                date=person["date_of_birth"].strftime("%d/%m/%Y"))
        return person, False
    if name_key and dob:
        candidates = [p for p in by_name_dob.get((name_key, dob), []) if p["organisation"] == org_id
                      and not (item.org_name and org_id is None)]
        reusable = [p for p in candidates if not (cccd and p["citizen_id"])]
        if reusable:
            out.status = "possible_duplicate"
            check.warn("full_name", "possible_duplicate", N_(
                "possible duplicate of {name} (ID {id}: same name, date of birth and organisation, no citizen "
                "ID on record); that person is used"), name=reusable[0]["full_name"], id=reusable[0]["id"])
            return reusable[0], False
        if candidates:
            check.warn("full_name", "namesake", N_(
                "{name} (ID {id}) has the same name, date of birth and organisation but another citizen ID; "
                "a new person is created"), name=candidates[0]["full_name"], id=candidates[0]["id"])
    return None, False
