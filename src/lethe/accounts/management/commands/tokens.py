"""`lethe tokens create|list|revoke`: API bearer tokens for users (shown once)."""

from django.core.management.base import BaseCommand, CommandError

from lethe.accounts import tokens
from lethe.accounts.models import ApiToken, User
from lethe.vault.policy import Actor


class Command(BaseCommand):
    help = "Create, list or revoke API tokens (Authorization: Bearer ...)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = sub.add_parser("create", help="make a token for a user and print it once")
        create.add_argument("email", help="the user the token acts as")
        create.add_argument("--name", required=True, help="what the token is for")
        create.add_argument("--days", type=int, default=90, help="valid for (default 90)")
        create.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            metavar="SCOPE",
            help="all (default), or AREA:read / AREA:write, e.g. contacts:read; repeat for more",
        )
        listing = sub.add_parser("list", help="list tokens (never their secrets)")
        listing.add_argument("email", nargs="?", help="only this user's tokens")
        revoke = sub.add_parser("revoke", help="end a token now")
        revoke.add_argument("id", type=int, help="the token's id (from list)")

    def handle(self, *args, action, **options):
        actor = Actor.system("tokens")
        if action == "create":
            user = User.objects.filter(email__iexact=options["email"]).first()
            if user is None:
                raise CommandError(f"no user {options['email']}")
            try:
                token, secret = tokens.create(
                    actor,
                    user,
                    options["name"],
                    days=options["days"],
                    scopes=options["scopes"] or [tokens.ALL],
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(
                f"token {token.pk} for {user.email}, valid until {token.expires_at:%Y-%m-%d}:"
            )
            self.stdout.write(secret)
            self.stdout.write("It is shown only now; Lethe keeps only its hash.")
        elif action == "list":
            found = ApiToken.objects.select_related("user")
            if options["email"]:
                found = found.filter(user__email__iexact=options["email"])
            for token in found:
                state = "revoked" if token.revoked_at else f"until {token.expires_at:%Y-%m-%d}"
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                self.stdout.write(
                    f"{token.pk:>5}  {token.prefix}…  {token.user.email}  {token.name}  "
                    f"{','.join(token.scopes)}  {state}  last used {used}"
                )
        else:
            token = ApiToken.objects.filter(pk=options["id"]).first()
            if token is None:
                raise CommandError(f"no token {options['id']}")
            tokens.revoke(actor, token)
            self.stdout.write(f"token {token.pk} revoked")
