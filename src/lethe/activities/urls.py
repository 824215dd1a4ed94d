from django.urls import path

from lethe.activities import views

app_name = "activities"
urlpatterns = [
    path("tasks/", views.my_tasks, name="tasks"),
    path("contact/<int:contact_id>/log/", views.log_for_contact, name="log"),
    path("<int:activity_id>/done/", views.complete, name="complete"),
]
