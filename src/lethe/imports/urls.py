from django.urls import path

from lethe.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_page, name="page"),
]
