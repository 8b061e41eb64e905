"""Layer 1: the services and task functions called directly, against a real receiver."""

import datetime

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from agencies import services as key_services
from agencies.models import Agency, RegionalUnit
from cases import services as cases
from cases.choices import Visibility
from controls import services as controls
from notifications import emails, reminders, services, webhooks
from notifications.choices import DeliveryStatus, EmailFrequency
from notifications.models import Notification, NotificationPreference, WebhookDelivery, WebhookSubscription
from tests.factories import case_kwargs, officer
from tests.notifications.receiver import Receiver
from tracker.models import Event

WEBHOOK_SCOPES = ["webhooks:write", "cases:read", "controls:read", "referrals:read"]


def system(agency="LABOUR", unit="OSL", name="System", scopes=WEBHOOK_SCOPES):
    key, _ = key_services.api_key_create(
        actor=None,
        name=name,
        agency=Agency.objects.get(code=agency),
        units=[RegionalUnit.objects.get(code=unit)],
        scopes=list(scopes),
    )
    return key.user


def subscribe(owner, url, types=()):
    sub, secret = webhooks.subscription_create(actor=owner, url=url, event_types=list(types))
    return sub, secret


def wait_is_over(sub) -> None:
    """As if the subscription's backoff had run out."""
    WebhookSubscription.objects.filter(pk=sub.pk).update(backoff_until=timezone.now())


def delivery_ids(sub) -> list[str]:
    return [str(pk) for pk in sub.deliveries.order_by("event_id").values_list("pk", flat=True)]


def last_event(kind):
    return Event.objects.filter(type=kind).order_by("-id").first()


def test_an_event_notifies_the_unit_members_of_its_agencies_and_no_one_else(alice, bob, carol, dave, osl):
    officer("nina", "NAV")  # same unit, agency not on the case
    case = cases.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX"]))
    labour2 = officer("lars", "LABOUR")
    assert services.dispatch(last_event("case.created").pk) >= 1
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert {"bob", "lars"} <= told  # Tax takes part; another Labour officer
    assert "alice" not in told  # the author
    assert not {"dave", "nina"} & told
    assert all(n.case_id == case.pk for n in Notification.objects.all())
    assert labour2.notifications.count() == 1


def test_dispatching_twice_notifies_once(alice, bob, osl):
    cases.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX"]))
    event = last_event("case.created")
    assert services.dispatch(event.pk) >= 1
    assert services.dispatch(event.pk) == 0
    assert Notification.objects.filter(event=event, recipient=bob).count() == 1


def test_a_private_journal_entry_reaches_no_other_agency(alice, bob, osl, reference):
    case = cases.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX"]))
    tax_system = system("TAX", name="Tax")
    sub, _ = subscribe(tax_system, "https://tax.example/hook")
    cases.journal_add(actor=alice, case=case, body="Labour only", visibility=Visibility.AGENCY)
    services.dispatch(last_event("journal.added").pk)
    assert WebhookDelivery.objects.filter(subscription=sub, event__type="case.created").exists()  # same batch
    assert not WebhookDelivery.objects.filter(subscription=sub, event__type="journal.added").exists()
    assert not Notification.objects.filter(recipient=bob, verb="journal.added").exists()


def test_a_webhook_is_signed_and_delivered(alice, osl, reference):
    owner = system()
    with Receiver() as receiver:
        sub, secret = subscribe(owner, receiver.url, ["case.created"])
        receiver.secret = secret
        cases.case_create(actor=alice, unit=osl, **case_kwargs())
        services.dispatch(last_event("case.created").pk)
        delivery = WebhookDelivery.objects.get(subscription=sub)
        assert services.deliver([delivery.pk]).delivered == [str(delivery.pk)]
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.DELIVERED and receiver.bad_signatures == 0
        (event,) = receiver.applied.values()
        assert event["type"] == "case.created" and event["payload"]["reference"].startswith("OSL-")
        attempt = delivery.attempt_log.get()
        # The log keeps how much the receiver answered ("ok"), never what.
        assert attempt.status_code == 200 and attempt.latency_ms >= 0 and attempt.response_bytes == 2
        assert services.deliver([delivery.pk]) == services.Outcome()  # settled: not sent again
        assert len(receiver.requests) == 1


@override_settings(WEBHOOK_RETRY_BASE_SECONDS=1, WEBHOOK_RETRY_MAX_SECONDS=8)
def test_a_failure_backs_the_subscription_off_with_growing_jittered_delays(alice, osl, reference):
    owner = system()
    with Receiver(statuses=[500, 503]) as receiver:
        sub, receiver.secret = subscribe(owner, receiver.url)
        cases.case_create(actor=alice, unit=osl, **case_kwargs())
        services.dispatch(last_event("case.created").pk)
        delivery = WebhookDelivery.objects.get(subscription=sub, event__type="case.created")
        first = services.deliver([delivery.pk])
        assert first.failed == [str(delivery.pk)] and 0.5 <= first.resume[str(sub.pk)] <= 1
        assert services.drain(sub.pk) == services.Outcome()  # its wait is not over: nothing tried
        assert services.deliver([delivery.pk]).waiting == [str(delivery.pk)]  # nor by a stray task
        assert len(receiver.requests) == 1
        wait_is_over(sub)
        second = services.drain(sub.pk)  # the probe
        assert second.failed == [str(delivery.pk)] and 1 <= second.resume[str(sub.pk)] <= 2
        sub.refresh_from_db()
        assert sub.failures == 2 and sub.backoff_until > timezone.now()
        wait_is_over(sub)
        assert services.drain(sub.pk).delivered == [str(delivery.pk)]
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.DELIVERED
        assert [a.status_code for a in delivery.attempt_log.all()] == [500, 503, 200]
        sub.refresh_from_db()
        assert sub.backoff_until is None and sub.failures == 0  # healthy again
    assert [services.backoff(n) <= 8 for n in range(1, 12)] == [True] * 11


@override_settings(WEBHOOK_RETRY_WINDOW=datetime.timedelta(seconds=0), WEBHOOK_DISABLE_AFTER_DEAD=2)
def test_after_the_retry_window_a_delivery_is_dead_lettered_then_the_subscription_disabled(
    alice, osl, reference, django_capture_on_commit_callbacks
):
    owner = system()
    owner.email = "ops@labour.example"
    owner.save()
    with Receiver(statuses=[500] * 10) as receiver:
        sub, receiver.secret = subscribe(owner, receiver.url)
        for _ in range(2):
            cases.case_create(actor=alice, unit=osl, **case_kwargs())
            services.dispatch(last_event("case.created").pk)
        with django_capture_on_commit_callbacks(execute=True):
            for delivery in WebhookDelivery.objects.filter(subscription=sub):
                services.deliver([delivery.pk])
        assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DEAD}
        # The second waited behind the failing first, past its window: dead without a try.
        assert len(receiver.requests) == 1
    sub.refresh_from_db()
    assert sub.is_active is False and "kept failing" in sub.disabled_reason
    assert any("disabled" in m.subject for m in mail.outbox)


def test_redelivery_sends_a_dead_letter_again(alice, osl, reference):
    owner = system()
    with Receiver() as receiver:
        sub, receiver.secret = subscribe(owner, receiver.url)
        cases.case_create(actor=alice, unit=osl, **case_kwargs())
        services.dispatch(last_event("case.created").pk)
        delivery = WebhookDelivery.objects.get(subscription=sub)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DEAD, dead_at=timezone.now())
        services.redeliver(actor=owner, delivery=delivery)
        assert services.deliver([delivery.pk]).delivered == [str(delivery.pk)]
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.DELIVERED and len(receiver.applied) == 1


def test_immediate_e_mail_in_the_users_language_and_muting(alice, bob, osl):
    bob.language, bob.email = "nb", "bob@tax.example"
    bob.save()
    case = cases.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX"]))
    services.dispatch(last_event("case.created").pk)
    note = Notification.objects.get(recipient=bob)
    assert emails.send_immediate(note.pk) is True
    assert emails.send_immediate(note.pk) is False  # once
    assert mail.outbox[-1].subject.startswith("Sakssystemet:") and "Hei" in mail.outbox[-1].body
    pref = NotificationPreference.objects.create(user=bob)
    pref.muted_cases.add(case)
    cases.case_transition(actor=alice, case=case, to="assessment")
    services.dispatch(last_event("case.transitioned").pk)
    muted = Notification.objects.get(recipient=bob, verb="case.transitioned")
    assert emails.send_immediate(muted.pk) is False


def test_no_e_mail_goes_to_someone_who_may_no_longer_see_what_it_is_about(alice, bob, osl):
    from agencies.models import UnitMembership

    lars = officer("lars", "LABOUR")
    for person in (bob, lars):
        person.email = f"{person.username}@example.org"
        person.save()
    cases.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX"]))
    services.dispatch(last_event("case.created").pk)
    UnitMembership.objects.filter(user=bob).delete()  # bob's unit role is removed
    lars.is_active = False  # lars leaves
    lars.save()
    for person in (bob, lars):
        assert emails.send_immediate(Notification.objects.get(recipient=person).pk) is False
        NotificationPreference.objects.create(user=person, email=EmailFrequency.DIGEST)
    assert emails.send_digests() == 0 and mail.outbox == []


def test_the_daily_digest_gathers_what_was_not_e_mailed(alice, bob, osl):
    bob.email, bob.language = "bob@tax.example", "en"
    bob.save()
    NotificationPreference.objects.create(user=bob, email=EmailFrequency.DIGEST)
    for _ in range(3):
        cases.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX"]))
        services.dispatch(last_event("case.created").pk)
    assert emails.send_immediate(Notification.objects.filter(recipient=bob).first().pk) is False
    assert emails.send_digests() == 1
    assert "3 new notifications" in mail.outbox[-1].subject and mail.outbox[-1].body.count("- New case: OSL-") == 3
    assert emails.send_digests() == 0


def test_control_reminders_go_out_once_48_and_2_hours_before(carol, alice, osl):
    soon = timezone.now() + datetime.timedelta(hours=1)
    control = controls.control_plan(
        actor=carol,
        unit=osl,
        title="Night control",
        starts_at=soon,
        ends_at=soon + datetime.timedelta(hours=3),
        agencies=["LABOUR"],
    )
    controls.control_book_officer(actor=alice, control=control, officer=alice)
    assert reminders.control_reminders() == 2  # inside both the 48 h and the 2 h window
    assert reminders.control_reminders() == 0
    for event in Event.objects.filter(type="control.reminder"):
        services.dispatch(event.pk)
    assert Notification.objects.filter(recipient=alice, verb="control.reminder").count() == 2


def test_an_unacknowledged_referral_is_escalated_once(labour_case, alice, carol, desk, ncp):
    from referrals import services as referrals

    referral = referrals.referral_create(
        actor=alice,
        case=labour_case,
        contact_point=ncp,
        category="organised_crime",
        summary="s",
        legal_basis="police_register_act",
    )
    referral = referrals.referral_send(actor=alice, referral=referral)
    assert reminders.escalate_overdue_referrals() == 0
    type(referral).objects.filter(pk=referral.pk).update(
        acknowledgement_due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert reminders.escalate_overdue_referrals() == 1
    assert reminders.escalate_overdue_referrals() == 0
    services.dispatch(last_event("referral.overdue").pk)
    told = set(Notification.objects.filter(verb="referral.overdue").values_list("recipient__username", flat=True))
    assert {"carol", "desk"} <= told


def test_tasks_due_tomorrow_remind_their_assignee(labour_case, alice, bob):
    cases.task_create(
        actor=alice,
        case=labour_case,
        title="Visit",
        assignee=bob,
        due_on=timezone.localdate() + datetime.timedelta(days=1),
    )
    assert reminders.tasks_due_tomorrow() == 1
    assert reminders.tasks_due_tomorrow() == 0
    services.dispatch(last_event("task.due").pk)
    assert Notification.objects.filter(recipient=bob, verb="task.due").exists()


def test_the_sweeper_finds_events_never_handed_to_the_broker(alice, osl):
    cases.case_create(actor=alice, unit=osl, **case_kwargs())
    assert services.events_sweep_undispatched(older_than=datetime.timedelta(0)) >= 1


def test_the_python_visibility_rule_matches_the_sql_one(labour_case, alice, bob, carol, dave, erin, desk, ncp):
    from referrals import services as referrals
    from tracker.events import event_visibility_q, event_visible_to, load_scopes

    cases.journal_add(actor=alice, case=labour_case, body="Private")
    referral = referrals.referral_create(
        actor=alice,
        case=labour_case,
        contact_point=ncp,
        category="organised_crime",
        summary="s",
        legal_basis="police_register_act",
    )
    referrals.referral_send(actor=alice, referral=referral)
    people = [alice, bob, carol, dave, erin, desk, officer("nina", "NAV")]
    load_scopes(people)
    events = list(Event.objects.all())
    assert {e.type for e in events} == {"case.created", "journal.added", "referral.sent"}
    for user in people:
        in_sql = set(Event.objects.filter(event_visibility_q(user)).values_list("pk", flat=True))
        assert {e.pk for e in events if event_visible_to(e, user)} == in_sql, user.username


def test_a_burst_is_dispatched_in_one_batch_for_the_queries_of_one_event(
    alice, osl, django_assert_max_num_queries, reference
):
    for n in range(3):
        officer(f"labour{n}", "LABOUR")
        subscribe(system(name=f"S{n}"), f"https://s{n}.example/hook")
    for _ in range(30):
        cases.case_create(actor=alice, unit=osl, **case_kwargs())
    waiting = Event.objects.filter(dispatched_at__isnull=True).count()
    assert waiting >= 30
    with django_assert_max_num_queries(16):
        assert services.dispatch(last_event("case.created").pk) == waiting
    assert Notification.objects.filter(verb="case.created").count() == 30 * 3
    assert WebhookDelivery.objects.filter(event__type="case.created").count() == 30 * 3
    assert services.dispatch(last_event("case.created").pk) == 0


@override_settings(DISPATCH_BATCH_SIZE=4)
def test_a_batch_takes_its_own_event_first_then_the_oldest(alice, osl, reference):
    for _ in range(6):
        cases.case_create(actor=alice, unit=osl, **case_kwargs())
    waiting = list(Event.objects.filter(dispatched_at__isnull=True).order_by("pk"))
    assert services.dispatch(waiting[-1].pk) == 4
    claimed = set(Event.objects.filter(dispatched_at__isnull=False).values_list("pk", flat=True))
    assert claimed == {waiting[-1].pk, *[e.pk for e in waiting[:3]]}


def test_after_a_failure_the_rest_and_later_deliveries_wait_then_go_out_in_order(alice, osl, reference):
    owner = system()
    with Receiver(statuses=[200, 500]) as receiver:
        sub, receiver.secret = subscribe(owner, receiver.url, ["case.created"])
        for _ in range(4):
            cases.case_create(actor=alice, unit=osl, **case_kwargs())
        services.dispatch(last_event("case.created").pk)
        ids = delivery_ids(sub)
        out = services.deliver(ids)
        assert out.delivered == ids[:1] and out.failed == ids[1:2] and out.waiting == ids[2:]
        assert list(out.resume) == [str(sub.pk)]  # one drain, at the end of the wait
        assert len(receiver.requests) == 2  # the receiver is failing: the rest were not tried
        sub.refresh_from_db()
        rows = {str(d.pk): d for d in WebhookDelivery.objects.filter(subscription=sub)}
        assert rows[ids[0]].status == DeliveryStatus.DELIVERED
        assert [rows[i].attempts for i in ids] == [1, 1, 0, 0]
        assert all(rows[i].status == DeliveryStatus.PENDING for i in ids[1:])
        assert {rows[i].next_attempt_at for i in ids[1:]} == {sub.backoff_until}
        # An event committed while it waits joins the wait, whichever task picks it up.
        cases.case_create(actor=alice, unit=osl, **case_kwargs(title="Meanwhile"))
        services.dispatch(last_event("case.created").pk)
        late = delivery_ids(sub)[4:]
        assert WebhookDelivery.objects.get(pk=late[0]).next_attempt_at == sub.backoff_until
        assert services.deliver(late).waiting == late and len(receiver.requests) == 2
        wait_is_over(sub)  # the receiver has recovered
        assert services.drain(sub.pk).delivered == ids[1:] + late
        assert [e["payload"]["title"] for e in receiver.applied.values()][-1] == "Meanwhile"
        assert list(receiver.applied) == [str(e) for e in Event.objects.filter(
            deliveries__subscription=sub).order_by("pk").values_list("uuid", flat=True)]  # fmt: skip
        assert receiver.bad_signatures == 0


@override_settings(WEBHOOK_BATCH_SECONDS=0)
def test_a_batch_out_of_time_hands_the_rest_on_at_once(alice, osl, reference):
    owner = system()
    with Receiver() as receiver:
        sub, receiver.secret = subscribe(owner, receiver.url, ["case.created"])
        for _ in range(3):
            cases.case_create(actor=alice, unit=osl, **case_kwargs())
        services.dispatch(last_event("case.created").pk)
        ids = delivery_ids(sub)
        out = services.deliver(ids)
        assert out.delivered == ids[:1] and out.again == [ids[1:]]
        assert len(receiver.applied) == 1


def test_a_disabled_subscription_keeps_its_deliveries_waiting(alice, osl, reference):
    owner = system()
    sub, _ = subscribe(owner, "https://paused.example/hook", ["case.created"])
    cases.case_create(actor=alice, unit=osl, **case_kwargs())
    services.dispatch(last_event("case.created").pk)
    delivery = WebhookDelivery.objects.get(subscription=sub)
    webhooks.subscription_disable(subscription=sub, reason="Paused")
    assert services.deliver([delivery.pk]) == services.Outcome()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0
    with override_settings(OUTBOX_SWEEP_AFTER=datetime.timedelta(0)):
        assert services.deliveries_enqueue_due() == 0  # not re-queued while it is off


def test_switching_a_subscription_back_on_sends_what_waited_in_order(
    alice, osl, reference, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:
        sub, receiver.secret = subscribe(system(), receiver.url, ["case.created"])
        for n in range(3):
            cases.case_create(actor=alice, unit=osl, **case_kwargs(title=f"Case {n}"))
        services.dispatch(last_event("case.created").pk)
        webhooks.subscription_disable(subscription=sub, reason="Receiver under maintenance")
        assert services.deliver(delivery_ids(sub)) == services.Outcome() and receiver.requests == []
        with django_capture_on_commit_callbacks() as queued:
            webhooks.subscription_update(actor=sub.owner, subscription=sub, is_active=True)
        assert len(queued) == 1  # its drain
        assert services.drain(sub.pk).delivered == delivery_ids(sub)
        assert [e["payload"]["title"] for e in receiver.applied.values()] == ["Case 0", "Case 1", "Case 2"]
        sub.refresh_from_db()
        assert sub.is_active and sub.backoff_until is None


def test_dispatch_runs_a_constant_number_of_queries(alice, osl, django_assert_max_num_queries, reference):
    for n in range(6):
        officer(f"labour{n}", "LABOUR")
        subscribe(system(name=f"S{n}"), f"https://s{n}.example/hook")
    cases.case_create(actor=alice, unit=osl, **case_kwargs())
    event = last_event("case.created")
    # claim, event, candidates, memberships, desks, insert + read notifications,
    # subscriptions, owners' memberships and desks, insert + read deliveries, savepoints
    with django_assert_max_num_queries(16):
        services.dispatch(event.pk)
    assert Notification.objects.filter(event=event).count() >= 6
    assert WebhookDelivery.objects.filter(event=event).count() == 6


def test_e_mails_name_the_case_by_reference_and_title_in_the_readers_language(alice, bob, osl):
    """Every event of a case, also one whose payload carries only the case's id (a subject added),
    reads as the pages say it: "Person lagt til i en sak: OSL-… title", never an id."""
    bob.language, bob.email = "nb", "bob@tax.example"
    bob.save()
    case = cases.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX"]))
    person = cases.person_upsert(actor=alice, case=case, name="Ana Nowak")
    cases.case_add_subject(actor=alice, case=case, role="worker", person=person)
    for event_type in ("case.created", "case.subject_added"):
        services.dispatch(last_event(event_type).pk)
        note = Notification.objects.get(recipient=bob, verb=event_type)
        assert emails.send_immediate(note.pk) is True
        sent = mail.outbox[-1]
        assert case.reference in sent.subject and case.reference in sent.body and case.title in sent.body
        for other in Notification.objects.filter(verb=event_type):
            assert str(case.pk) not in other.title and str(person.pk) not in other.title
        assert str(case.pk) not in sent.subject + sent.body and str(person.pk) not in sent.subject + sent.body
        assert "Case created" not in sent.body and "Case subject added" not in sent.body  # Bokmål
