"""The Art. 15 report, built by the access handler and read back with real parsers."""

import io
import socket
import zipfile
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader

from lethe.audit.models import Action, AuditEvent
from lethe.dsr import collect, fulfilment, report, store
from lethe.dsr.models import Export, Request
from lethe.vault.errors import AccessDenied
from lethe.vault.policy import Actor, Role
from tests.conftest import ALL
from tests.dsr.conftest import CV, full_name, make_everything

pytestmark = pytest.mark.django_db(databases=ALL)

HEADINGS = {
    "en": [
        "Why we use your data (Art. 15(1)(a))",
        "What kinds of data we hold (Art. 15(1)(b))",
        "Who receives your data (Art. 15(1)(c))",
        "How long we keep your data (Art. 15(1)(d))",
        "Your rights (Art. 15(1)(e))",
        "Your right to complain (Art. 15(1)(f))",
        "Where your data comes from (Art. 15(1)(g))",
        "Automated decisions (Art. 15(1)(h))",
    ],
    "sv": [
        "Varför vi använder dina uppgifter (artikel 15.1 a)",
        "Vilka slags uppgifter vi har (artikel 15.1 b)",
        "Vem som får dina uppgifter (artikel 15.1 c)",
        "Hur länge vi sparar dina uppgifter (artikel 15.1 d)",
        "Dina rättigheter (artikel 15.1 e)",
        "Din rätt att klaga (artikel 15.1 f)",
        "Varifrån dina uppgifter kommer (artikel 15.1 g)",
        "Automatiserade beslut (artikel 15.1 h)",
    ],
}
# What each language must say besides the headings: the rights, IMY, no automated decisions.
SAYS = {
    "en": [
        "rectification, Art. 16",
        "erasure, Art. 17",
        "restriction, Art. 18",
        "objection, Art. 21",
        "Integritetsskyddsmyndigheten (IMY)",
        "www.imy.se",
        "solely on automated processing",
        "An event or fair",
        "Managing our customer relationship",
        "[other person]",
    ],
    "sv": [
        "rättelse, artikel 16",
        "radering, artikel 17",
        "begränsning, artikel 18",
        "invändning, artikel 21",
        "Integritetsskyddsmyndigheten (IMY)",
        "www.imy.se",
        "enbart grundas på automatiserad behandling",
        "Ett evenemang eller en mässa",
        "Hantera vår kundrelation",
        "[annan person]",
    ],
}


def fulfil(world):
    outcome = fulfilment.handler_for(world.request)(world.dpo, world.request)
    exports = {e.kind: e for e in Export.objects.filter(pk__in=outcome["exports"].values())}
    return outcome, exports


def opened(world, export: Export) -> bytes:
    return store.open_export(world.dpo, export, channel="test")


def pdf_text(data: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split()
    )


class Tags(HTMLParser):
    """Collects the tags, links and text of an HTML document (as a browser shows it)."""

    def __init__(self):
        super().__init__()
        self.tags, self.urls, self.text, self.open = set(), [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.open.append(tag)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_endtag(self, tag):
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data):
        if "style" not in self.open and "title" not in self.open:
            self.text.append(data)


def html_text(html: str) -> str:
    parsed = Tags()
    parsed.feed(html)
    return " ".join("".join(parsed.text).split())


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_report_holds_the_person_data_and_every_art_15_heading(people, language):
    world = make_everything(people, language=language)
    outcome, exports = fulfil(world)
    assert outcome["language"] == language
    assert set(exports) == {"access.html", "access.pdf", "access.files"}
    number = world.request.pk
    assert exports["access.pdf"].filename == f"dsr-{number}-access-{language}.pdf"
    assert exports["access.html"].filename == f"dsr-{number}-access-{language}.html"
    assert exports["access.files"].filename == f"dsr-{number}-access-files.zip"
    text = pdf_text(opened(world, exports["access.pdf"]))
    html = html_text(opened(world, exports["access.html"]).decode())
    person = world.person
    for value in (
        full_name(person),
        person["email"][0],
        person["phone"][0],
        person["identity_number"],
        person["birth_date"],
        "Head of Procurement",
        world.old_job_title,
        world.nickname,
        "Enterprise",
        "Exportbolaget AB",
        "Årsavtal 2025",
        "Norrland",
        "CV.txt",
        "Offert.pdf",
        "Ägda Säljberg",
        f"DSR-{number}",
        "at the fair in Jönköping",
        *HEADINGS[language],
        *SAYS[language],
    ):
        assert value in text, value
        assert value in html, value
    for absent in (
        full_name(world.other),
        full_name(world.candidate),
        full_name(world.third),
        *world.secrets,
        *HEADINGS["sv" if language == "en" else "en"],
    ):
        assert absent not in text and absent not in html, absent
    with zipfile.ZipFile(io.BytesIO(opened(world, exports["access.files"]))) as files:
        [name] = files.namelist()
        assert name.endswith("/CV.txt") and files.read(name) == CV


def test_the_html_is_one_self_contained_file_without_scripts_or_links_out(everything):
    html = report.render_html(collect.gather(everything.dpo, everything.request), "en")
    parsed = Tags()
    parsed.feed(html)
    assert "script" not in parsed.tags and "link" not in parsed.tags and "img" not in parsed.tags
    assert all(url.startswith("#") for url in parsed.urls), parsed.urls
    assert '<html lang="en">' in html and "<style>" in html and "@media print" in html


def test_the_pdf_fetches_nothing(everything, monkeypatch):
    connections = []
    monkeypatch.setattr(socket.socket, "connect", lambda *a: connections.append(a))
    fetcher = report.no_fetching()
    for url in ("https://example.com/a.png", "http://127.0.0.1/x.css", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    html = (
        '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/evil.css"></head>'
        '<body><img src="https://example.com/track.png"><img src="file:///etc/hostname">'
        "<p>Hej</p></body></html>"
    )
    data = report.render_pdf(html)
    assert data.startswith(b"%PDF") and connections == []
    assert "Hej" in pdf_text(data)


def test_a_language_the_report_does_not_speak_is_refused(everything):
    with pytest.raises(ValueError):
        report.context(collect.gather(everything.dpo, everything.request), "de")


def test_the_exports_are_sealed_at_rest_and_their_making_is_audited(everything, settings):
    _, exports = fulfil(everything)
    root = settings.CONFIG.data_dir / "exports"
    stored = b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())
    assert everything.person["email"][0].encode() not in stored
    assert b"%PDF" not in stored
    made = AuditEvent.objects.filter(action=Action.EXPORT, record_kind="dsr_export")
    assert {e.record_id for e in made} >= {str(e.id) for e in exports.values()}
    assert all(e.subjects == [str(everything.contact.subject_id)] for e in made)
    assert Request.objects.get(pk=everything.request.pk).steps.filter(step="exported").exists()


def test_running_it_again_replaces_the_earlier_files(everything):
    _, first = fulfil(everything)
    _, second = fulfil(everything)
    for kind, export in first.items():
        export.refresh_from_db()
        assert export.purged_at is not None and not export.available()
        assert second[kind].available()
        with pytest.raises(store.ExportGone):
            store.open_export(everything.dpo, export, channel="test")


def test_a_dpo_outside_the_case_cannot_build_the_report(everything):
    outsider = Actor("user", str(everything.dpo_user.pk), frozenset({Role.DPO}))
    with pytest.raises(AccessDenied):
        fulfilment.handler_for(everything.request)(outsider, everything.request)
    assert not Export.objects.exists()
