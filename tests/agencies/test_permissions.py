"""Who may do what, in one table (agencies.permissions): every grant can be met by someone, and the
rules the apps state are the table's."""

import pathlib
import re

import pytest

from homeward.agencies.access import REASONS, Reason
from homeward.agencies.models import ROLES_BY_KIND, AgencyKind, Role
from homeward.agencies.permissions import PERMISSIONS, Permission, may

# Which kind of agency each reason can belong to (agencies.access: each reason's function grants only
# to these kinds, or to one role).
KINDS_BY_REASON = {
    Reason.RESPONSIBLE: {AgencyKind.LOCAL_AUTHORITY},
    Reason.HOST: {AgencyKind.LOCAL_AUTHORITY},
    Reason.POLICE_OF_PLACEMENT: {AgencyKind.POLICE},
    Reason.PROVIDER: {AgencyKind.PROVIDER},
    Reason.POLICE_OF_LOCATION: {AgencyKind.POLICE},
    Reason.RETURN_INTERVIEW_SERVICE: {AgencyKind.RHI},
    Reason.INSPECTOR: {AgencyKind.INSPECTORATE},
    Reason.HEALTH: {AgencyKind.ICB, AgencyKind.NHS_TRUST},
    Reason.VIRTUAL_SCHOOL: {AgencyKind.VIRTUAL_SCHOOL},
    Reason.SCHOOL: {AgencyKind.SCHOOL},
}


def _kinds_of(role: Role) -> set[str]:
    return {kind for kind, roles in ROLES_BY_KIND.items() if role in roles}


def test_the_reasons_are_the_scoping_functions_own():
    assert [reason for reason, _ in REASONS] == list(Reason)
    assert set(KINDS_BY_REASON) == set(Reason)


def test_every_permission_has_a_grant():
    assert set(PERMISSIONS) == set(Permission)


@pytest.mark.parametrize("permission", list(Permission))
def test_every_grant_can_be_met_by_someone(permission):
    # A grant whose roles never hold its reasons (or never work in its kinds of agency) is a door
    # that cannot open: a typo in the table, not a rule.
    for grant in PERMISSIONS[permission]:
        assert grant.reasons or grant.kinds, permission
        reachable = [
            (role, reason)
            for role in grant.roles
            for reason in grant.reasons
            if _kinds_of(role) & KINDS_BY_REASON[reason] or (reason == Reason.INSPECTOR and role == Role.INSPECTOR)
        ]
        reachable += [(role, kind) for role in grant.roles for kind in grant.kinds if kind in _kinds_of(role)]
        assert reachable, f"{permission}: no role in {sorted(grant.roles)} can meet this grant"


class _Person:
    def __init__(self, role, kind):
        self.role, self.agency_id, self.is_authenticated = role, 1, True
        self.agency = type("Agency", (), {"kind": kind})()


@pytest.mark.parametrize(
    ("role", "kind", "permission", "reasons", "allowed"),
    [
        (Role.PROVIDER_STAFF, AgencyKind.PROVIDER, Permission.ACT_ON_EPISODE, [Reason.PROVIDER], True),
        (Role.ANALYST, AgencyKind.LOCAL_AUTHORITY, Permission.ACT_ON_EPISODE, [Reason.RESPONSIBLE], False),
        (Role.INSPECTOR, AgencyKind.INSPECTORATE, Permission.ACT_ON_EPISODE, [Reason.INSPECTOR], False),
        (Role.POLICE_OFFICER, AgencyKind.POLICE, Permission.POLICE_EPISODE, [Reason.POLICE_OF_LOCATION], True),
        (Role.SOCIAL_WORKER, AgencyKind.LOCAL_AUTHORITY, Permission.POLICE_EPISODE, [Reason.RESPONSIBLE], False),
        (Role.SOCIAL_WORKER, AgencyKind.LOCAL_AUTHORITY, Permission.CHANGE_FLAGS, [Reason.RESPONSIBLE], True),
        (Role.SOCIAL_WORKER, AgencyKind.LOCAL_AUTHORITY, Permission.CHANGE_FLAGS, [Reason.HOST], False),
        (Role.IRO, AgencyKind.LOCAL_AUTHORITY, Permission.CHANGE_FLAGS, [Reason.RESPONSIBLE], False),
        (Role.NAMED_NURSE, AgencyKind.NHS_TRUST, Permission.SEE_FLAGS, [Reason.HEALTH], True),
        (Role.SCHOOL_SAFEGUARDING_LEAD, AgencyKind.SCHOOL, Permission.SEE_FLAGS, [Reason.SCHOOL], False),
        (
            Role.NOMINATED_OFFICER,
            AgencyKind.LOCAL_AUTHORITY,
            Permission.APPROVE_OUT_OF_AREA,
            [Reason.RESPONSIBLE],
            True,
        ),
        (Role.NOMINATED_OFFICER, AgencyKind.LOCAL_AUTHORITY, Permission.APPROVE_DISTANT, [Reason.RESPONSIBLE], False),
        (Role.DIRECTOR, AgencyKind.LOCAL_AUTHORITY, Permission.APPROVE_DISTANT, [Reason.RESPONSIBLE], True),
        (Role.ANALYST, AgencyKind.LOCAL_AUTHORITY, Permission.SEE_REGISTER, [], True),
        (Role.ANALYST, AgencyKind.LOCAL_AUTHORITY, Permission.KEEP_REGISTER, [], False),
        (Role.PROVIDER_MANAGER, AgencyKind.PROVIDER, Permission.SEE_REGISTER, [], False),
        (Role.POLICE_COORDINATOR, AgencyKind.POLICE, Permission.REVIEW_LINKS, [], True),
        (Role.POLICE_OFFICER, AgencyKind.POLICE, Permission.REVIEW_LINKS, [], False),
        (Role.DIRECTOR, AgencyKind.LOCAL_AUTHORITY, Permission.CONFIGURE_COUNCIL, [], True),
        (Role.TEAM_MANAGER, AgencyKind.LOCAL_AUTHORITY, Permission.CONFIGURE_COUNCIL, [], False),
    ],
)
def test_the_table_answers(role, kind, permission, reasons, allowed):
    assert may(_Person(role, kind), permission, reasons) is allowed


def test_no_reason_no_action_on_a_child():
    assert not may(_Person(Role.SOCIAL_WORKER, AgencyKind.LOCAL_AUTHORITY), Permission.MANAGE_MEETINGS, [])


def test_no_rule_compares_a_role_or_a_reason_by_its_english_or_its_string():
    # Roles and reasons are enums: a comparison with a bare string would survive a rename silently.
    source = pathlib.Path(__file__).resolve().parents[2] / "src" / "homeward"
    bare = re.compile(r"""\.role\s*(==|!=|in)\s*[\[({]?\s*["']|["'](Responsible authority|Host authority)[^"']*["']""")
    found = [
        f"{path.relative_to(source)}:{n}"
        for path in source.rglob("*.py")
        if "migrations" not in path.parts
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if bare.search(line) and "class Reason" not in line
    ]
    found = [f for f in found if not f.startswith("agencies/access.py")]
    assert found == []
