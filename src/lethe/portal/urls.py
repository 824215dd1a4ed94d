from django.urls import path

from lethe.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.start, name="start"),
    path("follow/", views.follow, name="follow"),
    path("sent/", views.sent, name="sent"),
    path("link/<str:token>/", views.link, name="link"),
    path("request/", views.request_page, name="request"),
    path("request/exports/<uuid:export_id>/", views.download, name="download"),
    path("request/end/", views.end, name="end"),
]
