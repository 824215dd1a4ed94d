"""The client's address, also behind a reverse proxy (LETHE_TRUSTED_PROXIES).

The log-in throttle and the audit log's `client_addr` key on it. By default it is
the connection's address (REMOTE_ADDR): behind a proxy that is the proxy's, the same
for everyone. Only when the connection comes from a trusted proxy is
`X-Forwarded-For` read, from the right: each trusted proxy appends the address it
saw, so the rightmost hop that is not itself a trusted proxy is the client. Hops to
its left were written by the client and are ignored, so a forged header gains an
attacker nothing.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def networks(values) -> tuple:
    """Return the trusted proxies as networks; raise ValueError naming a bad entry."""
    parsed = []
    for value in values:
        try:
            parsed.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address or network") from None
    return tuple(parsed)


def _address(text: str):
    """Return the IP address in one X-Forwarded-For hop, or None."""
    text = text.strip()
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address, proxies) -> bool:
    return address is not None and any(address in net for net in proxies)


def client_address(request) -> str:
    """Return the client's IP address for this request ("" when unknown)."""
    if request is None:
        return ""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    found = remote
    proxies = networks(getattr(settings, "LETHE_TRUSTED_PROXIES", ()))
    if proxies and _trusted(_address(remote), proxies):
        hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                break  # not an address: keep the proxy's rather than trust a forgery
            if not _trusted(address, proxies):
                found = str(address)
                break
        else:
            if hops:  # every hop is a trusted proxy: the leftmost is where it began
                found = str(_address(hops[0]))
    return found
