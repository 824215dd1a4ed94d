"""Activity pages: log an activity from the contact page, my open tasks, mark a task done.

Every form works without JavaScript (POST, then a redirect); with htmx (the
HX-Request header) the same URLs answer with the fragment to swap in.
"""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.activities import actions, display, queries, timeline
from lethe.activities.forms import ActivityForm
from lethe.activities.models import Activity
from lethe.contacts.api import READERS, WRITERS
from lethe.contacts.models import Contact
from lethe.vault.errors import AccessDenied, SubjectErased
from lethe.vault.policy import default_purpose

TASKS_LIMIT = 200


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _see_other(url: str) -> HttpResponseRedirect:
    """Redirect after a POST with 303, so the browser follows with a GET."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _post_data(request, contact: Contact):
    data = request.POST.copy()
    data["contact"] = str(contact.pk)  # the page's contact, whatever the form says
    return data


@require_http_methods(["GET", "POST"])
@roles_required(*WRITERS)
def log_for_contact(request, contact_id: int):
    """Log a call, e-mail, meeting, task or note about a contact (the contact page's form)."""
    contact = get_object_or_404(Contact.objects.select_related("subject", "company"), pk=contact_id)
    actor = actor_for(request.user, request=request)
    purpose = default_purpose(actor)
    form, status = None, 200
    if request.method == "POST":
        form = ActivityForm(_post_data(request, contact))
        if form.is_valid():
            try:
                actions.create_activity(actor, purpose, form.cleaned_data, owner=request.user)
            except AccessDenied:
                form.add_error("body", "your roles may not write notes about this person")
            except SubjectErased:
                form.add_error("body", "this person was erased: nothing more is written about them")
            else:
                if not _htmx(request):
                    return _see_other(reverse("contacts:detail", args=[contact.pk]) + "#activities")
                form = None
        status = 400 if form is not None else 200
    context = timeline.for_contact(request, actor, contact, purpose, form)
    if _htmx(request):
        return render(request, "activities/_contact_section.html", context, status=status)
    return render(request, "activities/log.html", context, status=status)


@require_http_methods(["GET"])
@roles_required(*READERS)
def my_tasks(request):
    """The signed-in user's open tasks, the most overdue first, each with a done button."""
    actor = actor_for(request.user, request=request)
    purpose = default_purpose(actor)
    tasks = list(queries.loaded(queries.open_tasks(request.user.pk))[:TASKS_LIMIT])
    return render(
        request,
        "activities/tasks.html",
        {
            "shown": display.show(actor, purpose, tasks),
            "limited": len(tasks) == TASKS_LIMIT,
            "today": timezone.localdate(),
            "can_write": bool(request.user.roles & frozenset(WRITERS)),
        },
    )


@require_POST
@roles_required(*WRITERS)
def complete(request, activity_id: int):
    """Mark a task done; back to where the button was (or only an empty fragment for htmx)."""
    activity = get_object_or_404(Activity.objects.select_related("contact"), pk=activity_id)
    try:
        actions.complete_task(actor_for(request.user, request=request), activity)
    except actions.ActivityError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    if _htmx(request):
        return HttpResponse("")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("activities:tasks")
    return _see_other(target)
