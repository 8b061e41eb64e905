"""Where webhooks may go: public addresses, over https.

A subscription's URL is checked when it is saved, and every connection is checked again when
it is made, on the address actually connected to. The transport resolves the host once,
refuses the connection if any of its addresses is not public, and connects to the checked
address itself (TLS still verifies the certificate against the host name). A name that
resolves to a public address for a check and to 127.0.0.1 a moment later (DNS rebinding)
therefore cannot turn a delivery inwards: there is no second lookup to swap.

WEBHOOK_ALLOW_PRIVATE and WEBHOOK_ALLOW_HTTP lift the rules for development and the tests,
whose receivers listen on loopback; production refuses to start with either.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import unquote, urlsplit

import httpcore
import httpx
from django.conf import settings

from tracker.exceptions import DomainValidationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Names that never lead to the public internet (RFC 6761, 6762, 8375; ICANN's .internal).
LOCAL_NAMES = ("localhost", "local", "internal", "home.arpa", "localdomain")
# Top-level names reserved for documentation and tests (RFC 2606): they never resolve.
RESERVED_TLDS = ("example", "invalid", "test")
# Host names that are numbers: inet_aton() reads 2130706433, 0x7f.1 and 0177.0.0.1 as IPv4.
NUMERIC_HOST = re.compile(r"[0-9a-fx.]+")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")


class DestinationRefused(httpcore.ConnectError):
    """The host resolves to an address webhooks may not go to (httpx reports a ConnectError)."""


def _kind(ip: IPAddress) -> str | None:
    for attribute, kind in (
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
        ("is_site_local", "site-local"),
    ):
        if getattr(ip, attribute, False):
            return kind
    return None if ip.is_global else "non-public"


def _embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to (mapped, 6to4, Teredo, NAT64)."""
    if ip.version == 4:
        return []
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if ip in NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [v4 for v4 in found if v4 is not None]


def refusal(ip: IPAddress) -> str | None:
    """Why a webhook may not go to ``ip`` ("a loopback address"), or None when it may."""
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return None
    for candidate in (*_embedded_ipv4(ip), ip):
        kind = _kind(candidate)
        if kind:
            article = "an" if kind[0] in "aeiou" else "a"
            shown = f" ({candidate})" if candidate != ip else ""
            return f"{article} {kind} address{shown}"
    return None


def parse_ip(host: str) -> IPAddress | None:
    """``host`` as an address, in any form a resolver would accept; None for a name."""
    host = host.rstrip(".")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if NUMERIC_HOST.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to, in the resolver's order, without repeats."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


def check_url(url: str) -> None:
    """Refuse (400) a subscription URL that webhooks may not go to. Its host's addresses are
    checked now if it resolves, and again at every connection whether it resolved now or not."""

    def refuse(message: str):
        raise DomainValidationError.for_field("url", message)

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        refuse("Not a valid URL.")
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and settings.WEBHOOK_ALLOW_HTTP):
        refuse("Webhooks go to https:// URLs only.")
    if parts.username is not None or parts.password is not None:
        refuse("Leave credentials out of the URL: receivers authenticate webhooks by their signature.")
    host = unquote(parts.hostname or "").rstrip(".")
    if not host:
        refuse("The URL has no host.")
    try:
        ascii_host = host if ":" in host else host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        refuse(f"{host} is not a valid host name.")
    ip = parse_ip(ascii_host)
    if ip is not None:
        reason = refusal(ip)
        if reason:
            plain = host.lower() == str(ip) or (":" in host and parse_ip(host) == ip)
            shown = host if plain else f"{host} ({ip})"
            refuse(f"{shown} is {reason}: webhooks go to public addresses only.")
        return
    if not HOST_NAME.fullmatch(ascii_host):
        refuse(f"{host} is not a valid host name.")
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return
    labels = ascii_host.split(".")
    if len(labels) < 2 or any(ascii_host == n or ascii_host.endswith("." + n) for n in LOCAL_NAMES):
        refuse(f"{host} is not a public host name: use the receiver's fully qualified public name.")
    if labels[-1] in RESERVED_TLDS:
        return
    try:
        addresses = resolve(ascii_host, port or (443 if scheme == "https" else 80))
    except (OSError, UnicodeError):
        return  # not resolvable now; every connection resolves and checks it again
    for address in addresses:
        reason = refusal(address)
        if reason:
            refuse(f"{host} resolves to {address}, {reason}: webhooks go to public addresses only.")


class _CheckedBackend(httpcore.SyncBackend):
    """Resolves once, checks every address, connects to a checked one."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"Cannot resolve {host}: {exc}") from exc
        for address in addresses:
            reason = refusal(address)
            if reason:
                raise DestinationRefused(f"Refused: {host} resolves to {address}, {reason}.")
        error: Exception = httpcore.ConnectError(f"{host} has no address.")
        for address in addresses:
            try:
                return super().connect_tcp(str(address), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error


class CheckedTransport(httpx.HTTPTransport):
    """httpx's transport on a connection pool whose connections go through _CheckedBackend.
    httpx takes no network backend, so the pool it built is replaced by one that does."""

    def __init__(self) -> None:
        super().__init__(trust_env=False)
        limits = httpx.Limits()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_CheckedBackend(),
        )


def client() -> httpx.Client:
    """A client for webhooks: checked connections, no redirects, no proxies from the environment."""
    return httpx.Client(
        transport=CheckedTransport(),
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        follow_redirects=False,
        trust_env=False,
    )
