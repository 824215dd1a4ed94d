"""Deal pages: list with filters and sorting, the deal page, forms, and the pipeline board."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from lethe.audit.models import AuditEvent
from lethe.companies.models import Company
from lethe.contacts.actions import create_contact
from lethe.deals import actions
from lethe.deals.models import Deal, DealContact, Pipeline, Stage
from lethe.vault.policy import Actor, Purpose
from tests.conftest import ALL
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("tests")


def stage(name: str) -> Stage:
    return Stage.objects.get(pipeline__name="Sales", name=name)


def deal(title: str, **fields) -> Deal:
    """Create a deal through the action, as the pages and the API do."""
    data = {"title": title, "pipeline": Pipeline.objects.get(name="Sales"), **fields}
    data.setdefault("stage", stage("Qualification"))
    return actions.create_deal(SYSTEM, data)


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def sales():
    return client_with("sales")


@pytest.mark.parametrize("role", ["sales", "support", "finance", "dpo"])
def test_deal_readers_open_the_list_the_deal_page_and_the_board(role):
    one = deal("Läsbar affär")
    client, _ = client_with(role)
    assert "Läsbar affär" in text(client.get("/deals/"))
    assert client.get(f"/deals/{one.pk}/").status_code == 200
    board = client.get(f"/deals/board/{one.pipeline_id}/")
    assert board.status_code == 200 and "Läsbar affär" in text(board)
    writer = role == "sales"
    assert ("New deal" in text(client.get("/deals/"))) is writer
    assert ('name="stage"' in text(board)) is writer
    assert client.get("/deals/new/").status_code == (200 if writer else 403)
    assert client.get(f"/deals/{one.pk}/edit/").status_code == (200 if writer else 403)


@pytest.mark.parametrize("role", ["marketing", "auditor", "admin", None])
def test_roles_without_deals_get_403_on_every_deal_page(role):
    one = deal("Hemlig affär")
    client, _ = client_with(role)
    for path in ("/deals/", f"/deals/{one.pk}/", f"/deals/board/{one.pipeline_id}/", "/deals/new/"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/deals/{one.pk}/move/", {"stage": stage("Won").pk}).status_code == 403
    assert Deal.objects.get().stage == stage("Qualification")


def test_readers_who_do_not_sell_cannot_move_archive_or_create():
    one = deal("A")
    client, _ = client_with("support")
    assert client.post(f"/deals/{one.pk}/move/", {"stage": stage("Won").pk}).status_code == 403
    assert client.post(f"/deals/{one.pk}/archive/").status_code == 403
    assert client.post("/deals/new/", {"title": "B"}).status_code == 403
    one.refresh_from_db()
    assert (one.stage, one.archived_at, Deal.objects.count()) == (
        stage("Qualification"),
        None,
        1,
    )


def titles(response) -> list[str]:
    html = text(response)
    return sorted(
        (t for t in ("Alfa", "Beta", "Gamma", "Delta") if f">{t}</a>" in html),
        key=lambda t: html.index(f">{t}</a>"),
    )


def test_the_list_filters_by_each_filter(sales):
    client, user = sales
    kund = Company.objects.create(name="Kund AB")
    other = Pipeline.objects.create(name="Partners")
    signed = Stage.objects.create(pipeline=other, name="Signed", kind="won")
    deal("Alfa", company=kund, owner=user, tags=["stor"])
    deal("Beta", stage=stage("Won"))
    deal("Gamma", pipeline=other, stage=signed)
    archived = deal("Delta")
    actions.archive_deal(SYSTEM, archived)
    assert titles(client.get("/deals/", {"sort": "title"})) == ["Alfa", "Beta", "Gamma"]
    cases = {
        "pipeline": (other.pk, ["Gamma"]),
        "stage": (stage("Won").pk, ["Beta"]),
        "status": ("won", ["Beta", "Gamma"]),
        "owner": (user.pk, ["Alfa"]),
        "company": (kund.pk, ["Alfa"]),
        "tag": ("stor", ["Alfa"]),
        "archived": ("on", ["Delta"]),
    }
    for name, (value, expected) in cases.items():
        assert titles(client.get("/deals/", {name: value, "sort": "title"})) == expected, name


def test_the_list_sorts_by_title_amount_expected_close_and_updated(sales):
    client, _ = sales
    day = datetime.date(2027, 1, 1)
    deal("Beta", amount=Decimal(300), expected_close=day)
    deal("Alfa", amount=Decimal(100))
    deal("Gamma", amount=Decimal(200), expected_close=day - datetime.timedelta(days=1))
    expected = {
        "title": ["Alfa", "Beta", "Gamma"],
        "-title": ["Gamma", "Beta", "Alfa"],
        "amount": ["Alfa", "Gamma", "Beta"],
        "-amount": ["Beta", "Gamma", "Alfa"],
        "expected_close": ["Gamma", "Beta", "Alfa"],  # no date: last
        "-updated": ["Gamma", "Alfa", "Beta"],
        "updated": ["Beta", "Alfa", "Gamma"],
    }
    for sort, order in expected.items():
        assert titles(client.get("/deals/", {"sort": sort})) == order, sort


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"stage": "999999"}, "stage"),
        ({"pipeline": "x"}, "pipeline"),
        ({"owner": "999999"}, "owner"),
        ({"status": "maybe"}, "status"),
        ({"sort": "amount; drop"}, "sort"),
        ({"tag": "x" * 51}, "tag"),
    ],
)
def test_a_bad_filter_is_an_inline_error_next_to_it(sales, query, field):
    client, _ = sales
    response = client.get("/deals/", query)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in text(response)


def test_pages_of_the_list_keep_the_filters(sales):
    client, _ = sales
    for i in range(51):
        deal(f"D{i:02}", amount=Decimal(i))
    html = text(client.get("/deals/", {"sort": "amount"}))
    assert "page 1 of 2" in html and "sort=amount&amp;page=2" in html
    assert ">D50</a>" in text(client.get("/deals/", {"sort": "amount", "page": 2}))


def test_the_list_costs_the_same_queries_for_30_deals_as_for_3(sales):
    client, user = sales
    kund = Company.objects.create(name="Kund AB")

    def make(n):
        for i in range(n):
            deal(f"Affär {i}", company=kund, owner=user, tags=["a", "b"])

    make(3)
    with CaptureQueriesContext(connections["default"]) as few:
        assert client.get("/deals/").status_code == 200
    make(27)
    with CaptureQueriesContext(connections["default"]) as many:
        assert text(client.get("/deals/")).count("Affär ") == 30
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_board_has_a_column_per_stage_with_totals_and_a_pipeline_switcher(sales):
    client, user = sales
    Pipeline.objects.create(name="Partners")
    kund = Company.objects.create(name="Kund AB")
    deal("Alfa", amount=Decimal("100.50"), company=kund, owner=user)
    deal("Beta", amount=Decimal(200))
    deal("Euro", amount=Decimal(5), currency="EUR")
    deal("Vunnen", stage=stage("Won"), amount=Decimal(7))
    response = client.get("/deals/board/")
    assert response.status_code == 302
    html = text(client.get(response["Location"]))
    assert html.count('class="column') == Stage.objects.filter(pipeline__name="Sales").count()
    assert "3 deals · 5.00 EUR · 300.50 SEK" in html and "1 deal · 7.00 SEK" in html
    assert "Kund AB · 100.50 SEK · sales@lethe.example" in html
    assert ">Partners</a>" in html
    assert client.get("/deals/board/999999/").status_code == 404


def test_the_board_costs_the_same_queries_for_30_deals_as_for_3(sales):
    client, user = sales
    kund = Company.objects.create(name="Kund AB")
    pipeline = Pipeline.objects.get(name="Sales")
    stages = list(pipeline.stages.all())

    def make(n):
        for i in range(n):
            deal(f"Kort {i}", company=kund, owner=user, stage=stages[i % 4])

    make(3)
    with CaptureQueriesContext(connections["default"]) as few:
        assert client.get(f"/deals/board/{pipeline.pk}/").status_code == 200
    make(27)
    with CaptureQueriesContext(connections["default"]) as many:
        assert text(client.get(f"/deals/board/{pipeline.pk}/")).count("Kort ") == 30
    assert len(many.captured_queries) == len(few.captured_queries)


def test_moving_without_javascript_redirects_back_to_the_board(sales):
    client, _ = sales
    one = deal("Alfa")
    response = client.post(f"/deals/{one.pk}/move/", {"stage": stage("Proposal").pk})
    assert (
        response.status_code == 302 and response["Location"] == f"/deals/board/{one.pipeline_id}/"
    )
    assert Deal.objects.get().stage == stage("Proposal")


def test_moving_with_htmx_returns_only_the_board(sales):
    client, _ = sales
    one = deal("Alfa")
    response = client.post(
        f"/deals/{one.pk}/move/", {"stage": stage("Won").pk}, headers={"HX-Request": "true"}
    )
    html = text(response)
    assert response.status_code == 200
    assert html.startswith('<div id="board"') and "<html" not in html
    assert "1 deal · 0.00 SEK" in html
    one.refresh_from_db()
    assert one.stage == stage("Won") and one.closed_at is not None


@pytest.mark.parametrize("htmx", [False, True])
def test_moving_to_lost_without_a_reason_shows_the_error_on_the_card_and_changes_nothing(
    sales, htmx
):
    client, _ = sales
    one = deal("Alfa")
    before = AuditEvent.objects.count()
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(f"/deals/{one.pk}/move/", {"stage": stage("Lost").pk}, headers=headers)
    html = text(response)
    assert response.status_code == 400
    assert "Lost reason: choose why the deal was lost" in html
    assert ("<html" in html) is not htmx
    one.refresh_from_db()
    assert (one.stage, one.lost_reason, one.closed_at) == (stage("Qualification"), "", None)
    assert AuditEvent.objects.count() == before


def test_moving_to_lost_with_a_reason_and_refusing_foreign_stages(sales):
    client, _ = sales
    one = deal("Alfa")
    foreign = Stage.objects.create(pipeline=Pipeline.objects.create(name="P"), name="X")
    assert client.post(f"/deals/{one.pk}/move/", {"stage": foreign.pk}).status_code == 400
    assert client.post(f"/deals/{one.pk}/move/", {"stage": "x"}).status_code == 400
    assert client.post("/deals/999999/move/", {"stage": stage("Won").pk}).status_code == 404
    response = client.post(
        f"/deals/{one.pk}/move/", {"stage": stage("Lost").pk, "lost_reason": "price"}
    )
    assert response.status_code == 302
    one.refresh_from_db()
    assert (one.stage, one.lost_reason) == (stage("Lost"), "price")


def test_creating_and_editing_a_deal_through_the_forms(sales):
    client, user = sales
    kund = Company.objects.create(name="Kund AB")
    response = client.post(
        "/deals/new/",
        {"title": "Licenser", "company": kund.pk, "amount": "1200", "tags": "stor, ny"},
    )
    created = Deal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/deals/{created.pk}/"
    assert (created.owner, created.stage) == (user, stage("Qualification"))
    form = text(client.get(f"/deals/{created.pk}/edit/"))
    assert 'value="stor, ny"' in form or 'value="ny, stor"' in form
    response = client.post(
        f"/deals/{created.pk}/edit/",
        {
            "title": "Licenser 2027",
            "amount": "1500",
            "currency": "SEK",
            "pipeline": created.pipeline_id,
            "stage": stage("Proposal").pk,
            "owner": user.pk,
            "tags": "stor",
        },
    )
    assert response.status_code == 302
    created.refresh_from_db()
    assert (created.title, created.amount, created.stage, created.company) == (
        "Licenser 2027",
        Decimal(1500),
        stage("Proposal"),
        None,
    )
    assert list(created.tags.values_list("name", flat=True)) == ["stor"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "A", "amount": "many"}, "amount"),
        ({"title": "A", "amount": "-1"}, "amount"),
        ({"title": "A", "company": "999999"}, "company"),
        ({"title": "A", "stage": "999999"}, "stage"),
        ({"title": "A", "expected_close": "soon"}, "expected_close"),
        ({"title": "A", "tags": "a;b"}, "tags"),
        ({"title": "A", "lost_reason": "price"}, "lost_reason"),
    ],
)
def test_a_bad_deal_form_shows_the_error_next_to_the_field_and_writes_nothing(sales, data, field):
    client, _ = sales
    response = client.post("/deals/new/", data)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in text(response)
    assert not Deal.objects.exists()


def test_a_bad_edit_changes_nothing(sales):
    client, _ = sales
    one = deal("Alfa")
    response = client.post(f"/deals/{one.pk}/edit/", {"title": "", "stage": stage("Lost").pk})
    assert response.status_code == 400
    assert 'id="id_title_error"' in text(response) and 'id="id_lost_reason_error"' in text(response)
    one.refresh_from_db()
    assert (one.title, one.stage) == ("Alfa", stage("Qualification"))
    assert client.get("/deals/999999/edit/").status_code == 404


def test_archive_and_restore_buttons(sales):
    client, _ = sales
    one = deal("Alfa")
    assert client.get(f"/deals/{one.pk}/archive/").status_code == 405
    assert client.post(f"/deals/{one.pk}/archive/").status_code == 302
    one.refresh_from_db()
    assert one.archived_at is not None
    assert "Restore</button>" in text(client.get(f"/deals/{one.pk}/"))
    assert client.post(f"/deals/{one.pk}/restore/").status_code == 302
    one.refresh_from_db()
    assert one.archived_at is None
    kinds = AuditEvent.objects.filter(record_kind="deal", record_id=str(one.pk))
    assert {"archive", "update"} <= set(kinds.values_list("action", flat=True))


def test_the_deal_page_names_contacts_in_their_roles_as_the_role_may_read_them(sales):
    owner_client, owner = sales
    contact = create_contact(
        SYSTEM,
        Purpose.CUSTOMER_RELATIONSHIP,
        {"first_name": "Ingrid", "last_name": "Beslutsfattare"},
        {"owner": owner},
    )
    one = deal("Alfa", amount=Decimal(10), stage=stage("Lost"), lost_reason="timing")
    DealContact.objects.create(deal=one, contact=contact, role="decision_maker")
    html = text(owner_client.get(f"/deals/{one.pk}/"))
    assert "Ingrid Beslutsfattare" in html and "Decision Maker" in html
    assert "lost: Timing" in html and "0 % (the stage's)" in html
    other, _ = client_with("sales", "other")
    html = text(other.get(f"/deals/{one.pk}/"))
    assert "Beslutsfattare" not in html and "\N{LOCK} user.name" in html
    assert "Decision Maker" in html
    assert other.get("/deals/999999/").status_code == 404


def test_htmx_is_loaded_from_our_own_static_files_and_no_script_is_inline(sales):
    from django.contrib.staticfiles import finders

    client, _ = sales
    response = client.get("/")
    html = text(response)
    sources = re.findall(r"<script([^>]*)>", html)
    assert sources and all('src="/static/' in attributes for attributes in sources)
    assert any("django_htmx/htmx" in attributes for attributes in sources)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    for attributes in sources:
        path = re.search(r'src="/static/([^"]+)"', attributes).group(1)
        assert finders.find(path), path
        served = client.get(f"/static/{path}")
        assert served.status_code == 200
    assert '<a href="/deals/board/">Pipeline board</a>' in html
    assert '<a href="/deals/">Deals</a>' in html


def test_a_card_offers_the_next_stage_and_a_closed_card_stays_put(sales):
    client, _ = sales
    open_deal = deal("Alfa")
    lost = deal("Beta", stage=stage("Lost"), lost_reason="price")
    html = text(client.get(f"/deals/board/{open_deal.pipeline_id}/"))
    card = html[html.index(f'id="move-{open_deal.pk}"') :]
    assert (
        f'<option value="{stage("Needs analysis").pk}" selected>' in card[: card.index("</select>")]
    )
    card = html[html.index(f'id="move-{lost.pk}"') :]
    assert f'<option value="{stage("Lost").pk}" selected>' in card[: card.index("</select>")]
    reasons = html[html.index(f'id="reason-{lost.pk}"') :]
    assert '<option value="price" selected>' in reasons[: reasons.index("</select>")]


def test_the_contacts_page_puts_company_contacts_in_roles_names_masked_as_needed(sales):
    client, user = sales
    kund = Company.objects.create(name="Kund AB")
    mine, theirs = (
        create_contact(
            SYSTEM,
            Purpose.CUSTOMER_RELATIONSHIP,
            {"first_name": first, "last_name": "Kundsson"},
            {"owner": owner, "company": kund},
        )
        for first, owner in (("Maja", user), ("Olle", None))
    )
    one = deal("Alfa", company=kund)
    html = text(client.get(f"/deals/{one.pk}/contacts/"))
    assert "Maja Kundsson" in html and "Olle" not in html and "\N{LOCK} user.name" in html
    response = client.post(
        f"/deals/{one.pk}/contacts/",
        {"contact": [mine.pk, theirs.pk], f"role-{mine.pk}": "champion"},
    )
    assert response.status_code == 302
    assert set(DealContact.objects.values_list("contact_id", "role")) == {
        (mine.pk, "champion"),
        (theirs.pk, "other"),
    }
    event = AuditEvent.objects.filter(record_kind="deal").order_by("-seq").first()
    assert set(event.subjects) == {str(mine.subject_id), str(theirs.subject_id)}
    assert client.post(f"/deals/{one.pk}/contacts/", {}).status_code == 302
    assert not DealContact.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"contact": ["999999"]},
        {"contact": ["x"]},
        {"contact": ["{mine}"], "role-{mine}": "boss"},
    ],
)
def test_a_bad_contact_choice_is_an_error_and_changes_nothing(sales, data):
    client, _ = sales
    kund = Company.objects.create(name="Kund AB")
    mine = create_contact(
        SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, {"last_name": "Kundsson"}, {"company": kund}
    )
    elsewhere = create_contact(SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, {"last_name": "Annan"}, {})
    one = deal("Alfa", company=kund)
    DealContact.objects.create(deal=one, contact=mine, role="user")
    before = AuditEvent.objects.count()
    data = {
        k.format(mine=mine.pk): [v.format(mine=mine.pk) for v in vs] if isinstance(vs, list) else vs
        for k, vs in data.items()
    }
    for posted in (data, {"contact": [str(elsewhere.pk)]}):
        response = client.post(f"/deals/{one.pk}/contacts/", posted)
        assert response.status_code == 400 and 'id="contacts_error"' in text(response)
    assert list(DealContact.objects.values_list("contact_id", "role")) == [(mine.pk, "user")]
    assert not AuditEvent.objects.filter(seq__gt=before, record_kind="deal").exists()
    support, _ = client_with("support")
    assert support.post(f"/deals/{one.pk}/contacts/", {"contact": [mine.pk]}).status_code == 403
