"""Re-authentication's confirm page and the admin's screens for users, teams and tokens."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from lethe.accounts import actions, reauth, tokens
from lethe.accounts.access import roles_required, signed_in
from lethe.accounts.actions import actor_for
from lethe.accounts.forms import (
    ConfirmForm,
    DeactivateForm,
    MemberForm,
    RolesForm,
    TeamForm,
    TokenForm,
    UserCreateForm,
)
from lethe.accounts.models import ApiToken, Team, User
from lethe.audit import log
from lethe.audit.models import Action, Outcome
from lethe.vault.policy import Role


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return target


@require_http_methods(["GET", "POST"])
@signed_in
def confirm(request):
    """Ask for the password again; on success mark the session and go back to `next`.

    Pages link sensitive downloads through here (`/reauth/?next=...`), so a user whose
    confirmation is still fresh goes straight on.
    """
    form = ConfirmForm(request.POST or None)
    target = _next(request)
    if request.method == "GET" and reauth.is_fresh(request):
        return redirect(target)  # a link through this page asks only when it must
    if request.method == "POST" and form.is_valid():
        ok = request.user.check_password(form.cleaned_data["password"])
        with transaction.atomic():
            log.record(
                actor_for(request.user, request=request),
                Action.LOGIN_SUCCESS if ok else Action.LOGIN_FAILURE,
                outcome=Outcome.ALLOWED if ok else Outcome.DENIED,
                record_kind="user",
                record_id=request.user.pk,
                detail={"reauthentication": True},
            )
        if ok:
            reauth.mark(request)
            return redirect(target)
        form.add_error("password", "that is not your password")
    return render(
        request,
        "accounts/reauth.html",
        {"form": form, "next": target},
        status=400 if form.errors else 200,
    )


# The admin's screens for users, teams and tokens. Admins manage accounts; none of
# these pages shows personal data of contacts.

ADMIN_ONLY = roles_required(Role.ADMIN)


def _form_errors(form, exc: ValidationError) -> None:
    for name, problems in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, problems)


def _users():
    return User.objects.prefetch_related("role_grants", "teams").order_by("email")


@require_http_methods(["GET", "POST"])
@ADMIN_ONLY
@reauth.reauth_required(methods=frozenset({"POST"}))
def user_list(request):
    """List users with their roles, teams and state; create a user (re-authenticated)."""
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = actions.create_user(
                actor_for(request.user, request=request),
                data["email"],
                data["password"],
                {Role(r) for r in data["roles"]},
                data["display_name"],
                granted_by=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Added {user.email}.")
            return redirect("accounts:users")
    return render(
        request,
        "accounts/users.html",
        {"form": form, "users": _users()},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@ADMIN_ONLY
@reauth.reauth_required
def user_roles(request, user_id: int):
    """Change a user's roles (each grant and withdrawal audited; re-authenticated)."""
    user = get_object_or_404(User, pk=user_id)
    held = sorted(r.value for r in user.roles)
    form = RolesForm(request.POST or None, initial={"roles": held})
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_roles(
                actor_for(request.user, request=request),
                user,
                {Role(r) for r in form.cleaned_data["roles"]},
                granted_by=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Changed the roles of {user.email}.")
            return redirect("accounts:users")
    return render(
        request,
        "accounts/user_roles.html",
        {"form": form, "account": user},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@ADMIN_ONLY
@reauth.reauth_required
def user_deactivate(request, user_id: int):
    """Deactivate a user and give their records to another active user (re-authenticated)."""
    user = get_object_or_404(User, pk=user_id)
    form = DeactivateForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            counts = actions.deactivate_user(
                actor_for(request.user, request=request),
                user,
                form.cleaned_data["successor"],
                by=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                f"Deactivated {user.email}; {counts['contacts']} contacts, "
                f"{counts['companies']} companies, {counts['deals']} deals and "
                f"{counts['activities']} activities went to {form.cleaned_data['successor']}.",
            )
            return redirect("accounts:users")
    return render(
        request,
        "accounts/user_deactivate.html",
        {"form": form, "account": user},
        status=400 if form.errors else 200,
    )


@require_POST
@ADMIN_ONLY
def user_reactivate(request, user_id: int):
    """Let a deactivated user sign in again."""
    user = get_object_or_404(User, pk=user_id)
    actions.reactivate_user(actor_for(request.user, request=request), user)
    messages.success(request, f"{user.email} can sign in again.")
    return redirect("accounts:users")


@require_http_methods(["GET", "POST"])
@ADMIN_ONLY
def team_list(request):
    """List teams with their members; create a team."""
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = actions.create_team(
                actor_for(request.user, request=request), form.cleaned_data["name"]
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Added the team {team.name}.")
            return redirect("accounts:teams")
    teams = Team.objects.prefetch_related("members")
    return render(
        request,
        "accounts/teams.html",
        {"form": form, "teams": teams},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@ADMIN_ONLY
def team_detail(request, team_id: int):
    """Rename a team (form `rename`) or add a member (form `member`)."""
    team = get_object_or_404(Team, pk=team_id)
    actor = actor_for(request.user, request=request)
    which = request.POST.get("form") if request.method == "POST" else None
    rename = TeamForm(request.POST if which == "rename" else None, initial={"name": team.name})
    member = MemberForm(request.POST if which == "member" else None)
    if which == "rename" and rename.is_valid():
        try:
            actions.rename_team(actor, team, rename.cleaned_data["name"])
        except ValidationError as exc:
            _form_errors(rename, exc)
        else:
            messages.success(request, f"Renamed the team to {team.name}.")
            return redirect("accounts:team", team.pk)
    if which == "member" and member.is_valid():
        actions.set_membership(actor, team, member.cleaned_data["user"], True)
        messages.success(request, f"Added {member.cleaned_data['user']} to {team.name}.")
        return redirect("accounts:team", team.pk)
    team.refresh_from_db(fields=["name"])
    return render(
        request,
        "accounts/team.html",
        {
            "team": team,
            "members": team.members.order_by("email"),
            "rename": rename,
            "member": member,
        },
        status=400 if rename.errors or member.errors else 200,
    )


@require_POST
@ADMIN_ONLY
def team_member_remove(request, team_id: int, user_id: int):
    """Take a user out of a team."""
    team = get_object_or_404(Team, pk=team_id)
    user = get_object_or_404(User, pk=user_id)
    actions.set_membership(actor_for(request.user, request=request), team, user, False)
    messages.success(request, f"Took {user} out of {team.name}.")
    return redirect("accounts:team", team.pk)


@require_POST
@ADMIN_ONLY
def team_delete(request, team_id: int):
    """Delete a team (its members keep their records)."""
    team = get_object_or_404(Team, pk=team_id)
    actions.delete_team(actor_for(request.user, request=request), team)
    messages.success(request, f"Deleted the team {team.name}.")
    return redirect("accounts:teams")


@require_http_methods(["GET", "POST"])
@ADMIN_ONLY
@reauth.reauth_required(methods=frozenset({"POST"}))
def token_list(request):
    """List every API token with its last use; create one (its secret shown once)."""
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _token, secret = tokens.create(
                actor_for(request.user, request=request),
                data["user"],
                data["name"],
                days=data["days"],
                scopes=data["scopes"],
            )
        except ValueError as exc:
            form.add_error("name", str(exc))
        else:
            form = TokenForm()
    all_tokens = ApiToken.objects.select_related("user")
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": all_tokens, "secret": secret, "now": timezone.now()},
        status=400 if form.errors else 200,
    )


@require_POST
@ADMIN_ONLY
def token_revoke(request, token_id: int):
    """End a token now."""
    token = get_object_or_404(ApiToken, pk=token_id)
    tokens.revoke(actor_for(request.user, request=request), token)
    messages.success(request, f"Revoked the token {token.prefix}….")
    return redirect("accounts:tokens")
