"""Fulfilling access (Art. 15) and portability (Art. 20) requests: build, seal, store.

The handlers run as the DPO inside the request's case. They collect the person's
data, build the files, store them sealed in the export store (7 days) and return the
ids as the outcome. Run again (after an interruption, or to refresh), they build new
files and purge the earlier ones of the same kinds.
"""

from __future__ import annotations

import io
import zipfile

from lethe.dsr import collect, portability, register, report, store
from lethe.dsr.fulfilment import handles
from lethe.dsr.models import Export, Request
from lethe.vault.policy import Actor

HTML = "text/html; charset=utf-8"
PDF = "application/pdf"
ZIP = "application/zip"


def filename(request: Request, what: str, extension: str) -> str:
    """Return an export's file name: the request's number, never anything of the person."""
    return f"dsr-{request.pk}-{what}.{extension}"


def _files_zip(collected: collect.Collected) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in collected.attachments:
            if item["included"] and item["name"]:
                archive.writestr(portability.file_path(item), collected.files[item["id"]])
    return out.getvalue()


def _replace_earlier(actor: Actor, request: Request, made: list[Export]) -> None:
    kinds = {e.kind for e in made}
    earlier = request.exports.filter(kind__in=kinds, purged_at__isnull=True).exclude(
        pk__in=[e.pk for e in made]
    )
    store.purge(actor, list(earlier.select_related("record_key")), reason="export_replaced")


def _finish(actor: Actor, request: Request, made: list[Export], **detail) -> dict:
    _replace_earlier(actor, request, made)
    exports = {e.kind: str(e.id) for e in made}
    register.step(
        actor,
        request,
        "exported",
        subjects=register.confirmed_subjects(request),
        exports=exports,
        **detail,
    )
    return {"exports": exports, **detail}


@handles("access")
def access(actor: Actor, request: Request) -> dict:
    """Build the Art. 15 report (HTML and PDF, in the request's language) and the
    person's own files (a zip, if they have any); return their export ids."""
    collected = collect.gather(actor, request)
    language = request.language
    files = filename(request, "access-files", "zip") if collected.files else ""
    html = report.render_html(collected, language, files_archive=files)
    pdf = report.render_pdf(html)
    made = [
        store.save(
            actor,
            request,
            "access.html",
            filename(request, f"access-{language}", "html"),
            HTML,
            html.encode(),
        ),
        store.save(
            actor, request, "access.pdf", filename(request, f"access-{language}", "pdf"), PDF, pdf
        ),
    ]
    if files:
        made.append(store.save(actor, request, "access.files", files, ZIP, _files_zip(collected)))
    return _finish(actor, request, made, language=language)


@handles("portability")
def portability_archive(actor: Actor, request: Request) -> dict:
    """Build the Art. 20 archive (zip); return its export id."""
    collected = collect.gather(actor, request)
    data = portability.archive(collected)
    made = [
        store.save(
            actor, request, "portability.zip", filename(request, "portability", "zip"), ZIP, data
        )
    ]
    return _finish(actor, request, made)
