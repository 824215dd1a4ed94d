"""Admins edit pipelines and stages (API and pages); every change is audited."""

import pytest

from lethe.audit.models import Action, AuditEvent
from lethe.deals import actions
from lethe.deals.models import Deal, Pipeline, Stage
from lethe.vault.policy import Actor
from tests.conftest import ALL
from tests.helpers import client_with, patch, post

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("tests")


@pytest.fixture
def admin():
    return client_with("admin")[0]


def sales_pipeline() -> Pipeline:
    return Pipeline.objects.get(name="Sales")


def stage(name: str) -> Stage:
    return sales_pipeline().stages.get(name=name)


def with_a_deal(on: Stage) -> Deal:
    return Deal.objects.create(title="Affär", pipeline=on.pipeline, stage=on)


def names(pipeline: Pipeline) -> list[str]:
    return list(pipeline.stages.order_by("position").values_list("name", flat=True))


def audited(kind: str) -> list[tuple[str, str]]:
    events = AuditEvent.objects.filter(record_kind=kind).order_by("seq")
    return [(e.action, e.purpose) for e in events]


class Unchanged:
    """Snapshot of pipelines, stages and audit events, to prove a refusal wrote nothing."""

    def __init__(self):
        self.before = self.state()

    @staticmethod
    def state():
        return (
            list(Pipeline.objects.values_list("id", "name", "position")),
            list(Stage.objects.values_list("id", "name", "position", "kind", "probability")),
            AuditEvent.objects.count(),
        )

    def __bool__(self):
        return self.state() == self.before


def test_an_admin_creates_a_pipeline_with_an_open_a_won_and_a_lost_stage(admin):
    response = post(admin, "/api/v1/deals/pipelines", {"name": "Partners", "position": 0})
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(s["name"], s["kind"]) for s in body["stages"]] == [
        ("New", "open"),
        ("Won", "won"),
        ("Lost", "lost"),
    ]
    assert list(Pipeline.objects.values_list("name", flat=True)) == ["Partners", "Sales"]
    assert audited("pipeline") == [(Action.CREATE, "administration")]


def test_an_admin_renames_and_reorders_pipelines(admin):
    partners = actions.create_pipeline(SYSTEM, {"name": "Partners"})
    response = patch(admin, f"/api/v1/deals/pipelines/{partners.pk}", {"name": "Partner"})
    assert response.status_code == 200 and response.json()["name"] == "Partner"
    response = patch(admin, f"/api/v1/deals/pipelines/{partners.pk}", {"position": 0})
    assert response.status_code == 200
    assert list(Pipeline.objects.values_list("name", "position")) == [("Partner", 0), ("Sales", 1)]
    assert [a for a, _ in audited("pipeline")] == [Action.CREATE, Action.UPDATE, Action.UPDATE]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "sales"}, "name"),  # taken, whatever the case
        ({"name": "P", "position": -1}, "position"),
    ],
)
def test_bad_pipeline_input_names_the_field_and_writes_nothing(admin, body, field):
    unchanged = Unchanged()
    response = post(admin, "/api/v1/deals/pipelines", body)
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == {field}
    assert unchanged


def test_a_wrong_type_is_refused_naming_the_field(admin):
    unchanged = Unchanged()
    response = post(admin, "/api/v1/deals/pipelines", {"name": ["a", "list"]})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"name"}
    response = post(
        admin,
        f"/api/v1/deals/pipelines/{sales_pipeline().pk}/stages",
        {"name": "A", "probability": "high"},
    )
    assert response.status_code == 400 and set(response.json()["errors"]) == {"probability"}
    assert unchanged


def test_a_pipeline_with_deals_cannot_be_deleted_and_says_why(admin):
    with_a_deal(stage("Won"))
    actions.create_pipeline(SYSTEM, {"name": "Partners"})
    unchanged = Unchanged()
    response = admin.delete(f"/api/v1/deals/pipelines/{sales_pipeline().pk}")
    assert response.status_code == 409
    assert response.json()["errors"] == {
        "pipeline": ["it still has 1 deal(s); move or delete them first"]
    }
    assert unchanged


def test_an_empty_pipeline_is_deleted_with_its_stages_but_never_the_last_one(admin):
    partners = actions.create_pipeline(SYSTEM, {"name": "Partners"})
    assert admin.delete(f"/api/v1/deals/pipelines/{partners.pk}").status_code == 204
    assert not Stage.objects.filter(pipeline_id=partners.pk).exists()
    assert audited("pipeline")[-1][0] == Action.DELETE
    response = admin.delete(f"/api/v1/deals/pipelines/{sales_pipeline().pk}")
    assert response.status_code == 409 and "only pipeline" in response.json()["detail"]
    assert admin.delete("/api/v1/deals/pipelines/999999").status_code == 404
    assert patch(admin, "/api/v1/deals/pipelines/999999", {"name": "X"}).status_code == 404


def test_an_admin_adds_renames_reorders_and_retunes_stages(admin):
    pipeline = sales_pipeline()
    response = post(
        admin,
        f"/api/v1/deals/pipelines/{pipeline.pk}/stages",
        {"name": "Demo", "probability": 45, "position": 2},
    )
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "open" and response.json()["position"] == 2
    assert names(pipeline)[:4] == ["Qualification", "Needs analysis", "Demo", "Proposal"]
    demo = response.json()["id"]
    response = patch(
        admin,
        f"/api/v1/deals/stages/{demo}",
        {"name": "Demonstration", "probability": 50, "position": 0},
    )
    assert response.status_code == 200
    assert names(pipeline)[:2] == ["Demonstration", "Qualification"]
    assert list(pipeline.stages.values_list("position", flat=True)) == list(range(7))
    assert patch(admin, f"/api/v1/deals/stages/{demo}", {"kind": "won"}).json()["kind"] == "won"
    assert [a for a, _ in audited("stage")] == [Action.CREATE, Action.UPDATE, Action.UPDATE]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "proposal"}, "name"),
        ({"name": "A", "probability": 101}, "probability"),
        ({"name": "A", "probability": -1}, "probability"),
        ({"name": "A", "kind": "maybe"}, "kind"),
    ],
)
def test_bad_stage_input_names_the_field_and_writes_nothing(admin, body, field):
    unchanged = Unchanged()
    response = post(admin, f"/api/v1/deals/pipelines/{sales_pipeline().pk}/stages", body)
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == {field}
    assert unchanged
    assert post(admin, "/api/v1/deals/pipelines/999999/stages", {"name": "A"}).status_code == 404


def test_a_stage_with_deals_keeps_its_kind_and_cannot_be_deleted(admin):
    proposal = stage("Proposal")
    with_a_deal(proposal)
    unchanged = Unchanged()
    response = admin.delete(f"/api/v1/deals/stages/{proposal.pk}")
    assert response.status_code == 409
    assert response.json()["errors"] == {"stage": ["it still has 1 deal(s); move them first"]}
    response = patch(admin, f"/api/v1/deals/stages/{proposal.pk}", {"kind": "won"})
    assert response.status_code == 409 and set(response.json()["errors"]) == {"kind"}
    assert unchanged
    assert (
        patch(admin, f"/api/v1/deals/stages/{proposal.pk}", {"name": "Offert"}).status_code == 200
    )


def test_a_pipeline_keeps_at_least_one_open_stage(admin):
    partners = actions.create_pipeline(SYSTEM, {"name": "Partners"})
    new = partners.stages.get(name="New")
    unchanged = Unchanged()
    response = admin.delete(f"/api/v1/deals/stages/{new.pk}")
    assert response.status_code == 409 and "last open stage" in response.json()["detail"]
    response = patch(admin, f"/api/v1/deals/stages/{new.pk}", {"kind": "lost"})
    assert response.status_code == 409 and set(response.json()["errors"]) == {"kind"}
    assert unchanged
    won = partners.stages.get(name="Won")
    assert admin.delete(f"/api/v1/deals/stages/{won.pk}").status_code == 204
    assert names(partners) == ["New", "Lost"]
    assert list(partners.stages.values_list("position", flat=True)) == [0, 1]
    assert admin.delete("/api/v1/deals/stages/999999").status_code == 404


@pytest.mark.parametrize("role", ["sales", "support", "finance", "dpo", "marketing", "auditor"])
def test_only_admins_edit_pipelines(role):
    client, _ = client_with(role)
    pipeline = sales_pipeline()
    unchanged = Unchanged()
    assert post(client, "/api/v1/deals/pipelines", {"name": "P"}).status_code == 403
    assert patch(client, f"/api/v1/deals/pipelines/{pipeline.pk}", {"name": "P"}).status_code == 403
    assert client.delete(f"/api/v1/deals/stages/{stage('Lost').pk}").status_code == 403
    assert client.get("/deals/pipelines/").status_code == 403
    assert client.post("/deals/pipelines/", {"name": "P"}).status_code == 403
    assert client.post(f"/deals/stages/{stage('Lost').pk}/delete/").status_code == 403
    assert unchanged


# --- pages ----------------------------------------------------------------------------


def test_the_admin_pages_create_a_pipeline_and_edit_its_stages(admin):
    response = admin.post("/deals/pipelines/", {"name": "Partners"})
    partners = Pipeline.objects.get(name="Partners")
    assert (
        response.status_code == 302 and response["Location"] == f"/deals/pipelines/{partners.pk}/"
    )
    html = admin.get(f"/deals/pipelines/{partners.pk}/").content.decode()
    assert 'value="New"' in html and "Add stage" in html
    response = admin.post(
        f"/deals/pipelines/{partners.pk}/stages/",
        {"name": "Avtal", "kind": "open", "probability": "70"},
    )
    assert response.status_code == 302
    avtal = partners.stages.get(name="Avtal")
    response = admin.post(f"/deals/stages/{avtal.pk}/", {"name": "Avtal", "position": "0"})
    assert response.status_code == 302 and names(partners)[0] == "Avtal"
    assert admin.post(f"/deals/pipelines/{partners.pk}/", {"name": "Partner"}).status_code == 302
    assert admin.post(f"/deals/stages/{avtal.pk}/delete/").status_code == 302
    assert admin.post(f"/deals/pipelines/{partners.pk}/delete/").status_code == 302
    assert not Pipeline.objects.filter(pk=partners.pk).exists()
    assert "Sales" in admin.get("/deals/pipelines/").content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "name", "This field is required."),
        ({"name": "x" * 101}, "name", "at most 100 characters"),
        ({"name": "SALES"}, "name", "is taken"),
    ],
)
def test_a_bad_pipeline_form_shows_the_error_inline_and_writes_nothing(admin, data, field, message):
    unchanged = Unchanged()
    response = admin.post("/deals/pipelines/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in html and message in html
    assert unchanged


def test_the_pipeline_page_says_why_a_stage_or_pipeline_cannot_go(admin):
    proposal = stage("Proposal")
    with_a_deal(proposal)
    unchanged = Unchanged()
    response = admin.post(f"/deals/stages/{proposal.pk}/delete/")
    assert response.status_code == 400
    assert "Cannot delete: it still has 1 deal(s); move them first" in response.content.decode()
    response = admin.post(f"/deals/stages/{proposal.pk}/", {"name": "Needs analysis"})
    assert response.status_code == 400 and "is taken" in response.content.decode()
    response = admin.post(f"/deals/stages/{proposal.pk}/", {"probability": "900"})
    assert response.status_code == 400 and "less than or equal to 100" in response.content.decode()
    response = admin.post(f"/deals/pipelines/{proposal.pipeline_id}/delete/")
    assert (
        response.status_code == 400
        and "Cannot delete: it still has 1 deal(s)" in response.content.decode()
    )
    assert admin.post("/deals/stages/999999/").status_code == 404
    assert admin.get("/deals/pipelines/999999/").status_code == 404
    assert unchanged


def test_admins_see_no_deals(admin):
    with_a_deal(stage("Won"))
    assert admin.get("/deals/").status_code == 403
    assert admin.get(f"/deals/board/{sales_pipeline().pk}/").status_code == 403
