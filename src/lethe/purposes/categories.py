"""The data categories a purpose or a store of personal data may name (Fideslang names).

The vault's categories (lethe.vault.fields.Category) cover a person's sealed fields.
A few more name personal data that Lethe keeps outside the vault: pseudonyms that
point at a person, the addresses of clients in the audit log and the credentials of
the people who use Lethe.
"""

from __future__ import annotations

from lethe.vault.fields import Category

PSEUDONYM = "user.unique_id.pseudonymous"
IP_ADDRESS = "user.device.ip_address"
CREDENTIALS = "user.authorization.credentials"

LABELS: dict[str, str] = {
    Category.NAME.value: "name",
    Category.EMAIL.value: "e-mail address",
    Category.PHONE.value: "phone number",
    Category.ADDRESS.value: "postal address",
    Category.GOVERNMENT_ID.value: "personal identity number",
    Category.DATE_OF_BIRTH.value: "date of birth",
    Category.JOB_TITLE.value: "job title",
    Category.CONTENT.value: "notes, messages and files about the person",
    Category.FINANCIAL.value: "financial data (invoices, payments)",
    PSEUDONYM: "pseudonymous identifier",
    IP_ADDRESS: "IP address",
    CREDENTIALS: "log-in credentials (stored hashed)",
}

CATEGORIES: tuple[str, ...] = tuple(LABELS)
CHOICES = [(name, f"{name} ({label})") for name, label in LABELS.items()]


def label(category: str) -> str:
    """Return a category's plain-language name (the category itself if unknown)."""
    return LABELS.get(str(category), str(category))
