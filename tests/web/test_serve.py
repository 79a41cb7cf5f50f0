"""`homeward serve`, the production server the demo runs: gunicorn serves the pages, WhiteNoise the
built GOV.UK assets (hashed names, cached for a year, with the pages' security headers), the task
worker runs beside them, and nothing outlives serve, whether it is told to stop or killed outright.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support import require

REPO = Path(__file__).resolve().parents[2]
HOMEWARD = [sys.executable, "-m", "homeward"]
STOP_WITHIN_SECONDS = 15


def _environment(tmp_path: Path) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HOMEWARD_") and k != "DATABASE_URL"}
    environment.update(
        DJANGO_SETTINGS_MODULE="homeward.settings",
        HOMEWARD_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'homeward.sqlite3'}",
    )
    return environment


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # the name, in parentheses, may hold spaces


def _command_line(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None


def _descendants(root: int) -> dict[int, str]:
    """Every living process under `root`, with its command line."""
    parents = {int(p.name): _parent_of(int(p.name)) for p in Path("/proc").iterdir() if p.name.isdigit()}
    found, frontier = {}, {root}
    while frontier:
        children = {pid for pid, parent in parents.items() if parent in frontier and pid not in found}
        for pid in children:
            found[pid] = _command_line(pid)
        frontier = children
    return {pid: command for pid, command in found.items() if command}


def _still_running(processes: dict[int, str]) -> dict[int, str]:
    # A pid counts only while it is the same program (a pid may be used again once freed).
    return {pid: command for pid, command in processes.items() if _command_line(pid) == command}


def _get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Server:
    def __init__(self, tmp_path: Path, log_name: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / log_name
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [*HOMEWARD, "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "1"],
            env=_environment(tmp_path),
            cwd=REPO,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (
                f"serve stopped (exit status {self.process.returncode}):\n{self.output()}"
            )
            try:
                if _get(f"{self.base}/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise AssertionError(f"/healthz did not answer 200 within {timeout} s:\n{self.output()}")

    def children(self) -> dict[int, str]:
        processes = _descendants(self.process.pid)
        gunicorn = [pid for pid, command in processes.items() if "-m gunicorn homeward.wsgi:application" in command]
        worker = [pid for pid, command in processes.items() if "-m homeward worker" in command]
        assert gunicorn and worker, processes
        return processes

    def assert_all_gone(self, processes: dict[int, str]) -> None:
        deadline = time.monotonic() + STOP_WITHIN_SECONDS
        while _still_running(processes) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _still_running(processes), f"left running: {_still_running(processes)}\n{self.output()}"

    def close(self) -> None:
        # Whatever the test's outcome, leave nothing running.
        left = _descendants(self.process.pid) if self.process.poll() is None else {}
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for pid in _still_running(left):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A var directory as `homeward migrate` leaves it (the database and its keys), made once for the
    module: each test starts from a copy (migrating took about ten seconds a test; issue 10)."""
    directory = tmp_path_factory.mktemp("migrated")
    migrate = subprocess.run(
        [*HOMEWARD, "migrate", "--no-input", "-v", "0"],
        env=_environment(directory),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    return directory


def test_serve_serves_pages_and_assets_runs_the_worker_and_leaves_nothing_behind(tmp_path, migrated):
    govuk_css = REPO / "build" / "static" / "govuk-frontend" / "dist" / "govuk" / "govuk-frontend.min.css"
    require(govuk_css.exists(), "the built GOV.UK assets (scripts/build-assets)")
    shutil.copytree(migrated, tmp_path, dirs_exist_ok=True)

    server = Server(tmp_path, "serve.log")
    try:
        server.wait_until_healthy(timeout=180)  # the first start collects and compresses the static files

        status, headers, body = _get(f"{server.base}/sign-in/")
        assert status == 200
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["Server"].startswith("gunicorn")  # not Django's development server

        # The page names the GOV.UK stylesheet by a hash of its content, so it may be kept a year.
        css = re.search(
            r'href="(/static/govuk-frontend/dist/govuk/govuk-frontend\.min\.[0-9a-f]{12}\.css)"', body.decode()
        )
        assert css, body.decode()
        status, headers, body = _get(server.base + css.group(1))
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert "immutable" in headers["Cache-Control"]
        assert int(re.search(r"max-age=(\d+)", headers["Cache-Control"]).group(1)) >= 365 * 24 * 3600
        assert b".govuk-" in body
        # Static responses carry the pages' security headers too.
        assert headers["Content-Security-Policy"] == _get(f"{server.base}/sign-in/")[1]["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        # The fonts and images the stylesheet names are served as well.
        font = re.search(rb'url\("?(assets/fonts/[^)"]+\.woff2)"?\)', body)
        assert font, "the stylesheet names its fonts"
        assert _get(server.base + css.group(1).rsplit("/", 1)[0] + "/" + font.group(1).decode())[0] == 200

        processes = server.children()  # gunicorn (master and its worker) and `homeward worker`

        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=STOP_WITHIN_SECONDS + 5) == 0, server.output()
        server.assert_all_gone(processes)
    finally:
        server.close()

    # Started again, it does not collect again; killed outright, it still takes the rest with it.
    again = Server(tmp_path, "serve-again.log")
    try:
        again.wait_until_healthy(timeout=60)
        assert "collecting static files" not in again.output()
        processes = again.children()
        again.process.kill()
        again.process.wait()
        again.assert_all_gone(processes)
    finally:
        again.close()


def _process_group(pgid: int) -> dict[int, str]:
    """Every living process in this process group, with its command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[2]) == pgid and (command := _command_line(int(entry.name))):
            found[int(entry.name)] = command
    return found


def test_ctrl_c_with_a_signal_close_behind_it_stops_everything_the_demo_started(tmp_path, migrated):
    govuk_css = REPO / "build" / "static" / "govuk-frontend" / "dist" / "govuk" / "govuk-frontend.min.css"
    require(govuk_css.exists(), "the built GOV.UK assets (scripts/build-assets)")
    shutil.copytree(migrated, tmp_path, dirs_exist_ok=True)  # scripts/demo migrates it again: nothing to do
    port = _free_port()
    # An empty Homeward on a database of its own: the demo's world and set-up are not what is tested.
    environment = {
        **_environment(tmp_path),
        "HOMEWARD_PORT": str(port),
        "HOMEWARD_DEMO_CHILDREN": "0",
        "HOMEWARD_DEMO_SETUP": "0",
    }
    log_path = tmp_path / "demo.log"
    with log_path.open("wb") as log:
        # Its own process group, as a terminal gives the command in the foreground.
        demo = subprocess.Popen(
            [str(REPO / "scripts" / "demo")],
            env=environment,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    group = {}
    try:
        deadline = time.monotonic() + 300  # migrating a new database, collecting the static files
        while True:
            assert demo.poll() is None, f"scripts/demo stopped (exit status {demo.returncode}):\n{log_path.read_text()}"
            try:
                if _get(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"/healthz did not answer 200:\n{log_path.read_text()}"
            time.sleep(0.25)
        group = _process_group(demo.pid)
        assert any("-m homeward worker" in command for command in group.values()), group
        assert any("-m gunicorn homeward.wsgi:application" in command for command in group.values()), group

        os.killpg(demo.pid, signal.SIGINT)  # Ctrl+C: the terminal signals the whole group
        os.kill(demo.pid, signal.SIGTERM)  # and a second signal close behind (a supervisor, a trap)
        deadline = time.monotonic() + 10
        while _still_running(group) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _still_running(group), f"left running: {_still_running(group)}\n{log_path.read_text()}"
        assert demo.wait(timeout=1) == 0, log_path.read_text()
        assert not _process_group(demo.pid)
    finally:
        for pid in _still_running(group):
            os.kill(pid, signal.SIGKILL)
        if demo.poll() is None:
            demo.kill()
            demo.wait()
