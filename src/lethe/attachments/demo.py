"""Synthetic attachments for `lethe demo`: meeting notes and summaries on some contacts."""

from __future__ import annotations

import random

from faker import Faker

from lethe.attachments import actions, registry
from lethe.contacts.models import Contact
from lethe.vault.policy import Actor, Purpose


def _pdf(text: str) -> bytes:
    """Return a small one-page PDF showing `text` (demo content only)."""
    safe = text.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 12 Tf 60 760 Td ({safe}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def fill(actor: Actor, rng: random.Random, faker: Faker, *, every: int = 5) -> int:
    """Attach meeting notes or a summary PDF to every `every`-th contact.

    Only people's files: they are sealed under the people's own keys, so the demo
    makes no record keys of its own.
    """
    purpose = Purpose.CUSTOMER_RELATIONSHIP
    count = 0
    for contact in Contact.objects.order_by("pk")[::every]:
        record = registry.resolve(actor, "contact", contact.pk)
        day = faker.date()
        if rng.random() < 0.5:
            name, data = f"Möte {day}.txt", f"Mötesanteckningar {day}\n\n{faker.paragraph()}\n"
            data = data.encode()
        else:
            name, data = f"Sammanfattning {day}.pdf", _pdf(f"Sammanfattning: {faker.sentence()}")
        actions.upload(actor, purpose, record, name, data)
        count += 1
    return count
