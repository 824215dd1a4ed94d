"""Break-glass pages of the privacy console, included at console/break-glass/."""

from django.urls import path

from lethe.dsr import breakglass_views as views

app_name = "break_glass"
urlpatterns = [
    path("", views.break_glass_list, name="list"),
    path("<int:glass_id>/end/", views.break_glass_end, name="end"),
]
