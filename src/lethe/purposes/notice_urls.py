from django.urls import path

from lethe.purposes import notice_views as views

app_name = "privacy"
urlpatterns = [
    path("privacy", views.privacy_notice, name="notice"),
    path("privacy/v/<int:number>", views.privacy_notice_version, name="version"),
]
