"""The privacy console (`/console/`): the request register's pages, for the dpo role only.

A request page works inside the request's case (the identifiers, notes and the
located people's names are shown while it is open, and every opening is audited).
"Work in this case" puts the case in the session, so that the CRM's own pages show
the request's people too; "leave case" takes it out again.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lethe.accounts import reauth
from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.core.redirects import see_other
from lethe.dsr import cases, console, forms, queries, register
from lethe.dsr.models import Request
from lethe.vault import gate
from lethe.vault.policy import Role

DPO = Role.DPO
PAGE_SIZE = 50
# What the request page shows of each located person, to tell whether it is the requester.
SHOWN_FIELDS = ("first_name", "last_name", "email", "phone", "identity_number", "birth_date")


def _actor(request, dsr: Request | None = None):
    return actor_for(request.user, request=request, case=dsr.case if dsr else None)


def _dsr(pk: int) -> Request:
    return get_object_or_404(queries.with_counts(Request.objects.all()), pk=pk)


@require_GET
@roles_required(DPO)
def home(request):
    """The console's home: a panel per feature (requests first)."""
    return render(request, "dsr/home.html", {"panels": console.panels(request)})


@require_GET
@roles_required(DPO)
def requests(request):
    """The requests, the nearest deadline first, flagged overdue or due within 7 days."""
    form = forms.FilterForm(request.GET)
    page, status = None, 400
    if form.is_valid():
        data = form.cleaned_data
        found = queries.listed(
            status=data["status"],
            kind=data["kind"],
            assignee=data["assignee"].pk if data["assignee"] else None,
            open=None if data["closed"] or data["status"] else True,
        )
        page, status = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page") or 1), 200
    rows = [
        {"dsr": r, "flag": queries.flag(r), "flag_word": queries.FLAG_WORDS.get(queries.flag(r))}
        for r in (page or [])
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dsr/requests.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@roles_required(DPO)
def new(request):
    """Register a request received from a person."""
    form = forms.RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dsr = register.receive(
                _actor(request),
                data["kind"],
                data["identified_by"],
                form.identifiers(),
                received_on=data["received_on"],
                note=data["note"],
                source=Request.Source.CONSOLE,
            )
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, f"Request {dsr.pk} registered, due {dsr.due_on}.")
            return see_other("console:request", dsr.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "dsr/new.html", {"form": form}, status=status)


def _people(actor, dsr: Request, subjects: list[dict]) -> dict:
    """Return what each located person's fields say, read inside the case (audited)."""
    ids = [s["subject"] for s in subjects]
    if not ids or not queries.may_read(actor, dsr):
        return {}
    values = gate.read(
        register.in_case(actor, dsr), ids, register.PURPOSE, names=list(SHOWN_FIELDS)
    )
    return {s: [(n, values[s].get(n)) for n in SHOWN_FIELDS if values[s].get(n)] for s in ids}


def _page(request, dsr: Request, *, status: int = 200, **bound):
    """Render the request page; `bound` holds forms that failed, to show their errors."""
    actor = _actor(request, dsr)
    info = queries.detail(actor, dsr)
    people = _people(actor, dsr, info["subjects"])
    for found in info["subjects"]:
        found["fields"] = people.get(found["subject"], [])
        found["kinds"] = sorted(found["counts"].items())
    flag = queries.flag(dsr)
    exports = list(dsr.exports.all())
    for export in exports:
        export.is_available = export.available()
    context = {
        "exports": exports,
        "dsr": dsr,
        "info": info,
        "flag": flag,
        "flag_word": queries.FLAG_WORDS.get(flag),
        "in_case": cases.chosen(request) == dsr.case,
        "methods": register.VERIFICATION_METHODS,
        "verify_form": forms.VerifyForm(),
        "assign_form": forms.AssignForm(initial={"assignee": dsr.assignee_id}),
        "locate_form": forms.LocateForm(),
        "confirm_form": forms.ConfirmForm(request=dsr),
        "extend_form": forms.ExtendForm(),
        "wait_form": forms.NoteForm(prefix="wait"),
        "resume_form": forms.NoteForm(prefix="resume"),
        "refuse_form": forms.RefuseForm(),
        "close_form": forms.NoteForm(prefix="close"),
        **bound,
    }
    return render(request, "dsr/request.html", context, status=status)


@require_GET
@roles_required(DPO)
def detail(request, pk: int):
    """A request: its facts, identifiers, step log, located people and every action."""
    return _page(request, _dsr(pk))


def _action(request, pk: int, form_name: str, form, do, done: str):
    """Validate `form`, call `do(actor, dsr, data)`; on success back to the request page."""
    dsr = _dsr(pk)
    if form.is_valid():
        try:
            do(_actor(request, dsr), dsr, form.cleaned_data)
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, done)
            return see_other("console:request", dsr.pk)
    return _page(request, _dsr(pk), status=400, **{form_name: form}, failed=form_name)


@require_POST
@roles_required(DPO)
def verify(request, pk: int):
    return _action(
        request,
        pk,
        "verify_form",
        forms.VerifyForm(request.POST),
        lambda actor, dsr, d: register.verify(actor, dsr, d["method"], note=d["note"]),
        "The requester is verified.",
    )


@require_POST
@roles_required(DPO)
def assign(request, pk: int):
    return _action(
        request,
        pk,
        "assign_form",
        forms.AssignForm(request.POST),
        lambda actor, dsr, d: register.assign(actor, dsr, d["assignee"], note=d["note"]),
        "Assignment saved.",
    )


@require_POST
@roles_required(DPO)
def locate(request, pk: int):
    def do(actor, dsr, data):
        given = {k: v for k, v in data.items() if v}
        found = register.locate_subjects(actor, dsr, given or None)
        messages.info(request, f"{len(found.matched)} subject(s) located.")

    return _action(request, pk, "locate_form", forms.LocateForm(request.POST), do, "Located.")


@require_POST
@roles_required(DPO)
def confirm(request, pk: int):
    return _action(
        request,
        pk,
        "confirm_form",
        forms.ConfirmForm(request.POST, request=_dsr(pk)),
        lambda actor, dsr, d: register.confirm(actor, dsr, d["subjects"]),
        "Confirmed: these are the requester.",
    )


@require_POST
@roles_required(DPO)
def extend(request, pk: int):
    return _action(
        request,
        pk,
        "extend_form",
        forms.ExtendForm(request.POST),
        lambda actor, dsr, d: register.extend(actor, dsr, d["months"], d["reason"], d["told_on"]),
        "The deadline is extended.",
    )


@require_POST
@roles_required(DPO)
def wait(request, pk: int):
    return _action(
        request,
        pk,
        "wait_form",
        forms.NoteForm(request.POST, prefix="wait"),
        lambda actor, dsr, d: register.wait(actor, dsr, note=d["note"]),
        "The request waits on the requester.",
    )


@require_POST
@roles_required(DPO)
def resume(request, pk: int):
    return _action(
        request,
        pk,
        "resume_form",
        forms.NoteForm(request.POST, prefix="resume"),
        lambda actor, dsr, d: register.resume(actor, dsr, note=d["note"]),
        "The request is taken up again.",
    )


@require_POST
@roles_required(DPO)
def refuse(request, pk: int):
    return _action(
        request,
        pk,
        "refuse_form",
        forms.RefuseForm(request.POST),
        lambda actor, dsr, d: register.refuse(actor, dsr, d["reason"]),
        "The request is refused.",
    )


@require_POST
@roles_required(DPO)
def close(request, pk: int):
    return _action(
        request,
        pk,
        "close_form",
        forms.NoteForm(request.POST, prefix="close"),
        lambda actor, dsr, d: register.close(actor, dsr, note=d["note"]),
        "The request is closed.",
    )


@require_http_methods(["GET", "POST"])
@roles_required(DPO)
@reauth.reauth_required(methods=frozenset({"POST"}))
def fulfil(request, pk: int):
    """GET: what fulfilling would do (the plan); POST: do it (after re-authentication)."""
    dsr = _dsr(pk)
    actor = _actor(request, dsr)
    error = None
    if request.method == "POST":
        try:
            register.fulfil(actor, dsr)
        except ValidationError as exc:
            error = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        else:
            messages.success(request, f"Request {dsr.pk} is fulfilled and completed.")
            return see_other("console:request", dsr.pk)
    planned = register.plan(actor, dsr)
    return render(
        request,
        "dsr/fulfil.html",
        {
            "dsr": dsr,
            "plan": planned,
            "people": _planned_people(planned),
            "error": error,
            "confirmed": register.confirmed_subjects(dsr),
        },
        status=400 if error else 200,
    )


PLAN_SECTIONS = (("erase", "Erased"), ("anonymise", "Anonymised"), ("keep", "Kept, and why"))


def _plan_text(value) -> str:
    """One value of a plan in words: lists as their count and items, mappings as pairs."""
    if isinstance(value, list | tuple):
        if not value:
            return "none"
        if all(not isinstance(v, dict | list) for v in value):
            return f"{len(value)} ({', '.join(str(v) for v in value)})"
        return "; ".join(_plan_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')}: {_plan_text(v)}" for k, v in value.items())
    return str(value)


def _planned_people(planned: dict | None) -> list[dict]:
    """The plan's subjects (erasure) as sections of (what, in words) rows for the page."""
    if not planned or not isinstance(planned.get("subjects"), list):
        return []
    return [
        {
            "subject": found.get("subject"),
            "contact": found.get("contact"),
            "sections": [
                (title, [(k.replace("_", " "), _plan_text(v)) for k, v in found[key].items()])
                for key, title in PLAN_SECTIONS
                if isinstance(found.get(key), dict)
            ],
        }
        for found in planned["subjects"]
    ]


@require_POST
@roles_required(DPO)
def enter_case(request, pk: int):
    """Work in this request's case: the CRM's pages show its people while it is open."""
    dsr = _dsr(pk)
    if not dsr.is_open:
        messages.error(request, "The request is closed: its case is closed too.")
        return see_other("console:request", dsr.pk)
    request.session[cases.SESSION_KEY] = dsr.case
    messages.success(request, f"You work in case {dsr.case}.")
    return see_other("console:request", dsr.pk)


@require_POST
@roles_required(DPO)
def leave_case(request):
    """Leave the case: personal data is masked again outside the console's request pages."""
    request.session.pop(cases.SESSION_KEY, None)
    messages.success(request, "You left the case.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("console:home")
    return see_other(back or reverse("console:home"))
