"""Reports arriving at the same moment: a retried call never makes two episodes, and two agencies
reporting the same child get one episode and a clear error, never a server error."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from homeward.episodes.models import Episode
from homeward.episodes.services import episode_open
from tests.episodes.conftest import ago

pytestmark = pytest.mark.django_db(transaction=True)  # each thread's transaction must really commit


def _race(calls) -> list:
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except BaseException as error:  # reported by the test: a thread's exception would otherwise vanish
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_simultaneous_retries_make_one_episode(world):
    started = ago(hours=1)

    def report():
        return episode_open(
            user=world.provider_staff,
            why="test",
            child=world.child.pk,
            kind="missing",
            started_at=started,
            client_reference="OAK-RACE",
        )

    results = _race([report] * 4)
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert len({episode.pk for episode, _ in results}) == 1
    assert Episode.objects.count() == 1


def test_two_agencies_reporting_at_once_get_one_episode_and_a_clear_error(world):
    started = ago(hours=1)

    def report(user):
        return lambda: episode_open(user=user, why="test", child=world.child.pk, kind="missing", started_at=started)

    results = _race([report(world.provider_staff), report(world.police_officer)])
    made = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(made) == 1 and len(refused) == 1, results
    assert list(refused[0].message_dict) == ["child"]
    assert Episode.objects.count() == 1
