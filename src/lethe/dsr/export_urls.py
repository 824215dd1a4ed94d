"""Console pages of exports made for data-subject requests (/console/exports/)."""

from django.urls import path

from lethe.dsr import export_views

app_name = "exports"

urlpatterns = [
    path("<uuid:export_id>/", export_views.download, name="download"),
]
