from django.urls import path

from lethe.holds import views

app_name = "holds"
urlpatterns = [
    path("", views.hold_list, name="list"),
]
