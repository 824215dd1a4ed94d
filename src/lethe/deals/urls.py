from django.urls import path

from lethe.deals import admin_views, views

app_name = "deals"
urlpatterns = [
    path("", views.deal_list, name="list"),
    path("new/", views.deal_create, name="create"),
    path("<int:deal_id>/", views.deal_detail, name="detail"),
    path("<int:deal_id>/edit/", views.deal_edit, name="edit"),
    path("<int:deal_id>/contacts/", views.deal_contacts, name="contacts"),
    path("<int:deal_id>/archive/", views.deal_archive, name="archive"),
    path("<int:deal_id>/restore/", views.deal_restore, name="restore"),
    path("<int:deal_id>/move/", views.deal_move, name="move"),
    path("board/", views.board_first, name="board-first"),
    path("board/<int:pipeline_id>/", views.board, name="board"),
    path("pipelines/", admin_views.pipelines, name="pipelines"),
    path("pipelines/<int:pipeline_id>/", admin_views.pipeline, name="pipeline"),
    path(
        "pipelines/<int:pipeline_id>/delete/", admin_views.pipeline_delete, name="pipeline-delete"
    ),
    path("pipelines/<int:pipeline_id>/stages/", admin_views.stage_create, name="stage-create"),
    path("stages/<int:stage_id>/", admin_views.stage, name="stage"),
    path("stages/<int:stage_id>/delete/", admin_views.stage_delete, name="stage-delete"),
]
