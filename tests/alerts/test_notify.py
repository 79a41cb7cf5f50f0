"""notify(): each recipient gets an alert in their inbox and one email through a real SMTP server,
saying what happened and linking to it — never whom it is about."""

import pytest
from django.db import transaction

from homeward.alerts.models import Alert, Delivery, DeliveryStatus, Urgency
from homeward.alerts.selectors import inbox
from homeward.alerts.services import notify
from homeward.tasks.models import Task
from homeward.tasks.worker import run_due

MISSING = "A child you are responsible for has been reported missing"


def _notify(world, recipients, **overrides):
    options = dict(
        event="episode_opened",
        recipients=recipients,
        subject=MISSING,
        link=f"/children/{world.child.pk}/",
        child_id=world.child.pk,
    )
    return notify(**{**options, **overrides})


def test_each_recipient_gets_an_alert_and_an_email(world, people, smtp, settings):
    settings.HOMEWARD_BASE_URL = "https://homeward.example.org"
    alerts = _notify(world, [(people.social_worker, Urgency.NORMAL), (people.host_coordinator, Urgency.NORMAL)])
    assert {a.recipient for a in alerts} == {people.social_worker, people.host_coordinator}
    assert run_due() == 2
    assert smtp.wait_for(2, timeout=5)
    assert sorted(m.to[0] for m in smtp.messages) == sorted([people.social_worker.email, people.host_coordinator.email])
    for message in smtp.messages:
        assert message.subject == MISSING
        assert f"https://homeward.example.org/children/{world.child.pk}/" in message.body
    assert list(inbox(people.social_worker)) == [alerts[0]]
    assert list(inbox(people.host_coordinator)) == [alerts[1]]


def test_nobody_else_is_told(world, people, smtp):
    _notify(world, [(people.social_worker, Urgency.NORMAL)])
    run_due()
    assert smtp.wait_for(1, timeout=5)
    assert [m.to for m in smtp.messages] == [[people.social_worker.email]]
    for other in (people.coordinator, people.host_coordinator, people.police_officer, people.unrelated):
        assert not inbox(other).exists()


def test_the_email_names_no_child(world, people, smtp):
    _notify(world, [(people.social_worker, Urgency.URGENT)])
    run_due()
    assert smtp.wait_for(1, timeout=5)
    [message] = smtp.messages
    child = world.child
    for personal in (
        child.first_name,
        child.last_name,
        "Mira",
        child.la_child_id,
        child.nhs_number,
        child.date_of_birth.strftime("%d/%m/%Y"),
        child.date_of_birth.isoformat(),
    ):
        assert personal not in message.subject and personal not in message.body
    assert message.subject == f"Urgent: {MISSING}"
    assert "acknowledge" in message.body


def test_the_alert_records_queued_sent_and_delivered(world, people, smtp):
    [alert] = _notify(world, [(people.social_worker, Urgency.NORMAL)])
    assert alert.queued_at is not None and alert.sent_at is None
    run_due()
    alert.refresh_from_db()
    assert alert.queued_at <= alert.sent_at <= alert.delivered_at
    delivery = Delivery.objects.get(alert=alert)
    assert (delivery.status, delivery.attempts, delivery.sequence) == (DeliveryStatus.SENT, 1, 0)
    assert smtp.messages[0].message_id == delivery.message_id("127.0.0.1")


def test_a_recipient_listed_twice_is_told_once_at_the_higher_urgency(world, people, smtp):
    alerts = _notify(world, [(people.social_worker, Urgency.NORMAL), (people.social_worker, Urgency.URGENT)])
    assert [a.urgency for a in alerts] == [Urgency.URGENT]


def test_inactive_people_and_service_accounts_are_not_told(world, people):
    people.iro.is_active = False
    people.iro.save()
    people.coordinator.is_service_account = True
    people.coordinator.save()
    assert _notify(world, [(people.iro, Urgency.NORMAL), (people.coordinator, Urgency.NORMAL)]) == []


def test_someone_without_an_email_address_is_told_in_the_inbox_only(world, people):
    people.iro.email = ""
    people.iro.save()
    [alert] = _notify(world, [(people.iro, Urgency.NORMAL)])
    assert alert.queued_at is None
    assert not Delivery.objects.exists() and not Task.objects.exists()
    assert list(inbox(people.iro)) == [alert]


def test_no_alert_and_no_email_if_the_write_that_caused_them_rolls_back(world, people):
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify(world, [(people.social_worker, Urgency.URGENT)])
        raise RuntimeError("the episode could not be saved")
    assert not Alert.objects.exists() and not Delivery.objects.exists() and not Task.objects.exists()


def test_an_smtp_failure_is_retried_and_the_alert_is_not_lost(world, people, settings):
    from homeward.devtools.smtp_sink import free_port, smtp_sink

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listening yet
    [alert] = _notify(world, [(people.social_worker, Urgency.NORMAL)])
    run_due()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SENDING and "Connection" in delivery.last_error
    task = Task.objects.get()
    assert (task.status, task.attempts) == ("queued", 1)
    with smtp_sink(port=settings.EMAIL_PORT) as mailbox:
        run_due(task.run_at)
        assert mailbox.wait_for(1, timeout=5)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


def test_a_kept_smtp_connection_the_server_dropped_is_replaced_at_once(world, people, settings):
    from homeward.devtools.smtp_sink import free_port, smtp_sink

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    with smtp_sink(port=settings.EMAIL_PORT) as first:
        _notify(world, [(people.social_worker, Urgency.NORMAL)])
        run_due()
        assert len(first.messages) == 1
    with smtp_sink(port=settings.EMAIL_PORT) as restarted:  # the mail server restarted meanwhile
        _notify(world, [(people.host_coordinator, Urgency.NORMAL)])
        run_due()
        assert [m.to for m in restarted.messages] == [[people.host_coordinator.email]]
    assert set(Delivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}
