"""What happened to a child's record, for the parts that act on it (alerts). Sent inside the
service's transaction with `user` and the object; receivers connect in their AppConfig.ready()."""

from django.dispatch import Signal

placement_created = Signal()  # also: placement
