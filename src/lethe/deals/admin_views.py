"""Admin pages for pipelines and their stages: create, rename, reorder, delete."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.deals import actions
from lethe.deals.forms import PipelineForm, StageForm
from lethe.deals.models import Pipeline, Stage
from lethe.vault.policy import Role

ADMINS = (Role.ADMIN,)


@require_http_methods(["GET", "POST"])
@roles_required(*ADMINS)
def pipelines(request):
    """List the pipelines (with their deal counts) and create one."""
    form = PipelineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            pipeline = actions.create_pipeline(
                actor_for(request.user, request=request), form.cleaned_data
            )
        except actions.PipelineError as exc:
            form.add_error(exc.field, exc.message)
        else:
            return redirect("deals:pipeline", pipeline.pk)
    return render(
        request,
        "deals/pipelines.html",
        {"form": form, "pipelines": Pipeline.objects.annotate(deal_count=Count("deals"))},
        status=400 if form.errors else 200,
    )


def _page(request, pipeline: Pipeline, failed=None, status=200):
    """Render a pipeline's page; `failed` is (key, form) for the form that did not validate.

    Keys: "pipeline", "delete", "new-stage", or a stage id (edit or delete of that stage).
    """
    failed_key, failed_form = failed or (None, None)
    stages = pipeline.stages.annotate(deal_count=Count("deals")).order_by("position", "id")
    rows = [(stage, failed_form.errors if failed_key == stage.pk else {}) for stage in stages]
    return render(
        request,
        "deals/pipeline.html",
        {
            "pipeline": pipeline,
            "form": failed_form if failed_key == "pipeline" else PipelineForm(instance=pipeline),
            "delete_error": failed_form if failed_key == "delete" else None,
            "rows": rows,
            "kinds": Stage.Kind.choices,
            "new_stage": (
                failed_form if failed_key == "new-stage" else StageForm(pipeline=pipeline)
            ),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@roles_required(*ADMINS)
def pipeline(request, pipeline_id: int):
    """Show a pipeline's stages; POST renames or moves the pipeline."""
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    if request.method == "GET":
        return _page(request, pipeline)
    form = PipelineForm(request.POST, instance=pipeline)
    if form.is_valid():
        try:
            actions.update_pipeline(
                actor_for(request.user, request=request), pipeline, form.cleaned_data
            )
        except actions.PipelineError as exc:
            form.add_error(exc.field, exc.message)
        else:
            return redirect("deals:pipeline", pipeline.pk)
    return _page(request, Pipeline.objects.get(pk=pipeline.pk), ("pipeline", form), 400)


class _Refusal:
    """A refused delete, shaped like a form's errors for the templates."""

    def __init__(self, error: actions.PipelineError):
        self.errors = {error.field: [error.message]}


@require_POST
@roles_required(*ADMINS)
def pipeline_delete(request, pipeline_id: int):
    """Delete a pipeline without deals, then list the pipelines."""
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    try:
        actions.delete_pipeline(actor_for(request.user, request=request), pipeline)
    except actions.PipelineError as exc:
        return _page(request, pipeline, ("delete", _Refusal(exc)), 400)
    return redirect("deals:pipelines")


@require_POST
@roles_required(*ADMINS)
def stage_create(request, pipeline_id: int):
    """Add a stage to a pipeline."""
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    form = StageForm(request.POST, pipeline=pipeline)
    if form.is_valid():
        try:
            actions.create_stage(
                actor_for(request.user, request=request), pipeline, form.cleaned_data
            )
        except actions.PipelineError as exc:
            form.add_error(exc.field, exc.message)
        else:
            return redirect("deals:pipeline", pipeline.pk)
    return _page(request, pipeline, ("new-stage", form), 400)


@require_POST
@roles_required(*ADMINS)
def stage(request, stage_id: int):
    """Rename, reorder, or change the kind or probability of a stage."""
    stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=stage_id)
    form = StageForm(request.POST, pipeline=stage.pipeline, instance=stage)
    if form.is_valid():
        try:
            actions.update_stage(actor_for(request.user, request=request), stage, form.cleaned_data)
        except actions.PipelineError as exc:
            form.add_error(exc.field, exc.message)
        else:
            return redirect("deals:pipeline", stage.pipeline_id)
    return _page(request, stage.pipeline, (stage.pk, form), 400)


@require_POST
@roles_required(*ADMINS)
def stage_delete(request, stage_id: int):
    """Delete a stage without deals (not the pipeline's last open one)."""
    stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=stage_id)
    try:
        actions.delete_stage(actor_for(request.user, request=request), stage)
    except actions.PipelineError as exc:
        return _page(request, stage.pipeline, (stage.pk, _Refusal(exc)), 400)
    return redirect("deals:pipeline", stage.pipeline_id)
