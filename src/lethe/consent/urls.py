"""Consent changes from the contact page (mounted under /contacts/)."""

from django.urls import path

from lethe.consent import views

app_name = "consents"
urlpatterns = [
    path("<int:contact_id>/consents/", views.record, name="record"),
]
