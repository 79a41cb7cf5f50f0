"""Linkage listens for records arriving (returns.signals): each import or report that created or
changed something asks the worker for a linkage run (linkage.services.linkage_schedule).

Which run, by the size of what arrived (one rule, here):
- police reports only, at most INCREMENTAL_AT_MOST of them (a force's system sending reports as
  they are made, a small file): an update that links just those reports with the last trained
  model and re-reconciles just the children they touch (linkage_update);
- anything else (a council's SSDA903 return: new episodes and children; a force's big file): a full
  run, which trains the model again on everything and rebuilds the whole one count (linkage_run).
  Full runs (these, and `homeward link-records`, e.g. nightly from cron) are what train the model
  again; updates in between score with the last one.
"""

from homeward.returns import signals


def on_records_arrived(sender, *, kind: str, agency, created: int, updated: int, **kwargs) -> None:
    from homeward.linkage.services import INCREMENTAL_AT_MOST, linkage_schedule
    from homeward.returns.models import ImportRun

    if created or updated:
        linkage_schedule(
            why=f"{kind} records from {agency.code}",
            incremental=kind == ImportRun.Kind.POLICE and created + updated <= INCREMENTAL_AT_MOST,
        )


def connect() -> None:
    signals.records_arrived.connect(on_records_arrived, dispatch_uid="linkage.receivers.records_arrived")
