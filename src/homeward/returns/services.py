"""Bringing each agency's own records in: a council's SSDA903 files and a force's police reports.

Guarantees (issue 5, item 3), and how they are kept:
- Idempotent. Every write is keyed on a natural key (child: council + CHILD; placement: child +
  DECOM; SSDA903 Missing row and its episode: council + CHILD + MIS_START; police report: force +
  reference). A row equal to what is stored changes nothing and is not audited ("unchanged"); a
  row with the same key and a changed field updates in place ("updated", one audit entry).
- Nothing lost. Rows are checked first (ssda903.py, police.py); each rejected row is written to a
  rejects CSV with its file, line, field and reason, and the other rows go on.
- Crash-safe. Rows are written in batches, each batch with its audit entries and its run's counts
  in one transaction. A kill loses at most the batch in hand; running the same import again finds
  the committed batches unchanged and writes the rest, ending exactly where one clean run ends.

Imports run as the agency's service account (agencies.services.service_account_get_or_create):
a council's missing-children coordinator, a force's missing-persons coordinator. The import only
records what the agency sent: it never reports, grades or links on its own (record linkage and
episode reconciliation do that, from these records).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from homeward import dates
from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.agencies.services import service_account_get_or_create
from homeward.audit.models import Action
from homeward.audit.services import audit_record_many
from homeward.children.models import Child, Placement
from homeward.children.services import ChildIn, PlacementIn, children_write, placements_write
from homeward.episodes import ssda903_periods
from homeward.episodes.models import Episode, EpisodeUpdate, Kind, UpdateKind
from homeward.episodes.services import EpisodeHistory, care_problem, episodes_record
from homeward.places.services import districts_by_code
from homeward.returns import police, signals, ssda903
from homeward.returns.files import (
    ImportFileError,
    Reject,
    batched,
    local_midnight,
    pause,
    read_csv,
    read_json_array,
    row_delay,
    sha256_of,
    write_rejects,
)
from homeward.returns.models import CouncilEpisodeRecord, CouncilMissingRecord, ImportRun, PoliceReport

BATCH = 500  # rows per transaction: a kill loses at most this many, and the re-run redoes them
KIND_FOR_CODE = {"M": Kind.MISSING, "A": Kind.AWAY}  # SSDA903 MISSING -> episode kind


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def add(self, other: "Tally") -> None:
        for name in ("created", "updated", "unchanged", "rejected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ImportResult:
    runs: list[ImportRun]
    rejects_path: Path
    rejects: list[Reject] = field(default_factory=list)
    # What makes the import incomplete as a whole: a table not sent, a table of which no row could be
    # taken. The command exits non-zero on any.
    problems: list[str] = field(default_factory=list)
    # SSDA903 Missing rows imported before that a re-sent return for their year no longer holds.
    withdrawn: list[CouncilMissingRecord] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Runs, counts and audit
# ---------------------------------------------------------------------------------------------


def _run_start(*, kind: str, agency: Agency, user, path: Path, rejected: int = 0) -> ImportRun:
    return ImportRun.objects.create(
        kind=kind, agency=agency, run_by=user, file_name=str(path)[-255:], sha256=sha256_of(path), rejected=rejected
    )


def _run_count(run: ImportRun | None, tally: Tally) -> None:
    """Add a batch's counts to its run, in the batch's transaction (a killed run shows what it committed)."""
    if run is None:
        return
    ImportRun.objects.filter(pk=run.pk).update(
        created=F("created") + tally.created,
        updated=F("updated") + tally.updated,
        unchanged=F("unchanged") + tally.unchanged,
        rejected=F("rejected") + tally.rejected,
    )


def _run_finish(run: ImportRun, status: str, **detail) -> ImportRun:
    with transaction.atomic():
        ImportRun.objects.filter(pk=run.pk).update(
            status=status, finished_at=timezone.now(), detail={**run.detail, **detail}
        )
        run.refresh_from_db()
        if status == ImportRun.Status.FINISHED:
            signals.records_arrived.send(
                sender=ImportRun, kind=run.kind, agency=run.agency, created=run.created, updated=run.updated
            )
    return run


def _audit(user, why: str, action: str, object_type: str, items: Iterable[tuple[object, int | None]]) -> None:
    items = list(items)
    if items:
        audit_record_many(user=user, action=action, object_type=object_type, why=why, items=items)


def _differs(instance, values: Mapping) -> bool:
    return any(getattr(instance, name) != value for name, value in values.items())


def _assign(instance, values: Mapping) -> None:
    for name, value in values.items():
        setattr(instance, name, value)


# ---------------------------------------------------------------------------------------------
# SSDA903
# ---------------------------------------------------------------------------------------------


def ssda903_import(
    *, la: Agency, directory: Path, rejects_path: Path | None = None, today: datetime.date | None = None
) -> ImportResult:
    """Import one council's SSDA903 files from `directory` (header.csv required; episodes.csv and
    missing.csv when present). Rejects go to `rejects_path` (default: DIR/rejects.csv)."""
    if la.kind != AgencyKind.LOCAL_AUTHORITY:
        raise ImportFileError(f"{la.code} is not a local authority: only a council sends an SSDA903 return.")
    directory = Path(directory)
    rejects_path = Path(rejects_path) if rejects_path else directory / "rejects.csv"
    if not directory.is_dir():
        raise ImportFileError(f"{directory} is not a folder: give the folder that holds the council's SSDA903 files.")
    if ssda903.HEADER not in ssda903.table_files(directory, ignore={rejects_path})[0]:
        raise ImportFileError(
            f"{directory / ssda903.HEADER} not found: the Header is needed to import any SSDA903 file."
        )
    user = service_account_get_or_create(agency=la, role=Role.MISSING_COORDINATOR)
    file_set = ssda903.read_file_set(directory, today=today, ignore={rejects_path})
    rejects = list(file_set.rejects) + [
        Reject(name, None, "", f"Not an SSDA903 table ({', '.join(ssda903.COLUMNS)}): not read.")
        for name in file_set.unknown
    ]
    runs = {
        name: _run_start(
            kind=ImportRun.Kind.SSDA903,
            agency=la,
            user=user,
            path=file_set.paths[name],
            rejected=file_set.rejected_rows(name),
        )
        for name in (ssda903.HEADER, ssda903.EPISODES, ssda903.MISSING)
        if file_set.present[name]
    }
    delay = row_delay()
    why = {name: f"import-903 {file_set.paths[name]}" for name in runs}
    withdrawn: list[CouncilMissingRecord] = []
    status = ImportRun.Status.FAILED
    try:
        _children_write(
            la=la, user=user, why=why[ssda903.HEADER], rows=file_set.children, run=runs[ssda903.HEADER], delay=delay
        )
        if ssda903.EPISODES in runs:
            rejects += _placements_write(
                la=la,
                user=user,
                why=why[ssda903.EPISODES],
                rows=file_set.placements,
                run=runs[ssda903.EPISODES],
                delay=delay,
            )
        if ssda903.MISSING in runs:
            rejects += _missing_write(
                la=la,
                user=user,
                why=why[ssda903.MISSING],
                rows=file_set.missing,
                run=runs[ssda903.MISSING],
                delay=delay,
            )
            withdrawn = _missing_withdrawn(la=la, user=user, why=why[ssda903.MISSING], file_set=file_set)
        status = ImportRun.Status.FINISHED
    finally:
        write_rejects(rejects_path, rejects)
        for name, run in runs.items():
            detail = {"withdrawn": len(withdrawn)} if name == ssda903.MISSING else {}
            runs[name] = _run_finish(run, status, rejects_file=str(rejects_path), **detail)
    problems = [
        f"{name}: not found; the return is incomplete without it."
        for name in ssda903.COLUMNS
        if not file_set.present[name]
    ]
    problems += [
        f"{file_set.paths[name].name}: every one of its {file_set.rows[name]} rows was rejected."
        for name, run in runs.items()
        if file_set.rows[name] and run.rejected >= file_set.rows[name]
    ]
    return ImportResult(
        runs=list(runs.values()), rejects_path=rejects_path, rejects=rejects, problems=problems, withdrawn=withdrawn
    )


def _children_write(*, la: Agency, user, why: str, rows: list[ssda903.HeaderRow], run: ImportRun, delay: float) -> None:
    # Names are not in the SSDA903: a child new to Homeward gets blank names, and a child already
    # known keeps the names (and NHS number, other names) its council recorded here.
    for batch in batched(rows, BATCH):
        with transaction.atomic():
            for _ in batch:
                pause(delay)
            written = children_write(
                user=user,
                why=why,
                council=la,
                rows=[
                    ChildIn(
                        la_child_id=row.child,
                        date_of_birth=row.date_of_birth,
                        sex=row.sex,
                        ethnicity=row.ethnicity,
                        upn=row.upn,
                    )
                    for row in batch
                ],
            )
            if written.rejected:  # the Header's rows were checked by the same validators as they were read
                index, error = written.rejected[0]
                raise ValueError(f"A checked Header row was refused ({batch[index]}): {error.messages}")
            _run_count(
                run, Tally(created=len(written.created), updated=len(written.updated), unchanged=written.unchanged)
            )


def _placements_write(
    *, la: Agency, user, why: str, rows: list[ssda903.PlacementRow], run: ImportRun, delay: float
) -> list[Reject]:
    """Through children.services.placements_write, the one door for placements: the same checks,
    and the host council and the force of the area told of each new one, as when a person records it."""
    child_ids = dict(Child.objects.filter(responsible_authority=la).values_list("la_child_id", "pk"))
    urns = sorted({r.urn for r in rows if r.urn})
    providers = (
        dict(Agency.objects.filter(kind=AgencyKind.PROVIDER, code__in=urns).values_list("code", "pk")) if urns else {}
    )
    districts = districts_by_code()
    rejects: list[Reject] = []
    for batch in batched(rows, BATCH):
        for _ in batch:
            pause(delay)
        with transaction.atomic():
            written = placements_write(
                user=user,
                why=why,
                districts=districts,
                rows=[
                    PlacementIn(
                        child_id=child_ids[r.child],
                        start_date=r.start_date,
                        end_date=r.end_date,
                        placement_type=r.placement_type,
                        provider_type=r.provider_type,
                        urn=r.urn,
                        provider_id=providers.get(r.urn),
                        placement_postcode=r.placement_postcode,
                        home_postcode=r.home_postcode,
                    )
                    for r in batch
                ],
            )
            for index, error in written.rejected:
                for name, messages in error.message_dict.items():
                    rejects.append(Reject(ssda903.EPISODES, batch[index].line, name, " ".join(messages)))
            refused = {index for index, _ in written.rejected}
            _episode_records_write(
                la=la,
                user=user,
                why=why,
                run=run,
                child_ids=child_ids,
                rows=[r for index, r in enumerate(batch) if index not in refused],
            )
            _run_count(
                run,
                Tally(
                    created=len(written.created),
                    updated=len(written.updated),
                    unchanged=written.unchanged,
                    rejected=len(written.rejected),
                ),
            )
    return rejects


def _episode_records_write(
    *, la: Agency, user, why: str, run: ImportRun, child_ids: dict[str, int], rows: list[ssda903.PlacementRow]
) -> None:
    """Keep each Episodes row as the council sent it (its RNE, LS, CIN, REC, REASON_PLACE_CHANGE have
    no place on a placement), keyed on council + CHILD + DECOM; a row unchanged is left alone."""
    existing = {
        (r.child_code, r.decom): r
        for r in CouncilEpisodeRecord.objects.filter(la=la, child_code__in={r.child for r in rows})
    }
    new, changed, now = [], [], timezone.now()
    for row in rows:
        record = existing.get((row.child, row.start_date))
        if record is None:
            new.append(
                CouncilEpisodeRecord(
                    la=la,
                    child_code=row.child,
                    child_id=child_ids[row.child],
                    decom=row.start_date,
                    raw=row.raw,
                    import_run=run,
                    line_number=row.line,
                )
            )
        elif record.raw != row.raw:
            record.raw, record.import_run, record.line_number, record.updated_at = row.raw, run, row.line, now
            changed.append(record)
    CouncilEpisodeRecord.objects.bulk_create(new)
    CouncilEpisodeRecord.objects.bulk_update(changed, ["raw", "import_run", "line_number", "updated_at"])
    made = CouncilEpisodeRecord.objects.filter(la=la, child_code__in=[r.child_code for r in new]).order_by("pk")
    keys = {(r.child_code, r.decom) for r in new}
    _audit(
        user,
        why,
        Action.CREATE,
        "council_episode_record",
        [
            (pk, child)
            for pk, code, decom, child in made.values_list("pk", "child_code", "decom", "child_id")
            if (code, decom) in keys
        ],
    )
    _audit(user, why, Action.UPDATE, "council_episode_record", [(r.pk, r.child_id) for r in changed])


def _missing_withdrawn(*, la: Agency, user, why: str, file_set: ssda903.FileSet) -> list[CouncilMissingRecord]:
    """The rows imported before for the collection year this Missing file covers (the year of its
    latest MIS_START) that it no longer holds: marked withdrawn, audited, and returned to be
    reported. Rows it holds again are unmarked by _missing_write."""
    if not file_set.missing_keys:
        return []
    latest = max(start for _, start in file_set.missing_keys)
    last = datetime.date(latest.year if (latest.month, latest.day) <= (3, 31) else latest.year + 1, 3, 31)
    first = datetime.date(last.year - 1, 4, 1)
    with transaction.atomic():
        gone = [
            r
            for r in CouncilMissingRecord.objects.select_for_update()
            .filter(la=la, mis_start__gte=first, mis_start__lte=last, withdrawn_at__isnull=True)
            .order_by("child_code", "mis_start")
            if (r.child_code, r.mis_start) not in file_set.missing_keys
        ]
        now = timezone.now()
        for record in gone:
            record.withdrawn_at = record.updated_at = now
        CouncilMissingRecord.objects.bulk_update(gone, ["withdrawn_at", "updated_at"])
        _audit(user, why, Action.UPDATE, "council_missing_record", [(r.pk, r.child_id) for r in gone])
    return gone


def _client_reference(row: ssda903.MissingRow) -> str:
    # The episode's natural key (council + CHILD + MIS_START) as the council's own reference for it:
    # Episode's unique (reporting_agency, client_reference) then guards it in the database too.
    return f"ssda903:{row.child}:{row.mis_start.isoformat()}"


def _when(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _missing_write(
    *, la: Agency, user, why: str, rows: list[ssda903.MissingRow], run: ImportRun, delay: float
) -> list[Reject]:
    """Each Missing row becomes a CouncilMissingRecord and, through it, an episode: one the import
    makes, or the one episode already in Homeward that its period overlaps (SSDA903 rule 574: periods
    never overlap, so it is the same absence). An overlap with several is left for reconciliation.

    A corrected row changes only what the import itself set: a return or a kind recorded in
    Homeward since (with its exact time) is left as it is.
    """
    rejects: list[Reject] = []
    file_name = ssda903.MISSING
    child_ids = dict(Child.objects.filter(responsible_authority=la).values_list("la_child_id", "pk"))
    for batch in batched(rows, BATCH):
        with transaction.atomic():
            ids = sorted({child_ids[r.child] for r in batch})
            records = {
                (r.child_code, r.mis_start): r
                for r in CouncilMissingRecord.objects.filter(la=la, child_id__in=ids).select_related("episode")
            }
            imported = {r.episode_id: r for r in records.values() if r.episode_id is not None}
            episodes: dict[int, list[Episode]] = defaultdict(list)
            # Locked, so an episode written through the UI meanwhile waits for this batch.
            for episode in Episode.objects.select_for_update().filter(child_id__in=ids).order_by("started_at", "pk"):
                episodes[episode.child_id].append(episode)
            spans: dict[int, list[tuple[datetime.date, datetime.date | None]]] = defaultdict(list)
            # A return holds only its year's placements: where the council coded the earliest one held
            # as following another (RNE not S), the child's care began before it (as returns.checks reads it).
            continuing = set(
                CouncilEpisodeRecord.objects.filter(la=la, child_id__in=ids)
                .exclude(raw__RNE="S")
                .values_list("child_id", "decom")
            )
            for child_id, start, end in (
                Placement.objects.filter(child_id__in=ids)
                .order_by("start_date")
                .values_list("child_id", "start_date", "end_date")
            ):
                earliest = not spans[child_id]
                spans[child_id].append(
                    (datetime.date.min if earliest and (child_id, start) in continuing else start, end)
                )

            new_records: list[CouncilMissingRecord] = []
            new_episodes: dict[str, dict] = {}  # each new episode's values, by client reference
            changed_records: list[CouncilMissingRecord] = []
            changed_episodes: list[Episode] = []
            tally, now = Tally(), timezone.now()
            for row in batch:
                pause(delay)
                child_id = child_ids[row.child]
                start = local_midnight(row.mis_start)  # the SSDA903 carries dates only
                end = local_midnight(row.mis_end) if row.mis_end else None
                kind = KIND_FOR_CODE[row.missing]
                reference = _client_reference(row)
                record = records.get((row.child, row.mis_start))

                if record is None:
                    # The same rule as an episode reported in Homeward (episodes.services.episode_open).
                    outside = care_problem(spans[child_id], row.mis_start)
                    if outside:
                        rejects.append(Reject(file_name, row.line, "MIS_START", outside))
                        tally.rejected += 1
                        continue
                    episode = next(
                        (
                            e
                            for e in episodes[child_id]
                            if e.reporting_agency_id == la.pk and e.client_reference == reference
                        ),
                        None,
                    )
                    same_day = [
                        e
                        for e in episodes[child_id]
                        if timezone.localtime(e.started_at).date() == row.mis_start and e.pk not in imported
                    ]
                    if episode is None and len(same_day) == 1:
                        # The return carries dates only: the one episode that began that day is this
                        # period, however its hours fall against midnight.
                        episode = same_day[0]
                    if episode is None:
                        overlapping = [
                            e
                            for e in episodes[child_id]
                            if ssda903_periods.overlaps(e.started_at, e.returned_at, start, end)
                        ]
                        earlier = next((imported[e.pk] for e in overlapping if e.pk in imported), None)
                        if earlier is not None:
                            rejects.append(
                                Reject(
                                    file_name,
                                    row.line,
                                    "MIS_START",
                                    (
                                        f"DfE rule 574: the period overlaps the one from {_when(earlier.mis_start)} imported "
                                        f"before (line {earlier.line_number} of an earlier {file_name})."
                                    ),
                                )
                            )
                            tally.rejected += 1
                            continue
                        if len(overlapping) == 1:
                            episode = overlapping[0]
                        elif not overlapping:
                            new_episodes[reference] = {
                                "child_id": child_id,
                                "kind": kind,
                                "started_at": start,
                                "reported_at": start,
                                "returned_at": end,
                                "reported_by_id": user.pk,
                                "reporting_agency_id": la.pk,
                                "client_reference": reference,
                            }
                    new_records.append(
                        CouncilMissingRecord(
                            la=la,
                            child_code=row.child,
                            child_id=child_id,
                            missing=row.missing,
                            mis_start=row.mis_start,
                            mis_end=row.mis_end,
                            raw=row.raw,
                            import_run=run,
                            line_number=row.line,
                            episode=episode,
                        )
                    )
                    continue

                if record.raw == row.raw and record.withdrawn_at is None:
                    tally.unchanged += 1
                    continue

                # A corrected row: the same child and start, something else changed.
                # The batch's own copy of the episode (locked above), so that the rows after this one
                # are checked against its corrected end: a period carried over from last year's return
                # open, and closed in this year's, before this year's later periods.
                episode = next((e for e in episodes[child_id] if e.pk == record.episode_id), record.episode)
                own = (
                    episode is not None
                    and episode.reporting_agency_id == la.pk
                    and episode.client_reference == reference
                )
                if own:
                    updates = {}
                    if episode.kind == KIND_FOR_CODE[record.missing] and kind != episode.kind:
                        updates["kind"] = kind
                    old_end = local_midnight(record.mis_end) if record.mis_end else None
                    # An end Homeward gave the period itself when care ended (episodes_end_with_care)
                    # yields to the council's own date of return, as the import's own end does.
                    care_end = (
                        episode.returned_at is not None
                        and end is not None
                        and EpisodeUpdate.objects.filter(
                            episode=episode,
                            kind=UpdateKind.NOTE,
                            detail__care_ended=timezone.localtime(episode.returned_at).date().isoformat(),
                        ).exists()
                    )
                    if (episode.returned_at == old_end or care_end) and end != episode.returned_at:
                        updates["returned_at"] = end
                    if "returned_at" in updates:
                        problem = _return_change_problem(episode, end, episodes[child_id])
                        if problem:
                            rejects.append(Reject(file_name, row.line, "MIS_END", problem))
                            tally.rejected += 1
                            continue
                    if updates:
                        _assign(episode, updates)
                        changed_episodes.append(episode)
                record.missing, record.mis_end, record.raw, record.withdrawn_at = (
                    row.missing,
                    row.mis_end,
                    row.raw,
                    None,
                )
                record.import_run, record.line_number, record.updated_at = run, row.line, now
                changed_records.append(record)

            # The one door for episodes recorded in bulk: corrections first, then the new periods with
            # their timeline's first entry; audited, and the rules told.
            made_by_start = episodes_record(
                user=user,
                why=why,
                histories=[
                    EpisodeHistory(
                        episode=values,
                        rows=[
                            (
                                EpisodeUpdate,
                                {
                                    "kind": UpdateKind.REPORTED,
                                    "at": values["started_at"],
                                    "by_id": user.pk,
                                    "agency_id": la.pk,
                                    "text": f"Recorded from {la.name}'s SSDA903 return.",
                                    "detail": {"source": "ssda903"},
                                },
                            )
                        ],
                    )
                    for values in new_episodes.values()
                ],
                changed=changed_episodes,
                changed_fields=["kind", "returned_at"],
            )
            made = {
                reference: made_by_start[(values["child_id"], values["started_at"])]
                for reference, values in new_episodes.items()
            }
            for record in new_records:
                if record.episode_id is None:
                    record.episode_id = made.get(f"ssda903:{record.child_code}:{record.mis_start.isoformat()}")
            CouncilMissingRecord.objects.bulk_create(new_records)
            CouncilMissingRecord.objects.bulk_update(
                changed_records,
                ["missing", "mis_end", "raw", "withdrawn_at", "import_run", "line_number", "updated_at"],
            )

            # One audit entry per row written that episodes_record did not audit: an episode already held
            # that a row now names or changes, or the record itself when it has no episode.
            made_ids = set(made.values())
            unlinked_new = {(r.child_code, r.mis_start) for r in new_records if r.episode_id is None}
            unlinked_ids = (
                [
                    (pk, child_id)
                    for pk, child_code, start, child_id in CouncilMissingRecord.objects.filter(
                        la=la, child_id__in=ids, episode__isnull=True
                    )
                    .order_by("pk")
                    .values_list("pk", "child_code", "mis_start", "child_id")
                    if (child_code, start) in unlinked_new
                ]
                if unlinked_new
                else []
            )
            _audit(
                user,
                why,
                Action.UPDATE,
                "episode",
                [
                    (r.episode_id, r.child_id)
                    for r in [*new_records, *changed_records]
                    if r.episode_id is not None and r.episode_id not in made_ids
                ],
            )
            _audit(user, why, Action.CREATE, "council_missing_record", unlinked_ids)
            _audit(
                user,
                why,
                Action.UPDATE,
                "council_missing_record",
                [(r.pk, r.child_id) for r in changed_records if r.episode_id is None],
            )
            tally.created, tally.updated = len(new_records), len(changed_records)
            _run_count(run, tally)
    return rejects


def _return_change_problem(episode: Episode, end: datetime.datetime | None, siblings: list[Episode]) -> str:
    """Why an imported episode's return cannot move to `end`, or "" when it can."""
    for other in siblings:
        if other.pk != episode.pk and ssda903_periods.overlaps(
            other.started_at, other.returned_at, episode.started_at, end
        ):
            until = dates.when(other.returned_at, date_only=True) if other.returned_at else "now (still open)"
            return (
                f"DfE rule 574: the corrected period would overlap episode {other.pk}, from "
                f"{dates.when(other.started_at, date_only=True)} to {until}."
            )
    for name, label in (("safe_and_well_at", "the safe and well check"), ("closed_at", "the episode was closed")):
        at = getattr(episode, name)
        if at is not None and (end is None or end > at):
            return f"The episode already has {label} on {dates.when(at, date_only=True)}: its end cannot move past it."
    return ""


# ---------------------------------------------------------------------------------------------
# Police reports
# ---------------------------------------------------------------------------------------------

REPORT_FIELDS = tuple(name for name in police.FIELD_NAMES if name != "reference")


@dataclass(frozen=True)
class _Parsed:
    line: int | None
    values: dict
    raw: dict


def _police_write(
    *, force: Agency, user, why: str, items: list[_Parsed], run: ImportRun | None, delay: float
) -> list[tuple[PoliceReport, str]]:
    """Create, update or leave each report (one transaction); returns (report, result) per item."""
    with transaction.atomic():
        existing = {
            r.reference: r
            for r in PoliceReport.objects.select_for_update().filter(
                force=force, reference__in=[i.values["reference"] for i in items]
            )
        }
        new, changed, results, tally, now = [], [], [], Tally(), timezone.now()
        for item in items:
            pause(delay)
            values = {name: item.values[name] for name in REPORT_FIELDS}
            report = existing.get(item.values["reference"])
            if report is None:
                report = PoliceReport(
                    force=force,
                    reference=item.values["reference"],
                    raw=item.raw,
                    import_run=run,
                    line_number=item.line,
                    **values,
                )
                new.append(report)
                results.append((report, "created"))
            elif _differs(report, values):
                _assign(report, values)
                report.raw, report.import_run, report.line_number, report.updated_at = item.raw, run, item.line, now
                changed.append(report)
                results.append((report, "updated"))
            else:
                tally.unchanged += 1
                results.append((report, "unchanged"))
        PoliceReport.objects.bulk_create(new)
        PoliceReport.objects.bulk_update(changed, [*REPORT_FIELDS, "raw", "import_run", "line_number", "updated_at"])
        ids = dict(
            PoliceReport.objects.filter(force=force, reference__in=[r.reference for r in new]).values_list(
                "reference", "pk"
            )
        )
        for report in new:
            report.pk = ids[report.reference]
        _audit(user, why, Action.CREATE, "police_report", [(r.pk, r.child_id) for r in sorted(new, key=lambda r: r.pk)])
        _audit(user, why, Action.UPDATE, "police_report", [(r.pk, r.child_id) for r in changed])
        tally.created, tally.updated = len(new), len(changed)
        _run_count(run, tally)
    return results


def police_file_import(*, force: Agency, path: Path, rejects_path: Path | None = None) -> ImportResult:
    """Import a force's reports from a CSV or JSON file (by its extension; POLICE_FORMAT.md).
    Rejects go to `rejects_path` (default: FILE's name with .rejects.csv)."""
    if force.kind != AgencyKind.POLICE:
        raise ImportFileError(f"{force.code} is not a police force.")
    path = Path(path)
    rejects_path = Path(rejects_path) if rejects_path else path.with_name(f"{path.stem}.rejects.csv")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise ImportFileError(f"{path.name}: a police report file is .csv or .json.")
    if not path.exists():
        raise ImportFileError(f"{path} not found.")
    if suffix == ".csv":
        _, rows, broken = read_csv(path)
    else:
        rows, broken = read_json_array(path), []
    name = path.name
    rejects = [Reject(name, line, "", f"The row {reason}.") for line, reason in broken]
    now = timezone.now()
    parsed: list[_Parsed] = []
    for row in rows:
        if not isinstance(row.raw, dict):
            rejects.append(Reject(name, row.line, "", "A report is a JSON object of fields."))
            continue
        values, problems = police.report_parse(row.raw, now=now)
        if problems:
            rejects.extend(Reject(name, row.line, field_name, reason) for field_name, reason in problems)
        else:
            parsed.append(_Parsed(line=row.line, values=values, raw=row.raw))
    # A file may carry several versions of one report: the last is the force's latest word.
    last = {p.values["reference"]: p.line for p in parsed}
    for p in parsed:
        if last[p.values["reference"]] != p.line:
            rejects.append(
                Reject(
                    name,
                    p.line,
                    "reference",
                    (
                        f"Superseded by line {last[p.values['reference']]}, a later version of report {p.values['reference']}: the last is kept."
                    ),
                )
            )
    keep = [p for p in parsed if last[p.values["reference"]] == p.line]

    user = service_account_get_or_create(agency=force, role=Role.POLICE_COORDINATOR)
    run = _run_start(
        kind=ImportRun.Kind.POLICE, agency=force, user=user, path=path, rejected=len({r.line for r in rejects})
    )
    status = ImportRun.Status.FAILED
    try:
        delay = row_delay()
        for batch in batched(keep, BATCH):
            _police_write(force=force, user=user, why=f"import-police {path}", items=batch, run=run, delay=delay)
        status = ImportRun.Status.FINISHED
    finally:
        write_rejects(rejects_path, rejects)
        run = _run_finish(run, status, rejects_file=str(rejects_path))
    return ImportResult(runs=[run], rejects_path=rejects_path, rejects=rejects)


def police_report_submit(*, user, why: str, data) -> tuple[PoliceReport, str]:
    """One report from a force's system (the API). The force is the caller's agency, whatever the
    body says. Returns (report, "created" | "updated" | "unchanged")."""
    if user.agency is None or user.agency.kind != AgencyKind.POLICE:
        raise PermissionDenied("Only a police force's system can submit police reports.")
    if not isinstance(data, Mapping):
        raise ValidationError({"non_field_errors": "A report is one JSON object of fields."})
    values, problems = police.report_parse(data)
    if problems:
        errors: dict[str, list[str]] = defaultdict(list)
        for name, reason in problems:
            errors[name].append(reason)
        raise ValidationError(dict(errors))
    item = _Parsed(line=None, values=values, raw=dict(data))
    try:
        [result] = _police_write(force=user.agency, user=user, why=why, items=[item], run=None, delay=0)
    except IntegrityError:
        # The same new reference arrived twice at once and the other insert won: now it is an update.
        [result] = _police_write(force=user.agency, user=user, why=why, items=[item], run=None, delay=0)
    with transaction.atomic():
        signals.records_arrived.send(
            sender=PoliceReport,
            kind=ImportRun.Kind.POLICE,
            agency=user.agency,
            created=int(result[1] == "created"),
            updated=int(result[1] == "updated"),
        )
    return result
