"""Redirects after a form's POST."""

from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url


class SeeOther(HttpResponseRedirect):
    """303: the POST worked, now GET this page (the browser does not repeat the POST)."""

    status_code = 303


def see_other(to, *args, **kwargs) -> SeeOther:
    """Return a 303 to a URL name (with arguments) or a path."""
    return SeeOther(resolve_url(to, *args, **kwargs))
