"""Re-authentication before sensitive actions: the password again within the last minutes.

A page or API call wrapped with `reauth_required` (or checking `api_refusal`) goes
through only if the session's user typed their password on the confirm page
(`/reauth/`) within `WINDOW`. Pages redirect there with `next` set to the page
itself; a POST is never replayed: the confirm page returns to the form (a GET), which
the user submits again. The API answers 403 with a link to the confirm page. A bearer
token is exempt: the token itself is the credential, and it has no session to mark.
"""

from __future__ import annotations

import datetime
import time
from functools import wraps
from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

WINDOW = datetime.timedelta(minutes=5)
SESSION_KEY = "lethe_reauth_at"


def mark(request) -> None:
    """Record in the session that its user typed their password just now."""
    request.session[SESSION_KEY] = int(time.time())


def is_fresh(request) -> bool:
    """Return whether the session's user typed their password within WINDOW."""
    at = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    return isinstance(at, int) and 0 <= time.time() - at < WINDOW.total_seconds()


def confirm_url(next_path: str) -> str:
    """Return the confirm page's address, coming back to `next_path`."""
    return f"{reverse('reauth')}?{urlencode({'next': next_path})}"


def reauth_required(view=None, *, methods: frozenset[str] | None = None):
    """Send a user who has not typed their password within WINDOW to the confirm page.

    With `methods`, only requests of those methods are checked (say a list page whose
    POST creates something sensitive). Put it under the access rule
    (`roles_required`), so that only the right roles get this far.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if (methods is None or request.method in methods) and not is_fresh(request):
                return redirect(confirm_url(request.path))
            return view(request, *args, **kwargs)

        return wrapper

    return decorate if view is None else decorate(view)


def _bearer(request) -> bool:
    return request.headers.get("Authorization", "")[:7].lower() == "bearer "


def api_refusal(request, next_path: str = "") -> JsonResponse | None:
    """Return the API's 403 asking to re-authenticate, or None if the call may go on."""
    if _bearer(request) or is_fresh(request):
        return None
    link = confirm_url(next_path or request.get_full_path())
    return JsonResponse(
        {
            "detail": "re-authenticate",
            "errors": {},
            "reauthenticate": link,
            "message": "confirm your password at this address, then repeat the request",
        },
        status=403,
    )
