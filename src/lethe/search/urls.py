from django.urls import path

from lethe.search import views

urlpatterns = [path("", views.search, name="search")]
