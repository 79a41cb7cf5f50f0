"""What happened to a child's record, for the parts that act on it (alerts, placement scrutiny).
Sent inside the service's transaction with `user` and the objects; receivers connect in their
AppConfig.ready()."""

from django.dispatch import Signal

# Placements new to Homeward, whichever door they came by (children.services.placements_write):
# also `placements` (a list; one for a placement made by a person) and `user` (None: the system).
placements_created = Signal()
# Placements that ended, or were recorded as ended, by this write: new ones with an end date and
# existing ones whose end date was set. Also `placements` and `user`.
placements_ended = Signal()
# Every write of placements, created or changed: also `children` (ids) and `user`. Which placement
# was current on a past day may have changed (a placement recorded late, an end date corrected).
placements_written = Signal()
