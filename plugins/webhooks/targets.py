"""Where a subscription may send events. A target is checked when it is saved (its form) and
again before every delivery (its addresses: a name may resolve elsewhere later), so a webhook
cannot be aimed at the server's own network unless an administrator allowed that host."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

MAX_URL = 2000


class TargetRefused(ValueError):
    """The target URL breaks a rule; the message says which."""


def check_url_form(url: str) -> str:
    """The URL's shape: http(s), a host, no credentials, no fragment. Returns the host."""
    if not isinstance(url, str) or not url:
        raise TargetRefused("is required")
    if len(url) > MAX_URL:
        raise TargetRefused(f"must be at most {MAX_URL} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise TargetRefused("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise TargetRefused(f"is not a valid URL ({error})") from None
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("must start with http:// or https://")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise TargetRefused("must not hold credentials (user:password@); sign with the secret")
    if not parts.hostname:
        raise TargetRefused("must name a host")
    if parts.fragment:
        raise TargetRefused("must not have a #fragment")
    if port == 0:
        raise TargetRefused("must not use port 0")
    return parts.hostname.lower()


def _allowed_entries() -> tuple[set[str], list]:
    names, networks = set(), []
    for entry in settings.CSADMIN_WEBHOOK_ALLOWED_HOSTS:
        entry = entry.strip().lower()
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry.rstrip("."))
    return names, networks


def _is_public(address) -> bool:
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list:
    """The addresses a host name stands for (an address stands for itself)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise TargetRefused(f"host {host} cannot be resolved ({error})") from None
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def check_target(url: str) -> None:
    """Everything: the URL's form, the allow-list, and every address the host resolves to."""
    host = check_url_form(url)
    if host.rstrip(".") in _allowed_entries()[0]:
        return  # allowed by name: whatever it resolves to (checked again when connecting)
    parts = urlsplit(url)
    allowed_addresses(host, parts.port or (443 if parts.scheme == "https" else 80))


def allowed_addresses(host: str, port: int) -> list:
    """The addresses of `host` a delivery may connect to; TargetRefused when any of them is
    not allowed. The delivery's connections call this at the moment they connect, so a name
    that resolved to a public address when checked cannot lead to a private one afterwards."""
    host = host.lower().strip("[]")
    names, networks = _allowed_entries()
    addresses = resolve(host, port)
    if not addresses:
        raise TargetRefused(f"host {host} has no address")
    if host.rstrip(".") in names:
        return addresses
    for address in addresses:
        allowed = any(address in network for network in networks)
        if settings.CSADMIN_WEBHOOK_ONLY_ALLOWED_HOSTS and not allowed:
            raise TargetRefused(f"host {host} is not in the allowed hosts")
        if not allowed and not _is_public(address):
            raise TargetRefused(
                f"host {host} is a private, loopback or reserved address ({address}); "
                "an administrator can allow it (CSADMIN_WEBHOOK_ALLOWED_HOSTS)"
            )
    return addresses
