"""What may be attached: the content type is read from the bytes, never from the client.

The detected type must be on the allow-list and agree with the file name's
extension. Markup (HTML, SVG, XML) is refused outright: a browser could run it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

import filetype

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
TEXT = "text/plain"
CSV = "text/csv"

# Detected content type -> the extensions a file of that type may have.
ALLOWED: dict[str, tuple[str, ...]] = {
    "application/pdf": ("pdf",),
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    DOCX: ("docx",),
    XLSX: ("xlsx",),
    PPTX: ("pptx",),
    ODT: ("odt",),
    ODS: ("ods",),
    TEXT: ("txt",),
    CSV: ("csv",),
}
MARKUP_EXTENSIONS = {"htm", "html", "xhtml", "svg", "svgz", "xml", "xsl", "shtml", "mht"}
MARKUP_START = re.compile(
    rb"<\s*(!doctype|html|head|body|svg|script|iframe|\?xml|!--)", re.IGNORECASE
)
# Bytes that never occur in a text file (controls other than tab, newlines, form feed).
NOT_TEXT = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
MAX_NAME = 255


class Rejected(ValueError):
    """An upload that may not be stored; `field` names what is wrong with it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class Checked:
    """A file that may be stored: its cleaned name and detected content type."""

    name: str
    content_type: str


def clean_name(name: object) -> str:
    """Return the file name without any path or control characters, or raise Rejected."""
    if not isinstance(name, str):
        raise Rejected("file", "the file has no name")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    name = unicodedata.normalize("NFC", name)
    if not name or name in (".", ".."):
        raise Rejected("file", "the file has no name")
    if len(name) > MAX_NAME:
        raise Rejected("file", f"the file name must be at most {MAX_NAME} characters")
    return name


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def detect(data: bytes) -> str | None:
    """Return the content type read from the bytes (None: not a type we know)."""
    kind = filetype.guess(data)
    if kind is not None:
        return kind.mime
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if MARKUP_START.match(head):
        return "text/html"
    if not NOT_TEXT.search(data):
        return TEXT
    return None


def check(name: object, data: bytes, *, max_bytes: int) -> Checked:
    """Return the checked name and type of an upload, or raise Rejected naming the field."""
    name = clean_name(name)
    if not data:
        raise Rejected("file", "the file is empty")
    if len(data) > max_bytes:
        raise Rejected("file", f"the file is larger than {max_bytes} bytes")
    ext = extension(name)
    if ext in MARKUP_EXTENSIONS:
        raise Rejected("file", "HTML, SVG and XML files are not allowed")
    detected = detect(data)
    if detected is None or detected not in ALLOWED:
        raise Rejected("file", f"files of this type ({detected or 'unknown'}) are not allowed")
    if detected == TEXT and ext == "csv":
        detected = CSV
    if ext not in ALLOWED[detected]:
        wanted = ", ".join(f".{e}" for e in ALLOWED[detected])
        raise Rejected("file", f"the content is {detected}: the name must end in {wanted}")
    return Checked(name, detected)


def disposition(name: str) -> str:
    """Return a Content-Disposition header that downloads the file under its name.

    An ASCII fallback for old clients, and the UTF-8 name in filename* (RFC 6266).
    """
    ext = extension(name)
    stem = name[: -len(ext) - 1] if ext else name
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[^A-Za-z0-9._ -]", "_", ascii_stem).strip(" .") or "attachment"
    ascii_name = f"{ascii_stem}.{re.sub(r'[^a-z0-9]', '_', ext)}" if ext else ascii_stem
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
