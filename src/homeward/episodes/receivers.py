"""What episodes do when something happens to a child's record elsewhere (children.signals)."""

from homeward.episodes.models import Episode
from homeward.episodes.services import episodes_end_with_care, start_placements_refresh


def on_placements_ended(sender, *, placements, user=None, **kwargs) -> None:
    # Inside the placement write's transaction: the episode ends with the care, or neither does.
    who = getattr(user, "username", "") or "system"
    episodes_end_with_care(placements=placements, why=f"care ended (placement recorded as ended by {who})")


def on_placements_written(sender, *, children, **kwargs) -> None:
    # Which placement was current when each of the children's episodes began may have changed.
    start_placements_refresh(Episode.objects.filter(child_id__in=children))
