"""POST /api/v1/police-reports/: force systems send reports; the reference is the key."""

import pytest
from rest_framework.test import APIClient

from homeward.agencies.models import Role
from homeward.audit.models import AuditEvent
from homeward.returns.models import PoliceReport
from tests.returns.conftest import token_client

URL = "/api/v1/police-reports/"


def report(reference: str = "MP/77/25", **fields) -> dict:
    body = {
        "reference": reference,
        "first_name": "Tia",
        "last_name": "Marsh",
        "date_of_birth": "2011-04-03",
        "reported_at": "2025-03-01T21:30:00Z",
        "last_seen_at": "2025-03-01T19:00:00Z",
        "risk_grade": "medium",
        "risk_history": [{"grade": "medium", "graded_at": "2025-03-01T21:45:00Z", "source": "call handler"}],
        "out_of_character": True,
    }
    body.update(fields)
    return body


@pytest.mark.django_db
def test_it_needs_a_token(force):
    assert APIClient().post(URL, report(), format="json").status_code == 401


@pytest.mark.django_db
def test_it_only_allows_post(police_system):
    assert police_system.get(URL).status_code == 405


@pytest.mark.django_db
def test_it_creates_then_leaves_then_updates_a_report(police_system, force):
    created = police_system.post(URL, report(), format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["result"] == "created" and body["report"]["force"] == force.code
    assert body["report"]["reference"] == "MP/77/25" and body["report"]["risk_grade"] == "medium"
    audit_after_create = AuditEvent.objects.count()

    again = police_system.post(URL, report(), format="json")
    assert (again.status_code, again.json()["result"]) == (200, "unchanged")
    assert AuditEvent.objects.count() == audit_after_create  # a repeat is not a write

    corrected = police_system.post(URL, report(found_at="2025-03-02T09:00:00Z", found_by="PC 12"), format="json")
    assert (corrected.status_code, corrected.json()["result"]) == (200, "updated")
    assert corrected.json()["report"]["id"] == body["report"]["id"]
    stored = PoliceReport.objects.get()
    assert stored.found_by == "PC 12" and stored.raw["found_by"] == "PC 12" and stored.line_number is None
    events = AuditEvent.objects.filter(object_type="police_report").order_by("id")
    assert [(e.action, e.object_id, e.why, e.agency_code) for e in events] == [
        ("create", str(stored.pk), "api:police-reports", force.code),
        ("update", str(stored.pk), "api:police-reports", force.code),
    ]


@pytest.mark.django_db
def test_the_force_is_the_tokens_never_the_bodys(police_system, force, other_force):
    police_system.post(URL, report(force=other_force.code), format="json")
    assert PoliceReport.objects.get().force == force
    # The same reference from another force is another report.
    other = token_client(other_force, Role.POLICE_COORDINATOR).post(URL, report(), format="json")
    assert other.status_code == 201
    assert sorted(PoliceReport.objects.values_list("force__code", flat=True)) == sorted([force.code, other_force.code])


@pytest.mark.django_db
def test_it_refuses_a_system_that_is_not_a_police_force(la):
    response = token_client(la, Role.MISSING_COORDINATOR).post(URL, report(), format="json")
    assert response.status_code == 403
    assert not PoliceReport.objects.exists() and not AuditEvent.objects.filter(object_type="police_report").exists()


@pytest.mark.django_db
def test_bad_input_is_400_naming_each_field(police_system):
    response = police_system.post(URL, report(reference="", risk_grade="amber", reported_at="soon"), format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"reference", "risk_grade", "reported_at"}
    assert "amber" in errors["risk_grade"][0]
    assert police_system.post(URL, [report()], format="json").status_code == 400  # one report per call
    assert (
        police_system.post(URL, "reference=MP/1", content_type="application/x-www-form-urlencoded").status_code == 415
    )
    assert not PoliceReport.objects.exists()


@pytest.mark.django_db
def test_the_schema_documents_the_endpoint(police_system):
    schema = police_system.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"][URL]["post"]
    assert {"201", "200", "400", "403"} <= set(operation["responses"])
