"""Installation-level pages: the health check and the signed-in home page."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lethe.accounts.access import public, signed_in
from lethe.audit.models import AuditEvent
from lethe.core import environment
from lethe.vault import keyadmin
from lethe.vault.models import Subject


@public
@require_GET
def healthz(request):
    """Answer 200 when both databases and the key files are usable, 503 otherwise."""
    problems = keyadmin.health(settings.CONFIG)
    if problems:
        return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
    return JsonResponse({"status": "ok"})


@signed_in
@require_GET
def home(request):
    """Show who is signed in and what the installation holds, in counts only."""
    return render(
        request,
        "core/home.html",
        {
            "roles": sorted(request.user.roles),
            "subjects": Subject.objects.filter(status=Subject.Status.ACTIVE).count(),
            "erased": Subject.objects.filter(status=Subject.Status.ERASED).count(),
            "audit_events": AuditEvent.objects.count(),
            "data_kind": environment.data_kind(),
            "env": settings.CONFIG.env,
        },
    )
