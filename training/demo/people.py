"""The demo's organisations and people: planned (names, birth dates, citizen IDs, phones, e-mails,
organisations by area and staff category, trainers) and written (communes, organisations, people,
trainers and the courses they teach)."""

from __future__ import annotations

import datetime as dt

from training.classes.tables import Trainer, TrainerCourse
from training.core.enums import OrganisationKind, Sex, StaffCategory
from training.core.filenames import ascii_text
from training.demo.plan import (
    AREAS,
    COMMUNES,
    DATA,
    DEMO_PROVINCES,
    FAMILY,
    FAMILY_AREA,
    GIVEN_F,
    GIVEN_M,
    MIDDLE_F,
    MIDDLE_F2,
    MIDDLE_M,
    SPECIAL_NAMES,
    UNI,
    PersonPlan,
    Plan,
    PlannerBase,
    committee_name,
)
from training.demo.writer import Ids, Writer, date_key, select_in
from training.people.tables import Organisation, Person
from training.records.validation import cccd_for
from training.reference.tables import Commune


class PeoplePlanner(PlannerBase):
    """Plans the organisations and the people."""

    def org(self, name: str, kind: str, province: str | None, commune: str | None = None,
            parent: str | None = None, roles: tuple[tuple[str, str], ...] = ()) -> str:
        self.plan.organisations.append(
            {"name": name, "kind": kind, "province": province, "commune": commune, "parent": parent})
        self.org_commune[name] = commune
        for area, role in roles:
            self.org_by_area[(area, role)].append(name)
        return name

    def organisations(self) -> None:
        """The ministry, the university, each province's department, centre, association and the
        organisations listed for it in demo.json, then one committee per commune."""
        self.org("Bộ Y tế", OrganisationKind.ministry, None)
        self.org(UNI, OrganisationKind.training_institution, "01", roles=(("HN", "institution"),))
        for code in DEMO_PROVINCES:
            unit, areas = self.unit(code), AREAS[code]
            dept = self.org(f"Sở Y tế {unit}", OrganisationKind.provincial_department, code,
                            roles=tuple((a, "department") for a in areas))
            self.org(f"Trung tâm Công tác xã hội {unit}", OrganisationKind.social_work_centre, code, parent=dept,
                     roles=tuple((a, r) for a in areas for r in ("centre", "institution")))
            self.org(f"Hội Chữ thập đỏ {unit}", OrganisationKind.association, code,
                     roles=tuple((a, "association") for a in areas))
            for spec in DATA["provincial_organisations"][code]:
                self.org(self.fill(spec["name"], unit=unit), OrganisationKind[spec["kind"]], code, spec["commune"],
                         dept if spec["under_department"] else None,
                         roles=tuple((area, role) for area, role in spec["roles"]))
        for ccode, cname, pcode, area in COMMUNES:
            self.org(committee_name(cname), OrganisationKind.commune_committee, pcode, ccode,
                     roles=((area, "commune"),))

    def name_for(self, sex: str, area: str) -> str:
        rng = self.rng
        family = rng.choice(FAMILY + FAMILY_AREA.get(area, []))
        if sex == Sex.female:
            middle = rng.choice(MIDDLE_F)
            if middle == "Thị" and rng.random() < 0.3:
                middle = f"Thị {rng.choice(MIDDLE_F2)}"
            given = rng.choice(GIVEN_F)
        else:
            middle, given = rng.choice(MIDDLE_M), rng.choice(GIVEN_M)
        return f"{family} {middle} {given}"

    def unique_cccd(self, dob: dt.date, sex: str, legacy_code: str) -> str:
        while True:
            value = cccd_for(dob, sex, legacy_code, self.rng.randrange(1, 1_000_000))
            if value not in self.cccds:
                self.cccds.add(value)
                return value

    def phone(self) -> str:
        return self.rng.choice(["09", "09", "09", "03", "08"]) + f"{self.rng.randrange(10**8):08d}"

    def email(self, name: str, dob: dt.date, province: str, category: str) -> str:
        parts = ascii_text(name).lower().split()
        local = f"{parts[-1]}.{''.join(p[0] for p in parts[:-1])}{dob.year % 100:02d}"
        if category in (StaffCategory.civil_servant, StaffCategory.civil_servant_cadre) and province != "01":
            domain = ascii_text(self.prov[province]["name"]).lower().replace(" ", "") + ".gov.vn"
        else:
            domain = "gmail.com"
        address, n = f"{local}@{domain}", 1
        while address in self.emails:
            n += 1
            address = f"{local}{n}@{domain}"
        self.emails.add(address)
        return address

    def organisation_for(self, area: str, category: str) -> str:
        roles = {
            StaffCategory.civil_servant_cadre: ["commune", "commune", "association"],
            StaffCategory.civil_servant: ["department", "commune", "commune"],
            StaffCategory.public_employee: ["centre", "centre", "facility", "facility", "hospital", "school"],
            StaffCategory.worker: ["centre", "facility", "facility", "hospital"],
            StaffCategory.collaborator: ["commune"] * 5 + ["association"],
        }[category]
        while True:
            options = self.org_by_area.get((area, self.rng.choice(roles)))
            if options:
                return self.rng.choice(options)

    def person(self, province: str, area: str, legacy: str | None, category: str, *, full_name: str | None = None,
               sex: str | None = None, dob: dt.date | None = None, organisation: str | None = None,
               active_from: dt.date | None = None, with_cccd: bool | None = None, email: bool | None = None,
               trainer: bool = False) -> PersonPlan:
        rng = self.rng
        if sex is None:
            sex = Sex.female if rng.random() < (0.7 if category == StaffCategory.collaborator else 0.62) else Sex.male
        early = legacy is not None  # pre-2025 records: in post since before 2016
        while True:
            if dob is None:
                year = rng.randint(1965, 1992 if early else 2000)
                birth = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
            else:
                birth = dob
            name = full_name or self.name_for(sex, area)
            if (name, birth) not in self.names and (full_name or name not in SPECIAL_NAMES):
                break
        self.names.add((name, birth))
        if active_from is None:
            low, high = (2005, 2015) if early else ((2010, 2024) if category == StaffCategory.collaborator
                                                    else (2005, 2023))
            year = max(birth.year + 21, rng.randint(low, high))
            active_from = dt.date(year, rng.randint(1, 12), 1)
        if with_cccd is None:
            with_cccd = not (category == StaffCategory.collaborator and rng.random() < 0.12)
        legacy_code = legacy or {"19": "19", "22": "22", "56": "56", "51": "51", "01": "01"}[province]
        citizen_id = self.unique_cccd(birth, sex, legacy_code) if with_cccd else None
        organisation = organisation or self.organisation_for(area, category)
        if email is None:
            email = rng.random() < (0.25 if category == StaffCategory.collaborator else 0.5)
        p = PersonPlan(
            ref=len(self.plan.people), full_name=name, sex=sex, date_of_birth=birth, category=category,
            province=province, area=area, legacy=legacy, organisation=organisation,
            commune=self.org_commune.get(organisation), citizen_id=citizen_id,
            phone=self.phone() if rng.random() < 0.92 else None,
            email=self.email(name, birth, province, category) if email else None,
            active_from=active_from, trainer=trainer)
        self.plan.people.append(p)
        return p

    def trainers(self) -> None:
        """The university's lecturers in Hà Nội and one social-work centre trainer per province."""
        for spec in DATA["lecturers"]:
            p = self.person("01", "HN", None, StaffCategory.public_employee, full_name=spec["name"],
                            sex=Sex[spec["sex"]], dob=dt.date.fromisoformat(spec["date_of_birth"]),
                            organisation=UNI, active_from=dt.date(2005, 9, 1), with_cccd=True, email=True,
                            trainer=True)
            self.plan.trainers[p.ref] = (spec["qualifications"], spec["courses"])
        local = DATA["local_trainers"]
        for spec in local["people"]:
            centre = f"Trung tâm Công tác xã hội {self.unit(spec['province'])}"
            p = self.person(spec["province"], spec["area"], None, StaffCategory.public_employee,
                            full_name=spec["name"], sex=Sex[spec["sex"]],
                            dob=dt.date.fromisoformat(spec["date_of_birth"]), organisation=centre,
                            active_from=dt.date(2010, 3, 1), with_cccd=True, email=True, trainer=True)
            self.plan.trainers[p.ref] = (local["qualifications"], local["courses"])

    def people(self) -> None:
        """Trainers, the people the articles talk about, the staff of each area, and a few who left."""
        self.trainers()
        for spec in DATA["named_learners"]:
            self.person(spec["province"], spec["area"], spec["legacy"], StaffCategory[spec["category"]],
                        full_name=spec["name"], sex=Sex[spec["sex"]],
                        dob=dt.date.fromisoformat(spec["date_of_birth"]),
                        organisation=committee_name(spec["commune"]),
                        active_from=dt.date.fromisoformat(spec["active_from"]), with_cccd=True, email=True)
        for group in DATA["staff_groups"]:
            for category, count in group["counts"]:
                for _i in range(count):
                    self.person(group["province"], group["area"], group["legacy"], StaffCategory[category])
        # A few left their post (active_to in the past): after their old classes, before today.
        for p in self.rng.sample([p for p in self.plan.people if not p.trainer
                                  and p.full_name not in SPECIAL_NAMES], 12):
            start = max(p.active_from + dt.timedelta(days=400), dt.date(2021, 1, 1))
            if start < dt.date(2025, 12, 31):
                p.active_to = start + dt.timedelta(days=self.rng.randrange((dt.date(2025, 12, 31) - start).days))


# --- writing ----------------------------------------------------------------------------------

async def apply_communes(w: Writer, ids: Ids) -> None:
    """The demo's communes, by code."""
    codes = [c[0] for c in COMMUNES]
    existing = {r["code"] for r in await select_in(Commune, Commune.code, codes, Commune.code)}
    await w.insert(Commune, [{"code": code, "name": name, "province": ids.province[pcode]}
                             for code, name, pcode, _area in COMMUNES if code not in existing])
    ids.commune = {r["code"]: r["id"]
                   for r in await select_in(Commune, Commune.code, codes, Commune.id, Commune.code)}


async def _organisation_ids(names: list[str]) -> dict[str, int]:
    """Organisation name -> id (the oldest row of that name)."""
    rows = await select_in(Organisation, Organisation.name, names, Organisation.id, Organisation.name)
    out: dict[str, int] = {}
    for r in sorted(rows, key=lambda r: r["id"]):
        out.setdefault(r["name"], r["id"])
    return out


async def apply_organisations(w: Writer, plan: Plan, ids: Ids) -> None:
    """The organisations, by name: those without a parent first, then those under one."""
    names = [o["name"] for o in plan.organisations]
    org = await _organisation_ids(names)
    for with_parent in (False, True):
        await w.insert(Organisation, [
            {"name": o["name"], "kind": o["kind"], "province": ids.province[o["province"]] if o["province"] else None,
             "commune": ids.commune[o["commune"]] if o["commune"] else None,
             "parent": org[o["parent"]] if o["parent"] else None}
            for o in plan.organisations if (o["parent"] is not None) == with_parent and o["name"] not in org])
        org = await _organisation_ids(names)
    ids.org = org


async def _person_ids(plan: Plan) -> dict[int, int]:
    """Person ref -> id of the planned people already stored: by citizen ID, or by full name and
    date of birth."""
    rows = await select_in(Person, Person.citizen_id, [p.citizen_id for p in plan.people if p.citizen_id],
                            Person.id, Person.citizen_id, Person.full_name, Person.date_of_birth)
    rows += await select_in(Person, Person.full_name, [p.full_name for p in plan.people],
                             Person.id, Person.citizen_id, Person.full_name, Person.date_of_birth)
    by_cccd = {r["citizen_id"]: r["id"] for r in rows if r["citizen_id"]}
    by_name: dict[tuple[str, str], int] = {}
    for r in sorted(rows, key=lambda r: r["id"]):
        by_name.setdefault((r["full_name"], date_key(r["date_of_birth"])), r["id"])
    out = {}
    for p in plan.people:
        found = by_cccd.get(p.citizen_id) if p.citizen_id else None
        found = found or by_name.get((p.full_name, p.date_of_birth.isoformat()))
        if found is not None:
            out[p.ref] = found
    return out


async def apply_people(w: Writer, plan: Plan, ids: Ids) -> None:
    """The people not stored yet."""
    person = await _person_ids(plan)
    await w.insert(Person, [
        {"full_name": p.full_name, "date_of_birth": p.date_of_birth, "sex": p.sex, "citizen_id": p.citizen_id,
         "phone": p.phone, "email": p.email, "staff_category": p.category, "organisation": ids.org[p.organisation],
         "province": ids.province[p.province], "commune": ids.commune[p.commune] if p.commune else None,
         "legacy_province": ids.legacy[p.legacy] if p.legacy else None, "active_from": p.active_from,
         "active_to": p.active_to}
        for p in plan.people if p.ref not in person])
    ids.person = await _person_ids(plan)


async def _trainer_ids(plan: Plan, ids: Ids) -> dict[int, int]:
    """Person ref -> trainer id of the planned trainers already stored."""
    rows = await select_in(Trainer, Trainer.person, [ids.person[r] for r in plan.trainers], Trainer.id,
                            Trainer.person)
    by_person = {r["person"]: r["id"] for r in rows}
    return {ref: by_person[ids.person[ref]] for ref in plan.trainers if ids.person[ref] in by_person}


async def apply_trainers(w: Writer, plan: Plan, ids: Ids) -> None:
    """The trainers and the courses they teach."""
    trainer = await _trainer_ids(plan, ids)
    await w.insert(Trainer, [{"person": ids.person[ref], "qualifications": quals}
                             for ref, (quals, _c) in plan.trainers.items() if ref not in trainer])
    trainer = await _trainer_ids(plan, ids)
    existing = {(r["trainer"], r["course"]) for r in await select_in(
        TrainerCourse, TrainerCourse.trainer, list(trainer.values()), TrainerCourse.trainer, TrainerCourse.course)}
    await w.insert(TrainerCourse, [
        {"trainer": trainer[ref], "course": ids.course[code]}
        for ref, (_q, codes) in plan.trainers.items() for code in codes
        if (trainer[ref], ids.course[code]) not in existing])
    ids.trainer = trainer
