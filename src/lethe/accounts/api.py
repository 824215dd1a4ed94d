"""API for teams: admins list, create, rename and delete teams and manage their members."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from lethe.accounts import actions
from lethe.accounts.access import RoleAuth
from lethe.accounts.models import Team, User
from lethe.core.api_errors import ErrorOut
from lethe.vault.policy import Role

router = Router(tags=["teams"])
ADMINS = RoleAuth(Role.ADMIN)


class TeamIn(Schema):
    name: Any = None


class MemberOut(Schema):
    id: int
    email: str
    display_name: str


class TeamOut(Schema):
    id: int
    name: str
    members: list[MemberOut]


def _out(team: Team) -> dict:
    return {
        "id": team.pk,
        "name": team.name,
        "members": [
            {"id": u.pk, "email": u.email, "display_name": u.display_name}
            for u in team.members.all()
        ],
    }


def _invalid(exc: ValidationError) -> Status:
    errors = {name: list(messages) for name, messages in exc.message_dict.items()}
    return Status(400, {"detail": f"invalid input: {', '.join(errors)}", "errors": errors})


def _team(team_id: int) -> Team:
    return get_object_or_404(Team.objects.prefetch_related("members"), pk=team_id)


@router.get("", response=list[TeamOut], auth=ADMINS, summary="List teams and their members")
def list_teams(request):
    return [_out(t) for t in Team.objects.prefetch_related("members")]


@router.post("", response={201: TeamOut, 400: ErrorOut}, auth=ADMINS, summary="Create a team")
def create_team(request, payload: TeamIn):
    try:
        team = actions.create_team(actions.actor_for(request.auth, request=request), payload.name)
    except ValidationError as exc:
        return _invalid(exc)
    return Status(201, _out(team))


@router.patch(
    "/{team_id}", response={200: TeamOut, 400: ErrorOut}, auth=ADMINS, summary="Rename a team"
)
def rename_team(request, team_id: int, payload: TeamIn):
    team = _team(team_id)
    try:
        actions.rename_team(actions.actor_for(request.auth, request=request), team, payload.name)
    except ValidationError as exc:
        return _invalid(exc)
    return _out(team)


@router.delete("/{team_id}", response={204: None}, auth=ADMINS, summary="Delete a team")
def delete_team(request, team_id: int):
    actions.delete_team(actions.actor_for(request.auth, request=request), _team(team_id))
    return Status(204, None)


@router.put(
    "/{team_id}/members/{user_id}",
    response=TeamOut,
    auth=ADMINS,
    summary="Add a user to a team",
)
def add_team_member(request, team_id: int, user_id: int):
    team, user = _team(team_id), get_object_or_404(User, pk=user_id, is_active=True)
    actions.set_membership(actions.actor_for(request.auth, request=request), team, user, True)
    return _out(_team(team_id))


@router.delete(
    "/{team_id}/members/{user_id}",
    response=TeamOut,
    auth=ADMINS,
    summary="Take a user out of a team",
)
def remove_team_member(request, team_id: int, user_id: int):
    team, user = _team(team_id), get_object_or_404(User, pk=user_id)
    actions.set_membership(actions.actor_for(request.auth, request=request), team, user, False)
    return _out(_team(team_id))
