from django.urls import path

from lethe.attachments import views

app_name = "attachments"
urlpatterns = [
    path("<slug:kind>/<int:object_id>/", views.upload, name="upload"),
    path("<slug:kind>/<int:object_id>/<uuid:attachment_id>/", views.download, name="download"),
    path(
        "<slug:kind>/<int:object_id>/<uuid:attachment_id>/delete/",
        views.delete,
        name="delete",
    ),
]
