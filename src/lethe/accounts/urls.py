from django.urls import path

from lethe.accounts import views

app_name = "accounts"

urlpatterns = [
    path("two-factor/", views.two_factor, name="two-factor"),
    path("verify/", views.verify, name="verify"),
]
