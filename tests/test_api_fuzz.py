"""The API keeps its promises under fuzzing (issue 10): for each role, every operation in the OpenAPI
schema is called with inputs Schemathesis generates from it, and every answer must be no server error,
a documented status with the documented body (lists paginated as described), and must name no child
outside the caller's scope. Bounded and derandomised so that CI runs it the same way each time.

Path ids are random numbers most of the time, which would almost never hit a real record, so one call
in two swaps them (and a body's `child`) for the ids of real children and episodes, in scope or not.
"""

import datetime
import json
import secrets
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from homeward.agencies.models import ApiToken, hash_token
from homeward.episodes.services import episode_open
from homeward.wsgi import application

EXAMPLES_PER_OPERATION = 10
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Who may never be named to whom, from the shared world (conftest.py). Each council's child stays
# out of every other agency's sight; the national analyst sees no child at all.
ROLES = {
    "council social worker": ("social_worker", ["leeds_child"]),
    "police officer": ("police_officer", ["leeds_child", "child_at_home"]),
    "provider": ("provider_staff", ["leeds_child", "child_at_home"]),
    "inspector": ("inspector", ["leeds_child"]),
    "analyst": ("national_analyst", ["leeds_child", "child_at_home", "child", "moved_child"]),
}

# DRF answers these on any operation though the generated schema names fewer: 401 for a token it
# refuses, 403 for a role not allowed to act, 429 when throttled; and 404 wherever the path names a
# record, for one the caller may not see (its existence is not revealed), or a list is paged, for a
# page past its end. Anything else undocumented still fails status_code_conformance.
ANY_OPERATION_MAY_ANSWER = {"401", "403", "429"}


def _schema() -> dict:
    raw = SchemaGenerator().get_schema(request=None, public=True)
    raw = json.loads(json.dumps(raw, default=str))  # lazy translations and enums to plain JSON
    for path, operations in raw["paths"].items():
        for operation in operations.values():
            paged = any(parameter["name"] == "page" for parameter in operation.get("parameters", []))
            refusals = ANY_OPERATION_MAY_ANSWER | ({"404"} if "{" in path or paged else set())
            for status in refusals - set(operation["responses"]):
                operation["responses"][status] = {"description": "refused"}
    return raw


def _token_for(user) -> str:
    # The world's own users (not service accounts), so each caller's scope is the one conftest names.
    raw = "hw_" + secrets.token_hex(32)
    ApiToken.objects.create(user=user, key_hash=hash_token(raw), prefix=raw[3:11])
    return raw


@pytest.fixture
def in_process_wsgi():
    """Called in-process, Django's WSGI handler would close the test's connection at each request's
    start and end (the test client lifts the same two receivers for the same reason)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _strings_naming(child) -> list[str]:
    return [child.last_name, child.la_child_id] + ([child.nhs_number] if child.nhs_number else [])


def _child_ids_in(body) -> set[int]:
    """Ids a body gives as a child's: `child`/`child_id` fields and the `id` of child records."""
    found: set[int] = set()
    if isinstance(body, dict):
        for key in ("child", "child_id"):
            if isinstance(body.get(key), int):
                found.add(body[key])
        if ("la_child_id" in body or "responsible_authority" in body) and isinstance(body.get("id"), int):
            found.add(body["id"])
        for value in body.values():
            found |= _child_ids_in(value)
    elif isinstance(body, list):
        for value in body:
            found |= _child_ids_in(value)
    return found


@pytest.mark.slow  # hundreds of generated calls per role
@pytest.mark.parametrize("role", list(ROLES))
def test_the_api_keeps_its_promises_to_each_role(world, role, in_process_wsgi, capsys):
    attribute, hidden_names = ROLES[role]
    caller = getattr(world, attribute)
    hidden = [getattr(world, name) for name in hidden_names]
    now = timezone.now()
    # An open episode for each council's children, so the ids the fuzzer swaps in reach real records.
    episodes = [
        episode_open(
            user=world.social_worker,
            why="test",
            child=world.child,
            kind="missing",
            started_at=now - datetime.timedelta(hours=3),
        )[0],
        episode_open(
            user=world.unrelated_social_worker,
            why="test",
            child=world.leeds_child,
            kind="missing",
            started_at=now - datetime.timedelta(hours=2),
            last_seen_postcode="LS1 1UR",
        )[0],
    ]
    known_ids = sorted(
        {world.child.pk, world.child_at_home.pk, world.moved_child.pk, world.leeds_child.pk}
        | {episode.pk for episode in episodes}
    )
    hidden_ids = {child.pk for child in hidden}
    hidden_strings = [text for child in hidden for text in _strings_naming(child) if text]
    headers = {"Authorization": f"Bearer {_token_for(caller)}"}

    schema = schemathesis.openapi.from_dict(_schema())
    schema.app = in_process_wsgi
    calls: Counter = Counter()
    leaks: list[str] = []

    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(), real_id=st.one_of(st.none(), st.sampled_from(known_ids)))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
        def fuzz(case, real_id) -> None:
            if real_id is not None:
                for name in case.path_parameters or {}:
                    case.path_parameters[name] = real_id
                if isinstance(case.body, dict) and "child" in case.body:
                    case.body["child"] = real_id
            # Each call starts from the same world: its writes, and any failed statement, roll back.
            with transaction.atomic():
                response = case.call(headers=headers)
                transaction.set_rollback(True)
            calls[response.status_code // 100] += 1
            text = response.text or ""
            named = [s for s in hidden_strings if s in text]
            if text.startswith(("{", "[")):
                named += sorted(_child_ids_in(json.loads(text)) & hidden_ids)
            if named:
                leaks.append(f"{operation.label} {case.path_parameters} -> {response.status_code} names {named}")  # noqa: B023 (fuzz runs below, in this iteration)
            case.validate_response(response, checks=CHECKS, headers=headers)

        fuzz()

    with capsys.disabled():
        print(
            f"\nfuzz {role}: {sum(calls.values())} calls, "
            + ", ".join(f"{n} {k}xx" for k, n in sorted(calls.items()))
            + f", scope leaks {len(leaks)}"
        )
    assert not leaks, "\n".join(leaks)
    assert calls[2] > 0, "no call succeeded: the fuzzer never got past authentication"
