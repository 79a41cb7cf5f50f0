"""The audit chain's key comes from outside the database: HOMEWARD_AUDIT_KEY, else var/audit_key,
generated once and then kept."""

import os
import stat
import subprocess
import sys


def _key(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HOMEWARD_") and k != "DATABASE_URL"}
    environment.update(DJANGO_SETTINGS_MODULE="homeward.settings", HOMEWARD_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.HOMEWARD_AUDIT_KEY)",
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_the_variable_a_key_is_generated_once_into_var(tmp_path):
    first, second = _key(tmp_path), _key(tmp_path)
    assert first.returncode == 0, first.stderr
    key = (tmp_path / "audit_key").read_text().strip()
    assert first.stdout.strip() == second.stdout.strip() == key and len(key) >= 64
    assert stat.S_IMODE((tmp_path / "audit_key").stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".audit_key")] == []


def test_the_variable_wins_and_nothing_is_written(tmp_path):
    key = "k" * 40
    result = _key(tmp_path, HOMEWARD_AUDIT_KEY=key)
    assert result.stdout.strip() == key and not (tmp_path / "audit_key").exists()


def test_a_short_key_is_refused(tmp_path):
    result = _key(tmp_path, HOMEWARD_AUDIT_KEY="password")
    assert result.returncode != 0 and "HOMEWARD_AUDIT_KEY must be at least 32 characters" in result.stderr
