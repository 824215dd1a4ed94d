"""CSV import of contacts: the contact kind for lethe.imports.engine.

Personal fields are checked by the vault's field rules and written through the gate;
duplicates are found through the blind indexes (same e-mail, phone or identity
number), against the contacts the importer may see and within the file itself.
"""

from __future__ import annotations

import uuid

from django import forms

from lethe.companies.models import Company
from lethe.contacts import actions
from lethe.contacts.models import Contact
from lethe.core import tags as tag_names
from lethe.dsr import suppression
from lethe.imports import engine
from lethe.imports.engine import Row, RowError
from lethe.vault import fields, gate
from lethe.vault.errors import InvalidField
from lethe.vault.policy import DEFAULT_SCOPE, Actor, Purpose, default_purpose, may_write

PERSONAL = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "identity_number",
    "birth_date",
    "job_title",
    "notes",
)
ADDRESS_PARTS = ("street", "postal_code", "city", "country")
IDENTIFIERS = ("email", "phone", "identity_number")

# Header names (case-, accent- and punctuation-folded, see engine.fold) that map to a
# field without being told: our own export, Swedish headers, other CRMs' exports.
AUTOMATIC = {
    "first_name": {"firstname", "first", "givenname", "fornamn", "tilltalsnamn"},
    "last_name": {"lastname", "last", "surname", "familyname", "efternamn"},
    "email": {"email", "emailaddress", "epost", "epostadress", "mail", "primaryemail"},
    "phone": {
        "phone",
        "phonenumber",
        "telephone",
        "mobile",
        "mobilephone",
        "telefon",
        "mobil",
        "mobilnummer",
        "telefonnummer",
        "workphone",
    },
    "identity_number": {
        "personnummer",
        "identitynumber",
        "personalidentitynumber",
        "personnr",
        "ssn",
    },
    "birth_date": {"birthdate", "dateofbirth", "birthday", "fodelsedatum"},
    "job_title": {"jobtitle", "title", "titel", "befattning", "position", "role"},
    "notes": {"notes", "note", "description", "anteckningar", "kommentar"},
    "street": {"street", "address", "streetaddress", "mailingstreet", "adress", "gatuadress"},
    "postal_code": {"postalcode", "zip", "zipcode", "postcode", "postnummer", "mailingpostalcode"},
    "city": {"city", "town", "ort", "stad", "postort", "mailingcity"},
    "country": {"country", "land", "mailingcountry"},
    "company": {
        "company",
        "companyname",
        "organisation",
        "organization",
        "account",
        "accountname",
        "foretag",
        "bolag",
    },
    "stage": {"stage", "lifecyclestage", "status", "fas"},
    "tags": {"tags", "taggar", "labels"},
}


def _text(value) -> str:
    if isinstance(value, list):
        return "; ".join(map(str, value))
    if isinstance(value, dict):
        return ", ".join(str(value[p]) for p in ADDRESS_PARTS if value.get(p))
    return str(value)


class ContactKind(engine.Kind):
    """Contacts: people in the vault, their CRM records here."""

    name = "contacts"
    record_kind = "contact"
    automatic = AUTOMATIC
    required = ("first_name", "last_name")

    def __init__(self, actor: Actor, *, owner=None, purpose: Purpose | None = None):
        super().__init__(actor)
        self.owner = owner
        self.purpose = purpose or (
            Purpose.CUSTOMER_RELATIONSHIP if actor.kind == "system" else default_purpose(actor)
        )
        self._companies: dict[str, Company] | None = None

    def targets(self) -> tuple[str, ...]:
        """Every field, less the personal ones the actor may not record for the purpose."""
        probe = [uuid.uuid4()]  # a new subject: the ownership condition holds

        def writable(target: str) -> bool:
            name = "address" if target in ADDRESS_PARTS else target
            if name not in PERSONAL and name != "address":
                return True
            category = fields.get(name).category
            return may_write(
                self.actor, self.purpose, DEFAULT_SCOPE, probe, {category}, new_subjects=True
            )

        return tuple(t for t in AUTOMATIC if writable(t))

    @property
    def companies(self) -> dict[str, Company]:
        if self._companies is None:
            active = Company.objects.filter(archived_at__isnull=True)
            self._companies = {c.name.casefold(): c for c in active}
        return self._companies

    def parse(self, line: int, values: dict[str, str]) -> Row | RowError:
        personal: dict = {name: values[name] for name in PERSONAL if name in values}
        address = {part: values[part] for part in ADDRESS_PARTS if part in values}
        if address:
            personal["address"] = address
        if not (personal.get("first_name") or personal.get("last_name")):
            return RowError(line, "last_name", "a contact needs a name")
        try:
            personal = fields.clean(personal)
        except InvalidField as exc:
            field = exc.field if exc.field != "address" else next(iter(address))
            return RowError(line, field, exc.message)
        business: dict = {"source": Contact.Source.IMPORT}
        if "company" in values:
            company = self.companies.get(values["company"].casefold())
            if company is None:
                return RowError(line, "company", "no active company has this name")
            business["company"] = company
        if "stage" in values:
            stage = values["stage"].lower().replace(" ", "_")
            if stage not in Contact.Stage.values:
                return RowError(line, "stage", f"must be one of {', '.join(Contact.Stage.values)}")
            business["stage"] = stage
        if "tags" in values:
            try:
                business["tags"] = tag_names.clean_names(values["tags"].replace(";", ","))
            except forms.ValidationError as exc:
                return RowError(line, "tags", " ".join(exc.messages))
        keys = []
        for name in IDENTIFIERS:
            if name in personal:
                keys += [(name, t) for t in sorted(fields.get(name).index_terms(personal[name]))]
        shown = {name: _text(value) for name, value in personal.items()}
        if "company" in business:
            shown["company"] = business["company"].name
        shown.update({k: _text(business[k]) for k in ("stage", "tags") if k in business})
        return Row(line, (personal, business), tuple(keys), shown)

    def existing(self, rows: list[Row]) -> dict[tuple[str, str], Contact]:
        """One batched gate.match per identifier field, whatever the number of rows.

        The gate matches only subjects the actor may see (all of them for the system
        import; a user's own contacts for a user).
        """
        found: dict[tuple[str, str], Contact] = {}
        for name in IDENTIFIERS:
            terms = {term for row in rows for field_name, term in row.keys if field_name == name}
            if not terms:
                continue
            matches = gate.match(self.actor, name, terms, self.purpose)
            subjects = set().union(*matches.values()) if matches else set()
            contacts = {c.subject_id: c for c in Contact.objects.filter(subject_id__in=subjects)}
            for term, matched in matches.items():
                hits = sorted((contacts[s] for s in matched if s in contacts), key=lambda c: c.pk)
                if hits:
                    found[(name, term)] = hits[0]
        return found

    def suppressed(self, rows: list[Row]) -> list[RowError]:
        """Rows of people erased at their request (their e-mail or phone is suppressed)."""
        refused = suppression.refused([row.data[0] for row in rows])
        return [
            RowError(rows[i].line, field, suppression.ERASED_MESSAGE)
            for i, field in sorted(refused.items())
        ]

    def create(self, rows: list[Row]) -> None:
        actions.create_contacts(self.actor, self.purpose, [r.data for r in rows], owner=self.owner)

    def update(self, record: Contact, row: Row) -> None:
        personal, business = row.data
        business = {k: v for k, v in business.items() if k != "source"}
        actions.update_contact(self.actor, self.purpose, record, personal, business)


def import_contacts(
    actor: Actor,
    data: bytes,
    *,
    owner=None,
    purpose: Purpose | None = None,
    **options,
) -> engine.Report:
    """Import contacts from CSV bytes (options as for engine.run); return the report."""
    return engine.run(ContactKind(actor, owner=owner, purpose=purpose), data, **options)
