"""Alerts: who was told what, about which record, and what became of it (sent, delivered, read,
acknowledged, escalated). An alert's subject names no child, as it goes by email: it says what
happened, and its link leads behind sign-in. child_id scopes the inbox by the access function, and
lets the inbox, inside Homeward, name the child (domain.md)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from homeward.agencies.models import Agency
from homeward.alerts import defaults


class Urgency(models.TextChoices):
    NORMAL = "normal", "Normal"
    URGENT = "urgent", "Urgent"


class Alert(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alerts")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")  # the recipient's, when told
    kind = models.CharField(max_length=60)  # the event: "episode_opened", "risk_high", "escalation" …
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    subject = models.CharField(max_length=200)  # what happened, never to whom
    link = models.CharField(max_length=300)  # a path inside Homeward
    related_type = models.CharField(max_length=60, blank=True)  # e.g. "episodes.episode"
    related_id = models.PositiveBigIntegerField(null=True, blank=True)
    # No foreign key, as in the audit log: an alert never blocks a child's record being erased.
    child_id = models.PositiveBigIntegerField(null=True, blank=True)
    escalated_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="escalations"
    )

    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)  # email queued (none for users without an address)
    sent_at = models.DateTimeField(null=True, blank=True)  # first handed to the SMTP server
    delivered_at = models.DateTimeField(null=True, blank=True)  # the SMTP server accepted it
    read_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    renotified_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(urgency__in=Urgency.values), name="alert_urgency_valid")]
        indexes = [
            models.Index(fields=["recipient", "created_at"], name="alert_recipient_created"),
            # The unread badge on every page counts only these.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="alert_recipient_unread"),
            models.Index(fields=["related_type", "related_id"], name="alert_related"),
        ]

    def __str__(self) -> str:
        return f"Alert {self.pk} ({self.kind}) to user {self.recipient_id}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"  # handed to SMTP; if it stays so, the worker died mid-send
    SENT = "sent", "Sent"  # the SMTP server accepted it


class Delivery(models.Model):
    """One email for one alert: the first notice (sequence 0) or a re-notification (1, 2 …).
    The record that makes sending idempotent (homeward.alerts.delivery)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    sequence = models.PositiveSmallIntegerField()
    to = models.EmailField()
    status = models.CharField(max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)  # more than one on a sent delivery: may have gone twice
    queued_at = models.DateTimeField(default=timezone.now)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "sequence"], name="delivery_one_per_alert_sequence"),
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"),
        ]

    def message_id(self, domain: str) -> str:
        # Derived from the delivery, so a resend after a crash carries the same Message-ID.
        return f"<delivery-{self.pk}.alert-{self.alert_id}@{domain}>"


def _positive_ints(value, field: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, int) and v > 0 for v in value):
        raise ValidationError({field: "Give a list of whole numbers above zero."})


class NotificationSettings(models.Model):
    """One council's thresholds (defaults.py holds what every council starts with)."""

    authority = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="notification_settings")
    escalate_after_hours = models.JSONField(default=defaults.escalate_after_hours)  # a child missing longer than each
    urgent_renotify_minutes = models.PositiveIntegerField(default=defaults.URGENT_RENOTIFY_MINUTES)
    urgent_escalate_minutes = models.PositiveIntegerField(default=defaults.URGENT_ESCALATE_MINUTES)
    repeat_missing = models.JSONField(default=defaults.repeat_missing)  # [{"episodes": 3, "days": 30}, …]
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "notification settings"

    def clean(self) -> None:
        _positive_ints(self.escalate_after_hours, "escalate_after_hours")
        if not isinstance(self.repeat_missing, list) or not all(
            isinstance(r, dict)
            and set(r) == {"episodes", "days"}
            and all(isinstance(v, int) and v > 0 for v in r.values())
            for r in self.repeat_missing
        ):
            raise ValidationError({"repeat_missing": 'Give a list of {"episodes": N, "days": D}, both above zero.'})
        if not self.urgent_renotify_minutes or not self.urgent_escalate_minutes:
            raise ValidationError("Re-notification and escalation times must be above zero.")
