"""End sessions that have been idle too long or have lasted too long since the log-in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
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
