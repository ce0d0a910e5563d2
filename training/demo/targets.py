"""The demo's coverage targets, certificate issuers and accounts: planned from demo.json and written
(accounts through ``training.auth.accounts.create_account``, with the documented demo password)."""

from __future__ import annotations

from piccolo.apps.user.tables import BaseUser

from certificates.tables import IssuerProfile
from training.auth.accounts import create_account
from training.auth.tables import Account
from training.core.enums import Level, Role, StaffCategory
from training.coverage.tables import CoverageTarget
from training.demo.plan import DATA, DEMO_PROVINCES, PLACE, Plan, PlannerBase
from training.demo.writer import Ids, Writer, select_in


class TargetsPlanner(PlannerBase):
    """Plans the coverage targets and the certificate issuers."""

    def targets_and_issuers(self) -> None:
        """The coverage targets and the certificate issuers of demo.json (and one per province's centre)."""
        self.plan.targets = [
            {**t, "staff_category": StaffCategory[t["staff_category"]] if t["staff_category"] else None,
             "level": Level[t["level"]] if t["level"] else None}
            for t in DATA["coverage_targets"]]
        self.plan.issuers = [{**i, "organisation": self.fill(i["organisation"]),
                              "governing_body": self.fill(i["governing_body"])} for i in DATA["issuers"]]
        for code in DEMO_PROVINCES:
            self.plan.issuers.append({
                "organisation": f"Trung tâm Công tác xã hội {self.unit(code)}",
                "governing_body": f"SỞ Y TẾ {self.unit(code).upper()}", "issuer_name": "TRUNG TÂM CÔNG TÁC XÃ HỘI",
                "signer_title": "GIÁM ĐỐC", "signer_name": DATA["centre_signers"][code], "place": PLACE[code],
                "number_prefix": f"CTXH-{code}"})


# --- writing ----------------------------------------------------------------------------------

async def apply_targets_and_issuers(w: Writer, plan: Plan, ids: Ids) -> None:
    """The coverage targets (by province, category, level and year) and the issuer profiles (by
    organisation)."""
    rows = await CoverageTarget.select().run()
    existing = {(r["province"], r["staff_category"], r["level"], r["year"]) for r in rows}
    await w.insert(CoverageTarget, [
        {**t, "province": ids.province[t["province"]] if t["province"] else None} for t in plan.targets
        if (ids.province[t["province"]] if t["province"] else None, t["staff_category"], t["level"], t["year"])
        not in existing])
    rows = await select_in(IssuerProfile, IssuerProfile.organisation,
                            [ids.org[i["organisation"]] for i in plan.issuers], IssuerProfile.organisation)
    existing = {r["organisation"] for r in rows}
    await w.insert(IssuerProfile, [{**i, "organisation": ids.org[i["organisation"]]} for i in plan.issuers
                                   if ids.org[i["organisation"]] not in existing])


async def apply_accounts(plan: Plan, ids: Ids, password: str) -> int:
    """The demo accounts of demo.json: created, or updated to their role and this password
    (``create_account`` audits those). Returns how many were set."""
    accounts_set = 0
    for spec in DATA["accounts"]:
        person_id = None
        if spec["learner"] or spec.get("trainer"):  # the person of a learner or trainer account, by name
            name = spec["learner"] or spec["trainer"]
            person_id = ids.person[next(p.ref for p in plan.people if p.full_name == name)]
        role, province_code = Role[spec["role"]], spec["province"]
        if await _account_is_current(spec["username"], role,
                                     ids.province[province_code] if province_code else None, person_id, password):
            continue
        await create_account(username=spec["username"], role=role, password=password, province_code=province_code,
                             person_id=person_id, reset_password=True)
        accounts_set += 1
    return accounts_set


async def _account_is_current(username: str, role: str, province_id: int | None, person_id: int | None,
                              password: str) -> bool:
    """True when the account exists with this role and password: then re-seeding changes nothing."""
    user = await BaseUser.select().where(BaseUser.username == username).first().run()
    if user is None:
        return False
    account = await Account.select().where(Account.user == user["id"]).first().run()
    if account is None or (account["role"], account["province"], account["person"]) != (role, province_id,
                                                                                          person_id):
        return False
    if (user["active"], user["admin"], user["superuser"]) != (
            True, role in (Role.coordinator, Role.department), role == Role.coordinator):
        return False
    try:
        _algorithm, iterations, salt, _hashed = BaseUser.split_stored_password(user["password"])
        return BaseUser.hash_password(password, salt, int(iterations)) == user["password"]
    except ValueError:
        return False
