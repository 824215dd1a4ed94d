"""Pages for rectification, restriction and recipients, under /console/rights/."""

from django.urls import path

from lethe.dsr import rights_views as views

app_name = "rights"
urlpatterns = [
    path("recipients/", views.recipient_list, name="recipients"),
    path("disclosures/", views.disclosure_list, name="disclosures"),
    path(
        "requests/<int:request_id>/rectification/",
        views.rectification_page,
        name="rectification",
    ),
    path("requests/<int:request_id>/restriction/", views.restriction_page, name="restriction"),
    path("requests/<int:request_id>/recipients/", views.notify_page, name="notify"),
    path("notifications/<int:notification_id>/notified/", views.notified, name="notified"),
]
