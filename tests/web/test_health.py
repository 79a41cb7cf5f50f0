"""GET /healthz: open to anyone, says whether the database answers, and carries no data."""

import pytest
from django.db import OperationalError, connection
from django.test import Client


@pytest.mark.django_db
def test_it_reports_the_database_and_nothing_else():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "vendor": connection.vendor}


@pytest.mark.django_db
def test_it_answers_503_when_the_database_is_unavailable(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")  # what a stopped server or a missing file gives

    # Every query first makes sure of the connection: make that fail as a down server does.
    monkeypatch.setattr(connection, "ensure_connection", refuse)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable", "vendor": connection.vendor}


@pytest.mark.django_db
def test_it_only_allows_get():
    assert Client().post("/healthz").status_code == 405
