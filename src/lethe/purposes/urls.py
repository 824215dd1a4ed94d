from django.urls import path

from lethe.purposes import views

app_name = "purposes"
urlpatterns = [
    path("", views.purpose_list, name="list"),
    path("new/", views.purpose_create, name="create"),
    path("ropa.<str:fmt>", views.ropa_export, name="ropa"),
    path("<slug:key>/", views.purpose_detail, name="detail"),
    path("<slug:key>/edit/", views.purpose_edit, name="edit"),
]
