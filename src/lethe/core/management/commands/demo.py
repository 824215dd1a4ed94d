"""`lethe demo`: a ready-to-try installation with synthetic data, then serve it."""

import secrets

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from lethe import synthetic
from lethe.accounts import actions
from lethe.accounts.models import User
from lethe.core import environment
from lethe.core.management.commands.serve import add_server_arguments, serve
from lethe.core.models import Installation
from lethe.vault import gate
from lethe.vault.models import Subject
from lethe.vault.policy import Actor, Purpose, Role

DEMO_DOMAIN = "lethe.example"
BATCH = 100


class Command(BaseCommand):
    help = (
        "Initialise if needed, fill in synthetic people (Faker sv_SE/en and Skatteverket's "
        "test identity numbers), set up one demo user per role, print the log-in, and serve."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--people", type=int, default=200, help="people to create (default 200)"
        )
        parser.add_argument("--no-serve", action="store_true", help="fill in data, do not serve")
        add_server_arguments(parser)

    def handle(self, *args, people, no_serve, **options):
        if people < 0:
            raise CommandError("--people must be 0 or more")
        call_command("init", verbosity=0, stdout=self.stdout)
        if environment.data_kind() != Installation.DataKind.SYNTHETIC:
            raise CommandError("demo data goes only into a database marked synthetic")
        if not Subject.objects.exists():
            self.fill(people)
        password = secrets.token_urlsafe(12)
        self.reset_demo_users(password)
        scheme = "https" if settings.CONFIG.tls else "http"
        host = options["host"]
        self.stdout.write("")
        self.stdout.write(f"Lethe demo: {scheme}://{host}:{options['port']}/")
        self.stdout.write(f"log in as <role>@{DEMO_DOMAIN} with password {password}")
        self.stdout.write(f"  roles: {', '.join(r.value for r in Role if r is not Role.SYSTEM)}")
        if not no_serve:
            serve(self.stdout, **options)

    def fill(self, count):
        actor = Actor.system("demo")
        batch = []
        with tqdm(total=count, unit="person", desc="demo data", disable=None) as bar:
            for person in synthetic.people(count, seed=secrets.randbits(32)):
                batch.append(person)
                if len(batch) == BATCH:
                    gate.create_subjects(actor, Purpose.CUSTOMER_RELATIONSHIP, batch)
                    bar.update(len(batch))
                    batch = []
            if batch:
                gate.create_subjects(actor, Purpose.CUSTOMER_RELATIONSHIP, batch)
                bar.update(len(batch))

    @transaction.atomic
    def reset_demo_users(self, password):
        for role in Role:
            if role is Role.SYSTEM:
                continue
            email = f"{role.value}@{DEMO_DOMAIN}"
            user = User.objects.filter(email=email).first()
            if user is None:
                actions.create_user(
                    Actor.system("demo"), email, password, {role}, display_name=f"Demo {role.value}"
                )
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
