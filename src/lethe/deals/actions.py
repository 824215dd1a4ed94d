"""The write path for deals: every change is atomic and audited."""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action
from lethe.core import history, records
from lethe.core.tags import set_tags
from lethe.customfields import values as customfields
from lethe.deals.models import Deal, DealContact, Pipeline, Stage
from lethe.vault.policy import Actor, Purpose

FIELDS = [
    "title",
    "company",
    "amount",
    "currency",
    "pipeline",
    "stage",
    "expected_close",
    "probability",
    "owner",
    "lost_reason",
]


WonHook = Callable[[Actor, Deal], object]
_won_hooks: list[WonHook] = []


def on_won(callback: WonHook) -> WonHook:
    """Call `callback(actor, deal)` inside the action whenever a deal is won or, while won,
    gets contacts (legal holds keep its contract: lethe.holds)."""
    if callback not in _won_hooks:
        _won_hooks.append(callback)
    return callback


def _won(actor: Actor, deal: Deal) -> None:
    if deal.stage.kind == Stage.Kind.WON:
        for hook in list(_won_hooks):
            hook(actor, deal)


def _record(actor: Actor, action: Action, deal: Deal, changed=()) -> None:
    subjects = [c.subject_id for c in deal.contacts.all()] if deal.pk else []
    log.record(
        actor,
        action,
        record_kind="deal",
        record_id=deal.pk,
        subjects=subjects,
        purpose=Purpose.CUSTOMER_RELATIONSHIP,
        detail={"fields": sorted(changed)},
    )


def _closing(deal: Deal) -> None:
    """Set or clear closed_at as the deal enters or leaves a won or lost stage."""
    closed = deal.stage.kind != Stage.Kind.OPEN
    if closed and deal.closed_at is None:
        deal.closed_at = timezone.now()
    elif not closed:
        deal.closed_at = None
        deal.lost_reason = ""


@transaction.atomic
def create_deal(actor: Actor, data: dict, owner=None) -> Deal:
    """Create a deal from cleaned form data."""
    deal = Deal(**{f: data[f] for f in FIELDS if data.get(f) not in (None, "")})
    deal.owner = deal.owner or owner
    _closing(deal)
    deal.save()
    set_tags(deal, data.get("tags", []))
    custom = customfields.save(deal.pk, data.get("custom", {}))
    _record(
        actor, Action.CREATE, deal, [*(f for f in FIELDS if data.get(f) not in (None, "")), *custom]
    )
    _won(actor, deal)
    return deal


@transaction.atomic
def update_deal(actor: Actor, deal: Deal, data: dict) -> Deal:
    """Change the given fields of a deal (cleaned form data), e.g. move it to a stage."""
    changed = [f for f in FIELDS if f in data and getattr(deal, f) != data[f]]
    changes = {name: (getattr(deal, name), data[name]) for name in changed}
    for name in changed:
        setattr(deal, name, data[name])
    if "stage" in changed:
        _closing(deal)
    if changed:
        deal.save()
    before = sorted(deal.tags.values_list("name", flat=True)) if "tags" in data else None
    if "tags" in data and before != sorted(data["tags"]):
        set_tags(deal, data["tags"])
        changed.append("tags")
        changes["tags"] = (before, data["tags"])
    custom = customfields.save(deal.pk, data.get("custom", {}))
    changed.extend(custom)
    changes.update(custom)
    if changed:
        history.record(actor, "deal", deal.pk, changes)
        _record(actor, Action.UPDATE, deal, changed)
    if "stage" in changed:
        _won(actor, deal)
    return deal


@transaction.atomic
def set_contacts(actor: Actor, deal: Deal, roles: dict) -> Deal:
    """Make exactly these contacts part of the deal, each with its role."""
    DealContact.objects.filter(deal=deal).exclude(contact__in=list(roles)).delete()
    for contact, role in roles.items():
        DealContact.objects.update_or_create(deal=deal, contact=contact, defaults={"role": role})
    _record(actor, Action.UPDATE, deal, ["contacts"])
    _won(actor, deal)
    return deal


@transaction.atomic
def archive_deal(actor: Actor, deal: Deal) -> Deal:
    """Archive a deal; reversible."""
    if history.set_archived(actor, deal, "deal", True):
        _record(actor, Action.ARCHIVE, deal)
    return deal


@transaction.atomic
def restore_deal(actor: Actor, deal: Deal) -> Deal:
    """Bring an archived deal back."""
    if history.set_archived(actor, deal, "deal", False):
        _record(actor, Action.UPDATE, deal, ["archived_at"])
    return deal


@transaction.atomic
def delete_deal(actor: Actor, deal: Deal) -> None:
    """Delete a deal for good."""
    _record(actor, Action.DELETE, deal)
    deal_id = deal.pk
    history.forget("deal", [deal.pk])
    customfields.forget("deal", [deal.pk])
    deal.delete()
    # Its record key goes too: its sealed notes and files become unreadable everywhere.
    records.forget(actor, "deal", [deal_id])


# --- pipelines and stages (admin) -----------------------------------------------------


class PipelineError(ValueError):
    """A pipeline or stage change that would break a rule; `field` names what is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


# A new pipeline starts with one stage of each kind, so it is usable at once and keeps
# an open stage; the admin renames and adds from there.
NEW_PIPELINE_STAGES = [
    ("New", 10, Stage.Kind.OPEN),
    ("Won", 100, Stage.Kind.WON),
    ("Lost", 0, Stage.Kind.LOST),
]


def _record_admin(actor: Actor, action: Action, kind: str, pk, changed=()) -> None:
    log.record(
        actor,
        action,
        record_kind=kind,
        record_id=pk,
        purpose=Purpose.ADMINISTRATION,
        detail={"fields": sorted(changed)},
    )


def _place(items: list, item, position: int | None) -> None:
    """Put `item` at `position` (clamped; None: last) among `items`, renumbering the others.

    The caller saves `item` itself.
    """
    others = [i for i in items if item.pk is None or i.pk != item.pk]
    index = len(others) if position is None else max(0, min(position, len(others)))
    others.insert(index, item)
    item.position = index
    _renumber(others, skip=item)


def _renumber(items: list, skip=None) -> None:
    """Number `items` 0, 1, 2, ... in their order, saving those whose position changes."""
    for number, each in enumerate(items):
        if each is not skip and each.position != number:
            each.position = number
            each.save(update_fields=["position"])


def _locked(pipeline_id: int) -> Pipeline:
    """Lock a pipeline's row, so concurrent changes to its stages run one after another."""
    return Pipeline.objects.select_for_update().get(pk=pipeline_id)


def _delete(record, field: str) -> None:
    """Delete `record`; a deal added to it meanwhile (PROTECT) becomes a PipelineError."""
    try:
        record.delete()
    except ProtectedError:
        raise PipelineError(field, "it still has deals; move them first") from None


def _save_named(record, field: str, **kwargs) -> None:
    """Save `record`; a name taken meanwhile (unique constraint) becomes a PipelineError."""
    try:
        with transaction.atomic():
            record.save(**kwargs)
    except IntegrityError:
        raise PipelineError(field, "this name is taken") from None


@transaction.atomic
def create_pipeline(actor: Actor, data: dict) -> Pipeline:
    """Create a pipeline with a first open, a won and a lost stage."""
    pipeline = Pipeline(name=data["name"])
    _place(list(Pipeline.objects.select_for_update()), pipeline, data.get("position"))
    _save_named(pipeline, "name")
    Stage.objects.bulk_create(
        Stage(pipeline=pipeline, name=name, position=i, probability=probability, kind=kind)
        for i, (name, probability, kind) in enumerate(NEW_PIPELINE_STAGES)
    )
    _record_admin(actor, Action.CREATE, "pipeline", pipeline.pk, ["name", "position"])
    return pipeline


@transaction.atomic
def update_pipeline(actor: Actor, pipeline: Pipeline, data: dict) -> Pipeline:
    """Rename a pipeline or move it to another position (cleaned form data)."""
    changed = []
    if data.get("name") and data["name"] != pipeline.name:
        pipeline.name = data["name"]
        changed.append("name")
    if data.get("position") is not None and data["position"] != pipeline.position:
        _place(list(Pipeline.objects.select_for_update()), pipeline, data["position"])
        changed.append("position")
    if changed:
        _save_named(pipeline, "name", update_fields=["name", "position"])
        _record_admin(actor, Action.UPDATE, "pipeline", pipeline.pk, changed)
    return pipeline


@transaction.atomic
def delete_pipeline(actor: Actor, pipeline: Pipeline) -> None:
    """Delete a pipeline and its stages; refused while it has deals (archived ones too)."""
    _locked(pipeline.pk)
    count = Deal.objects.filter(pipeline=pipeline).count()
    if count:
        raise PipelineError("pipeline", f"it still has {count} deal(s); move or delete them first")
    if Pipeline.objects.count() == 1:
        raise PipelineError("pipeline", "it is the only pipeline; create another one first")
    _record_admin(actor, Action.DELETE, "pipeline", pipeline.pk)
    _delete(pipeline, "pipeline")


def _open_stages(pipeline: Pipeline, without: Stage) -> int:
    return pipeline.stages.filter(kind=Stage.Kind.OPEN).exclude(pk=without.pk).count()


@transaction.atomic
def create_stage(actor: Actor, pipeline: Pipeline, data: dict) -> Stage:
    """Add a stage to a pipeline (last unless a position is given)."""
    _locked(pipeline.pk)
    stage = Stage(
        pipeline=pipeline,
        name=data["name"],
        kind=data["kind"],
        probability=data["probability"],
    )
    _place(list(pipeline.stages.all()), stage, data.get("position"))
    _save_named(stage, "name")
    _record_admin(actor, Action.CREATE, "stage", stage.pk, ["name", "kind", "probability"])
    return stage


@transaction.atomic
def update_stage(actor: Actor, stage: Stage, data: dict) -> Stage:
    """Rename, reorder, or change the kind or probability of a stage (cleaned form data).

    The kind of a stage with deals stays as it is (their won/lost state and close times
    would silently change), and a pipeline keeps at least one open stage.
    """
    _locked(stage.pipeline_id)
    changed = [
        f
        for f in ("name", "kind", "probability")
        if data.get(f) not in (None, "") and data[f] != getattr(stage, f)
    ]
    if "kind" in changed:
        count = stage.deals.count()
        if count:
            raise PipelineError("kind", f"the stage has {count} deal(s); move them first")
        if stage.kind == Stage.Kind.OPEN and not _open_stages(stage.pipeline, stage):
            raise PipelineError("kind", "a pipeline needs at least one open stage")
    for name in changed:
        setattr(stage, name, data[name])
    if data.get("position") is not None and data["position"] != stage.position:
        _place(list(stage.pipeline.stages.all()), stage, data["position"])
        changed.append("position")
    if changed:
        _save_named(stage, "name", update_fields=["name", "kind", "probability", "position"])
        _record_admin(actor, Action.UPDATE, "stage", stage.pk, changed)
    return stage


@transaction.atomic
def delete_stage(actor: Actor, stage: Stage) -> None:
    """Delete a stage; refused while it has deals or if it is the pipeline's last open one."""
    _locked(stage.pipeline_id)
    count = stage.deals.count()
    if count:
        raise PipelineError("stage", f"it still has {count} deal(s); move them first")
    if stage.kind == Stage.Kind.OPEN and not _open_stages(stage.pipeline, stage):
        raise PipelineError("stage", "it is the pipeline's last open stage")
    _record_admin(actor, Action.DELETE, "stage", stage.pk)
    pipeline = stage.pipeline
    _delete(stage, "stage")
    _renumber(list(pipeline.stages.all()))
