"""Reads of alerts and notification settings. The inbox starts from the access function: an alert
about a child the user can no longer see drops out of it (the alert itself names no one)."""

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from homeward.agencies.access import visible_children
from homeward.agencies.fields import Field, fields_visible_many
from homeward.agencies.models import Agency
from homeward.alerts.models import Alert, NotificationSettings
from homeward.audit.models import Action
from homeward.audit.services import audit_record_many
from homeward.children.models import Child


def _mine(user) -> QuerySet[Alert]:
    if user is None or not user.is_authenticated:
        return Alert.objects.none()
    # Correlated per alert (a user has few): "child_id IN (every visible child)" made PostgreSQL
    # plan the whole scope on every page's badge (~200 ms at national scale; this is ~3 ms).
    visible = Exists(visible_children(user).filter(pk=OuterRef("child_id")))
    return Alert.objects.filter(Q(child_id__isnull=True) | Q(visible), recipient=user)


def inbox(user) -> QuerySet[Alert]:
    """The user's alerts, unread first, then newest first."""
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return _mine(user).annotate(unread=unread).order_by("-unread", "-created_at", "-id")


def alert_children(*, user, alerts, why: str) -> dict[int, str]:
    """The names of the children a page of alerts is about, so the inbox can name each (domain.md:
    inside Homeward the child is named; only the email does not). Read through the access function,
    named only where the user is shown who the child is (agencies.fields), and audited as a list."""
    ids = {alert.child_id for alert in alerts if alert.child_id is not None}
    if not ids:
        return {}
    children = list(Child.objects.filter(pk__in=visible_children(user).filter(pk__in=ids).values("pk")))
    shown = fields_visible_many(user=user, children=children)
    named = {child.pk: child.full_name for child in children if Field.IDENTITY in shown[child.pk]}
    audit_record_many(user=user, action=Action.LIST, object_type="child", why=why, items=[(pk, pk) for pk in named])
    return named


def unread_count(user) -> int:
    """For the badge on every page (a context processor may call it): one COUNT on a partial index."""
    return _mine(user).filter(read_at__isnull=True).count()


def told_of_report(*, episode) -> list[Alert]:
    """Who was told that this episode was reported (alerts.rules.on_episode_opened), for the reporter's
    confirmation: people, their role and agency, never the alerts' contents. The caller has read the
    episode through the access function (episodes.selectors.episode_get), which audits the read."""
    return list(
        Alert.objects.filter(kind="episode_opened", related_type="episodes.episode", related_id=episode.pk)
        .select_related("recipient", "agency")
        .order_by("agency__name", "recipient__role", "recipient__last_name", "id")
    )


def notification_settings_for(authority: Agency | None) -> NotificationSettings:
    """The council's settings, or the shipped defaults (an unsaved row) if it has not set its own."""
    if authority is not None:
        found = NotificationSettings.objects.filter(authority=authority).first()
        if found is not None:
            return found
    return NotificationSettings(authority=authority)
