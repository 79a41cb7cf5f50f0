"""Loading a synthetic world's files into the database: in bulk, idempotent, audited.

Natural keys decide what is already there (provider: URN; child: responsible authority + council
child id; other name: child + kind + names; placement: child + start date; episode: child + start
time), so loading the same files again creates nothing. Placements go through the one door for
placements (children.services.placements_write): the same checks and the same event as a placement
a person records.

Episodes go through the door for episodes recorded in bulk (episodes.services.episodes_record), as
a council's SSDA903 return does: audited, the police force of the placement leading where no place
says otherwise, and the children's risk rules queued for the worker. Each comes with its history as
the episodes services would have written it, had each step been taken by the agency system that
took it (one service account per agency, named as agencies.services.service_account_get_or_create
names them): its current risk grade and the police force where it is, the police reference, every
risk grading, switch of kind, sighting, enquiry and note, the return, the safe and well check, the
closure, the return interview and its steps, and one EpisodeUpdate for each step, which is all the
child's timeline reads.
"""

import datetime
from collections import Counter, defaultdict
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Case, Value, When

from homeward.agencies.models import Agency, AgencyKind, Role, User
from homeward.bulk import BulkRows
from homeward.children.models import Child, ChildName, Placement
from homeward.children.services import ChildIn, PlacementIn, children_write, placements_write
from homeward.episodes import clocks, timeline
from homeward.episodes.models import Episode as EpisodeRow
from homeward.episodes.models import (
    EpisodeUpdate,
    InterviewStatus,
    PoliceReference,
    ReturnInterviewCommission,
    UpdateKind,
)
from homeward.episodes.models import KindChange as KindChangeRow
from homeward.episodes.models import ReturnInterview as ReturnInterviewRow
from homeward.episodes.models import RiskGrading as RiskGradingRow
from homeward.episodes.services import EpisodeHistory, episodes_record
from homeward.places import postcodes
from homeward.places.models import District
from homeward.places.services import districts_by_code
from homeward.synth import generator
from homeward.synth.files import world_read
from homeward.synth.partners import partners_load

BATCH = 2000
EPISODE_CHUNK = 5000  # episodes built, inserted and audited at a time (bounds memory)

# The role of each kind of agency's service account (agencies.models.ROLES_BY_KIND).
SERVICE_ROLES = {
    AgencyKind.LOCAL_AUTHORITY: Role.MISSING_COORDINATOR,
    AgencyKind.POLICE: Role.POLICE_OFFICER,
    AgencyKind.PROVIDER: Role.PROVIDER_STAFF,
    AgencyKind.RHI: Role.RHI_WORKER,
}


def service_username(agency: Agency) -> str:
    """As agencies.services.service_account_get_or_create names the account, so both find the same one."""
    return f"svc-{agency.code.lower()}-{SERVICE_ROLES[agency.kind]}"


# ---------------------------------------------------------------------------------------------
# Geography, with the districts read once
# ---------------------------------------------------------------------------------------------


class _Places:
    """Postcodes placed in their districts, with the districts read once, not once per place."""

    def __init__(self) -> None:
        self.districts = districts_by_code()

    def place(self, raw: str) -> District | None:
        found = postcodes.lookup(raw)
        return self.districts.get(found.district_code) if found else None


# ---------------------------------------------------------------------------------------------
# The load
# ---------------------------------------------------------------------------------------------


def world_children_write(children: list[generator.Child], *, user, why: str) -> int:
    """The world's children through the bulk door for children (children.services.children_write),
    council by council: the same checks as the forms and the API, each child created audited. A
    child Homeward refuses is the generator's fault, and stops the load. Returns how many were new."""
    by_council: dict[str, list[ChildIn]] = defaultdict(list)
    for c in children:
        by_council[c.responsible_authority].append(
            ChildIn(
                la_child_id=c.la_child_id,
                date_of_birth=c.date_of_birth,
                sex=c.sex,
                ethnicity=c.ethnicity,
                upn=c.upn,
                nhs_number=c.nhs_number,
                first_name=c.first_name,
                last_name=c.last_name,
            )
        )
    councils = {a.code: a for a in Agency.objects.filter(code__in=by_council, kind=AgencyKind.LOCAL_AUTHORITY)}
    created = 0
    for code, rows in sorted(by_council.items()):
        written = children_write(user=user, why=why, council=councils[code], rows=rows)
        if written.rejected:
            index, error = written.rejected[0]
            raise ValueError(f"The synthetic world has a child Homeward refuses ({rows[index]}): {error.messages}")
        created += len(written.created)
    return created


def world_load(*, directory: Path, user=None, episodes: bool = True) -> dict[str, int]:
    """Load the world in `directory`; returns how many of each record were created. Without
    `episodes`, only what a council's case records hold (children, their names, placements): the
    episodes then come from the agencies' own files (synth.agency_files, `homeward import-903`)."""
    world = world_read(directory=directory)
    with transaction.atomic():
        councils = dict(Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY).values_list("code", "id"))
        unknown = sorted({c.responsible_authority for c in world.children} - councils.keys())
        if unknown:
            raise ValueError(f"Councils {', '.join(unknown[:5])} are not loaded: run `homeward load_reference` first.")
        council_ids = sorted({councils[c.responsible_authority] for c in world.children})

        # Providers: one Agency each, coded by URN.
        existing_codes = set(
            Agency.objects.filter(code__in=[p.urn for p in world.providers]).values_list("code", flat=True)
        )
        new_providers = [
            Agency(code=p.urn, kind=AgencyKind.PROVIDER, name=p.name[:200], postcode=p.postcode)
            for p in world.providers
            if p.urn not in existing_codes
        ]
        Agency.objects.bulk_create(new_providers, batch_size=BATCH)
        provider_ids = dict(Agency.objects.filter(code__in=[p.urn for p in world.providers]).values_list("code", "id"))

        # Children through their bulk door, then known by council and child id.
        def child_keys() -> dict[tuple[int, str], int]:
            rows = Child.objects.filter(responsible_authority_id__in=council_ids)
            return {
                (ra, child_id): pk
                for ra, child_id, pk in rows.values_list("responsible_authority_id", "la_child_id", "id")
            }

        children_created = world_children_write(world.children, user=user, why="synth load")
        known = child_keys()

        def child_id(record) -> int:
            return known[(councils[record.responsible_authority], record.la_child_id)]

        # Other names.
        existing_names = set(
            ChildName.objects.filter(child__responsible_authority_id__in=council_ids).values_list(
                "child_id", "kind", "first_name", "last_name"
            )
        )
        names = BulkRows(ChildName)
        for n in world.child_names:
            key = (child_id(n), n.kind, n.first_name, n.last_name)
            if key not in existing_names:
                existing_names.add(key)
                names.add(child_id=key[0], kind=n.kind, first_name=n.first_name, last_name=n.last_name)
        names.flush()

        # Placements through the one door for placements: the same checks and the same event (the host
        # council and the force of the area told) as a placement a person records.
        places = _Places()
        existing_placements = set(
            Placement.objects.filter(child__responsible_authority_id__in=council_ids).values_list(
                "child_id", "start_date"
            )
        )
        rows = []
        for p in world.placements:
            key = (child_id(p), p.start_date)
            if key in existing_placements:
                continue
            existing_placements.add(key)
            rows.append(
                PlacementIn(
                    child_id=key[0],
                    start_date=p.start_date,
                    end_date=p.end_date,
                    placement_type=p.placement_type,
                    provider_type=p.provider_type,
                    provider_id=provider_ids.get(p.urn) if p.urn else None,
                    urn=p.urn,
                    placement_postcode=p.placement_postcode,
                    home_postcode=p.home_postcode,
                )
            )
        written = placements_write(user=user, why="synth load", rows=rows, districts=places.districts)
        if written.rejected:
            index, error = written.rejected[0]
            raise ValueError(f"The synthetic world has a placement Homeward refuses ({rows[index]}): {error.messages}")

        counts = (
            _EpisodeLoader(world, places=places, child_id=child_id, user=user).load(council_ids) if episodes else {}
        )
        # Health and education beside the councils (issue 18): ICBs, virtual schools, schools' rolls.
        counts |= partners_load(world=world, user=user)
    if connection.vendor == "postgresql" and (children_created or any(counts.values())):
        # Fresh statistics for the planner: until autovacuum gets round to a table a bulk load has
        # grown tenfold, PostgreSQL plans the board's queries for the empty table (ten times slower).
        with connection.cursor() as cursor:
            for model in (Child, ChildName, Placement, *_EPISODE_MODELS):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return {
        "providers": len(new_providers),
        "children": children_created,
        "child_names": names.count,
        "placements": len(written.created),
        **counts,
    }


# ---------------------------------------------------------------------------------------------
# Episodes
# ---------------------------------------------------------------------------------------------


_EPISODE_MODELS = (EpisodeRow, PoliceReference, RiskGradingRow, KindChangeRow, ReturnInterviewRow, EpisodeUpdate)


class _EpisodeLoader:
    def __init__(self, world: generator.World, *, places: _Places, child_id, user) -> None:
        self.world, self.places, self.child_id, self.user = world, places, child_id, user

    # Agencies and the accounts that act for them

    def _agencies(self) -> dict[str, Agency]:
        world = self.world
        # Each council's return interview service: the world names it RHI-<council code>.
        services = {i.service for i in world.return_interviews}
        names = dict(
            Agency.objects.filter(code__in=[code.removeprefix("RHI-") for code in services]).values_list("code", "name")
        )
        existing = dict(Agency.objects.filter(code__in=services).values_list("code", "kind"))
        wrong = sorted(code for code, kind in existing.items() if kind != AgencyKind.RHI)
        if wrong:
            raise ValueError(f"Agency {wrong[0]} is not a return interview service; ask an administrator.")
        Agency.objects.bulk_create(
            [
                Agency(
                    code=code, kind=AgencyKind.RHI, name=f"{names[code.removeprefix('RHI-')]} return interview service"
                )
                for code in sorted(services - existing.keys())
            ],
            batch_size=BATCH,
        )
        # Each council's commission of its service, recorded as its administrator would: the services
        # read only that (episodes.services.return_interview_service_for), never the service's code.
        commissioned = {i.responsible_authority: i.service for i in world.return_interviews}
        by_code = Agency.objects.in_bulk([*commissioned, *commissioned.values()], field_name="code")
        recorded = set(
            ReturnInterviewCommission.objects.filter(council__code__in=commissioned).values_list(
                "council__code", flat=True
            )
        )
        ReturnInterviewCommission.objects.bulk_create(
            [
                ReturnInterviewCommission(council=by_code[council], service=by_code[service])
                for council, service in sorted(commissioned.items())
                if council not in recorded
            ],
            batch_size=BATCH,
        )
        codes = services | {e.reporting_agency for e in world.episodes} | {e.police_force for e in world.episodes}
        codes |= {e.return_recorded_by for e in world.episodes} | {e.closed_by for e in world.episodes}
        codes |= {g.force for g in world.risk_gradings} | {c.agency for c in world.kind_changes}
        codes |= {n.agency for n in world.episode_notes}
        codes.discard("")
        agencies = {a.code: a for a in Agency.objects.filter(code__in=codes)}
        missing = sorted(codes - agencies.keys())
        if missing:
            raise ValueError(f"Agencies {', '.join(missing[:5])} are not loaded: run `homeward load_reference` first.")
        return agencies

    def _accounts(self, agencies: dict[str, Agency]) -> dict[str, User]:
        """One service account per agency (agencies.services.service_account_get_or_create's), made in bulk."""
        wanted = {service_username(agency): agency for agency in agencies.values()}
        existing = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
        User.objects.bulk_create(
            [
                User(
                    username=name,
                    agency=agency,
                    role=SERVICE_ROLES[agency.kind],
                    is_service_account=True,
                    password=make_password(None),
                )  # unusable: service accounts never sign in to the UI
                for name, agency in sorted(wanted.items())
                if name not in existing
            ],
            batch_size=BATCH,
        )
        users = {u.username: u for u in User.objects.filter(username__in=wanted)}
        for name, agency in wanted.items():
            users[name].agency = agency  # so each update's agency and text need no further query
        return {agency.code: users[name] for name, agency in wanted.items()}

    # The load

    def load(self, council_ids: list[int]) -> dict[str, int]:
        world = self.world
        counts = dict.fromkeys(("episodes", "episode_updates", "risk_gradings", "return_interviews"), 0)
        existing = set(
            EpisodeRow.objects.filter(child__responsible_authority_id__in=council_ids).values_list(
                "child_id", "started_at"
            )
        )
        new = [e for e in world.episodes if (self.child_id(e), e.started_at) not in existing]
        if not new:
            return counts
        self.agencies = self._agencies()
        self.accounts = self._accounts(self.agencies)
        self.gradings, self.changes, self.notes = defaultdict(list), defaultdict(list), defaultdict(list)
        for records, into in (
            (world.risk_gradings, self.gradings),
            (world.kind_changes, self.changes),
            (world.episode_notes, self.notes),
        ):
            for record in records:
                into[(record.responsible_authority, record.la_child_id, record.started_at)].append(record)
        self.interviews = {(i.responsible_authority, i.la_child_id, i.started_at): i for i in world.return_interviews}
        self.still_open = self._still_open(world.episodes)
        self.written: Counter = Counter()
        for start in range(0, len(new), EPISODE_CHUNK):
            self._chunk(new[start : start + EPISODE_CHUNK])
        self._link_still_open({(self.child_id(e), e.started_at) for e in new})
        return {
            "episodes": self.written[EpisodeRow],
            "episode_updates": self.written[EpisodeUpdate],
            "risk_gradings": self.written[RiskGradingRow],
            "return_interviews": self.written[ReturnInterviewRow],
        }

    def _still_open(self, episodes: list[generator.Episode]) -> dict[tuple, list[generator.ReturnInterview]]:
        """For each episode, the child's earlier interviews still open when it was reported (neither
        held nor declined by then), each linked to the first such episode only: what episode_open
        finds and links when the child goes missing again before an interview is held."""
        by_child: dict[tuple, list[generator.Episode]] = defaultdict(list)
        for e in episodes:
            by_child[(e.responsible_authority, e.la_child_id)].append(e)
        found: dict[tuple, list[generator.ReturnInterview]] = {}
        for child_episodes in by_child.values():
            pending: list[tuple[generator.ReturnInterview, datetime.datetime]] = []  # with its episode's return
            for e in sorted(child_episodes, key=lambda e: e.started_at):
                now = [
                    i
                    for i, back in pending
                    if back <= e.reported_at and (i.closed_at is None or i.closed_at > e.reported_at)
                ]
                if now:
                    found[(e.responsible_authority, e.la_child_id, e.started_at)] = sorted(
                        now, key=lambda i: i.started_at
                    )
                # Linked once; one closed before this report can never be linked to a later one.
                pending = [(i, back) for i, back in pending if i not in now and back > e.reported_at]
                interview = self.interviews.get((e.responsible_authority, e.la_child_id, e.started_at))
                if interview is not None:
                    pending.append((interview, e.returned_at))
        return found

    def _link_still_open(self, loaded: set[tuple[int, datetime.datetime]]) -> None:
        """Set missing_again_episode on the interviews _still_open found, once both rows exist."""
        links = []  # (child, the interview's episode start, the later episode's start)
        for e in self.world.episodes:
            child = self.child_id(e)
            if (child, e.started_at) in loaded:
                key = (e.responsible_authority, e.la_child_id, e.started_at)
                links += [(child, i.started_at, e.started_at) for i in self.still_open.get(key, ())]
        if not links:
            return
        ids = {
            (child, started): pk
            for child, started, pk in EpisodeRow.objects.filter(
                child_id__in={child for child, _, _ in links}
            ).values_list("child_id", "started_at", "id")
        }
        pairs = [(ids[(child, earlier)], ids[(child, later)]) for child, earlier, later in links]
        for start in range(0, len(pairs), 500):
            batch = pairs[start : start + 500]
            ReturnInterviewRow.objects.filter(episode_id__in=[earlier for earlier, _ in batch]).update(
                missing_again_episode_id=Case(
                    *(When(episode_id=earlier, then=Value(later)) for earlier, later in batch)
                ),
            )

    def _force_id(self, postcode: str) -> int | None:
        place = self.places.place(postcode) if postcode else None
        return place.police_force_id if place else None

    def _chunk(self, chunk: list[generator.Episode]) -> None:
        accounts, agencies, histories = self.accounts, self.agencies, []
        for e in chunk:
            key = (e.responsible_authority, e.la_child_id, e.started_at)
            gradings = self.gradings.get(key, ())
            last = max(gradings, key=lambda g: g.graded_at) if gradings else None
            # Where the child is last known to be: the place last seen, then each sighting's; its
            # force leads the search (episodes.services.episode_add_update), else the placement's.
            location, postcode = e.last_seen_location, e.last_seen_postcode
            force = self._force_id(postcode)
            for note in sorted(self.notes.get(key, ()), key=lambda n: n.at):
                if note.kind == UpdateKind.SIGHTING:
                    location, postcode = note.location, note.postcode
                    force = self._force_id(note.postcode) or force
            episode = {
                "child_id": self.child_id(e),
                "kind": e.kind,
                "left_at": None,
                "last_seen_at": e.started_at,
                "started_at": e.started_at,
                "reported_at": e.reported_at,
                "reported_by_id": accounts[e.reporting_agency].pk,
                "reporting_agency_id": agencies[e.reporting_agency].pk,
                "last_seen_location": e.last_seen_location,
                "last_seen_postcode": e.last_seen_postcode,
                "clothing": e.clothing,
                "circumstances": e.circumstances,
                "out_of_character": e.out_of_character,
                "last_known_location": location,
                "last_known_postcode": postcode,
                "location_police_force_id": force,
                "risk_grade": last.grade if last else "",
                "risk_graded_at": last.graded_at if last else None,
                "returned_at": e.returned_at,
                "return_how": e.return_how,
                "found_by": e.found_by,
                "return_place": e.return_place,
                "return_postcode": e.return_postcode,
                "safe_and_well_at": e.safe_and_well_at,
                "safe_and_well_by_id": accounts[e.police_force].pk if e.safe_and_well_at else None,
                "closed_at": e.closed_at,
            }
            histories.append(EpisodeHistory(episode=episode, rows=self._history(e)))
        episodes_record(user=self.user, why="synth load", histories=histories)
        self.written[EpisodeRow] += len(histories)
        for history in histories:
            self.written.update(model for model, _ in history.rows)

    def _history(self, e: generator.Episode) -> list[tuple[type, dict]]:
        """Everything the services write after the episode row itself, and the timeline's entry for
        each step, as (model, values) without the episode (episodes.services.EpisodeHistory)."""
        accounts, rows = self.accounts, []
        key = (e.responsible_authority, e.la_child_id, e.started_at)
        steps: list[tuple] = []

        def log(
            user: User, kind: str, at: datetime.datetime, text: str, location: str = "", postcode: str = "", detail=None
        ) -> None:
            # Sorted by time once all are made; at equal times in the order the services write them.
            steps.append((at, len(steps), user, kind, text, location, postcode, detail or {}))

        changes = self.changes.get(key, ())
        first_kind = changes[0].from_kind if changes else e.kind
        # episode_open
        reporter = accounts[e.reporting_agency]
        reported = timeline.reported(
            kind=first_kind,
            agency_name=reporter.agency.name,
            last_seen_at=e.started_at,
            interviews_still_open=[earlier.started_at for earlier in self.still_open.get(key, ())],
        )
        log(
            reporter,
            UpdateKind.REPORTED,
            e.reported_at,
            reported,
            e.last_seen_location,
            e.last_seen_postcode,
            {"kind": first_kind},
        )
        # episode_kind_change
        for change in changes:
            by = accounts[change.agency]
            rows.append(
                (
                    KindChangeRow,
                    dict(at=change.at, from_kind=change.from_kind, to_kind=change.to_kind, by_id=by.pk),
                )
            )
            log(
                by,
                UpdateKind.KIND_CHANGE,
                change.at,
                timeline.kind_changed(to_kind=change.to_kind, from_kind=change.from_kind),
                detail={"from": change.from_kind, "to": change.to_kind},
            )
        # episode_add_police_reference
        if e.police_reference:
            police = accounts[e.police_force]
            rows.append(
                (
                    PoliceReference,
                    dict(force_id=police.agency.pk, reference=e.police_reference, added_by_id=police.pk),
                )
            )
            log(
                police,
                UpdateKind.POLICE_REFERENCE,
                e.police_reported_at,
                timeline.police_reference(agency_name=police.agency.name, reference=e.police_reference),
                detail={"reference": e.police_reference},
            )
        # episode_grade_risk
        previous = ""
        for grading in self.gradings.get(key, ()):
            by = accounts[grading.force]
            rows.append(
                (
                    RiskGradingRow,
                    dict(
                        grade=grading.grade,
                        graded_at=grading.graded_at,
                        graded_by_id=by.pk,
                        agency_id=by.agency.pk,
                        source=grading.source,
                        rationale=grading.rationale,
                    ),
                )
            )
            log(
                by,
                UpdateKind.RISK_GRADE,
                grading.graded_at,
                timeline.risk_graded(
                    grade=grading.grade, previous=previous, source=grading.source, rationale=grading.rationale
                ),
                detail={"grade": grading.grade, "previous": previous},
            )
            previous = grading.grade
        # episode_add_update
        for note in self.notes.get(key, ()):
            log(accounts[note.agency], note.kind, note.at, note.text, note.location, note.postcode)
        if e.returned_at is not None:
            # episode_record_return, and the interview it assigns
            recorder = accounts[e.return_recorded_by]
            log(
                recorder,
                UpdateKind.RETURN,
                e.returned_at,
                timeline.returned(at=e.returned_at, how=e.return_how, found_by=e.found_by),
                e.return_place,
                e.return_postcode,
                {"how": e.return_how},
            )
            interview = self.interviews.get(key)
            if interview is not None:
                rows.append(self._interview(interview, e.returned_at, recorder, log))
            # episode_record_safe_and_well, episode_close
            if e.safe_and_well_at is not None:
                log(accounts[e.police_force], UpdateKind.SAFE_AND_WELL, e.safe_and_well_at, timeline.safe_and_well())
            if e.closed_at is not None:
                closer = accounts[e.closed_by]
                log(closer, UpdateKind.CLOSED, e.closed_at, timeline.closed(agency_name=closer.agency.name))
        steps.sort(key=lambda step: step[:2])
        for at, _, user, kind, text, location, postcode, detail in steps:
            rows.append(
                (
                    EpisodeUpdate,
                    dict(
                        kind=kind,
                        at=at,
                        by_id=user.pk,
                        agency_id=user.agency.pk,
                        text=text,
                        location=location,
                        postcode=postcode,
                        detail=detail,
                    ),
                )
            )
        return rows

    def _interview(
        self, interview: generator.ReturnInterview, returned_at: datetime.datetime, recorder: User, log
    ) -> tuple[type, dict]:
        service = self.accounts[interview.service]
        due = clocks.return_interview_due(returned_at)
        completed = interview.status == InterviewStatus.COMPLETED
        row = dict(
            service_id=service.agency.pk,
            assigned_at=interview.assigned_at,
            due_at=due,
            status=interview.status,
            offered_at=interview.offered_at,
            accepted_at=interview.accepted_at,
            held_at=interview.held_at,
            closed_at=interview.closed_at,
            why_went=interview.why_went,
            where_and_with_whom=interview.where_and_with_whom,
            harm_suffered=interview.harm_suffered,
            exploitation_indicators=interview.exploitation_indicators.split(),
            what_would_help=interview.what_would_help,
            declined_reason=interview.declined_reason,
            recorded_by_id=service.pk if completed else None,
        )
        log(
            recorder,
            UpdateKind.INTERVIEW,
            interview.assigned_at,
            timeline.interview_assigned(service_name=service.agency.name, due_at=due),
            detail={"status": InterviewStatus.ASSIGNED.value, "service": service.agency.code},
        )
        # return_interview_update: one entry for each change of status, at the time it happened.
        steps = [(InterviewStatus.OFFERED, interview.offered_at), (InterviewStatus.ACCEPTED, interview.accepted_at)]
        if completed:
            steps.append((InterviewStatus.COMPLETED, interview.held_at))
        elif interview.status == InterviewStatus.DECLINED:
            steps.append((InterviewStatus.DECLINED, interview.closed_at))
        for status, at in steps:
            if at is None:
                continue
            text = timeline.interview_status(
                status=status,
                held_in_time=interview.held_at is not None and interview.held_at <= due,
                declined_reason=interview.declined_reason,
            )
            log(
                service, UpdateKind.INTERVIEW, at, text, detail={"status": status.value, "service": service.agency.code}
            )
        return ReturnInterviewRow, row
