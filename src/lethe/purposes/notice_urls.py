from django.urls import path

from lethe.purposes import notice_views as views

app_name = "privacy"
urlpatterns = [
    path("", views.privacy_notice, name="notice"),
    path("/v/<int:number>", views.privacy_notice_version, name="version"),
]
