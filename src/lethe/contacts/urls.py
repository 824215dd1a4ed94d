from django.urls import path

from lethe.contacts import form_views, merge_views, views

app_name = "contacts"
urlpatterns = [
    path("", views.contact_list, name="list"),
    path("<int:contact_id>/", views.contact_detail, name="detail"),
    path("new/", form_views.contact_create, name="create"),
    path("<int:contact_id>/edit/", form_views.contact_edit, name="edit"),
    path("<int:contact_id>/archive/", form_views.contact_archive, name="archive"),
    path("<int:contact_id>/restore/", form_views.contact_restore, name="restore"),
    path("<int:contact_id>/merge/", merge_views.contact_merge, name="merge"),
    path("<int:contact_id>/delete/", form_views.contact_delete, name="delete"),
]
