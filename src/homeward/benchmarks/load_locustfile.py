"""Locust users for `homeward bench load` (benchmarks.load writes the plan this reads).

Run by locust in its own process (gevent patches the standard library, which must not happen inside
Django's). Each user is a council's social worker signed in to the UI and its case system's token,
or a police force's system with its token; the plan names who, and which children they may touch.
"""

import datetime
import itertools
import json
import os
from pathlib import Path

from locust import HttpUser, between, task

PLAN = json.loads(Path(os.environ["HOMEWARD_LOAD_PLAN"]).read_text())
_numbers = itertools.count()
# Children a report may open an episode for, each once (one open episode per child): shared by all users.
_to_report = [tuple(entry) for entry in PLAN["to_report"]]


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


class AgencyUser(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        number = next(_numbers)
        self.council = PLAN["councils"][number % len(PLAN["councils"])]
        self.force = PLAN["forces"][number % len(PLAN["forces"])]
        self.number = number
        self.reports = itertools.count()
        self.children = itertools.cycle(self.council["children"])

    def _page(self, path: str, name: str) -> None:
        # Not followed: a redirect would be to the sign-in page, which answers 200 but is no page of ours.
        with self.client.get(
            path,
            name=name,
            cookies={PLAN["session_cookie"]: self.council["session"]},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")

    @task(3)
    def board(self) -> None:
        self._page("/board/", "board")

    @task(3)
    def child_page(self) -> None:
        self._page(f"/children/{next(self.children)}/", "child page")

    @task(1)
    def report_episode(self) -> None:
        if not _to_report:
            return
        child, token = _to_report.pop()
        self.client.post(
            "/api/v1/episodes/",
            name="report an episode",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "child": child,
                "kind": "missing",
                "started_at": _now(),
                "client_reference": f"{PLAN['reference_prefix']}{child}",
            },
        )

    @task(2)
    def police_report(self) -> None:
        self.client.post(
            "/api/v1/police-reports/",
            name="police report API",
            headers={"Authorization": f"Bearer {self.force['token']}"},
            json={
                "reference": f"{PLAN['reference_prefix']}{self.number}-{next(self.reports)}",
                "first_name": "Load",
                "last_name": "Test",
                "reported_at": _now(),
                "last_seen_postcode": "",
            },
        )
