"""The key files: the versioned master key-encryption key (KEK) and the blind-index key.

Both live outside every database, in files of mode 0600 (by default in the data dir).
A file is JSON with a checksum over its content, so truncation or a flipped byte is
caught when it is read, and Lethe stops with a one-line message rather than writing
data under a damaged key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lethe.config import Config
from lethe.vault.crypto import KEY_BYTES, new_key
from lethe.vault.errors import KeyFileError

MASTER_KIND = "lethe-master-key"
INDEX_KIND = "lethe-index-key"
SIGNING_KIND = "lethe-audit-signing-key"
FORMAT = 1


@dataclass(frozen=True)
class MasterKey:
    """All versions of the KEK; new data keys are wrapped with `current`."""

    current: int
    versions: dict[int, bytes]

    def kek(self, version: int) -> bytes:
        try:
            return self.versions[version]
        except KeyError:
            raise KeyFileError(f"the master key file has no KEK version {version}") from None


_cache: dict[Path, tuple[tuple[int, ...], object]] = {}


def _checksum(body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(canonical).hexdigest()


def _read(path: Path, kind: str, label: str) -> dict:
    """Return the checked body of a key file, or raise KeyFileError with one line."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise KeyFileError(
            f"{label} {path} is missing (run `lethe init`, or point the setting at it)"
        ) from None
    except OSError as exc:
        raise KeyFileError(f"{label} {path} cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(f"{label} {path} is not a regular file")
    if info.st_mode & 0o077:
        raise KeyFileError(
            f"{label} {path} is readable by other users (mode {stat.S_IMODE(info.st_mode):04o}); "
            f"run: chmod 600 {path}"
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"{label} {path} cannot be read: {exc.strerror}") from None
    try:
        document = json.loads(raw)
        body = {k: v for k, v in document.items() if k != "checksum"}
        ok = document["kind"] == kind and document["format"] == FORMAT
        ok = ok and document["checksum"] == _checksum(body)
    except (ValueError, TypeError, KeyError, AttributeError):
        ok = False
    if not ok:
        raise KeyFileError(f"{label} {path} is corrupt or truncated")
    return body


def _decode_key(value: object, path: Path, label: str) -> bytes:
    try:
        key = base64.b64decode(str(value), validate=True)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"{label} {path} is corrupt (a key is not {KEY_BYTES} bytes)")
    return key


def _cached(path: Path, loader):
    try:
        info = path.stat()
    except OSError:
        return loader()  # raises the one-line KeyFileError for this file
    signature = (info.st_ino, info.st_mtime_ns, info.st_size, info.st_mode)
    hit = _cache.get(path)
    if hit and hit[0] == signature:
        return hit[1]
    value = loader()
    _cache[path] = (signature, value)
    return value


def load_master(path: Path) -> MasterKey:
    """Read the master key file (re-read when it changes, e.g. after a rotation)."""
    label = "master key file"

    def loader():
        body = _read(path, MASTER_KIND, label)
        try:
            versions = {int(v): _decode_key(k, path, label) for v, k in body["versions"].items()}
            current = int(body["current"])
        except (KeyError, ValueError, TypeError, AttributeError):
            raise KeyFileError(f"{label} {path} is corrupt or truncated") from None
        if current not in versions:
            raise KeyFileError(f"{label} {path} is corrupt (no current KEK)")
        return MasterKey(current=current, versions=versions)

    return _cached(path, loader)


def load_index_key(path: Path) -> bytes:
    """Read the blind-index key file."""
    label = "index key file"

    def loader():
        return _decode_key(_read(path, INDEX_KIND, label).get("key"), path, label)

    return _cached(path, loader)


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """Read the audit log's Ed25519 signing key file."""
    label = "audit signing key file"

    def loader():
        raw = _decode_key(_read(path, SIGNING_KIND, label).get("key"), path, label)
        return Ed25519PrivateKey.from_private_bytes(raw)

    return _cached(path, loader)


def check(config: Config) -> None:
    """Raise KeyFileError unless every key file is present, private and intact."""
    for path, kind, label in (
        (config.master_key_file, MASTER_KIND, "master key file"),
        (config.index_key_file, INDEX_KIND, "index key file"),
        (config.audit_key_file, SIGNING_KIND, "audit signing key file"),
    ):
        _read(path, kind, label)
    load_master(config.master_key_file)
    load_index_key(config.index_key_file)
    load_signing_key(config.audit_key_file)


def _write(path: Path, body: dict) -> None:
    """Write a key file atomically with mode 0600 (a crash leaves the old file whole)."""
    document = dict(body, checksum=_checksum(body))
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(document, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _encode(key: bytes) -> str:
    return base64.b64encode(key).decode()


def create_master(path: Path) -> MasterKey:
    """Create a master key file with KEK version 1; refuse to overwrite one."""
    if path.exists():
        raise KeyFileError(f"master key file {path} already exists")
    key = new_key()
    _write(
        path, {"kind": MASTER_KIND, "format": FORMAT, "current": 1, "versions": {"1": _encode(key)}}
    )
    return load_master(path)


def create_index_key(path: Path) -> None:
    """Create the blind-index key file; refuse to overwrite one."""
    if path.exists():
        raise KeyFileError(f"index key file {path} already exists")
    _write(path, {"kind": INDEX_KIND, "format": FORMAT, "key": _encode(new_key())})


def create_signing_key(path: Path) -> None:
    """Create the audit signing key file (Ed25519); refuse to overwrite one."""
    if path.exists():
        raise KeyFileError(f"audit signing key file {path} already exists")
    raw = Ed25519PrivateKey.generate().private_bytes_raw()
    _write(path, {"kind": SIGNING_KIND, "format": FORMAT, "key": _encode(raw)})


def add_master_version(path: Path) -> MasterKey:
    """Add a new KEK version, make it current, keep the old ones (for old backups)."""
    master = load_master(path)
    version = max(master.versions) + 1
    versions = {str(v): _encode(k) for v, k in master.versions.items()}
    versions[str(version)] = _encode(new_key())
    _write(path, {"kind": MASTER_KIND, "format": FORMAT, "current": version, "versions": versions})
    return load_master(path)
