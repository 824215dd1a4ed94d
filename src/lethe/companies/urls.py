from django.urls import path

from lethe.companies import form_views, views

app_name = "companies"
urlpatterns = [
    path("", views.company_list, name="list"),
    path("<int:company_id>/", views.company_detail, name="detail"),
    path("new/", form_views.company_create, name="create"),
    path("<int:company_id>/edit/", form_views.company_edit, name="edit"),
    path("<int:company_id>/archive/", form_views.company_archive, name="archive"),
    path("<int:company_id>/restore/", form_views.company_restore, name="restore"),
]
