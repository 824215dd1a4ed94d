"""Marketing list pages (mounted under /marketing/)."""

from django.urls import path

from lethe.consent import marketing_views as views

app_name = "marketing"
urlpatterns = [
    path("lists/", views.list_index, name="lists"),
    path("lists/<int:list_id>/", views.list_detail, name="list"),
    path("lists/<int:list_id>/export.csv", views.list_export, name="export"),
    path("lists/<int:list_id>/delete/", views.list_delete, name="delete"),
    path("members/", views.member_add, name="member-add"),
    path(
        "lists/<int:list_id>/members/<int:contact_id>/remove/",
        views.member_remove,
        name="member-remove",
    ),
]
