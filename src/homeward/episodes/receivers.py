"""What episodes do when something happens to a child's record elsewhere (children.signals)."""

from homeward.episodes.services import episodes_end_with_care


def on_placements_ended(sender, *, placements, user=None, **kwargs) -> None:
    # Inside the placement write's transaction: the episode ends with the care, or neither does.
    who = getattr(user, "username", "") or "system"
    episodes_end_with_care(placements=placements, why=f"care ended (placement recorded as ended by {who})")
