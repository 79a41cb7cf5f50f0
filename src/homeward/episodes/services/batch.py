"""Episodes recorded in bulk from another system's record of what happened: a council's SSDA903
return (returns.services) and a synthetic world's history (synth.loader). One door for both, beside
the services a person's report goes through (lifecycle): the same first timeline entry, the same
police force leading the search when no place says otherwise, one audit entry per episode, and the
same event (signals.episodes_recorded) so the rules read each child's record again.

These are records of the past, checked by the caller against what it was given (a return's rows by
the DfE's rules, a world by its generator): nobody is alerted, and no clock starts.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from homeward.audit.models import Action
from homeward.audit.services import audit_record_many
from homeward.bulk import BulkRows
from homeward.children.models import Placement
from homeward.episodes import signals
from homeward.episodes.models import Episode, EpisodeUpdate, UpdateKind
from homeward.episodes.services._common import start_placements_refresh


@dataclass
class EpisodeHistory:
    """One episode as another system recorded it: the episode's values by attribute name (child_id,
    started_at, ...), and what the services would have written after it, each row as (model, values)
    without its episode. Its timeline (EpisodeUpdate rows) must say when it was reported."""

    episode: dict
    rows: list[tuple[type[models.Model], dict]] = field(default_factory=list)


# Episodes written at a time: a statement on SQLite takes at most 32,766 values, and a benchmark's
# national world records about 90,000 episodes in one call.
CHUNK = 2000


def _write(histories: Sequence[EpisodeHistory]) -> dict[tuple[int, datetime.datetime], int]:
    """Insert the episodes and their histories; their ids by (child id, start)."""
    children = {h.episode["child_id"] for h in histories}
    before = set(Episode.objects.filter(child_id__in=children).values_list("pk", flat=True))
    episodes = BulkRows(Episode)
    for history in histories:
        episodes.add(**history.episode)
    episodes.flush()
    made = {
        (child, started): pk
        for pk, child, started in Episode.objects.filter(child_id__in=children).values_list(
            "pk", "child_id", "started_at"
        )
        if pk not in before
    }

    new = Episode.objects.filter(pk__in=made.values())
    start_placements_refresh(new)
    # Where no place says otherwise, the force of the placement it began in leads the search (as
    # episode_open gives the force of the placement current when the child is reported).
    new.filter(location_police_force__isnull=True).update(
        location_police_force=Subquery(
            Placement.objects.filter(pk=OuterRef("start_placement")).values("police_force")[:1]
        )
    )

    tables: dict[type[models.Model], BulkRows] = {}
    for history in histories:
        pk = made[(history.episode["child_id"], history.episode["started_at"])]
        for model, values in history.rows:
            if model not in tables:
                tables[model] = BulkRows(model)
            tables[model].add(episode_id=pk, **values)
    for table in tables.values():
        table.flush()
    return made


def episodes_record(
    *,
    user,
    why: str,
    histories: Sequence[EpisodeHistory],
    changed: Sequence[Episode] = (),
    changed_fields: Sequence[str] = (),
) -> dict[tuple[int, datetime.datetime], int]:
    """Save `changed_fields` of the `changed` episodes, then write the new ones with their histories,
    in one transaction. Returns the new episodes' ids by (child id, start).

    Changes first: a period carried over open and closed now must be closed before a later period,
    still open, is written (one open episode per child).
    """
    for history in histories:
        if not any(model is EpisodeUpdate and values["kind"] == UpdateKind.REPORTED for model, values in history.rows):
            raise ValueError(f"An episode's history must say when it was reported: {history.episode}")
    with transaction.atomic():
        now = timezone.now()
        for episode in changed:
            episode.updated_at = now
        Episode.objects.bulk_update(changed, [*changed_fields, "updated_at"], batch_size=500)

        made: dict[tuple[int, datetime.datetime], int] = {}
        for first in range(0, len(histories), CHUNK):
            made |= _write(histories[first : first + CHUNK])

        audit_record_many(
            user=user,
            action=Action.CREATE,
            object_type="episode",
            why=why,
            items=sorted((pk, child) for (child, _), pk in made.items()),
        )
        recorded = sorted({*made.values(), *(episode.pk for episode in changed)})
        if recorded:
            signals.episodes_recorded.send(
                Episode,
                user=user,
                episodes=recorded,
                children=sorted({*(child for child, _ in made), *(episode.child_id for episode in changed)}),
            )
    return made
