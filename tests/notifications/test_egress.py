"""Where webhooks may go: public https destinations, checked when a subscription is saved and
again on every connection, after DNS, on the address actually connected to."""

import socket

import pytest
from django.test import override_settings

from cases import services as cases
from notifications import egress, services
from notifications.models import DeliveryAttempt, WebhookDelivery, WebhookSubscription
from tests.cases.test_cases_api import assert_problem
from tests.conftest import client_for
from tests.factories import case_kwargs
from tests.notifications.receiver import Receiver
from tests.notifications.test_services import last_event, subscribe, system
from tests.test_settings_and_deployment import GOOD_KEY, import_settings
from tracker.exceptions import DomainValidationError

PRODUCTION = override_settings(WEBHOOK_ALLOW_PRIVATE=False, WEBHOOK_ALLOW_HTTP=False)

NOT_PUBLIC = [
    "https://127.0.0.1/hook",
    "https://127.0.0.1:8443/hook",
    "https://[::1]/hook",
    "https://localhost/hook",
    "https://LOCALHOST./hook",
    "https://hooks.localhost/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://10.0.0.1/hook",
    "https://10.255.255.254/hook",
    "https://172.16.0.1/hook",
    "https://172.31.255.255/hook",
    "https://192.168.1.10/hook",
    "https://100.64.0.1/hook",  # shared address space (carrier-grade NAT)
    "https://198.18.0.1/hook",
    "https://0.0.0.0/hook",
    "https://224.0.0.1/hook",
    "https://240.0.0.1/hook",
    "https://255.255.255.255/hook",
    "https://[::]/hook",
    "https://[fc00::1]/hook",
    "https://[fd12:3456:789a::1]/hook",
    "https://[fe80::1]/hook",
    "https://[ff02::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped
    "https://[::ffff:7f00:1]/hook",
    "https://[::ffff:169.254.169.254]/hook",
    "https://[::127.0.0.1]/hook",  # IPv4-compatible
    "https://[64:ff9b::a00:1]/hook",  # NAT64 of 10.0.0.1
    "https://[2002:a00:1::]/hook",  # 6to4 of 10.0.0.1
    "https://2130706433/hook",  # 127.0.0.1 as one decimal number
    "https://0x7f000001/hook",  # … in hex
    "https://0x7f.0.0.1/hook",
    "https://0177.0.0.1/hook",  # … in octal
    "https://017700000001/hook",
    "https://127.1/hook",  # … shortened
    "https://%31%32%37.0.0.1/hook",  # … percent-encoded
    "https://１２７.０.０.１/hook",  # … in full-width digits
    "https://intranet/hook",  # one label: resolved through the search domains, inwards
    "https://printer.local/hook",
    "https://router.home.arpa/hook",
    "http://hooks.example/hook",  # plain http
    "ftp://hooks.example/hook",
    "https://user:secret@hooks.example/hook",
    "https://hooks.example@127.0.0.1/hook",
]
PUBLIC = [
    "https://hooks.example/tracker",
    "https://8.8.8.8/hook",
    "https://[2001:4860:4860::8888]/hook",
    "https://hooks.example:8443/tracker",
]


@PRODUCTION
@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_it_refuses_subscription_urls_that_do_not_lead_to_a_public_https_address(url, make_key):
    with pytest.raises(DomainValidationError) as refused:
        egress.check_url(url)
    assert refused.value.errors.keys() == {"url"}
    _, token = make_key()
    api = client_for(token)
    assert_problem(api.post("/api/v1/webhooks/", {"url": url}, format="json"), 400, "/url")
    hook = api.post("/api/v1/webhooks/", {"url": "https://hooks.example/hook"}, format="json").json()
    assert_problem(api.patch(f"/api/v1/webhooks/{hook['id']}/", {"url": url}, format="json"), 400, "/url")
    assert list(WebhookSubscription.objects.values_list("url", flat=True)) == ["https://hooks.example/hook"]


@PRODUCTION
@pytest.mark.parametrize("url", PUBLIC)
def test_it_accepts_public_https_destinations(url, make_key):
    egress.check_url(url)
    _, token = make_key()
    assert client_for(token).post("/api/v1/webhooks/", {"url": url}, format="json").status_code == 201


@pytest.fixture
def fake_dns(monkeypatch):
    """A resolver for names under .example.org (the rest goes to the real one): ``answers[name]``
    is a list of answers, one per lookup, the last repeated. Lookups are counted."""
    real = socket.getaddrinfo
    answers: dict[str, list[str]] = {}
    lookups: dict[str, int] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".example.org"):
            lookups[host] = lookups.get(host, 0) + 1
            answer = answers[host][min(lookups[host], len(answers[host])) - 1]
            family = socket.AF_INET6 if ":" in answer else socket.AF_INET
            sockaddr = (answer, port, 0, 0) if family == socket.AF_INET6 else (answer, port)
            return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers, lookups


@PRODUCTION
def test_a_name_that_resolves_to_a_private_address_is_refused_at_creation(make_key, fake_dns):
    answers, _ = fake_dns
    answers["hooks.example.org"] = ["10.1.2.3"]
    answers["v6.example.org"] = ["fd00::5"]
    answers["fine.example.org"] = ["8.8.4.4"]
    _, token = make_key()
    api = client_for(token)
    body = assert_problem(api.post("/api/v1/webhooks/", {"url": "https://hooks.example.org/h"}, format="json"), 400)
    assert "10.1.2.3" in body["detail"]
    assert_problem(api.post("/api/v1/webhooks/", {"url": "https://v6.example.org/h"}, format="json"), 400, "/url")
    assert api.post("/api/v1/webhooks/", {"url": "https://fine.example.org/h"}, format="json").status_code == 201


def test_development_and_the_tests_may_use_a_receiver_on_loopback(make_key):
    """The test settings allow private addresses and http (WEBHOOK_ALLOW_PRIVATE/_HTTP)."""
    _, token = make_key()
    answer = client_for(token).post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/hook"}, format="json")
    assert answer.status_code == 201


@pytest.mark.parametrize("setting", ["WEBHOOK_ALLOW_PRIVATE", "WEBHOOK_ALLOW_HTTP"])
def test_production_refuses_to_start_with_private_or_http_webhooks(setting):
    result = import_settings("config.settings.production", DEBUG="false", SECRET_KEY=GOOD_KEY, **{setting: "true"})
    assert result.returncode != 0 and setting in result.stderr


def one_delivery(alice, osl, url):
    """A subscription to ``url`` saved while private destinations were allowed, and one delivery for it."""
    sub, secret = subscribe(system(), url, ["case.created"])
    cases.case_create(actor=alice, unit=osl, **case_kwargs())
    services.dispatch(last_event("case.created").pk)
    return sub, secret, WebhookDelivery.objects.get(subscription=sub)


def test_at_send_time_a_name_that_resolves_to_loopback_is_refused(alice, osl, reference):
    with Receiver() as receiver:
        port = receiver.server.server_port
        for url in (f"http://localhost:{port}/hook", f"http://127.0.0.1:{port}/hook", f"http://[::1]:{port}/hook"):
            WebhookSubscription.objects.all().delete()
            sub, receiver.secret, delivery = one_delivery(alice, osl, url)
            with override_settings(WEBHOOK_ALLOW_PRIVATE=False):
                out = services.deliver([delivery.pk])
            assert out.failed == [str(delivery.pk)]
            attempt = delivery.attempt_log.get()
            assert attempt.status_code is None and "Refused" in attempt.error and "loopback" in attempt.error
        assert receiver.requests == []


def test_dns_rebinding_cannot_swap_the_checked_address_for_another(alice, osl, reference, fake_dns):
    """The name resolves to a public address for the check and to loopback (the receiver) after:
    the connection goes to the checked address, with no second lookup to swap."""
    answers, lookups = fake_dns
    with Receiver() as receiver:
        answers["rebind.example.org"] = ["8.8.8.8", "127.0.0.1"]
        url = f"http://rebind.example.org:{receiver.server.server_port}/hook"
        sub, receiver.secret, delivery = one_delivery(alice, osl, url)
        with override_settings(WEBHOOK_ALLOW_PRIVATE=False, WEBHOOK_TIMEOUT_SECONDS=1):
            assert services.deliver([delivery.pk]).failed == [str(delivery.pk)]
        assert lookups["rebind.example.org"] == 1
        assert receiver.requests == []  # never reached through the second answer
        # With the first answer private, it is refused outright.
        answers["inwards.example.org"] = ["127.0.0.1"]
        WebhookSubscription.objects.filter(pk=sub.pk).update(url=url.replace("rebind", "inwards"), backoff_until=None)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
        with override_settings(WEBHOOK_ALLOW_PRIVATE=False):
            services.deliver([delivery.pk])
        assert "resolves to 127.0.0.1, a loopback address" in delivery.attempt_log.last().error
        assert receiver.requests == []


def test_at_send_time_plain_http_is_refused_unless_allowed(alice, osl, reference):
    with Receiver() as receiver:
        sub, receiver.secret, delivery = one_delivery(alice, osl, receiver.url)
        with override_settings(WEBHOOK_ALLOW_HTTP=False):
            assert services.deliver([delivery.pk]).failed == [str(delivery.pk)]
        assert "https://" in delivery.attempt_log.get().error and receiver.requests == []


def test_a_redirect_is_not_followed(alice, osl, reference):
    with Receiver() as target, Receiver(statuses=[302], location="") as receiver:
        receiver.location = target.url
        sub, receiver.secret, delivery = one_delivery(alice, osl, receiver.url)
        assert services.deliver([delivery.pk]).failed == [str(delivery.pk)]
        assert delivery.attempt_log.get().status_code == 302
        assert len(receiver.requests) == 1 and target.requests == []


def test_the_delivery_log_keeps_the_length_of_the_reply_never_the_reply(alice, osl, reference, make_key):
    page = b"<html>internal admin console: db password hunter2</html>"
    with Receiver(statuses=[500], reply=page) as receiver:
        key, token = make_key()
        sub, receiver.secret = subscribe(key.user, receiver.url, ["case.created"])
        cases.case_create(actor=alice, unit=osl, **case_kwargs())
        services.dispatch(last_event("case.created").pk)
        services.deliver([WebhookDelivery.objects.get(subscription=sub).pk])
    attempt = DeliveryAttempt.objects.get()
    assert attempt.status_code == 500 and attempt.response_bytes == len(page)
    assert "hunter2" not in str([getattr(attempt, f.attname) for f in DeliveryAttempt._meta.concrete_fields])
    log = client_for(token).get(f"/api/v1/webhooks/{sub.pk}/deliveries/")
    assert log.status_code == 200 and b"hunter2" not in log.content
    assert log.json()["results"][0]["attempt_log"][0]["response_bytes"] == len(page)
