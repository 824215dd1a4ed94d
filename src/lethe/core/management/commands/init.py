"""`lethe init`: make a new installation ready to run."""

import os
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from lethe.accounts import actions
from lethe.accounts.models import User
from lethe.core import environment
from lethe.vault import keyadmin
from lethe.vault.policy import Actor, Role

DEFAULT_ADMIN_EMAIL = "admin@lethe.example"


class Command(BaseCommand):
    help = (
        "Create the data dir (0700), the master and index key files (0600), migrate the main "
        "and keystore databases, and create a first admin user (password printed once, or "
        "taken from LETHE_ADMIN_PASSWORD). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin-email",
            default=os.environ.get("LETHE_ADMIN_EMAIL", DEFAULT_ADMIN_EMAIL),
            help=f"e-mail of the first admin (default: LETHE_ADMIN_EMAIL or {DEFAULT_ADMIN_EMAIL})",
        )

    def handle(self, *args, admin_email, **options):
        config = settings.CONFIG
        for path in keyadmin.initialise(config):
            self.stdout.write(f"created key file {path}")
        for alias in ("default", "keystore"):
            call_command("migrate", database=alias, interactive=False, verbosity=0)
        kind = environment.mark(config)
        self.stdout.write(f"databases ready ({kind} data, LETHE_ENV={config.env})")
        if User.objects.exists():
            self.stdout.write("users exist already; no admin created")
            return
        password = os.environ.get("LETHE_ADMIN_PASSWORD") or secrets.token_urlsafe(15)
        try:
            actions.create_user(
                Actor.system("init"),
                admin_email,
                password,
                {Role.ADMIN},
                display_name="Administrator",
            )
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise CommandError(f"admin {field}: {' '.join(messages)}") from None
        self.stdout.write(f"created admin {admin_email}")
        if "LETHE_ADMIN_PASSWORD" not in os.environ:
            self.stdout.write(f"admin password (shown once): {password}")
