"""`manage.py check --deploy` is clean for a production configuration: DEBUG off and HOMEWARD_HTTPS=1."""

import os
import secrets
import subprocess
import sys

import pytest


def _check_deploy(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HOMEWARD_") and k != "DATABASE_URL"}
    environment.update(
        DJANGO_SETTINGS_MODULE="homeward.settings",
        HOMEWARD_VAR_DIR=str(tmp_path),
        HOMEWARD_SECRET_KEY=secrets.token_urlsafe(50),
        HOMEWARD_ALLOWED_HOSTS="homeward.example.org",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_behind_https(tmp_path):
    result = _check_deploy(tmp_path, HOMEWARD_HTTPS="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_https_it_warns_about_hsts_and_the_redirect(tmp_path):
    result = _check_deploy(tmp_path)
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


@pytest.mark.parametrize(
    ("variable", "warning"), [("HOMEWARD_HSTS_PRELOAD", "W021"), ("HOMEWARD_SSL_REDIRECT", "W008")]
)
def test_each_part_can_still_be_turned_off_and_then_check_deploy_says_so(tmp_path, variable, warning):
    result = _check_deploy(tmp_path, HOMEWARD_HTTPS="1", **{variable: "0"})
    assert f"security.{warning}" in result.stderr
