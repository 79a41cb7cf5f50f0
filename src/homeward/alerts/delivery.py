"""Email for alerts, sent once — as nearly as SMTP allows.

The protocol (each numbered step its own short transaction; no transaction is held open while
talking to the mail server, so SQLite's single writer is never kept waiting on the network):
  1. notify() writes the Alert, a Delivery ("queued") and its task, with the caller's write.
  2. The task marks the Delivery "sending" and commits; then sends, with a Message-ID derived from
     the delivery's id; then marks it "sent" (and the alert delivered) and commits.
  3. A re-run of the task (a retry, or its worker died and the lease ran out) reads the Delivery:
     "sent" means nothing to do, whatever the task table says; "queued" or "sending" means send.
The remaining window, honestly: if the worker dies after the mail server has accepted the message
(its reply to the final ".") but before step 2's last commit — about a millisecond — or that commit
fails (the database is down), the Delivery is left "sending" and the message goes again, under the
SAME Message-ID, which mail stores use to fold duplicates. SMTP has no two-phase commit, so no
sender can close this (RFC 1047); between possibly sending twice and possibly never telling anyone
that a child is missing, Homeward resends. A sent Delivery with attempts > 1 is one that may have
gone twice. tests/alerts/test_worker_fault.py kills the worker outside and inside the window.
"""

import smtplib
import threading
import time
import urllib.parse

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from homeward.alerts.models import Alert, Delivery, DeliveryStatus, Urgency

SMTP_TIMEOUT = 30  # seconds; shorter than the worker's lease, so a hung server cannot outlive it


def base_url() -> str:
    # The lead adds HOMEWARD_BASE_URL to settings (env HOMEWARD_BASE_URL); until then, the demo's.
    return getattr(settings, "HOMEWARD_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def _domain() -> str:
    return urllib.parse.urlsplit(base_url()).hostname or "homeward.invalid"


def message_for(delivery: Delivery) -> EmailMessage:
    """Only what happened and a link: the details stay behind sign-in (issue 4: no more personal
    data than needed)."""
    alert: Alert = delivery.alert
    subject = alert.subject
    if delivery.sequence:
        subject = f"Reminder: {subject}"
    if alert.urgency == Urgency.URGENT:
        subject = f"Urgent: {subject}"
    lines = [
        f"{alert.subject}.",
        "",
        "Sign in to Homeward to see the details:",
        f"{base_url()}{alert.link}",
        "",
    ]
    if alert.urgency == Urgency.URGENT:
        lines += [
            "This alert is urgent. Please acknowledge it in Homeward: until you do, you will be reminded,",
            "and then your manager will be told.",
            "",
        ]
    lines += ["This email holds no personal details. Do not reply to it."]
    return EmailMessage(
        subject=subject,
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.to],
        headers={"Message-ID": delivery.message_id(_domain()), "Auto-Submitted": "auto-generated"},
    )


def deliver(delivery_id: int) -> bool:
    """Send one delivery unless already sent; True if this call sent it. Raises if SMTP fails, so the
    task is retried with backoff."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",)).select_related("alert").filter(pk=delivery_id).first()
        )
        if delivery is None or delivery.status == DeliveryStatus.SENT:
            return False  # sent already (a re-run after a crash), or the alert has since been erased
        now = timezone.now()
        delivery.status = DeliveryStatus.SENDING
        delivery.attempts += 1
        delivery.sending_at = delivery.sending_at or now
        delivery.save(update_fields=["status", "attempts", "sending_at"])
        if delivery.alert.sent_at is None:
            Alert.objects.filter(pk=delivery.alert_id, sent_at__isnull=True).update(sent_at=now)
    try:
        _send(message_for(delivery))
    except Exception as error:
        Delivery.objects.filter(pk=delivery_id).update(last_error=f"{type(error).__name__}: {error}"[:2000])
        raise
    with transaction.atomic():
        now = timezone.now()
        Delivery.objects.filter(pk=delivery_id).update(status=DeliveryStatus.SENT, sent_at=now, last_error="")
        if delivery.alert.delivered_at is None:
            Alert.objects.filter(pk=delivery.alert_id, delivered_at__isnull=True).update(delivered_at=now)
    return True


class _Connections(threading.local):
    """One SMTP connection per worker thread, kept open between alerts: a busy worker then pays for
    connecting and greeting once, not per message."""

    backend = None
    server: tuple = ()
    used_at = 0.0


_connections = _Connections()
IDLE_CLOSE = 60.0  # seconds: mail servers drop idle connections, so open a fresh one after a lull


def _connection():
    """This thread's kept connection, or a new one; and whether it is new."""
    server = (settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_HOST_USER)
    stale = _connections.server != server or time.monotonic() - _connections.used_at > IDLE_CLOSE
    if _connections.backend is not None and stale:
        _close()
    if _connections.backend is not None:
        return _connections.backend, False
    _connections.backend = get_connection(timeout=SMTP_TIMEOUT, fail_silently=False)
    _connections.backend.open()
    _connections.server = server
    return _connections.backend, True


def _close() -> None:
    try:
        _connections.backend.close()
    except Exception:  # noqa: BLE001 — it is being thrown away
        pass
    _connections.backend = None


def _send(message: EmailMessage) -> None:
    backend, new = _connection()
    try:
        try:
            backend.send_messages([message])
        except (smtplib.SMTPServerDisconnected, ConnectionError):
            if new:
                raise
            # The server had dropped the kept connection (found at the first command): once more, afresh.
            _close()
            backend, _ = _connection()
            backend.send_messages([message])
    except Exception:
        _close()
        raise
    _connections.used_at = time.monotonic()
