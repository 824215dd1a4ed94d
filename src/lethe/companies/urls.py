from django.urls import path

from lethe.companies import views

app_name = "companies"
urlpatterns = [
    path("", views.company_list, name="list"),
    path("<int:company_id>/", views.company_detail, name="detail"),
]
