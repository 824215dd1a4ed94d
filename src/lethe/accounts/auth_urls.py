from django.urls import path

from lethe.accounts import auth_views as views

app_name = "account"

urlpatterns = [
    path("two-factor/", views.two_factor, name="two-factor"),
    path("verify/", views.verify, name="verify"),
]
