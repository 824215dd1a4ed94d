from django.urls import path

from lethe.purposes import datamap_views as views

app_name = "datamap"
urlpatterns = [
    path("", views.data_map, name="map"),
    path("export.<str:fmt>", views.export, name="export"),
    path("entries/new/", views.entry_create, name="entry-create"),
    path("entries/<int:entry_id>/", views.entry_edit, name="entry-edit"),
    path("entries/<int:entry_id>/delete/", views.entry_delete, name="entry-delete"),
]
