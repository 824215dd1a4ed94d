"""Access rules for pages and API endpoints: who may open what, by role.

Every view declares its rule with `roles_required`, `signed_in` or `public`, and
every API endpoint with `RoleAuth`; tests/test_access_matrix.py fails for a URL
without one.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from ninja.security import SessionAuth

from lethe.vault.policy import Role

PUBLIC = "public"
SIGNED_IN = "signed-in"


def roles_required(*roles: Role):
    """Let a view through only for a signed-in user holding one of `roles` (else 403)."""
    allowed = frozenset(roles)

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.roles & allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.lethe_roles = allowed
        return wrapper

    return decorate


def public(view):
    """Mark a view as deliberately open to anyone."""
    view.lethe_roles = PUBLIC
    return view


def signed_in(view):
    """Let any signed-in user through (the page itself shows nothing personal)."""
    wrapped = login_required(view)
    wrapped.lethe_roles = SIGNED_IN
    return wrapped


class RoleAuth(SessionAuth):
    """API authentication for users holding one of the roles (401/403 as JSON).

    Either the browser's session (with Django's CSRF check on every change) or an API
    token in `Authorization: Bearer lethe_...` (lethe.accounts.tokens), which acts as
    its user with the user's roles, limited to its scopes (lethe.accounts.tokens.allows).
    """

    def __init__(self, *roles: Role):
        super().__init__()
        self.roles = frozenset(roles)

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            from lethe.accounts import tokens

            token = tokens.token_for(header[7:].strip())
            if token is None:
                return None  # 401: a wrong token never falls back to the session
            if not tokens.allows(token, request.method, request.path):
                raise PermissionDenied  # 403: outside the token's scopes
            request.user = token.user
            return self._checked(token.user)
        return super().__call__(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return None if user is None else self._checked(user)

    def _checked(self, user):
        if not user.roles & self.roles:
            raise PermissionDenied
        return user
