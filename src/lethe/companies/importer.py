"""CSV import of companies: the company kind for lethe.imports.engine.

Rows are checked by the companies form (organisation number with its check digit,
domain, country, size, tags); owners are named by e-mail. A row duplicates a company
with the same organisation number or, when the row has none, the same domain.
"""

from __future__ import annotations

from django.db.models import Q

from lethe.accounts.models import User
from lethe.companies import actions
from lethe.companies.forms import CompanyForm
from lethe.companies.models import Company
from lethe.imports import engine
from lethe.imports.engine import Row, RowError
from lethe.vault.policy import Actor

# Folded header names (see engine.fold) that map to a field without being told: our own
# export, Swedish headers, and HubSpot, Pipedrive, Salesforce, Odoo, EspoCRM, Twenty.
AUTOMATIC = {
    "name": {
        "companyname",
        "company",
        "organisation",
        "organization",
        "organisationname",
        "organizationname",
        "accountname",
        "account",
        "foretag",
        "foretagsnamn",
        "bolag",
        "bolagsnamn",
        "namn",
        "firma",
        "firmanamn",
    },
    "org_number": {
        "orgnr",
        "orgnummer",
        "organisationsnummer",
        "organisationsnr",
        "organisationnumber",
        "organizationnumber",
        "orgno",
        "companyregistry",
        "companyregistrationnumber",
        "registrationnumber",
        "corporateidentitynumber",
    },
    "domain": {
        "domain",
        "domainname",
        "companydomainname",
        "website",
        "websiteurl",
        "web",
        "webb",
        "webbplats",
        "hemsida",
        "url",
    },
    "street": {
        "street",
        "address",
        "streetaddress",
        "billingstreet",
        "billingaddressstreet",
        "adress",
        "gatuadress",
        "besoksadress",
        "postadress",
    },
    "postal_code": {
        "postalcode",
        "zip",
        "zipcode",
        "postcode",
        "postnummer",
        "billingpostalcode",
        "billingaddresspostalcode",
    },
    "city": {"city", "town", "ort", "stad", "postort", "billingcity", "billingaddresscity"},
    "country": {"country", "land", "billingcountry", "billingaddresscountry", "countrycode"},
    "industry": {"industry", "bransch", "sector", "sektor"},
    "size": {
        "size",
        "companysize",
        "employees",
        "numberofemployees",
        "noofemployees",
        "employeecount",
        "anstallda",
        "antalanstallda",
        "storlek",
    },
    "owner": {
        "owner",
        "owneremail",
        "companyowner",
        "accountowner",
        "organizationowner",
        "assigneduser",
        "salesperson",
        "agare",
        "ansvarig",
    },
    "tags": {"tags", "taggar", "labels", "label", "etiketter"},
}

LOOKUP_CHUNK = 5000

# Upper bounds of the size bands, for files that give a number of employees.
SIZE_BANDS = ((9, "1-9"), (49, "10-49"), (249, "50-249"))


def _text(value) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value)


def _size(text: str) -> str:
    """Return the size band for a number of employees; other text is left to the form."""
    digits = text.replace(" ", "").replace("\u00a0", "")
    if not digits.isdigit():
        return text
    count = int(digits)
    return next((band for limit, band in SIZE_BANDS if count <= limit), "250+")


class ImportForm(CompanyForm):
    """The company form for one CSV row: the owner is named by e-mail, and duplicate
    organisation numbers are found for the whole file at once, not one query a row."""

    check_clash = False

    class Meta(CompanyForm.Meta):
        fields = [f for f in CompanyForm.Meta.fields if f != "owner"]

    def _get_validation_exclusions(self):
        # Leaves out the model's unique-number constraint check (a query per row).
        return {*super()._get_validation_exclusions(), "org_number"}


class CompanyKind(engine.Kind):
    """Companies: business data, written as ordinary rows."""

    name = "companies"
    record_kind = "company"
    automatic = AUTOMATIC
    required = ("name",)
    unique = frozenset({"org_number"})

    def __init__(self, actor: Actor, *, owner=None):
        super().__init__(actor)
        self.owner = owner
        self._users: dict[str, User] | None = None

    def user(self, email: str) -> User | None:
        if self._users is None:
            self._users = {u.email: u for u in User.objects.filter(is_active=True)}
        return self._users.get(email.strip().lower())

    def parse(self, line: int, values: dict[str, str]) -> Row | RowError:
        data = dict(values)
        owner = data.pop("owner", None)
        if "size" in data:
            data["size"] = _size(data["size"])
        if "tags" in data:
            data["tags"] = data["tags"].replace(";", ",")
        form = ImportForm(data)
        if not form.is_valid():
            field, messages = next(iter(form.errors.items()))
            return RowError(line, field, " ".join(messages))
        cleaned = {k: v for k, v in form.cleaned_data.items() if k in values}
        if owner is not None:
            user = self.user(owner)
            if user is None:
                return RowError(line, "owner", "no active user has this e-mail address")
            cleaned["owner"] = user
        keys = []
        if cleaned.get("org_number"):
            keys.append(("org_number", cleaned["org_number"]))
        elif cleaned.get("domain"):
            keys.append(("domain", cleaned["domain"]))
        marks = tuple((k, cleaned[k]) for k in ("org_number", "domain") if cleaned.get(k))
        shown = {k: v.email if k == "owner" else _text(v) for k, v in cleaned.items()}
        return Row(line, cleaned, tuple(keys), shown, marks)

    def existing(self, rows: list[Row]) -> dict[tuple[str, str], Company]:
        """Companies with the rows' organisation numbers, or domains for rows without one."""
        numbers = sorted({v for row in rows for k, v in row.keys if k == "org_number"})
        domains = sorted({v for row in rows for k, v in row.keys if k == "domain"})
        found: dict[tuple[str, str], Company] = {}
        # In chunks: a query may carry only so many parameters (SQLite: 32766).
        for start in range(0, max(len(numbers), len(domains)), LOOKUP_CHUNK):
            some_numbers = set(numbers[start : start + LOOKUP_CHUNK])
            some_domains = set(domains[start : start + LOOKUP_CHUNK])
            matches = Company.objects.filter(
                Q(org_number__in=some_numbers) | Q(domain__in=some_domains)
            )
            for company in matches.order_by("-id"):  # the oldest one wins
                if company.org_number in some_numbers:
                    found[("org_number", company.org_number)] = company
                if company.domain in some_domains:
                    found[("domain", company.domain)] = company
        return found

    def create(self, rows: list[Row]) -> None:
        actions.create_companies(self.actor, [r.data for r in rows], owner=self.owner)

    def update(self, record: Company, row: Row) -> None:
        actions.update_company(self.actor, record, row.data)

    def duplicate_message(self, key: str, in_file: bool) -> str:
        if in_file:
            return f"an earlier row has this {key.replace('_', ' ')}"
        return "another company has this organisation number"


def import_companies(actor: Actor, data: bytes, *, owner=None, **options) -> engine.Report:
    """Import companies from CSV bytes (options as for engine.run); return the report."""
    return engine.run(CompanyKind(actor, owner=owner), data, **options)
