"""What personal data Lethe holds and why: the declarations the data map is built from.

Three sources, each checked by lethe.purposes.completeness (and its test):

1. The vault's personal fields (lethe.vault.fields): each is tied to purposes in
   FIELD_PURPOSES. A personal custom field names its own purpose.
2. Model fields found by scanning the models: every BinaryField and every link to a
   person (a vault Subject, a sealed vault Document, a Contact). Each must appear in
   MODEL_FIELDS, as `Held` (personal data, with its categories) or as `NotPersonal` /
   `StorageOf` with the reason.
3. Model fields the scan cannot recognise, such as the plaintext e-mail address of a
   user of Lethe: declared in MODEL_FIELDS too.

Every model that holds personal data is a record kind, tied to purposes in
RECORD_KINDS; a field's purposes are its record kind's unless it names its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lethe.purposes.categories import CREDENTIALS, IP_ADDRESS, PSEUDONYM
from lethe.vault.fields import Category as C
from lethe.vault.policy import Purpose as P

CR = P.CUSTOMER_RELATIONSHIP.value
CS = P.CUSTOMER_SUPPORT.value
DM = P.DIRECT_MARKETING.value
LO = P.LEGAL_OBLIGATION.value
DSR = P.DATA_SUBJECT_REQUEST.value
BREACH = P.BREACH_INVESTIGATION.value
ACC = P.ACCOUNTABILITY.value
ADM = P.ADMINISTRATION.value


class Store(StrEnum):
    """The places Lethe keeps data in."""

    MAIN_DB = "main database"
    KEYSTORE = "keystore"
    ATTACHMENTS = "attachment store"
    EXPORTS = "export store"
    BACKUPS = "backups"
    OUTBOX = "e-mail outbox"
    LOGS = "logs"


@dataclass(frozen=True)
class RecordKind:
    """A kind of record that holds personal data, and the purposes it serves."""

    label: str
    purposes: tuple[str, ...]


@dataclass(frozen=True)
class Held:
    """A model field that holds personal data: what, in which form, and who reads it.

    `purposes` empty: the record kind's. `retention` blank: its purposes' retention.
    `readers` blank: computed from the role table for its categories. `also`: other
    places than its own column, as (store, where).
    """

    categories: tuple[str, ...]
    what: str
    form: str
    purposes: tuple[str, ...] = ()
    retention: str = ""
    readers: str = ""
    also: tuple[tuple[Store, str], ...] = ()
    record_kind: str = ""  # blank: the model's own label


@dataclass(frozen=True)
class NotPersonal:
    """A scanned field that holds no personal data, and why."""

    reason: str


@dataclass(frozen=True)
class StorageOf:
    """A scanned field that stores what other entries declare (the vault's own tables)."""

    reason: str


RECORD_KINDS: dict[str, RecordKind] = {
    "contacts.Contact": RecordKind("Contact (a person we deal with)", (CR, CS, DM, LO)),
    "deals.DealContact": RecordKind("A person's role in a deal", (CR, LO)),
    "activities.Activity": RecordKind("Activity (call, e-mail, meeting, task, note)", (CR, CS)),
    "activities.ActivityParticipant": RecordKind("Participant in an activity", (CR, CS)),
    "activities.ActivityMention": RecordKind("Person @mentioned in an activity", (CR, CS)),
    "attachments.Attachment": RecordKind("Attached file", (CR, CS)),
    "dsr.Request": RecordKind("Data-subject request", (DSR,)),
    "dsr.RequestSubject": RecordKind("Person found for a request", (DSR,)),
    "dsr.RequestStep": RecordKind("Step of a request", (DSR,)),
    "dsr.BreakGlass": RecordKind("Break-glass access of the DPO", (DSR, BREACH)),
    "dsr.Export": RecordKind("File made for a request", (DSR,)),
    "dsr.Suppression": RecordKind("Suppression entry (objection or erasure)", (DSR,)),
    "dsr.DisclosedSubject": RecordKind("Person whose data was disclosed (Art. 19)", (DSR,)),
    "dsr.MarketingObjection": RecordKind("Objection to direct marketing (Art. 21)", (DSR, DM)),
    "dsr.Rectification": RecordKind("Corrections asked for (Art. 16)", (DSR,)),
    "dsr.Restriction": RecordKind("Restriction of processing (Art. 18)", (DSR,)),
    "consent.ConsentEvent": RecordKind("Consent or withdrawal (Art. 7)", (DM,)),
    "consent.ListMember": RecordKind("Member of a marketing list", (DM,)),
    "consent.PendingConfirmation": RecordKind("Consent awaiting e-mail confirmation", (DM,)),
    "holds.LegalHold": RecordKind("Contract record under a legal hold", (LO,)),
    "portal.Link": RecordKind("Self-service portal link awaiting confirmation", (DSR,)),
    "accounts.User": RecordKind("User of Lethe", (ADM,)),
    "accounts.LoginThrottle": RecordKind("Failed log-in counter", (ADM,)),
    "audit.AuditEvent": RecordKind("Audit event", (ACC,)),
}

# The purposes each vault field is held for. Every field is also processed to answer
# data-subject requests and to investigate breaches (the DPO's grants in the role
# table); those are listed once on the data map rather than on every field.
FIELD_PURPOSES: dict[str, tuple[str, ...]] = {
    "first_name": (CR, CS, DM, LO),
    "last_name": (CR, CS, DM, LO),
    "email": (CR, CS, DM, LO),
    "phone": (CR, CS),
    "address": (CR, LO),
    "identity_number": (CR, LO),
    "birth_date": (CR,),
    "job_title": (CR,),
    "notes": (CR, CS),
}

SEALED_DOC = "sealed vault Document (AES-256-GCM) under the person's key"
LINK = "pseudonymous link (row id of the person's record)"
AUDIT_RETENTION = "kept as long as the audit log keeps events (LETHE_AUDIT_RETENTION_YEARS)"

MODEL_FIELDS: dict[str, Held | NotPersonal | StorageOf] = {
    # The vault's own tables store the fields and texts declared elsewhere.
    "vault.PersonalValue.ciphertext": StorageOf("sealed values of the vault's personal fields"),
    "vault.PersonalValue.subject": StorageOf("the person a sealed value belongs to"),
    "vault.PersonalHistory.ciphertext": StorageOf("replaced values of personal fields, sealed"),
    "vault.PersonalHistory.subject": StorageOf("the person a replaced value belongs to"),
    "vault.BlindIndex.subject": StorageOf("look-up hashes of personal fields"),
    "vault.Document.ciphertext": StorageOf("sealed texts, declared by the fields that hold them"),
    "vault.Document.subject": StorageOf("the person whose key seals a text"),
    "keystore.DataKey.wrapped": StorageOf("wrapped data keys: the keystore place of each field"),
    # Hashes and signatures of the audit chain.
    "audit.AuditEvent.prev_hash": NotPersonal("hash of the previous audit event"),
    "audit.AuditEvent.hash": NotPersonal("hash of the audit event"),
    "audit.ChainHead.hash": NotPersonal("hash at the head of the audit chain"),
    "audit.Checkpoint.root": NotPersonal("Merkle root of a signed checkpoint"),
    "audit.Checkpoint.last_hash": NotPersonal("chain hash at a checkpoint"),
    "audit.Checkpoint.signature": NotPersonal("Ed25519 signature of a checkpoint"),
    "audit.PrunedLeaf.hash": NotPersonal("leaf hash kept after pruning"),
    # Contacts and what links to them.
    "contacts.Contact.subject": Held(
        (PSEUDONYM,),
        "the person a contact record is about; its company, stage, owner, tags and source "
        "describe the relationship with them",
        "pseudonym (random UUID)",
    ),
    "contacts.Contact_past_companies.contact": Held(
        (PSEUDONYM,),
        "the person's past employers (companies)",
        LINK,
        record_kind="contacts.Contact",
    ),
    "contacts.Contact_tags.contact": Held(
        (PSEUDONYM,), "labels on the person's contact record", LINK, record_kind="contacts.Contact"
    ),
    "deals.DealContact.contact": Held((PSEUDONYM,), "the person's role in a deal", LINK),
    "activities.Activity.contact": Held((PSEUDONYM,), "the person an activity is about", LINK),
    "activities.Activity.body": Held(
        (C.CONTENT.value,),
        "the text of a call, e-mail, meeting, task or note",
        f"{SEALED_DOC} (or the deal's or company's record key)",
        readers="as the role table says for user.content; under a company's or deal's key, "
        "the roles that may read that record",
        also=((Store.MAIN_DB, "vault_document.ciphertext"),),
    ),
    "activities.ActivityParticipant.subject": Held(
        (PSEUDONYM,), "people who took part in an activity", "pseudonym (random UUID)"
    ),
    "activities.ActivityMention.subject": Held(
        (PSEUDONYM,), "people @mentioned in an activity's text", "pseudonym (random UUID)"
    ),
    "attachments.Attachment.subject": Held(
        (PSEUDONYM,), "the person a file belongs to", "pseudonym (random UUID)"
    ),
    "attachments.Attachment.name": Held(
        (C.CONTENT.value,),
        "file names",
        f"{SEALED_DOC} (or the record's key)",
        also=((Store.MAIN_DB, "vault_document.ciphertext"),),
    ),
    "attachments.Attachment.blob": Held(
        (C.CONTENT.value,),
        "file contents",
        "sealed file (AES-256-GCM) named by a random id, under the person's or record's key",
        also=((Store.ATTACHMENTS, "<data dir>/attachments/<blob>"),),
    ),
    # Data-subject requests.
    "dsr.Request.details": Held(
        (C.NAME.value, C.EMAIL.value, C.PHONE.value, C.GOVERNMENT_ID.value),
        "the requester's identifiers (and, for rectification, the corrections)",
        "sealed vault Document under the request's record key",
        readers="dpo",
        also=((Store.MAIN_DB, "vault_document.ciphertext"),),
    ),
    "dsr.RequestSubject.subject": Held(
        (PSEUDONYM,), "people found for a request", "pseudonym (random UUID)", readers="dpo"
    ),
    "dsr.RequestStep.note": Held(
        (C.CONTENT.value,),
        "notes on the steps of a request",
        "sealed vault Document under the request's record key",
        readers="dpo",
        also=((Store.MAIN_DB, "vault_document.ciphertext"),),
    ),
    "dsr.BreakGlass.reason": Held(
        (C.CONTENT.value,),
        "the DPO's stated reason for break-glass access",
        "sealed vault Document under the access's record key",
        readers="dpo",
        also=((Store.MAIN_DB, "vault_document.ciphertext"),),
    ),
    "dsr.Export.id": Held(
        tuple(c.value for c in C),
        "files made for a request (Art. 15 report, Art. 20 archive)",
        "sealed file under a record key of the export alone",
        retention="7 days, then the key is destroyed and the file deleted",
        readers="dpo",
        also=((Store.EXPORTS, "<data dir>/exports/<id>"),),
    ),
    "dsr.Suppression.digest": Held(
        (C.EMAIL.value, C.PHONE.value),
        "e-mail addresses and phone numbers of people who objected or were erased",
        "keyed hash (HMAC-SHA256 under a key derived from the index key)",
        retention="as long as the objection or erasure it records stands",
        readers="nobody reads it; imports and new contacts are checked against it",
    ),
    "dsr.DisclosedSubject.subject": Held(
        (PSEUDONYM,),
        "the people whose data was disclosed to a recipient (Art. 19)",
        "pseudonym (random UUID)",
        readers="dpo",
    ),
    "dsr.MarketingObjection.subject": Held(
        (PSEUDONYM,),
        "people who objected to direct marketing (Art. 21)",
        "pseudonym (random UUID)",
        retention="as long as the objection stands",
        readers="dpo",
    ),
    "dsr.Rectification.corrections": Held(
        tuple(c.value for c in C),
        "corrections a person asked for (Art. 16)",
        "sealed vault Document under the request's record key",
        readers="dpo",
        also=((Store.MAIN_DB, "vault_document.ciphertext"),),
    ),
    "dsr.Restriction.subject": Held(
        (PSEUDONYM,),
        "people whose processing is restricted (Art. 18)",
        "pseudonym (random UUID)",
        retention="until the restriction is lifted, then as evidence with the request",
        readers="dpo",
    ),
    "consent.ConsentEvent.subject": Held(
        (PSEUDONYM,),
        "the person's consents and withdrawals, per purpose, with the notice they saw "
        "(Art. 7(1)); append-only",
        "pseudonym (random UUID)",
        retention="while the person is in Lethe; deleted with them on erasure",
        readers="sales and support of their own contacts, dpo",
        purposes=(DM,),
    ),
    "consent.ListMember.contact": Held(
        (PSEUDONYM,),
        "membership of a marketing list",
        LINK,
        retention="while the person is in Lethe and eligible",
        readers="marketing (only eligible people), sales",
        purposes=(DM,),
    ),
    "consent.PendingConfirmation.details": Held(
        (C.NAME.value, C.EMAIL.value),
        "what a person typed into the public consent form, until they confirm by e-mail",
        "sealed vault Document under the confirmation's own record key",
        retention="until the link is used or expires",
        readers="nobody: opened once, when the person confirms",
        purposes=(DM,),
        also=((Store.OUTBOX, "<data dir>/outbox/ (the e-mailed link)"),),
    ),
    "holds.LegalHold.subject": Held(
        (PSEUDONYM,),
        "people whose contract data is kept under a legal hold (Bookkeeping Act); the "
        "copied name and e-mail are vault fields under the hold's own key scope",
        "pseudonym (random UUID)",
        retention="until the end of the seventh year after the financial year ends",
        readers="finance (and dpo inside a case)",
        purposes=(LO,),
    ),
    "portal.Link.details": Held(
        (C.EMAIL.value, C.CONTENT.value),
        "what a person typed into the self-service portal, until they confirm by e-mail",
        "sealed vault Document under the link's own record key",
        retention="until the link is used or expires (24 hours by default)",
        readers="nobody: opened once, when the person confirms",
        also=((Store.OUTBOX, "<data dir>/outbox/ (the e-mailed link)"),),
    ),
    # The people who use Lethe.
    "accounts.User.email": Held(
        (C.EMAIL.value,),
        "log-in e-mail address of a user of Lethe",
        "plaintext (a colleague's business address)",
        readers="admin",
        retention="while the account exists",
        also=((Store.OUTBOX, "<data dir>/outbox/ (password-reset e-mails)"),),
    ),
    "accounts.User.display_name": Held(
        (C.NAME.value,),
        "name of a user of Lethe",
        "plaintext",
        readers="admin",
        retention="while the account exists",
    ),
    "accounts.User.password": Held(
        (CREDENTIALS,),
        "password of a user of Lethe",
        "Argon2id hash",
        readers="nobody (checked at log-in)",
        retention="while the account exists",
    ),
    "accounts.LoginThrottle.key": Held(
        (C.EMAIL.value, IP_ADDRESS),
        "the e-mail address and client address of failed log-ins",
        "keyed hash (HMAC-SHA256 with the secret key)",
        readers="nobody (counted at log-in)",
        retention="until the next successful log-in or the end of the block",
    ),
    # The audit log.
    "audit.AuditEvent.subjects": Held(
        (PSEUDONYM,),
        "the people an audited action concerned",
        "pseudonyms (random UUIDs)",
        readers="auditor, dpo",
        retention=AUDIT_RETENTION,
    ),
    "audit.AuditEvent.actor": Held(
        (PSEUDONYM,),
        "who acted (a user of Lethe by id)",
        "pseudonym (user:<id>)",
        readers="auditor, dpo",
        retention=AUDIT_RETENTION,
    ),
    "audit.AuditEvent.client_addr": Held(
        (IP_ADDRESS,),
        "the address a request came from",
        "plaintext IP address",
        readers="auditor, dpo",
        retention=AUDIT_RETENTION,
    ),
}

# Processed for every piece of personal data, whatever else it is held for.
EVERY_FIELD_PURPOSES = (DSR, BREACH)

STORES: dict[Store, str] = {
    Store.MAIN_DB: "the main database (LETHE_DATABASE_URL): personal values only sealed, "
    "pseudonyms, keyed hashes, and the staff data named below",
    Store.KEYSTORE: "the keystore database (LETHE_KEYSTORE_URL): each person's data keys, "
    "wrapped by the master key; erasure destroys them",
    Store.ATTACHMENTS: "<data dir>/attachments: sealed files under random names",
    Store.EXPORTS: "<data dir>/exports: sealed files made for data-subject requests, 7 days",
    Store.BACKUPS: "copies of the main database, the keystore and the file stores: sealed "
    "values stay sealed, and a destroyed key cannot open them",
    Store.OUTBOX: "<data dir>/outbox: e-mail Lethe sends (password-reset links to users), "
    "until the operator empties it",
    Store.LOGS: "application logs on stderr: one-line errors without values; no access log "
    "(the audit log in the main database is the record of access)",
}
