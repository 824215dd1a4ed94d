"""What may be attached: types read from the bytes, names cleaned, safe download headers."""

import pytest

from lethe.attachments import filetypes
from lethe.attachments.filetypes import Rejected, check, disposition
from tests.attachments.conftest import DOCX, ODT, PDF, PNG, TEXT, XLSX

LIMIT = 1000


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("a.pdf", PDF, "application/pdf"),
        ("a.PNG", PNG, "image/png"),
        ("a.docx", DOCX, filetypes.DOCX),
        ("a.xlsx", XLSX, filetypes.XLSX),
        ("a.odt", ODT, filetypes.ODT),
        ("a.txt", TEXT, "text/plain"),
        ("a.csv", b"a,b\n1,2\n", "text/csv"),
        ("latin.txt", "Gr\xf6na gatan".encode("latin-1"), "text/plain"),
    ],
)
def test_the_type_comes_from_the_bytes(name, data, content_type):
    assert check(name, data, max_bytes=LIMIT).content_type == content_type


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("a.docx", XLSX),  # a spreadsheet dressed as a letter
        ("a.pdf", TEXT),
        ("a.txt", PDF),
        ("a.html", b"<p>hi</p>"),
        ("a.svg", b"<svg/>"),
        ("a.txt", b"  \n<svg onload=alert(1)>"),
        ("a.txt", b"\xef\xbb\xbf<html><body>"),
        ("a.bin", bytes(range(256))),
        ("a.zip", b"PK\x03\x04" + bytes(30)),
    ],
)
def test_markup_unknown_types_and_disagreeing_names_are_refused(name, data):
    with pytest.raises(Rejected) as caught:
        check(name, data, max_bytes=LIMIT)
    assert caught.value.field == "file"


def test_the_size_limit_and_empty_files():
    with pytest.raises(Rejected, match="empty"):
        check("a.txt", b"", max_bytes=LIMIT)
    with pytest.raises(Rejected, match="larger than 1000"):
        check("a.txt", b"x" * (LIMIT + 1), max_bytes=LIMIT)
    assert check("a.txt", b"x" * LIMIT, max_bytes=LIMIT).content_type == "text/plain"


def test_names_lose_paths_and_control_characters():
    assert check("C:\\Users\\x\\Offert.pdf", PDF, max_bytes=LIMIT).name == "Offert.pdf"
    assert check("../../etc/Of\x00fert\n.pdf", PDF, max_bytes=LIMIT).name == "Offert.pdf"
    for bad in ("", "/", "..", None, "a" * 252 + ".pdf"):
        with pytest.raises(Rejected):
            check(bad, PDF, max_bytes=LIMIT)


def test_the_download_name_is_ascii_with_the_utf8_name_beside_it():
    assert disposition("Offert.pdf") == (
        "attachment; filename=\"Offert.pdf\"; filename*=UTF-8''Offert.pdf"
    )
    header = disposition('"; x=1 \r\n<Å>.pdf')
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="__ x_1 ___A_.pdf"; filename*=UTF-8')
    assert disposition("Дог.pdf").startswith('attachment; filename="attachment.pdf";')
