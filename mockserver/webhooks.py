"""The real server's check of a run's or a cron's `webhook` URL, in its words.

langgraph_api.webhook.validate_webhook_url_or_raise under its default policy (no
WEBHOOKS_CONFIG): loopback denied, private ranges allowed, any port, http or https, then the
SSRF checks of langgraph_api.lc_security (scheme, host names, the address ranges it blocks).
The mock never resolves a host name (docs/deviations.md): a name passes unless it is one the
real server refuses by name; an address written as numbers is checked as the real server
checks what a lookup returns. The mock calls no webhook either way (#32).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlparse

from mockserver.errors import Unprocessable

MAX_URL_LENGTH = 4096
RELATIVE = (
    "Loopback webhooks (relative URLs and localhost) are disabled by default. They bypass "
    "authentication via the in-process ASGI transport and can be abused to invoke internal "
    "routes as an unauthenticated caller. Set webhooks.url.disable_loopback to false (in "
    "langgraph.json or via LANGGRAPH_WEBHOOKS) to opt back in — only do so when you control "
    "the mounted routes."
)
_LOCALHOST_NAMES = frozenset({"localhost", "localhost.localdomain", "host.docker.internal"})
_METADATA_NAMES = frozenset(
    {"metadata.google.internal", "metadata.amazonaws.com", "metadata", "instance-data"}
)
_METADATA_IPS = frozenset({"169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254"})
_ALWAYS_BLOCKED = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.0.0/16",
        "0.0.0.0/8",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "255.255.255.255/32",
        "fe80::/10",
        "ff00::/8",
        "::ffff:0:0/96",
        "::0.0.0.0/96",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
    )
)
_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def check_webhook(url: str) -> None:
    """Unprocessable (422) with the real server's detail for a webhook it refuses."""
    if len(url) > MAX_URL_LENGTH:
        raise Unprocessable("Webhook URL too long")
    if url.startswith("/"):
        raise Unprocessable(RELATIVE)
    try:
        parsed = urlparse(url)
        host = parsed.hostname or ""
    except ValueError:  # `http://[::1`: the real server's 500
        parsed, host = urlparse(""), ""
    if not host:
        raise Unprocessable(f"Invalid webhook hostname '{host}'")
    if (reason := _blocked(parsed.scheme.lower(), host.lower())) is not None:
        raise Unprocessable(f"Webhook host blocked: {reason}")


def _blocked(scheme: str, host: str) -> str | None:
    if scheme not in ("http", "https"):
        return f"scheme '{scheme}' not allowed"
    if host in _LOCALHOST_NAMES:
        return "localhost address"
    if host in _METADATA_NAMES:
        return "cloud metadata endpoint"
    if host.endswith(".svc.cluster.local"):
        return "Kubernetes internal DNS"
    try:  # numbers only, as a lookup reads them (`127.1` too); a name is never looked up
        found = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    for *_, sockaddr in found:
        if (reason := _in_ranges(ipaddress.ip_address(sockaddr[0]))) is not None:
            return reason
    return None


def _in_ranges(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why the real server refuses an address (an IPv4-mapped or NAT64 IPv6 address is in an
    always-blocked range itself)."""
    if any(address in net for net in _ALWAYS_BLOCKED if net.version == address.version):
        return "blocked IP range"
    if any(address in net for net in _LOOPBACK if net.version == address.version):
        return "loopback IP range"
    if str(address) in _METADATA_IPS:
        return "cloud metadata endpoint"
    return None
