"""Linkage listens for records arriving (returns.signals): each import or report that created or
changed something asks the worker for a linkage run (linkage.services.linkage_schedule)."""

from homeward.returns import signals


def on_records_arrived(sender, *, kind: str, agency, created: int, updated: int, **kwargs) -> None:
    from homeward.linkage.services import linkage_schedule

    if created or updated:
        linkage_schedule(why=f"{kind} records from {agency.code}")


def connect() -> None:
    signals.records_arrived.connect(on_records_arrived, dispatch_uid="linkage.receivers.records_arrived")
