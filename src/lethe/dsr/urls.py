from django.urls import path

from lethe.dsr import views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("requests/", views.requests, name="requests"),
    path("requests/new/", views.new, name="request-new"),
    path("requests/<int:pk>/", views.detail, name="request"),
    path("requests/<int:pk>/verify/", views.verify, name="verify"),
    path("requests/<int:pk>/assign/", views.assign, name="assign"),
    path("requests/<int:pk>/locate/", views.locate, name="locate"),
    path("requests/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("requests/<int:pk>/extend/", views.extend, name="extend"),
    path("requests/<int:pk>/wait/", views.wait, name="wait"),
    path("requests/<int:pk>/resume/", views.resume, name="resume"),
    path("requests/<int:pk>/refuse/", views.refuse, name="refuse"),
    path("requests/<int:pk>/fulfil/", views.fulfil, name="fulfil"),
    path("requests/<int:pk>/close/", views.close, name="close"),
    path("requests/<int:pk>/case/", views.enter_case, name="enter-case"),
    path("case/leave/", views.leave_case, name="leave-case"),
]
