"""Errors raised by the vault. Their messages are one line and never hold personal data."""

from lethe.config import ConfigError


class VaultError(Exception):
    """Base class of vault errors."""


class KeyFileError(ConfigError):
    """A key file is missing, unreadable, corrupt or too widely readable."""


class IntegrityError(VaultError):
    """A ciphertext failed authentication: it was altered, truncated or moved."""


class AccessDenied(VaultError):
    """The actor may not write these categories for this purpose."""


class InvalidField(VaultError):
    """A personal field value that does not validate; `field` names the field."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class SubjectErased(VaultError):
    """The subject's key for this scope was shredded; nothing can be written under it."""


class SubjectRestricted(AccessDenied):
    """The subject's processing is restricted at their request (Art. 18): read-only.

    Only a data-subject request (a DPO inside its case, e.g. a rectification) may
    still change their data. `fields` names what the refused write would have changed.
    """

    def __init__(self, fields=()):
        self.fields = sorted(fields)
        super().__init__("restricted at the person's request (Art. 18): their data is read-only")
