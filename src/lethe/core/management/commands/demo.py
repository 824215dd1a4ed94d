"""`lethe demo`: a ready-to-try installation with synthetic data, then serve it."""

import random
import secrets

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from faker import Faker
from tqdm import tqdm

from lethe import synthetic
from lethe.accounts import actions
from lethe.accounts.models import User
from lethe.activities import demo as activities_demo
from lethe.attachments import demo as attachments_demo
from lethe.companies import actions as companies_actions
from lethe.companies.models import Company
from lethe.consent import demo as consent_demo
from lethe.contacts import actions as contacts_actions
from lethe.contacts.models import Contact
from lethe.core import environment
from lethe.core.management.commands.serve import add_server_arguments, serve
from lethe.core.models import Installation
from lethe.deals import actions as deals_actions
from lethe.deals.models import Deal, Stage
from lethe.vault.models import Subject
from lethe.vault.policy import Actor, Purpose, Role

DEMO_DOMAIN = "lethe.example"
DEAL_KINDS = ("licences", "support agreement", "pilot", "expansion", "consulting", "renewal")
INDUSTRIES = (
    "Software",
    "Manufacturing",
    "Retail",
    "Logistics",
    "Energy",
    "Healthcare",
    "Finance",
    "Construction",
    "Media",
    "Education",
)
BATCH = 500


class Command(BaseCommand):
    help = (
        "Initialise if needed, fill in synthetic people (Faker sv_SE/en and Skatteverket's "
        "test identity numbers), set up one demo user per role, print the log-in, and serve."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--contacts",
            "--people",
            dest="contacts",
            type=int,
            default=2000,
            help="contacts to create (default 2000; a tenth as many companies, five "
            "activities per contact)",
        )
        parser.add_argument(
            "--seed", type=int, default=None, help="make the same data again (default: random)"
        )
        parser.add_argument("--no-serve", action="store_true", help="fill in data, do not serve")
        add_server_arguments(parser)

    def handle(self, *args, contacts, seed, no_serve, **options):
        if contacts < 0:
            raise CommandError("--contacts must be 0 or more")
        call_command("init", verbosity=0, stdout=self.stdout)
        if environment.data_kind() != Installation.DataKind.SYNTHETIC:
            raise CommandError("demo data goes only into a database marked synthetic")
        password = secrets.token_urlsafe(12)
        self.reset_demo_users(password)
        if not Subject.objects.exists():
            self.fill(contacts, secrets.randbits(32) if seed is None else seed)
        scheme = "https" if settings.CONFIG.tls else "http"
        host = options["host"]
        self.stdout.write("")
        self.stdout.write(f"Lethe demo: {scheme}://{host}:{options['port']}/")
        self.stdout.write(f"log in as <role>@{DEMO_DOMAIN} with password {password}")
        self.stdout.write(f"  roles: {', '.join(r.value for r in Role if r is not Role.SYSTEM)}")
        if not no_serve:
            serve(self.stdout, **options)

    def fill(self, count, seed):
        """Create companies and contacts, owned in turn by the demo sales and support users."""
        actor = Actor.system("demo")
        rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        faker = Faker("sv_SE")
        faker.seed_instance(seed)
        owners = list(
            User.objects.filter(email__in=[f"sales@{DEMO_DOMAIN}", f"support@{DEMO_DOMAIN}"])
        )
        companies = []
        org_numbers = set()
        while len(companies) < max(1, count // 10):
            fields = synthetic.company(rng, faker)
            if fields["org_number"] in org_numbers:
                continue
            org_numbers.add(fields["org_number"])
            fields.update(industry=rng.choice(INDUSTRIES), size=rng.choice(Company.Size.values))
            companies.append(
                companies_actions.create_company(actor, fields, owner=rng.choice(owners))
            )
        stages = Contact.Stage.values
        batch = []
        with tqdm(total=count, unit="person", desc="demo data", disable=None) as bar:
            for person in synthetic.people(count, seed=seed):
                batch.append(
                    (
                        person,
                        {
                            "company": rng.choice(companies),
                            "owner": rng.choice(owners),
                            "stage": rng.choice(stages),
                            "source": Contact.Source.EVENT,
                        },
                    )
                )
                if len(batch) == BATCH:
                    contacts_actions.create_contacts(actor, Purpose.CUSTOMER_RELATIONSHIP, batch)
                    bar.update(len(batch))
                    batch = []
            if batch:
                contacts_actions.create_contacts(actor, Purpose.CUSTOMER_RELATIONSHIP, batch)
                bar.update(len(batch))
        self.fill_deals(actor, rng, companies, owners)
        attachments_demo.fill(actor, rng, faker)
        activities_demo.fill(actor, rng, faker)
        consent_demo.fill(actor, rng)

    def fill_deals(self, actor, rng, companies, owners):
        """Give most companies a deal or two, in every stage, with their contacts in roles."""
        stages = list(Stage.objects.select_related("pipeline"))
        lost_reasons = Deal.LostReason.values
        made = 0
        for company in companies:
            people = list(Contact.objects.filter(company=company)[:3])
            for number in range(rng.choice([0, 1, 1, 2])):
                # The first deals go through every stage in turn, so every stage has one.
                stage = stages[made] if made < len(stages) else rng.choice(stages)
                made += 1
                deal = deals_actions.create_deal(
                    actor,
                    {
                        "title": f"{company.name}: {rng.choice(DEAL_KINDS)} {number + 1}",
                        "company": company,
                        "amount": rng.randrange(10, 2000) * 1000,
                        "currency": "SEK",
                        "pipeline": stage.pipeline,
                        "stage": stage,
                        "lost_reason": rng.choice(lost_reasons) if stage.kind == "lost" else "",
                    },
                    owner=rng.choice(owners),
                )
                if people:
                    roles = {people[0]: "decision_maker"}
                    roles.update({p: "influencer" for p in people[1:]})
                    deals_actions.set_contacts(actor, deal, roles)

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
