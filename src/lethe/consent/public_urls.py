"""The public consent pages (mounted under /consent/)."""

from django.urls import path

from lethe.consent import public_views

app_name = "consent"
urlpatterns = [
    path("", public_views.give, name="give"),
    path("confirm/<str:token>/", public_views.confirm, name="confirm"),
    path("withdraw/", public_views.withdraw, name="withdraw"),
    path("withdraw/link/<str:token>/", public_views.withdraw_link, name="withdraw-link"),
]
