"""Forms of the admin's user, team and token screens and of re-authentication."""

from django import forms

from lethe.accounts.models import USER_ROLES, User
from lethe.accounts.tokens import MAX_DAYS


def _active_users(exclude: User | None = None):
    users = User.objects.filter(is_active=True).order_by("email")
    return users.exclude(pk=exclude.pk) if exclude is not None else users


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=USER_ROLES, required=False, label="Roles", **kwargs)


class UserCreateForm(forms.Form):
    email = forms.EmailField(label="E-mail", max_length=254)
    display_name = forms.CharField(label="Name", max_length=150, required=False)
    password = forms.CharField(
        label="Password",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="at least 12 characters, not too common, not like the e-mail",
    )
    roles = RolesField()


class RolesForm(forms.Form):
    roles = RolesField()


class DeactivateForm(forms.Form):
    successor = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Give their contacts, companies, deals and activities to",
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = _active_users(exclude=user)


class TeamForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=100)


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label="Add a member")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _active_users()


class TokenForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label="For user")
    name = forms.CharField(label="Token name", max_length=100)
    days = forms.IntegerField(label="Valid for (days)", min_value=1, max_value=MAX_DAYS, initial=90)
    scopes = forms.CharField(
        label="Scopes",
        initial="all",
        required=False,
        max_length=500,
        help_text="all, or areas with read or write, e.g. contacts:read, deals:write",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _active_users()

    def clean_scopes(self):
        from lethe.accounts.tokens import clean_scopes

        try:
            given = self.cleaned_data["scopes"].replace(",", " ").split() or ["all"]
            return clean_scopes(given)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class ConfirmForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
