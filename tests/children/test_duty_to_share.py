"""The duty to share (Children's Wellbeing and Schools Act 2026, s16LA): each agency shown a child's
record, read from the audit log with its lawful basis, and each decision not to share with its reason,
seen only by the council responsible for the child and its inspectors."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.utils import timezone

from homeward.agencies.access import Reason
from homeward.agencies.fields import Field
from homeward.agencies.models import Role
from homeward.audit.models import Action, AuditEvent
from homeward.audit import services as audit_services
from homeward.audit.services import DISCLOSED_UNDER, audit_record
from homeward.audit.subject_access import subject_access_export
from homeward.children.models import DecisionNotToShare
from homeward.children.selectors import child_get
from homeward.children.sharing import LISTED, child_sharing_register, decision_not_to_share_record
from homeward.episodes import lookup, services
from tests.conftest import make_user
from tests.support import sign_in

REASON = "Her mother is subject to a non-molestation order; the home's address must not reach her through the school."


def _client(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def _missing(world):
    episode, _ = services.episode_open(
        user=world.social_worker,
        why="test",
        child=world.child.pk,
        kind="missing",
        last_seen_at=timezone.now() - datetime.timedelta(hours=5),
        last_seen_location="Oak House",
        last_seen_postcode="B1 1AA",
    )
    return episode


def _decide(world, **overrides):
    values = {
        "user": world.social_worker,
        "why": "test",
        "child_id": world.child.pk,
        "agency_id": world.provider.pk,
        "parts": [Field.FAMILY_HOME],
        "reason": REASON,
    }
    return decision_not_to_share_record(**{**values, **overrides})


def _by_agency(register) -> dict:
    return {d.agency_code: d for d in register.disclosures}


# ---------------------------------------------------------------------------------------------
# What the audit keeps of a disclosure
# ---------------------------------------------------------------------------------------------


def test_a_read_by_another_agency_is_audited_with_the_reasons_it_had(world):
    child_get(user=world.police_officer, child_id=world.child.pk, why="test")
    event = AuditEvent.objects.filter(child_id=world.child.pk, username=world.police_officer.username).last()
    assert event.detail[DISCLOSED_UNDER] == [Reason.POLICE_OF_PLACEMENT]


def test_a_read_by_the_responsible_council_is_no_disclosure(world):
    child_get(user=world.social_worker, child_id=world.child.pk, why="test")
    event = AuditEvent.objects.filter(child_id=world.child.pk, action=Action.READ).last()
    assert DISCLOSED_UNDER not in event.detail


def test_a_write_is_no_disclosure(world):
    event = audit_record(
        user=world.police_officer, action=Action.UPDATE, object_type="episode", child_id=world.child.pk, why="test"
    )
    assert DISCLOSED_UNDER not in event.detail


# ---------------------------------------------------------------------------------------------
# The register
# ---------------------------------------------------------------------------------------------


def test_the_register_lists_a_police_read_of_a_missing_child_with_its_reason(world):
    _missing(world)
    police = _client(world.police_officer)
    assert police.get(f"/children/{world.child.pk}/").status_code == 200
    assert police.get("/children/").status_code == 200

    register = child_sharing_register(user=world.social_worker, child_id=world.child.pk, why="test")

    force = _by_agency(register)[world.west_midlands_police.code]
    assert force.agency_name == world.west_midlands_police.name
    # Both the force of the home's area and, while she is missing from there, of the last known place.
    assert force.reasons == [Reason.POLICE_OF_PLACEMENT, Reason.POLICE_OF_LOCATION]
    assert {"The child's record", LISTED} <= set(force.parts)
    assert force.times >= 2 and force.first <= force.last
    assert world.manchester.code not in _by_agency(register)  # the council's own reads are not sharing

    page = _client(world.social_worker).get(f"/children/{world.child.pk}/sharing/").content.decode()
    assert world.west_midlands_police.name in page and Reason.POLICE_OF_PLACEMENT in page


def test_a_forces_look_up_match_is_listed_under_the_look_up(world):
    _missing(world)
    lookup.missing_lookup(user=world.gmp_officer, why="test", reason="Child at Piccadilly", name="Amira Okafor")

    force = _by_agency(child_sharing_register(user=world.social_worker, child_id=world.child.pk, why="test"))[
        world.gmp.code
    ]
    assert force.reasons == [lookup.LOOKUP_BASIS]
    assert force.parts == ["Look-up match: name, age, risk, photo and who to call"]


def test_reads_logged_before_the_basis_was_kept_say_so(world):
    # An entry as written before this change: the chain's own append, without the stamp.
    previous, seq = audit_services._last()
    audit_services._event(
        world.police_officer,
        action=Action.READ,
        object_type="child",
        why="before",
        child_id=world.child.pk,
        prev_hash=previous,
        seq=seq + 1,
    ).save(force_insert=True)
    audit_record(user=None, action=Action.READ, object_type="child", child_id=world.child.pk, why="subject access")

    [force] = child_sharing_register(user=world.social_worker, child_id=world.child.pk, why="test").disclosures

    assert force.agency_code == world.west_midlands_police.code  # the system's own read is no one's
    assert force.basis_not_recorded and force.reasons == []


def test_an_inspector_reads_the_register_and_other_agencies_are_not_found(world):
    assert _client(world.inspector).get(f"/children/{world.child.pk}/sharing/").status_code == 200
    for user in (world.police_officer, world.host_coordinator, world.provider_staff, world.unrelated_social_worker):
        assert _client(user).get(f"/children/{world.child.pk}/sharing/").status_code == 404, user.username
    analyst = make_user(world.manchester, Role.ANALYST)
    assert _client(analyst).get(f"/children/{world.child.pk}/sharing/").status_code == 404


def test_the_childs_page_links_to_the_register_for_the_council_only(world):
    link = f'href="/children/{world.child.pk}/sharing/"'
    assert link in _client(world.social_worker).get(f"/children/{world.child.pk}/").content.decode()
    assert link not in _client(world.police_officer).get(f"/children/{world.child.pk}/").content.decode()


# ---------------------------------------------------------------------------------------------
# Decisions not to share
# ---------------------------------------------------------------------------------------------


def test_a_decision_not_to_share_is_recorded_with_its_reason_and_audited(world):
    decision = _decide(world)

    assert (decision.agency, decision.parts, decision.reason) == (world.provider, ["family_home"], REASON)
    assert decision.decided_by == world.social_worker
    event = AuditEvent.objects.get(object_type="decision_not_to_share", object_id=str(decision.pk))
    assert event.action == Action.CREATE and event.child_id == world.child.pk
    assert event.detail["agency"] == world.provider.code
    register = child_sharing_register(user=world.inspector, child_id=world.child.pk, why="test")
    assert register.decisions == [decision]


def test_a_decision_without_a_reason_is_refused_naming_the_field(world):
    with pytest.raises(ValidationError) as raised:
        _decide(world, reason="   ")
    assert list(raised.value.message_dict) == ["reason"]
    assert not DecisionNotToShare.objects.exists()


def test_a_decision_names_an_agency_or_a_kind_of_request_and_the_parts(world):
    with pytest.raises(ValidationError) as raised:
        _decide(world, agency_id=None, parts=[])
    assert set(raised.value.message_dict) == {"agency", "parts"}
    with pytest.raises(ValidationError) as raised:
        _decide(world, agency_id=world.manchester.pk)
    assert "agency" in raised.value.message_dict
    kind = _decide(world, agency_id=None, request_kind="Requests from schools for Part A")
    assert kind.agency is None and kind.request_kind == "Requests from schools for Part A"


def test_only_the_councils_social_workers_and_team_managers_decide(world):
    iro = make_user(world.manchester, Role.IRO)
    for user in (iro, world.police_officer, world.inspector, world.unrelated_social_worker):
        with pytest.raises(Http404):
            _decide(world, user=user)
    assert _decide(world, user=make_user(world.manchester, Role.TEAM_MANAGER)).pk


def test_a_decision_is_invisible_to_an_agency_without_a_reason_to_see_the_child(world):
    _decide(world)
    leeds = _client(world.unrelated_social_worker)
    assert leeds.get(f"/children/{world.child.pk}/sharing/").status_code == 404
    assert leeds.get(f"/children/{world.child.pk}/sharing/decision-not-to-share/").status_code == 404
    assert AuditEvent.objects.filter(
        child_id=world.child.pk, action=Action.DENIED, username=world.unrelated_social_worker.username
    ).exists()
    # Nor to the agency it was about, which sees the child.
    assert _client(world.provider_staff).get(f"/children/{world.child.pk}/sharing/").status_code == 404


def test_the_form_records_a_decision_and_names_the_missing_field(world):
    client = _client(world.social_worker)
    path = f"/children/{world.child.pk}/sharing/decision-not-to-share/"
    assert client.get(path).status_code == 200

    empty = client.post(path, {}).content.decode()
    assert all(f'href="#{name}"' in empty for name in ("agency", "parts", "reason"))  # every error at once
    refused = client.post(path, {"agency": str(world.provider.pk), "parts": ["family_home"], "reason": ""})
    page = refused.content.decode()
    assert refused.status_code == 200 and 'href="#reason"' in page and 'href="#agency"' not in page
    assert "Say why sharing would be more detrimental to the child than not sharing." in page
    assert f'<option value="{world.provider.pk}" selected>' in page  # what was chosen is kept

    done = client.post(path, {"agency": str(world.provider.pk), "parts": ["family_home"], "reason": REASON})
    assert done.status_code == 302 and done["Location"] == f"/children/{world.child.pk}/sharing/"
    register = client.get(done["Location"]).content.decode()
    assert "Decision not to share recorded" in register and "non-molestation order" in register
    assert "Family home address" in register


def test_the_childs_subject_access_export_holds_the_decisions_not_to_share(world):
    decision = _decide(world)
    export = subject_access_export(child_id=world.child.pk)
    assert [(d["id"], d["reason"], d["parts"]) for d in export["decisions_not_to_share"]] == [
        (decision.pk, REASON, ["family_home"])
    ]
