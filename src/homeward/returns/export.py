"""The SSDA903 return a council sends the DfE for a collection year (domain.md, "The SSDA903 return"):
its Header, Episodes and Missing tables, in the DfE's format for that year.

Read through the scoping function (only the children the user's council is responsible for) and
audited, one entry per child listed. The collection year runs 1 April to 31 March:
- Header: each child looked after, or missing, at some time in the year. SEX is M/F from 2024-25 (1/2
  before); a child without a UPN has the UN code for why (UN1 under 6 and not yet at school, UN5 the
  sources that collate UPNs do not hold it).
- Episodes: each placement open at some time in the year, DEC and REC blank while it is open on 31
  March. Where the council's own return coded a placement (returns.models.CouncilEpisodeRecord), its
  RNE, LS, CIN, REC and REASON_PLACE_CHANGE are sent as it coded them; otherwise they are derived from
  the placements: RNE P when the placement follows one that ended that day, else S; REC X1 when another
  begins the day it ends, else E8 (care ended: Homeward does not hold why, E8 is "any other reason",
  and the code rule 580 asks for when the child was missing as care ended). The URN is the setting's,
  or Xs where the placement needs one that is not known (returns.checks.NEEDS_URN).
- Missing: each period, split and dated by episodes.ssda903_periods, in the year when it starts by 31
  March and has not ended before 1 April (rules 570/571), keeping its start when it began the year
  before (576), MIS_END blank when still missing at 31 March.
A year not yet ended is refused unless asked for as provisional. returns.checks holds what the
export is checked against; the files are what returns.ssda903.read_file_set reads.
"""

import csv
import datetime
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q

from homeward.agencies.access import visible_children
from homeward.agencies.models import Agency, AgencyKind
from homeward.audit.models import Action
from homeward.audit.services import audit_record, audit_record_many
from homeward.children.models import Placement
from homeward.episodes.models import Episode, KindChange
from homeward.episodes.ssda903_periods import Part, episode_parts, missing_periods
from homeward.returns import checks, ssda903
from homeward.returns.files import local_midnight
from homeward.returns.models import CouncilEpisodeRecord

TABLES = (ssda903.HEADER, ssda903.EPISODES, ssda903.MISSING)
# Homeward records sex as the SSDA903's 1/2 (children.models.Sex); from 2024-25 the return codes it M/F/U.
SEX_FROM_2025 = {"1": "M", "2": "F"}
UPN_UNDER_SIX, UPN_NOT_HELD = "UN1", "UN5"
URN_NOT_KNOWN = "XXXXXXX"
# The columns a council's own coding of an episode supplies, when Homeward holds it.
CODED = ("RNE", "LS", "CIN", "REC", "REASON_PLACE_CHANGE")


def latest_year_ending(today: datetime.date) -> datetime.date:
    """The latest 31 March on or before today: the end of the latest collection year."""
    return datetime.date(today.year if (today.month, today.day) >= (3, 31) else today.year - 1, 3, 31)


def collection_year(year_ending: datetime.date) -> tuple[datetime.date, datetime.date]:
    """1 April to 31 March: the SSDA903 collection year that ends on `year_ending`."""
    if (year_ending.month, year_ending.day) != (3, 31):
        raise ValidationError({"year_ending": f"A collection year ends on 31 March, not {year_ending:%d/%m/%Y}."})
    return datetime.date(year_ending.year - 1, 4, 1), year_ending


def _dmy(day: datetime.date | None) -> str:
    return "" if day is None else day.strftime("%d/%m/%Y")


def _age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def return_tables(
    *,
    user,
    authority: Agency,
    year_ending: datetime.date,
    why: str,
    provisional: bool = False,
    today: datetime.date | None = None,
) -> dict[str, list[dict[str, str]]]:
    """The council's Header, Episodes and Missing rows for the year (by CHILD, then date)."""
    first, last = collection_year(year_ending)
    today = today or datetime.date.today()
    if authority.kind != AgencyKind.LOCAL_AUTHORITY or user.agency_id != authority.pk:
        raise PermissionDenied(f"Only {authority.name} can export its own SSDA903 return.")
    if last >= today and not provisional:
        raise ValidationError(
            {
                "year_ending": (
                    f"The collection year ending {last:%d/%m/%Y} has not ended: a return for it is provisional (--provisional)."
                )
            }
        )
    children = visible_children(user).filter(responsible_authority=authority)
    periods = _missing_periods(children, first, last)
    placements: dict[int, list[Placement]] = defaultdict(list)
    in_care = Q(start_date__lte=last) & (Q(end_date__isnull=True) | Q(end_date__gte=first))
    held = children.filter(Q(pk__in=list(periods)) | Q(placements__in=Placement.objects.filter(in_care))).distinct()
    # Every placement of the children listed: whether one follows or precedes another is decided
    # on all of them, not only those in the year.
    for placement in Placement.objects.filter(child__in=held).order_by("child_id", "start_date"):
        placements[placement.child_id].append(placement)
    coded = {
        (r.child_id, r.decom): r.raw
        for r in CouncilEpisodeRecord.objects.filter(la=authority, child__in=held).only("child_id", "decom", "raw")
    }

    header, episodes, missing, listed = [], [], [], []
    sex_codes = SEX_FROM_2025 if year_ending >= datetime.date(2025, 3, 31) else {}
    for child in held.order_by("la_child_id"):
        upn = child.upn or (UPN_UNDER_SIX if _age_on(child.date_of_birth, last) < 6 else UPN_NOT_HELD)
        header.append(
            {
                "CHILD": child.la_child_id,
                "SEX": sex_codes.get(child.sex, child.sex),
                "DOB": _dmy(child.date_of_birth),
                "ETHNIC": child.ethnicity,
                "UPN": upn,
                "MOTHER": "",
                "MC_DOB": "",
            }
        )
        own = placements[child.pk]
        starts, ends = {p.start_date for p in own}, {p.end_date for p in own}
        for placement in own:
            if placement.start_date > last or (placement.end_date is not None and placement.end_date < first):
                continue
            ended = placement.end_date is not None and placement.end_date <= last
            derived = {
                "RNE": "P" if placement.start_date in ends else "S",
                "LS": "",
                "CIN": "",
                "REC": ("X1" if placement.end_date in starts else checks.CEASED_WHILE_MISSING) if ended else "",
                "REASON_PLACE_CHANGE": "",
            }
            raw = coded.get((child.pk, placement.start_date))
            if raw is not None:
                given = {column: raw.get(column, "") for column in CODED}
                # The council's REC stands while it still describes how the placement ended.
                if (
                    not ended
                    or (given["REC"] == "X1") != (derived["REC"] == "X1")
                    or raw.get("DEC", "") != _dmy(placement.end_date)
                ):
                    given["REC"] = derived["REC"]
                derived = given
            needs_urn = placement.placement_type in checks.NEEDS_URN or (
                placement.placement_type in checks.NEEDS_URN_FROM_2025 and year_ending >= datetime.date(2025, 3, 31)
            )
            episodes.append(
                {
                    "CHILD": child.la_child_id,
                    "DECOM": _dmy(placement.start_date),
                    "RNE": derived["RNE"],
                    "LS": derived["LS"],
                    "CIN": derived["CIN"],
                    "PLACE": placement.placement_type,
                    "PLACE_PROVIDER": placement.provider_type,
                    "DEC": _dmy(placement.end_date) if ended else "",
                    "REC": derived["REC"],
                    "REASON_PLACE_CHANGE": derived["REASON_PLACE_CHANGE"],
                    "HOME_POST": placement.home_postcode,
                    "PL_POST": placement.placement_postcode,
                    "URN": placement.urn or (URN_NOT_KNOWN if needs_urn else ""),
                }
            )
        for period in periods.get(child.pk, []):
            still_missing = period.end is None or period.end > last
            missing.append(
                {
                    "CHILD": child.la_child_id,
                    "DOB": _dmy(child.date_of_birth),
                    "MISSING": period.code,
                    "MIS_START": _dmy(period.start),
                    "MIS_END": "" if still_missing else _dmy(period.end),
                }
            )
        listed.append((child.pk, child.pk))

    detail = {
        "authority": authority.code,
        "year_ending": year_ending.isoformat(),
        "provisional": provisional,
        "rows": {ssda903.HEADER: len(header), ssda903.EPISODES: len(episodes), ssda903.MISSING: len(missing)},
    }
    if listed:
        audit_record_many(
            user=user, action=Action.EXPORT, object_type="ssda903_return", why=why, items=listed, detail=detail
        )
    else:
        audit_record(
            user=user,
            action=Action.EXPORT,
            object_type="ssda903_return",
            object_id="",
            child_id=None,
            why=why,
            detail=detail,
        )
    return {ssda903.HEADER: header, ssda903.EPISODES: episodes, ssda903.MISSING: missing}


def _missing_periods(children, first: datetime.date, last: datetime.date) -> dict[int, list]:
    """Each child's SSDA903 periods in the year, by child id."""
    episodes = Episode.objects.filter(
        child__in=children, started_at__lt=local_midnight(last + datetime.timedelta(days=1))
    )
    changes: dict[int, list[SimpleNamespace]] = defaultdict(list)
    for row in KindChange.objects.filter(episode__in=episodes).values("episode_id", "at", "from_kind", "to_kind"):
        changes[row["episode_id"]].append(SimpleNamespace(**row))
    parts: dict[int, list[Part]] = defaultdict(list)
    for row in episodes.values("id", "child_id", "kind", "started_at", "returned_at"):
        parts[row["child_id"]].extend(episode_parts(SimpleNamespace(**row), changes.get(row["id"], [])))
    periods = {}
    for child_id, child_parts in parts.items():
        in_year = [p for p in missing_periods(child_parts) if p.start <= last and (p.end is None or p.end >= first)]
        if in_year:
            periods[child_id] = in_year
    return periods


def return_write(*, tables: dict[str, list[dict[str, str]]], directory: Path) -> dict[str, int]:
    """Write header.csv, episodes.csv and missing.csv (UTF-8, a header line); a reader never sees
    half a file. Returns the rows written to each."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        path = directory / name
        temporary = path.with_name(path.name + ".part")
        with temporary.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=ssda903.COLUMNS[name])
            writer.writeheader()
            writer.writerows(tables[name])
        temporary.replace(path)
    return {name: len(tables[name]) for name in TABLES}
