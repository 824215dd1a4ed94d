"""The Art. 15 report: all of the person's data and items 15(1)(a)-(h), in HTML and PDF.

The HTML is one self-contained file (its stylesheet inline, nothing fetched) in plain
language, from one template per language (`dsr/access/report.<language>.html`). The
PDF is WeasyPrint's rendering of the same HTML with the stylesheet's print rules, and
a URL fetcher that refuses every URL: nothing is fetched from the network or the disk.
"""

from __future__ import annotations

import datetime

from django.template.loader import render_to_string
from django.utils import timezone

from lethe.dsr import art15
from lethe.dsr.collect import OTHER_PERSON, Collected
from lethe.vault import fields

LANGUAGES = art15.LANGUAGES
T = art15.Text
DASH = "—"

OTHER = {"en": OTHER_PERSON, "sv": "[annan person]"}

# Words for the values of Lethe's closed lists, per group. English falls back to the
# value itself with spaces for underscores.
TERMS: dict[str, dict[str, T]] = {
    "stage": {
        "lead": T("lead", "lead"),
        "prospect": T("prospect", "prospekt"),
        "customer": T("customer", "kund"),
        "former_customer": T("former customer", "tidigare kund"),
    },
    "kind": {
        "call": T("call", "samtal"),
        "email": T("e-mail", "e-post"),
        "meeting": T("meeting", "möte"),
        "task": T("task", "uppgift"),
        "note": T("note", "anteckning"),
    },
    "named_as": {
        "about": T("about you", "om dig"),
        "participant": T("you took part", "du deltog"),
        "mentioned": T("you are mentioned", "du nämns"),
    },
    "text_status": {
        "withheld": T(
            "Not included: the text belongs to another person's record.",
            "Ingår inte: texten hör till en annan persons uppgifter.",
        ),
        "erased": T("The text has been erased.", "Texten har raderats."),
        "none": T("No text.", "Ingen text."),
    },
    "deal_status": {
        "open": T("open", "pågående"),
        "won": T("won", "vunnen"),
        "lost": T("lost", "förlorad"),
    },
    "deal_role": {
        "decision_maker": T("decision maker", "beslutsfattare"),
        "champion": T("champion", "förespråkare"),
        "influencer": T("influencer", "påverkare"),
        "user": T("user", "användare"),
        "other": T("other", "annan"),
    },
    "action": {
        "read": T("read", "läsning"),
        "search": T("search", "sökning"),
        "create": T("created", "skapande"),
        "update": T("changed", "ändring"),
        "archive": T("archived", "arkivering"),
        "delete": T("deleted", "radering"),
        "export": T("export", "export"),
        "import": T("import", "import"),
        "consent_change": T("consent changed", "ändrat samtycke"),
        "request_step": T("step of a request", "steg i en begäran"),
        "erasure": T("erasure", "radering"),
        "access_denied": T("access refused", "nekad åtkomst"),
    },
    "actor": {
        "user": T("a staff member", "en medarbetare"),
        "token": T("a staff member's program (API)", "en medarbetares program (API)"),
        "system": T("Lethe itself (automatic)", "Lethe självt (automatiskt)"),
        "anonymous": T("someone not logged in", "någon som inte var inloggad"),
    },
    "record": {
        "personal": T("personal data", "personuppgift"),
        "contact": T("contact record", "kontaktpost"),
    },
    "contact_field": {
        "company": T("Company", "Företag"),
        "owner": T("Responsible at our company", "Ansvarig hos oss"),
        "stage": T("Stage", "Skede"),
        "source": T("Source", "Källa"),
        "obtained_at": T("Obtained on", "Inhämtad den"),
        "tags": T("Tags", "Etiketter"),
        "archived_at": T("Archived", "Arkiverad"),
    },
    "owner": {
        "person": T("yours, included", "din, bifogad"),
        "record": T(
            "a file of a deal or activity, not included",
            "en fil i en affär eller aktivitet, ej bifogad",
        ),
    },
    "bool": {"True": T("yes", "ja"), "False": T("no", "nej")},
    "section": {
        "consents": T("Consents", "Samtycken"),
        "disclosures": T("Disclosures", "Utlämnanden"),
    },
}


def term(group: str, value: object, language: str) -> str:
    """Return the word for `value` of one of Lethe's closed lists in `language`."""
    if value in (None, ""):
        return DASH
    text = TERMS.get(group, {}).get(str(value))
    if text is not None:
        return text.get(language)
    return str(value).replace("_", " ")


def show(value: object, language: str) -> str:
    """Return a value as text for the report: lists joined, addresses on one line."""
    if value is None or value == "" or value == []:
        return DASH
    if isinstance(value, bool):
        return term("bool", value, language)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        parts = [
            value.get("street"),
            " ".join(v for v in (value.get("postal_code"), value.get("city")) if v),
            value.get("region"),
            value.get("country"),
        ]
        return ", ".join(p for p in parts if p) or DASH
    if isinstance(value, list | tuple):
        return ", ".join(show(v, language) for v in value) or DASH
    return str(value)


def _field_label(name: str, language: str) -> str:
    if name.startswith("custom."):
        return name[len("custom.") :]
    if name in art15.FIELDS:
        return art15.field_name(name, language)
    if name in TERMS["contact_field"]:
        return term("contact_field", name, language)
    return name.replace("_", " ")


def _person(person: dict, language: str) -> dict:
    def rows(values: dict) -> list[tuple[str, str]]:
        return [(art15.field_name(n, language), show(values[n], language)) for n in values]

    contact = person["contact"]
    facts = []
    if contact:
        facts = [
            (term("contact_field", "company", language), show(contact["company"], language)),
            (
                "Tidigare företag" if language == "sv" else "Past companies",
                show(contact["past_companies"], language),
            ),
            (term("contact_field", "owner", language), show(contact["owner"], language)),
            (term("contact_field", "stage", language), term("stage", contact["stage"], language)),
            (term("contact_field", "tags", language), show(contact["tags"], language)),
            (
                term("contact_field", "source", language),
                art15.source_name(contact["source"], language),
            ),
            (
                term("contact_field", "obtained_at", language),
                show(contact["obtained_at"], language),
            ),
            ("Skapad" if language == "sv" else "Created", show(contact["created_at"], language)),
            (
                term("contact_field", "archived_at", language),
                show(contact["archived_at"], language),
            ),
        ]
    ordered = {n: person["personal"][n] for n in fields.FIELDS if n in person["personal"]}
    return {
        "id": person["id"],
        "name": person["name"],
        "personal": rows(ordered),
        "custom": [(c["label"], show(c["value"], language)) for c in person["custom"]],
        "facts": facts,
        "held": [rows(h["personal"]) for h in person["legal_hold"]],
    }


def _section_rows(rows: list[dict], language: str) -> tuple[list[str], list[list[str]]]:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    return columns, [[show(row.get(c), language) for c in columns] for row in rows]


def context(collected: Collected, language: str, *, files_archive: str = "") -> dict:
    """Return the template context of the report in `language` (en or sv).

    `files_archive` names the archive that carries the person's own files, if any.
    """
    if language not in LANGUAGES:
        raise ValueError(f"the report speaks {', '.join(LANGUAGES)}, not {language!r}")
    info = art15.information(collected.categories, legal_hold=collected.legal_hold)
    purposes = {p: n.get(language) for p, (n, _, _) in art15.PURPOSES.items()}
    request = collected.request
    sources = [
        {
            "source": art15.source_name(p["contact"]["source"], language),
            "obtained_at": show(p["contact"]["obtained_at"], language),
        }
        for p in collected.people
        if p["contact"]
    ]
    return {
        "language": language,
        "reference": f"DSR-{request.pk}",
        "received_on": show(request.received_on, language),
        "generated": show(collected.generated_at, language),
        "people": [_person(p, language) for p in collected.people],
        "categories": [
            art15.category_name(c, language) for c in art15.CATEGORIES if c in collected.categories
        ]
        + sorted(c for c in collected.categories if c not in art15.CATEGORIES),
        "deals": [
            {
                **d,
                "status": term("deal_status", d["status"], language),
                "roles": ", ".join(term("deal_role", r, language) for r in d["roles"]),
                "owner": show(d["owner"], language),
                "expected_close": show(d["expected_close"], language),
                "closed_at": show(d["closed_at"], language),
                "tags": show(d["tags"], language),
                "custom": [(c["label"], show(c["value"], language)) for c in d["custom"]],
                "company": show(d["company"], language),
            }
            for d in collected.deals
        ],
        "activities": [
            {
                "occurred_at": show(a["occurred_at"], language),
                "kind": term("kind", a["kind"], language),
                "named_as": ", ".join(term("named_as", n, language) for n in a["named_as"]),
                "company": show(a["company"], language),
                "deal": show(a["deal"], language),
                "owner": show(a["owner"], language),
                "due_date": show(a["due_date"], language),
                "done_at": show(a["done_at"], language),
                "text": collected.text(a["body"], OTHER[language]),
                "text_status": term("text_status", a["text_status"], language),
            }
            for a in collected.activities
        ],
        "attachments": [
            {
                "name": show(f["name"], language),
                "content_type": f["content_type"],
                "size": f["size"],
                "created_at": show(f["created_at"], language),
                "owner": term("owner", f["owner"], language),
            }
            for f in collected.attachments
        ],
        "history": [
            {
                "changed_at": show(h["changed_at"], language),
                "record": term("record", h["record"], language),
                "field": _field_label(h["field"], language),
                "old": show(h["old"], language),
                "new": show(h["new"], language) if h["record"] != "personal" else "",
                "changed_by": term("actor", h["changed_by"], language),
            }
            for h in collected.history
        ],
        "sections": [
            {"title": term("section", name, language), "table": _section_rows(rows, language)}
            for name, rows in collected.sections.items()
        ],
        "audit": [
            {
                "at": show(e["at"], language),
                "action": term("action", e["action"], language),
                "purpose": purposes.get(e["purpose"], e["purpose"] or DASH),
                "actor": term("actor", e["actor"], language),
            }
            for e in collected.audit
        ],
        "info": art15.localized(info, language),
        "sources": sources,
        "files_archive": files_archive,
    }


def render_html(collected: Collected, language: str = "en", *, files_archive: str = "") -> str:
    """Return the report as one self-contained HTML document."""
    data = context(collected, language, files_archive=files_archive)
    return render_to_string(f"dsr/access/report.{language}.html", data)


def no_fetching():
    """Return a WeasyPrint URL fetcher that fetches nothing: no network, no local files."""
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError("an export fetches no resources")

    return NoFetching()


def render_pdf(html: str) -> bytes:
    """Return the PDF of the report's HTML (print rules of its own stylesheet)."""
    # Imported here: WeasyPrint loads Pango, which no other command needs.
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=no_fetching(), media_type="print").write_pdf()
