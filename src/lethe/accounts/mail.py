"""E-mail delivery into a private outbox directory (the default: no mail server needed)."""

import os

from django.core.mail.backends.filebased import EmailBackend


class PrivateFileBackend(EmailBackend):
    """Django's file backend, but the outbox and its files are readable by the owner only.

    The messages hold e-mail addresses and live password-reset links.
    """

    def __init__(self, *args, file_path=None, **kwargs):
        super().__init__(*args, file_path=file_path, **kwargs)
        os.chmod(self.file_path, 0o700)

    def open(self):
        if self.stream is None:
            fd = os.open(self._get_filename(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self.stream = os.fdopen(fd, "ab")
            return True
        return False
