from django.urls import path

from lethe.customfields import views

app_name = "customfields"
urlpatterns = [
    path("", views.field_list, name="list"),
    path("<int:field_id>/archive/", views.field_archive, name="archive"),
    path("<int:field_id>/delete/", views.field_delete, name="delete"),
]
