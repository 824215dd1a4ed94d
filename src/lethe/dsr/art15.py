"""What an Art. 15 answer tells the person besides their data: items 15(1)(a) to (h).

Until the purposes registry (Art. 30 record of processing) exists, these come from the
defaults below, derived from the vault's field registry (which categories we hold) and
the role table (who reads which categories for which purpose). The registry fills the
same shape later by installing its own provider with `use()`.

Every text is given in English and Swedish (`Text`); the report picks one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings

from lethe.dsr.store import KEEP
from lethe.vault.fields import Category
from lethe.vault.policy import ROLE_TABLE, Purpose, Role

LANGUAGES = ("en", "sv")


@dataclass(frozen=True)
class Text:
    """One text in each language the report speaks."""

    en: str
    sv: str

    def get(self, language: str) -> str:
        return self.sv if language == "sv" else self.en


@dataclass(frozen=True)
class PurposeEntry:
    """One purpose of processing as the person is told of it (15(1)(a), (b), (c), (d))."""

    key: str
    name: Text
    description: Text
    legal_basis: Text
    categories: tuple[str, ...] = ()
    recipients: tuple[Text, ...] = ()
    retention: Text | None = None


@dataclass(frozen=True)
class Information:
    """Items (a) to (h) of Art. 15(1) for one person, apart from their data itself."""

    purposes: tuple[PurposeEntry, ...]
    recipients: tuple[Text, ...]
    processors: tuple[Text, ...] = ()
    retention: tuple[Text, ...] = ()
    automated_decisions: Text = field(
        default_factory=lambda: Text(
            "We make no decisions about you based solely on automated processing, "
            "including profiling (Art. 22).",
            "Vi fattar inga beslut om dig som enbart grundas på automatiserad behandling, "
            "inklusive profilering (artikel 22).",
        )
    )


CATEGORIES: dict[str, Text] = {
    Category.NAME: Text("Name", "Namn"),
    Category.EMAIL: Text("E-mail address", "E-postadress"),
    Category.PHONE: Text("Phone number", "Telefonnummer"),
    Category.ADDRESS: Text("Postal address", "Postadress"),
    Category.GOVERNMENT_ID: Text("Personal identity number", "Personnummer"),
    Category.DATE_OF_BIRTH: Text("Date of birth", "Födelsedatum"),
    Category.CONTENT: Text(
        "Notes, messages and files about you", "Anteckningar, meddelanden och filer om dig"
    ),
    Category.JOB_TITLE: Text("Job title", "Befattning"),
    Category.FINANCIAL: Text("Financial information", "Ekonomiska uppgifter"),
}

FIELDS: dict[str, Text] = {
    "first_name": Text("First name", "Förnamn"),
    "last_name": Text("Last name", "Efternamn"),
    "email": Text("E-mail", "E-post"),
    "phone": Text("Phone", "Telefon"),
    "address": Text("Address", "Adress"),
    "identity_number": Text("Personal identity number", "Personnummer"),
    "birth_date": Text("Date of birth", "Födelsedatum"),
    "job_title": Text("Job title", "Befattning"),
    "notes": Text("Notes", "Anteckningar"),
}

# Where a contact's data came from (Contact.Source), for 15(1)(g).
SOURCES: dict[str, Text] = {
    "from_person": Text("You gave it to us", "Du lämnade dem till oss"),
    "web_form": Text("A web form", "Ett webbformulär"),
    "event": Text("An event or fair", "Ett evenemang eller en mässa"),
    "referral": Text("A referral from someone else", "En rekommendation från någon annan"),
    "import": Text(
        "An import from another system or list", "En import från ett annat system eller en lista"
    ),
    "public_source": Text("A public source", "En offentlig källa"),
    "purchased_list": Text("A purchased list", "En köpt lista"),
    "other": Text("Another source", "En annan källa"),
}

PURPOSES: dict[str, tuple[Text, Text, Text]] = {  # name, description, legal basis
    Purpose.CUSTOMER_RELATIONSHIP: (
        Text("Managing our customer relationship", "Hantera vår kundrelation"),
        Text(
            "To keep in touch with you and your organisation, prepare offers and "
            "agreements, and follow up our business together.",
            "För att hålla kontakt med dig och din organisation, ta fram erbjudanden och "
            "avtal och följa upp våra affärer.",
        ),
        Text(
            "Legitimate interest in managing business relationships (Art. 6(1)(f)), or "
            "a contract with you (Art. 6(1)(b)).",
            "Berättigat intresse av att hantera affärsrelationer (artikel 6.1 f), eller "
            "avtal med dig (artikel 6.1 b).",
        ),
    ),
    Purpose.CUSTOMER_SUPPORT: (
        Text("Customer support", "Kundsupport"),
        Text(
            "To answer your questions and solve problems you report to us.",
            "För att besvara dina frågor och lösa problem som du rapporterar till oss.",
        ),
        Text(
            "A contract with you (Art. 6(1)(b)) and legitimate interest (Art. 6(1)(f)).",
            "Avtal med dig (artikel 6.1 b) och berättigat intresse (artikel 6.1 f).",
        ),
    ),
    Purpose.DIRECT_MARKETING: (
        Text("Direct marketing", "Direktmarknadsföring"),
        Text(
            "To send you news and offers, only if you have agreed to it.",
            "För att skicka nyheter och erbjudanden till dig, bara om du har samtyckt till det.",
        ),
        Text(
            "Your consent (Art. 6(1)(a)), which you may withdraw at any time.",
            "Ditt samtycke (artikel 6.1 a), som du när som helst kan återkalla.",
        ),
    ),
    Purpose.LEGAL_OBLIGATION: (
        Text("Legal obligations (accounting)", "Rättsliga förpliktelser (bokföring)"),
        Text(
            "To keep signed contracts and accounting records as the Swedish Bookkeeping "
            "Act requires.",
            "För att bevara undertecknade avtal och räkenskapsinformation enligt bokföringslagen.",
        ),
        Text("A legal obligation (Art. 6(1)(c)).", "Rättslig förpliktelse (artikel 6.1 c)."),
    ),
    Purpose.DATA_SUBJECT_REQUEST: (
        Text("Handling requests about your data", "Hantera begäranden om dina uppgifter"),
        Text(
            "To answer requests such as this one under Articles 15 to 22 of the GDPR.",
            "För att besvara begäranden som denna enligt artiklarna 15 till 22 i "
            "dataskyddsförordningen.",
        ),
        Text("A legal obligation (Art. 6(1)(c)).", "Rättslig förpliktelse (artikel 6.1 c)."),
    ),
    Purpose.BREACH_INVESTIGATION: (
        Text("Investigating security incidents", "Utreda säkerhetsincidenter"),
        Text(
            "To investigate personal data breaches and report them to the authority and "
            "to the people affected.",
            "För att utreda personuppgiftsincidenter och anmäla dem till myndigheten och "
            "till dem som berörs.",
        ),
        Text(
            "A legal obligation (Art. 6(1)(c), Articles 33 and 34).",
            "Rättslig förpliktelse (artikel 6.1 c, artiklarna 33 och 34).",
        ),
    ),
}

ROLES: dict[Role, Text] = {
    Role.SALES: Text(
        "Our sales staff responsible for you or your organisation",
        "Våra säljare som ansvarar för dig eller din organisation",
    ),
    Role.SUPPORT: Text("Our customer support staff", "Vår kundsupport"),
    Role.MARKETING: Text(
        "Our marketing staff (name and e-mail address, with your consent)",
        "Vår marknadsavdelning (namn och e-postadress, med ditt samtycke)",
    ),
    Role.FINANCE: Text(
        "Our finance staff (contracts and accounting records only)",
        "Vår ekonomiavdelning (endast avtal och räkenskapsinformation)",
    ),
    Role.DPO: Text(
        "Our data protection officer, only while handling a request or an incident",
        "Vårt dataskyddsombud, endast när en begäran eller incident hanteras",
    ),
}

RETENTION: dict[str, Text] = {
    Purpose.CUSTOMER_RELATIONSHIP: Text(
        "As long as we have a business relationship with you or your organisation; "
        "after that we erase or anonymise the data when it is no longer needed. You may "
        "ask us to erase it at any time.",
        "Så länge vi har en affärsrelation med dig eller din organisation; därefter "
        "raderar eller anonymiserar vi uppgifterna när de inte längre behövs. Du kan när "
        "som helst be oss radera dem.",
    ),
    Purpose.CUSTOMER_SUPPORT: Text(
        "As long as your support matter and our agreement with you or your organisation last.",
        "Så länge ditt supportärende och vårt avtal med dig eller din organisation gäller.",
    ),
    Purpose.DIRECT_MARKETING: Text(
        "Until you withdraw your consent or object to direct marketing.",
        "Tills du återkallar ditt samtycke eller invänder mot direktmarknadsföring.",
    ),
    Purpose.LEGAL_OBLIGATION: Text(
        "Seven years after the end of the calendar year in which the financial year "
        "ended (Swedish Bookkeeping Act, chapter 7, section 2).",
        "Sju år efter utgången av det kalenderår då räkenskapsåret avslutades "
        "(bokföringslagen 7 kap. 2 §).",
    ),
}


NO_DISCLOSURES = Text(
    "We have not disclosed your data to anyone outside our organisation, except as "
    "listed under “Disclosures” above.",
    "Vi har inte lämnat ut dina uppgifter till någon utanför vår organisation, utom det "
    "som anges under ”Utlämnanden” ovan.",
)


def _audit_retention() -> Text:
    years = settings.CONFIG.audit_retention_years
    return Text(
        f"Records of who read or changed your data name you only by a pseudonym (a "
        f"random number) and are kept for {years} years.",
        f"Loggar över vem som läst eller ändrat dina uppgifter anger dig bara med en "
        f"pseudonym (ett slumpat nummer) och sparas i {years} år.",
    )


def _export_retention() -> Text:
    days = KEEP.days
    return Text(
        f"Copies of your data made for a request such as this one are deleted from our "
        f"systems {days} days after they are made.",
        f"Kopior av dina uppgifter som tas fram för en begäran som denna raderas från "
        f"våra system {days} dagar efter att de skapats.",
    )


def defaults(categories: Iterable[str], *, legal_hold: bool = False) -> Information:
    """Return the configured defaults for a person of whom we hold these categories.

    A purpose is listed when the role table lets some role use, for it, a category we
    hold about the person; its recipients are those roles. Legal obligations are listed
    only when some of the person's data is kept under a legal hold.
    """
    held = {str(c) for c in categories}
    purposes = []
    for purpose, (name, description, basis) in PURPOSES.items():
        if purpose == Purpose.LEGAL_OBLIGATION and not legal_hold:
            continue
        used: set[str] = set()
        roles = []
        for role, grants in ROLE_TABLE.items():
            for grant in grants:
                overlap = held & {str(c) for c in grant.categories}
                if grant.purpose != purpose or not overlap:
                    continue
                used |= overlap
                if role in ROLES and ROLES[role] not in roles:
                    roles.append(ROLES[role])
        if not used:
            continue
        purposes.append(
            PurposeEntry(
                key=str(purpose),
                name=name,
                description=description,
                legal_basis=basis,
                categories=tuple(c for c in CATEGORIES if c in used),
                recipients=tuple(roles),
                retention=RETENTION.get(purpose),
            )
        )
    recipients = (*dict.fromkeys(r for p in purposes for r in p.recipients), NO_DISCLOSURES)
    retention = (
        *(p.retention for p in purposes if p.retention),
        _audit_retention(),
        _export_retention(),
    )
    return Information(purposes=tuple(purposes), recipients=recipients, retention=retention)


Provider = Callable[..., Information]  # (categories, *, legal_hold) -> Information
_provider: Provider = defaults


def use(provider: Provider) -> Provider:
    """Install the source of Art. 15 information (the purposes registry); return the old one."""
    global _provider
    previous, _provider = _provider, provider
    return previous


def information(categories: Iterable[str], *, legal_hold: bool = False) -> Information:
    """Return items (a) to (h) for a person of whom we hold these categories."""
    return _provider(categories, legal_hold=legal_hold)


def category_name(category: str, language: str) -> str:
    text = CATEGORIES.get(category)
    return text.get(language) if text else category


def field_name(name: str, language: str) -> str:
    text = FIELDS.get(name)
    return text.get(language) if text else name


def source_name(source: str, language: str) -> str:
    text = SOURCES.get(source)
    return text.get(language) if text else source


def localized(info: Information, language: str) -> dict:
    """Return the information as plain text in one language, for the report's template."""
    return {
        "purposes": [
            {
                "name": p.name.get(language),
                "description": p.description.get(language),
                "legal_basis": p.legal_basis.get(language),
                "categories": [category_name(c, language) for c in p.categories],
                "recipients": [r.get(language) for r in p.recipients],
                "retention": p.retention.get(language) if p.retention else "",
            }
            for p in info.purposes
        ],
        "recipients": [r.get(language) for r in info.recipients],
        "processors": [r.get(language) for r in info.processors],
        "retention": [r.get(language) for r in info.retention],
        "automated_decisions": info.automated_decisions.get(language),
    }
