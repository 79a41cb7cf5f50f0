"""Writes of alerts: telling people (notify), the clocks that follow, reading and acknowledging.

notify() is the one way an alert is made: the rules (episode opened, risk raised, missing too long,
return, interview overdue, placement in another area) each resolve recipients with the helpers in
recipients.py and call it inside the transaction of the write that caused it — so an alert, and
the email queued for it, exist if and only if that write committed.
"""

import datetime
from collections.abc import Callable, Iterable

from django.db import models, transaction
from django.http import Http404
from django.utils import timezone

from homeward.agencies.models import Agency, User
from homeward.alerts.models import Alert, Delivery, Urgency
from homeward.alerts.recipients import escalation_recipients
from homeward.alerts.selectors import inbox, notification_settings_for
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.tasks.queue import cancel, enqueue, enqueue_many

# Task names as strings: the task module imports this one.
EMAIL_TASK = "homeward.alerts.tasks.email_send"
RENOTIFY_TASK = "homeward.alerts.tasks.renotify"
ESCALATE_TASK = "homeward.alerts.tasks.escalate"

Related = models.Model | tuple[str, int | None] | None


def schedule_clock(key: str, run_at: datetime.datetime, task: str | Callable, args: dict) -> None:
    """Run `task` at `run_at` unless cancelled first; setting the same key again while the clock is
    waiting (or running) is a no-op, and once it has run the key is free to set again. The task
    is given due_at (run_at, ISO 8601) too, so what it schedules next follows the clock, not the
    moment a worker got to it (and tests can run the clocks at a later `now` without sleeping)."""
    enqueue(task, args={**args, "due_at": run_at.isoformat()}, run_at=run_at, dedupe_key=f"clock:{key}")


def cancel_clock(key: str) -> bool:
    return bool(cancel(f"clock:{key}"))


def _related(related: Related) -> tuple[str, int | None]:
    if related is None:
        return "", None
    if isinstance(related, models.Model):
        return related._meta.label_lower, related.pk
    return related


def _authority_for(child_id: int | None) -> Agency | None:
    if child_id is None:
        return None
    from homeward.children.models import Child

    return Agency.objects.filter(pk__in=Child.objects.filter(pk=child_id).values("responsible_authority")).first()


def _renotify_key(alert_id: int, number: int) -> str:
    return f"alert:{alert_id}:renotify:{number}"


def _escalate_key(alert_id: int) -> str:
    return f"alert:{alert_id}:escalate"


def _queue_email(alert: Alert, sequence: int, now: datetime.datetime) -> Delivery | None:
    if not alert.recipient.email:
        return None
    delivery = Delivery.objects.create(alert=alert, sequence=sequence, to=alert.recipient.email, queued_at=now)
    enqueue(EMAIL_TASK, args={"delivery_id": delivery.pk}, run_at=now)
    return delivery


def notify(
    *,
    event: str,
    recipients: Iterable[tuple[User, str]],
    subject: str,
    link: str,
    child_id: int | None = None,
    related: Related = None,
    authority: Agency | None = None,
    now: datetime.datetime | None = None,
    escalated_from: Alert | None = None,
) -> list[Alert]:
    """Tell each (user, urgency): an alert in their inbox, an email queued, and for an urgent alert
    the re-notification and escalation clocks. The subject must name no one (it goes by email):
    "A child you are responsible for has been reported missing". Clocks follow the settings of
    `authority`, by default the child's responsible authority. A user listed twice is told once."""
    now = now or timezone.now()
    chosen: dict[int, tuple[User, str]] = {}
    for user, urgency in recipients:
        if urgency not in Urgency.values:
            raise ValueError(f"urgency must be one of {Urgency.values}")
        if not user.is_active or user.is_service_account or user.agency_id is None:
            continue
        if user.pk not in chosen or urgency == Urgency.URGENT:
            chosen[user.pk] = (user, urgency)
    if not chosen:
        return []
    related_type, related_id = _related(related)
    with transaction.atomic():
        alerts = Alert.objects.bulk_create(
            [
                Alert(
                    recipient=user,
                    agency_id=user.agency_id,
                    kind=event,
                    urgency=urgency,
                    subject=subject[:200],
                    link=link,
                    related_type=related_type,
                    related_id=related_id,
                    child_id=child_id,
                    escalated_from=escalated_from,
                    created_at=now,
                    queued_at=now if user.email else None,
                )
                for user, urgency in chosen.values()
            ]
        )
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(alert=alert, sequence=0, to=alert.recipient.email, queued_at=now)
                for alert in alerts
                if alert.recipient.email
            ]
        )
        if deliveries:
            enqueue_many(EMAIL_TASK, args_list=[{"delivery_id": d.pk} for d in deliveries], run_at=now)
        urgent = [alert for alert in alerts if alert.urgency == Urgency.URGENT]
        if urgent:
            rules = notification_settings_for(authority or _authority_for(child_id))
            every, until = rules.urgent_renotify_minutes, rules.urgent_escalate_minutes
            for alert in urgent:
                if every < until:
                    schedule_clock(
                        _renotify_key(alert.pk, 1),
                        now + datetime.timedelta(minutes=every),
                        RENOTIFY_TASK,
                        {"alert_id": alert.pk, "number": 1, "every_minutes": every, "until_minutes": until},
                    )
                schedule_clock(
                    _escalate_key(alert.pk),
                    now + datetime.timedelta(minutes=until),
                    ESCALATE_TASK,
                    {"alert_id": alert.pk, "after_minutes": until},
                )
    return alerts


def alert_renotify(
    *, alert_id: int, number: int, every_minutes: int, until_minutes: int, now: datetime.datetime
) -> None:
    """An urgent alert still unacknowledged: back to the top of the inbox, and emailed again; the next
    reminder follows if it falls before escalation."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update(of=("self",)).select_related("recipient").filter(pk=alert_id).first()
        if alert is None or alert.acknowledged_at or alert.escalated_at:
            return
        alert.renotified_count = number
        alert.read_at = None
        alert.save(update_fields=["renotified_count", "read_at"])
        _queue_email(alert, sequence=number, now=now)
        if (number + 1) * every_minutes < until_minutes:
            schedule_clock(
                _renotify_key(alert.pk, number + 1),
                now + datetime.timedelta(minutes=every_minutes),
                RENOTIFY_TASK,
                {
                    "alert_id": alert.pk,
                    "number": number + 1,
                    "every_minutes": every_minutes,
                    "until_minutes": until_minutes,
                },
            )


def alert_escalate(*, alert_id: int, after_minutes: int, now: datetime.datetime) -> list[Alert]:
    """An urgent alert unacknowledged after the council's time goes up the line (recipients.py), as an
    urgent alert of its own — which escalates in turn if nobody acknowledges it."""
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update(of=("self",))
            .select_related("recipient__agency")
            .filter(pk=alert_id)
            .first()
        )
        if alert is None or alert.acknowledged_at or alert.escalated_at:
            return []
        up_the_line = escalation_recipients(alert.recipient)
        if not up_the_line:
            return []  # the top of the line (a nominated officer, a police coordinator): nobody above
        managers = up_the_line
        if alert.related_id is not None:
            # A manager already holding an open escalation about the same record is not told again.
            # Their rows are locked first (in one order), so two alerts escalating at once — two team
            # managers' on two workers — cannot both find none and both tell them.
            list(
                User.objects.select_for_update()
                .filter(pk__in=[m.pk for m in managers])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            already = set(
                Alert.objects.filter(
                    kind="escalation",
                    related_type=alert.related_type,
                    related_id=alert.related_id,
                    acknowledged_at__isnull=True,
                    recipient__in=managers,
                ).values_list("recipient_id", flat=True)
            )
            managers = [m for m in managers if m.pk not in already]
        alert.escalated_at = now  # the clock's time, as the escalation alert's created_at
        alert.save(update_fields=["escalated_at"])
        return notify(
            event="escalation",
            recipients=[(manager, Urgency.URGENT) for manager in managers],
            subject=f"Not acknowledged within {after_minutes} minutes: {alert.subject}",
            link=alert.link,
            child_id=alert.child_id,
            related=(alert.related_type, alert.related_id),
            now=now,
            escalated_from=alert,
        )


def _get_mine(user, alert_id) -> Alert:
    try:
        return inbox(user).select_for_update().get(pk=int(alert_id))
    except (Alert.DoesNotExist, ValueError, TypeError):
        raise Http404("No such alert.") from None


def alert_mark_read(*, user, alert_id: int | str) -> Alert:
    with transaction.atomic():
        alert = _get_mine(user, alert_id)
        if alert.read_at is None:
            alert.read_at = timezone.now()
            alert.save(update_fields=["read_at"])
        return alert


def alert_acknowledge(*, user, alert_id: int | str, why: str) -> Alert:
    """The recipient says they have it in hand: reminders and escalation stop. Audited when the alert
    is about a child (acknowledging is acting on the child's case)."""
    with transaction.atomic():
        alert = _get_mine(user, alert_id)
        if alert.acknowledged_at is not None:
            return alert
        now = timezone.now()
        alert.acknowledged_at = now
        alert.read_at = alert.read_at or now
        alert.save(update_fields=["acknowledged_at", "read_at"])
        # Only the next reminder is ever waiting: each one schedules the one after.
        cancel_clock(_renotify_key(alert.pk, alert.renotified_count + 1))
        cancel_clock(_escalate_key(alert.pk))
        if alert.child_id is not None:
            audit_record(
                user=user,
                action=Action.UPDATE,
                object_type="alert",
                object_id=alert.pk,
                child_id=alert.child_id,
                why=why,
                detail={"acknowledged": True, "kind": alert.kind},
            )
        return alert
