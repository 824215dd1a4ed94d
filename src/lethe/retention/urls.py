from django.urls import path

from lethe.retention import views

app_name = "retention"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("<int:policy_id>/", views.edit, name="edit"),
]
