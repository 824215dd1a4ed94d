"""End sessions that have been idle too long or have lasted too long since the log-in."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

LOGIN_AT = "lethe_login_at"
SEEN_AT = "lethe_seen_at"


class SessionLimitsMiddleware:
    """Log out a session idle past SESSION_COOKIE_AGE or older than LETHE_SESSION_MAX_AGE.

    The database session also expires after SESSION_COOKIE_AGE without a request;
    checking here as well keeps both limits in one place that tests can see. After the
    log-out the request goes on as anonymous: pages send it to the log-in, the API
    answers 401.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            login_at = request.session.get(LOGIN_AT)
            seen_at = request.session.get(SEEN_AT, login_at)
            if (
                login_at is None
                or now - login_at > settings.LETHE_SESSION_MAX_AGE
                or now - seen_at > settings.SESSION_COOKIE_AGE
            ):
                logout(request)
            else:
                request.session[SEEN_AT] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    """Hold a session at the TOTP step until its user has passed (or enrolled) it.

    Pages redirect to the code page (or, for admin and dpo without a device, to
    enrolment); the API answers 401. Only those pages, log-out and static files pass.
    """

    OPEN = ("/account/verify/", "/account/two-factor/", "/logout/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from lethe.accounts import second_factor

        session = getattr(request, "session", None)
        state = session.get(second_factor.SESSION_KEY) if session is not None else None
        if (
            state in (second_factor.VERIFY, second_factor.ENROL)
            and request.user.is_authenticated
            and not request.path.startswith(self.OPEN)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "log in with your second factor first", "errors": {}}, status=401
                )
            name = "account:verify" if state == second_factor.VERIFY else "account:two-factor"
            return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
