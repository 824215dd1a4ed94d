"""The public privacy notice: the version in force at /privacy, earlier ones at /privacy/v/<n>."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from lethe.accounts.access import public
from lethe.purposes import notice
from lethe.purposes.models import NoticeVersion


def _page(request, version: NoticeVersion, current: NoticeVersion):
    return render(
        request,
        "purposes/notice.html",
        {
            "version": version,
            "current": current,
            # Rendered by Lethe's own template from the registry, with every value
            # escaped when it was published; stored exactly as it was shown.
            "text": mark_safe(version.html),  # noqa: S308
            "versions": NoticeVersion.objects.only("number", "published_at", "sha256"),
        },
    )


@public
@require_GET
def privacy_notice(request):
    """Show the privacy notice in force."""
    current = notice.current()
    return _page(request, current, current)


@public
@require_GET
def privacy_notice_version(request, number: int):
    """Show an earlier (or the current) version exactly as it was published."""
    version = get_object_or_404(NoticeVersion, number=number)
    return _page(request, version, notice.latest())
