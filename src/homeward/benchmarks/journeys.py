"""Each role's core job end to end in a real browser, counted in a person's steps (issue 11).

A journey is a plain function of a `Harness` and the names it needs. The harness wraps a Playwright
page and counts the person's steps: each fill, tick and click is one, and so is going to an address
typed into the browser (none of the five picks from a select or presses a key, so the harness has no
step for either yet). It times the journey and runs axe-core on every page the journey lands on,
keeping violations of any impact. Fields are found by their labels, as a person finds them, so a
journey survives a form that gains or loses a question.

The browser tests (tests/browser/test_role_journeys.py) run each journey on the test world and check
its result in the database; `homeward bench journeys` (journeys_bench.py) runs the five on a world of
its own and prints their steps and times. Neither reads the database while the browser runs: a
person's authenticator code is worked out from a key read beforehand (`authenticator`).
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django_otp.oath import TOTP

AXE = Path(settings.REPO_DIR) / "node_modules" / "axe-core" / "axe.min.js"

# What the journeys type: plain words about a child, none of them a phrase the language guide
# stops (language.forms would refuse the form once and ask for the wording to be kept).
LAST_SEEN = "Oak House, front door"
CLOTHING = "Black puffer jacket, grey tracksuit, white trainers"
CIRCUMSTANCES = "Left after a phone call at tea time. Said she was going to the shop."
RISK_SOURCE = "Call from Oak House: her phone is switched off"
RISK_RATIONALE = "Aged 14, known to go to Birmingham city centre with adults she met online"
INTERVIEW = {
    "why": "Wanted to see friends from her old school",
    "where": "At a friend's flat in Handsworth, with two older friends",
    "help": "More time with her social worker, and a phone call home each evening",
    "words": "I just wanted to be with my mates, nobody listens at the home",
}


@dataclass(frozen=True)
class PartA:
    """One of Part A's essentials (Philomena Protocol): its label on the report form, when the form
    asks it of a child with no profile, and on the profile's own form; and what the journey writes."""

    name: str  # the profile's field
    on_report: re.Pattern
    on_profile: re.Pattern
    text: str


PART_A = (
    PartA("description", re.compile("look like"), re.compile("^Description"), "About 160 cm, slim, black braids"),
    PartA("places_frequented", re.compile("^Where might .* go"), re.compile("^Places they go"), "The Bullring"),
    PartA("associates", re.compile("^Who might .* be with"), re.compile("^Friends and associates"), "Jade, a friend"),
    PartA("medical_needs", re.compile("^Health needs"), re.compile("^Medical needs"), "Asthma: carries an inhaler"),
    PartA("phone", re.compile("phone number"), re.compile("^Phone numbers"), "07700 900123"),
)


@dataclass(frozen=True)
class Person:
    """Someone who signs in: username, password, and their authenticator app's code now."""

    username: str
    password: str
    code: Callable[[], str]


def authenticator(device) -> Callable[[], str]:
    """The app's current code for a TOTP device, worked out from its key (read here, once)."""
    key, step, t0, digits, drift = device.bin_key, device.step, device.t0, device.digits, device.drift

    def code() -> str:
        totp = TOTP(key, step=step, t0=t0, digits=digits, drift=drift)
        totp.time = time.time()
        return f"{totp.token():0{digits}d}"

    return code


def axe_source() -> str:
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} is missing: run scripts/setup (axe-core is in package.json's devDependencies)")
    return AXE.read_text()


@dataclass
class Harness:
    """A Playwright page, with the person's steps counted and every page landed on checked by axe."""

    page: object
    axe: str = field(default_factory=axe_source, repr=False)
    steps: int = 0
    checked: list[str] = field(default_factory=list)  # the path of each page axe checked
    violations: list[str] = field(default_factory=list)
    axe_seconds: float = 0.0  # spent checking, not by the person: taken off the journey's time

    def goto(self, path: str) -> None:
        """An address typed into the browser."""
        self.steps += 1
        self.page.goto(path)
        self._landed()

    def fill(self, field_, text: str) -> None:
        self.steps += 1
        field_.fill(text)

    def check(self, box) -> None:
        self.steps += 1
        box.check()

    def click(self, target) -> None:
        """A link or a button that leads to a page: counted, then waited for until that page has loaded."""
        self.steps += 1
        with self.page.expect_navigation():
            target.click()
        self._landed()

    def open(self, target) -> None:
        """A click that changes the page in place (a GOV.UK details, a menu)."""
        self.steps += 1
        target.click()

    def _landed(self) -> None:
        started = time.perf_counter()
        self.page.wait_for_load_state("load")
        # Evaluated through the DevTools protocol, so the page's strict CSP need not allow an inline script.
        self.page.evaluate(self.axe)
        results = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        path = urlsplit(self.page.url).path
        self.checked.append(path)
        for violation in results["violations"]:
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
            self.violations.append(f"{path}: {violation['impact']} {violation['id']}: {violation['help']} ({targets})")
        self.axe_seconds += time.perf_counter() - started


@dataclass(frozen=True)
class Result:
    steps: int
    seconds: float  # the journey's time less axe's
    checked: list[str]
    violations: list[str]


def run(page, journey: Callable[..., None], **arguments) -> Result:
    """Run one journey on a fresh page: its steps, its time, the pages checked and what axe found."""
    harness = Harness(page)
    started = time.perf_counter()
    journey(harness, **arguments)
    seconds = time.perf_counter() - started - harness.axe_seconds
    return Result(harness.steps, round(seconds, 2), harness.checked, harness.violations)


# ---------------------------------------------------------------------------------------------
# What every journey shares
# ---------------------------------------------------------------------------------------------


def sign_in(h: Harness, person: Person) -> None:
    """From the service's address to the home page: password, then the authenticator's code."""
    page = h.page
    h.goto("/")
    h.fill(page.get_by_label("Username"), person.username)
    h.fill(page.get_by_label("Password", exact=True), person.password)
    h.click(page.get_by_role("button", name="Continue"))
    h.fill(page.get_by_label("Enter the code from your authenticator app"), person.code())
    h.click(page.get_by_role("button", name="Sign in"))


def _see(place, text: str) -> None:
    """Wait until `text` shows in `place` (a page or part of one); fail the journey if it never does."""
    place.get_by_text(text).first.wait_for()


def _menu(h: Harness, name: str) -> None:
    # The service navigation's item: "Inbox" carries its unread count in its name.
    h.click(h.page.get_by_role("navigation", name="Menu").get_by_role("link", name=re.compile(f"^{name}")))


def _action(h: Harness, name: str):
    """Open one of the episode page's forms (a GOV.UK details, by its summary); the form's part of
    the page, to find its fields in."""
    details = h.page.locator(f"#action-{name}")
    h.open(details.locator("summary"))
    return details


def _first_name(child_name: str) -> str:
    return child_name.split()[0]


# ---------------------------------------------------------------------------------------------
# The five journeys
# ---------------------------------------------------------------------------------------------


def provider_staff(h: Harness, *, person: Person, child_name: str) -> None:
    """A children's home reports a child missing, with Part A's essentials: in the report when its
    form asks them (a child with no profile), otherwise on the profile's own form straight after."""
    page, first = h.page, _first_name(child_name)
    sign_in(h, person)
    h.click(page.get_by_role("link", name=child_name).first)
    h.click(page.get_by_role("link", name=f"Report {first} missing or away"))
    h.check(page.get_by_label("Missing", exact=True))
    h.fill(page.get_by_label(f"Where was {first} last seen?"), LAST_SEEN)
    h.fill(page.get_by_label(f"What was {first} wearing? (optional)"), CLOTHING)
    h.fill(page.get_by_label(re.compile(r"^What do you know")), CIRCUMSTANCES)
    with_report = page.get_by_label(PART_A[0].on_report).count() > 0
    if with_report:
        for essential in PART_A:
            h.fill(page.get_by_label(essential.on_report), essential.text)
    h.click(page.get_by_role("button", name="Send report"))
    _see(page.locator("h1"), f"{child_name} is recorded as missing")
    if with_report:
        return
    h.click(page.get_by_role("link", name="Go to the episode"))
    h.click(page.get_by_role("link", name=f"{first}'s Philomena profile"))
    h.click(page.get_by_role("link", name="Write the profile"))
    for essential in PART_A:
        h.fill(page.get_by_label(essential.on_profile), essential.text)
    h.click(page.get_by_role("button", name="Save as a new version"))
    _see(page, "Profile saved as version 1.")


def police_coordinator(h: Harness, *, person: Person, child_name: str, reference: str) -> None:
    """A force's missing persons coordinator finds the new report on the board, grades the risk
    high and adds the force's reference."""
    page = h.page
    sign_in(h, person)
    _menu(h, "Missing now")
    h.click(page.get_by_test_id("board").get_by_role("link", name=child_name))
    form = _action(h, "risk")
    h.check(form.get_by_label("High", exact=True))
    h.fill(form.get_by_label("Source of the information"), RISK_SOURCE)
    h.fill(form.get_by_label("Rationale (optional)"), RISK_RATIONALE)
    h.click(form.get_by_role("button", name="Save risk grade"))
    _see(page, "Risk graded high.")
    form = _action(h, "police-reference")
    h.fill(form.get_by_label("Your force's reference"), reference)
    h.click(form.get_by_role("button", name="Add reference"))
    _see(page.get_by_test_id("police-references"), reference)


def social_worker(h: Harness, *, person: Person, child_name: str) -> None:
    """The child's social worker acknowledges the newest alert about the child, opens the record
    from it and records the child's return."""
    page, first = h.page, _first_name(child_name)
    sign_in(h, person)
    _menu(h, "Inbox")
    alert = page.get_by_test_id("inbox").locator("tbody tr").filter(has_text=child_name).first
    h.click(alert.get_by_role("button", name=re.compile("^Acknowledge")))
    _see(page, "Alert acknowledged")
    alert = page.get_by_test_id("inbox").locator("tbody tr").filter(has_text=child_name).first
    h.click(alert.get_by_role("link"))
    form = _action(h, "return")
    h.check(form.get_by_label("Found or collected by carer or staff"))
    h.fill(form.get_by_label("Where were they found? (optional)"), "Birmingham New Street station")
    h.click(form.get_by_role("button", name="Record the return"))
    _see(page, f"{first}'s return is recorded.")


def interview_worker(h: Harness, *, person: Person, child_name: str, held_by: str) -> None:
    """A return interview worker finds the interview due (offered already) on their home page and
    records it as held: who held it, what the child said, and what would help."""
    page, first = h.page, _first_name(child_name)
    sign_in(h, person)
    h.click(page.get_by_test_id("home-interviews").get_by_role("link", name=child_name))
    form = _action(h, "interview-findings")
    h.fill(form.get_by_label("Who held the interview?"), held_by)
    h.check(form.get_by_label("Yes", exact=True))
    h.fill(form.get_by_label(f"Why did {first} go?"), INTERVIEW["why"])
    h.fill(form.get_by_label(f"Where was {first}, and with whom?"), INTERVIEW["where"])
    h.fill(form.get_by_label("What would help?"), INTERVIEW["help"])
    h.fill(form.get_by_label("In their own words (optional)"), INTERVIEW["words"])
    h.click(form.get_by_role("button", name="Record the interview as completed"))
    _see(page, "Return interview completed.")


def team_manager(h: Harness, *, person: Person, child_name: str, overdue_name: str) -> None:
    """A team manager sees the high-risk child and the overdue return interview on their home page,
    reviews the episode from the urgent alert, and acknowledges the alert, which stops its reminders
    and its escalation."""
    page = h.page
    sign_in(h, person)
    _see(page.get_by_test_id("home-high-risk"), child_name)
    _see(page.get_by_test_id("home-interviews"), overdue_name)
    _menu(h, "Inbox")
    urgent = page.get_by_test_id("inbox").locator("tbody tr").filter(has_text=child_name).filter(has_text="Urgent")
    h.click(urgent.first.get_by_role("link"))
    _see(page.get_by_test_id("episode-status"), "High risk")
    _menu(h, "Inbox")
    urgent = page.get_by_test_id("inbox").locator("tbody tr").filter(has_text=child_name).filter(has_text="Urgent")
    h.click(urgent.first.get_by_role("button", name=re.compile("^Acknowledge")))
    _see(page, "Alert acknowledged: its reminders and escalation have stopped.")
