"""Seed the purposes registry with the purposes Lethe itself processes data for.

Each purpose's key is the vault's purpose name (lethe.vault.policy.Purpose), so the
purpose a gate call declares finds its record of processing. Admins and the DPO
adjust the texts afterwards; every change is versioned and audited.
"""

from django.db import migrations
from django.utils import timezone

NAME = "user.name"
EMAIL = "user.contact.email"
PHONE = "user.contact.phone_number"
ADDRESS = "user.contact.address"
GOVERNMENT_ID = "user.government_id"
BIRTH = "user.demographic.date_of_birth"
CONTENT = "user.content"
JOB = "user.job_title"
FINANCIAL = "user.financial"
PSEUDONYM = "user.unique_id.pseudonymous"
IP_ADDRESS = "user.device.ip_address"
CREDENTIALS = "user.authorization.credentials"
EVERY_VAULT_CATEGORY = [NAME, EMAIL, PHONE, ADDRESS, GOVERNMENT_ID, BIRTH, CONTENT, JOB, FINANCIAL]

SECURITY = (
    "Personal data is encrypted per person (AES-256-GCM) under data keys kept wrapped in a "
    "separate keystore. Every read is checked against the reader's role and purpose, and "
    "every read, change, export and erasure is written to a hash-chained, signed audit log. "
    "Users log in with strong passwords (Argon2id); administrators and the DPO also with a "
    "second factor. Sessions expire, and traffic is encrypted with TLS. Erasing a person "
    "destroys their keys, which makes every copy of their data, backups included, unreadable."
)
HOSTING = (
    "IT service providers that host Lethe for us (processors bound by a data processing "
    "agreement)"
)
IMY = "the Swedish Authority for Privacy Protection (IMY) when it asks"

PURPOSES = [
    {
        "key": "customer_relationship",
        "name": "Customer relationship management",
        "description": (
            "Keeping track of the people we do business with at customers, prospects and "
            "partners: who they are, how to reach them, their role, our calls, e-mails, "
            "meetings and notes, and the offers and deals we make with their organisation."
        ),
        "legal_basis": "contract",
        "legal_basis_detail": (
            "Necessary to prepare and perform contracts with our customers and partners; for "
            "contact persons, the contract with their organisation."
        ),
        "subject_categories": [
            "customers",
            "prospective customers (leads)",
            "contact persons at customers, prospects and partners",
        ],
        "data_categories": [NAME, EMAIL, PHONE, ADDRESS, GOVERNMENT_ID, BIRTH, JOB, CONTENT]
        + [PSEUDONYM],
        "recipients": ["our sales staff", HOSTING],
        "retention": (
            "As long as the customer relationship lasts, then 36 months after the last deal "
            "or contact. Leads with no activity for 24 months are erased."
        ),
        "retention_months": 36,
        "data_source": (
            "From you, from your employer or colleagues, at events and fairs, through "
            "referrals, and from public sources such as company registers."
        ),
        "provision": (
            "Not required by law. Without contact details we cannot prepare or perform the "
            "contract with you or your organisation, or keep in touch about it."
        ),
        "position": 10,
    },
    {
        "key": "customer_support",
        "name": "Customer support",
        "description": (
            "Answering questions and solving problems for the users and contact persons of "
            "our customers."
        ),
        "legal_basis": "contract",
        "legal_basis_detail": (
            "Necessary to perform our support obligations under the contract with you or "
            "your organisation."
        ),
        "subject_categories": ["contact persons and users at our customers"],
        "data_categories": [NAME, EMAIL, PHONE, CONTENT, PSEUDONYM],
        "recipients": ["our support staff", HOSTING],
        "retention": "24 months after the support case was closed.",
        "retention_months": 24,
        "data_source": "From you and from your colleagues at our customer.",
        "provision": (
            "Not required by law. Without a way to reach you we cannot answer your question."
        ),
        "position": 20,
    },
    {
        "key": "direct_marketing",
        "name": "Direct marketing",
        "description": (
            "Sending newsletters, offers and invitations by e-mail to people who have agreed "
            "to receive them."
        ),
        "legal_basis": "consent",
        "legal_basis_detail": (
            "Your consent, which you can withdraw at any time, as easily as you gave it."
        ),
        "subject_categories": ["people who have agreed to receive our marketing"],
        "data_categories": [NAME, EMAIL, PSEUDONYM],
        "recipients": ["our marketing staff", HOSTING],
        "retention": (
            "Until you withdraw your consent or object; the record of your consent is kept "
            "24 months after that, as evidence."
        ),
        "retention_months": 24,
        "data_source": "From you.",
        "provision": (
            "Voluntary. Without your consent you receive no marketing from us; nothing else "
            "changes."
        ),
        "position": 30,
    },
    {
        "key": "legal_obligation",
        "name": "Accounting and contracts",
        "description": (
            "Keeping signed contracts, invoices and other accounting records as the law "
            "requires."
        ),
        "legal_basis": "legal_obligation",
        "legal_basis_detail": (
            "Swedish Bookkeeping Act (bokföringslagen, 1999:1078) chapter 7 section 2: "
            "accounting records are kept until the end of the seventh year after the year in "
            "which the financial year ended."
        ),
        "subject_categories": [
            "customers and the contact persons named in contracts and invoices",
        ],
        "data_categories": [NAME, EMAIL, ADDRESS, GOVERNMENT_ID, FINANCIAL, CONTENT, PSEUDONYM],
        "recipients": [
            "our finance staff",
            "our auditors",
            "the Swedish Tax Agency (Skatteverket) when it asks",
            HOSTING,
        ],
        "retention": (
            "Until the end of the seventh year after the year in which the financial year "
            "ended; then erased automatically when the legal hold ends."
        ),
        "retention_months": 96,
        "data_source": "From you, from your organisation and from our records of the contract.",
        "provision": (
            "Required by law for the contracts and invoices we make; without it we cannot "
            "enter into a contract with you."
        ),
        "position": 40,
    },
    {
        "key": "data_subject_request",
        "name": "Handling data protection requests",
        "description": (
            "Answering requests to access, rectify, erase, restrict or port personal data or "
            "to object to its processing, and keeping evidence of how each was handled."
        ),
        "legal_basis": "legal_obligation",
        "legal_basis_detail": (
            "GDPR Articles 12 to 22 and 5(2): we must answer such requests within one month "
            "and be able to show that we did."
        ),
        "subject_categories": [
            "people who make a request",
            "people whose data a request concerns",
        ],
        "data_categories": [*EVERY_VAULT_CATEGORY, PSEUDONYM],
        "recipients": ["our data protection officer", IMY],
        "retention": (
            "Requests and their evidence: 36 months after the request was closed. Files "
            "made for a request: 7 days."
        ),
        "retention_months": 36,
        "data_source": "From you when you make a request, and from our records about you.",
        "provision": (
            "Needed to verify who you are and to answer your request; without it we may be "
            "unable to answer."
        ),
        "position": 50,
    },
    {
        "key": "breach_investigation",
        "name": "Handling personal data breaches",
        "description": (
            "Investigating, documenting and reporting personal data breaches, and telling "
            "the people affected when the law requires it."
        ),
        "legal_basis": "legal_obligation",
        "legal_basis_detail": (
            "GDPR Articles 33 and 34: report a breach to IMY within 72 hours, tell the people "
            "affected when the risk to them is high, and document every breach."
        ),
        "subject_categories": ["people whose data a breach concerns"],
        "data_categories": [*EVERY_VAULT_CATEGORY, PSEUDONYM],
        "recipients": [
            "our data protection officer",
            "the Swedish Authority for Privacy Protection (IMY)",
            "the people affected by a breach",
        ],
        "retention": "60 months after the breach was closed.",
        "retention_months": 60,
        "data_source": "From our own records and systems.",
        "provision": "Not something you provide: we process what a breach concerns.",
        "position": 60,
    },
    {
        "key": "accountability",
        "name": "Audit log (accountability and security)",
        "description": (
            "Logging every read, change, export and erasure of personal data in a "
            "tamper-evident log, so that we can show who did what and detect misuse. The log "
            "names people by pseudonym only."
        ),
        "legal_basis": "legal_obligation",
        "legal_basis_detail": (
            "GDPR Articles 5(2), 24 and 32: we must be able to demonstrate compliance and "
            "keep personal data secure."
        ),
        "subject_categories": [
            "customers, leads and contact persons (by pseudonym only)",
            "users of Lethe",
        ],
        "data_categories": [PSEUDONYM, IP_ADDRESS],
        "recipients": ["our auditors and data protection officer", IMY],
        "retention": (
            "10 years (LETHE_AUDIT_RETENTION_YEARS), then the events are pruned; signed "
            "checkpoints keep the rest of the log verifiable."
        ),
        "retention_months": 120,
        "data_source": "Recorded by Lethe as it is used.",
        "provision": "Not something you provide: it is recorded automatically.",
        "position": 70,
    },
    {
        "key": "administration",
        "name": "User accounts and security of Lethe",
        "description": (
            "Managing who may use Lethe and with which roles, and protecting it against "
            "password guessing."
        ),
        "legal_basis": "legitimate_interests",
        "legitimate_interest": (
            "Keeping our CRM secure: knowing who uses it and with which rights, and blocking "
            "attempts to guess passwords."
        ),
        "subject_categories": ["employees and consultants who use Lethe"],
        "data_categories": [NAME, EMAIL, CREDENTIALS, IP_ADDRESS],
        "recipients": ["our administrators", HOSTING],
        "retention": (
            "While the person uses Lethe; the accounts of people who leave are deactivated "
            "at once and removed within 12 months."
        ),
        "retention_months": 12,
        "data_source": "From the person and their manager.",
        "provision": "Required to use Lethe at work.",
        "in_notice": False,
        "position": 80,
    },
]

RECORD_FIELDS = [
    "key",
    "name",
    "description",
    "legal_basis",
    "legal_basis_detail",
    "legitimate_interest",
    "subject_categories",
    "data_categories",
    "recipients",
    "transfers",
    "transfer_safeguards",
    "retention",
    "retention_months",
    "security_measures",
    "joint_controller",
    "data_source",
    "provision",
    "in_notice",
    "position",
]


def seed(apps, schema_editor):
    purpose_model = apps.get_model("purposes", "Purpose")
    version_model = apps.get_model("purposes", "PurposeVersion")
    now = timezone.now()
    for data in PURPOSES:
        if purpose_model.objects.filter(key=data["key"]).exists():
            continue
        purpose = purpose_model.objects.create(
            security_measures=SECURITY, created_at=now, updated_at=now, version=1, **data
        )
        version_model.objects.create(
            purpose=purpose,
            number=1,
            snapshot={name: getattr(purpose, name) for name in RECORD_FIELDS},
            changed=RECORD_FIELDS,
            changed_by="system:migration",
            changed_at=now,
        )


def unseed(apps, schema_editor):
    apps.get_model("purposes", "Purpose").objects.filter(
        key__in=[p["key"] for p in PURPOSES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("purposes", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
