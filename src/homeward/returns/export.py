"""The SSDA903 Missing table a council sends the DfE for a collection year (domain.md, "The SSDA903 return").

One row per missing or away period of the council's own children (read through the scoping function,
so only the children the user's council is responsible for), split and dated by
episodes.ssda903_periods. The collection year runs 1 April to 31 March; a period is in it when it
starts by 31 March and has not ended before 1 April (DfE rules 570/571), keeping its start when it
began the year before (576), with MIS_END blank when still missing at 31 March. The CSV is what
returns.ssda903.read_file_set reads. Every export is audited, one entry per child it lists.
"""

import csv
import datetime
from pathlib import Path
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError

from homeward.agencies.access import visible_children
from homeward.agencies.models import Agency, AgencyKind
from homeward.audit.models import Action
from homeward.audit.services import audit_record, audit_record_many
from homeward.episodes.models import Episode, KindChange
from homeward.episodes.ssda903_periods import Part, episode_parts, missing_periods
from homeward.returns import ssda903
from homeward.returns.files import local_midnight

COLUMNS = ssda903.COLUMNS[ssda903.MISSING]  # CHILD, DOB, MISSING, MIS_START, MIS_END


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


def missing_table(*, user, authority: Agency, year_ending: datetime.date, why: str = "export-903-missing") -> list[dict[str, str]]:
    """The council's Missing table rows for the year, by CHILD then MIS_START."""
    first, last = collection_year(year_ending)
    if authority.kind != AgencyKind.LOCAL_AUTHORITY or user.agency_id != authority.pk:
        raise PermissionDenied(f"Only {authority.name} can export its own SSDA903 return.")
    children = visible_children(user).filter(responsible_authority=authority)
    episodes = Episode.objects.filter(child__in=children, started_at__lt=local_midnight(last + datetime.timedelta(days=1)))
    changes: dict[int, list[SimpleNamespace]] = {}
    for row in KindChange.objects.filter(episode__in=episodes).values("episode_id", "at", "from_kind", "to_kind"):
        changes.setdefault(row["episode_id"], []).append(SimpleNamespace(**row))
    parts: dict[int, list[Part]] = {}
    for row in episodes.values("id", "child_id", "kind", "started_at", "returned_at"):
        parts.setdefault(row["child_id"], []).extend(episode_parts(SimpleNamespace(**row), changes.get(row["id"], [])))

    rows, listed = [], []
    for child in children.filter(pk__in=parts).order_by("la_child_id").values("pk", "la_child_id", "date_of_birth"):
        in_year = [p for p in missing_periods(parts[child["pk"]]) if p.start <= last and (p.end is None or p.end >= first)]
        for period in in_year:
            still_missing = period.end is None or period.end > last
            rows.append({
                "CHILD": child["la_child_id"], "DOB": _dmy(child["date_of_birth"]), "MISSING": period.code,
                "MIS_START": _dmy(period.start), "MIS_END": "" if still_missing else _dmy(period.end),
            })
        if in_year:
            listed.append((child["pk"], child["pk"]))
    detail = {"table": "Missing", "authority": authority.code, "year_ending": year_ending.isoformat(), "rows": len(rows)}
    if listed:
        audit_record_many(user=user, action=Action.EXPORT, object_type="ssda903_missing", why=why, items=listed, detail=detail)
    else:
        audit_record(user=user, action=Action.EXPORT, object_type="ssda903_missing", object_id="", child_id=None, why=why,
                     detail=detail)
    return rows


def missing_table_write(*, rows: list[dict[str, str]], path: Path) -> int:
    """Write the rows as the DfE's CSV (UTF-8, a header line); a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    temporary.replace(path)
    return len(rows)
