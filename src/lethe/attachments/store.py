"""Where sealed attachment files live: a small interface and its file-system backend.

The store only ever sees sealed bytes under random names (the attachment's blob id),
never a file name or plaintext. LETHE_ATTACHMENT_STORE chooses the backend; "file"
keeps them under <LETHE_DATA_DIR>/attachments/. An S3-compatible backend would
implement the same three methods.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Protocol
from uuid import UUID

from django.conf import settings


class BlobMissing(LookupError):
    """The store has no file under this blob id."""


class Store(Protocol):
    """Keeps sealed files by blob id."""

    def put(self, blob: UUID, sealed: bytes) -> None: ...

    def get(self, blob: UUID) -> bytes: ...

    def delete(self, blob: UUID) -> None: ...


class FileStore:
    """Sealed files in a directory (0700), one file (0600) per blob, written atomically."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, blob: UUID) -> Path:
        name = str(UUID(str(blob)))  # never a caller's string: only a canonical UUID
        # Two-character fan-out keeps directories small with a million files.
        return self.root / name[:2] / name

    def _directory(self, path: Path) -> None:
        for directory in (self.root, path):
            directory.mkdir(mode=0o700, exist_ok=True)
            directory.chmod(0o700)

    def put(self, blob: UUID, sealed: bytes) -> None:
        """Write the sealed file: to a temporary file in the same directory, then rename."""
        path = self._path(blob)
        self._directory(path.parent)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(sealed)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    def get(self, blob: UUID) -> bytes:
        try:
            return self._path(blob).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(str(blob)) from None

    def delete(self, blob: UUID) -> None:
        self._path(blob).unlink(missing_ok=True)


def get_store() -> Store:
    """Return the configured store."""
    config = settings.CONFIG
    if config.attachment_store == "file":
        return FileStore(config.data_dir / "attachments")
    raise ValueError(f"unknown attachment store {config.attachment_store!r}")
