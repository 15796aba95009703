"""The caller's IP address, for rate limits, read budgets, idempotency scopes and django-axes' lock-outs.

A client can write any ``X-Real-IP`` or ``X-Forwarded-For`` header, so they are believed only from a peer in
``TRUSTED_PROXIES`` (addresses or networks; production: loopback, where nginx sits in front of gunicorn):

1. A peer (``REMOTE_ADDR``) that is not a trusted proxy is the caller, whatever its headers say.
2. From a trusted proxy, ``X-Real-IP`` (nginx sets it to the address it saw, overwriting the client's) names the
   caller when it is a valid address.
3. Else ``X-Forwarded-For`` is read from the right, where each trusted proxy appended what it saw: the first
   address that is not a trusted proxy is the caller. An entry that is not an address stops the walk.
4. Otherwise the proxy itself is the caller.

``AXES_CLIENT_IP_CALLABLE`` points django-axes here, so that lock-outs and rate limits count the same address.
"""

import ipaddress
from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _trusted_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
    if address is None:
        return False
    return any(address in network for network in _trusted_networks(tuple(settings.TRUSTED_PROXIES)))


def client_address(request: HttpRequest) -> str:
    """The caller's IP address as text (``REMOTE_ADDR`` unless a trusted proxy names another; see the module)."""
    peer_text = str(request.META.get("REMOTE_ADDR", "") or "")
    if not _is_trusted(_address(peer_text)):
        return peer_text
    real = _address(str(request.META.get("HTTP_X_REAL_IP", "")))
    if real is not None:
        return str(real)
    for entry in reversed(str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")):
        hop = _address(entry)
        if hop is None:
            break
        if not _is_trusted(hop):
            return str(hop)
    return peer_text


def _check_settings(*, setting: str, **_kwargs: object) -> None:
    if setting == "TRUSTED_PROXIES":
        _trusted_networks.cache_clear()


setting_changed.connect(_check_settings, dispatch_uid="api.auth.client_address.trusted_proxies")
