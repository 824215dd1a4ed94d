from django.contrib.auth import views as auth_views
from django.urls import include, path

from lethe.accounts import views as accounts_views
from lethe.accounts.access import public, signed_in
from lethe.accounts.auth_forms import ThrottledAuthenticationForm
from lethe.accounts.auth_views import AuditedPasswordResetConfirmView
from lethe.api import api
from lethe.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "login/",
        public(auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm)),
        name="login",
    ),
    path(
        "password-reset/",
        public(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        public(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        public(AuditedPasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        public(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
    path("logout/", signed_in(auth_views.LogoutView.as_view()), name="logout"),
    path("account/", include("lethe.accounts.auth_urls")),
    path("attachments/", include("lethe.attachments.urls")),
    path("audit/", include("lethe.audit.urls")),
    path("companies/", include("lethe.companies.urls")),
    path("console/exports/", include("lethe.dsr.export_urls")),
    path("contacts/", include("lethe.contacts.urls")),
    path("contacts/", include("lethe.consent.urls")),
    path("consent/", include("lethe.consent.public_urls")),
    path("marketing/", include("lethe.consent.marketing_urls")),
    path("activities/", include("lethe.activities.urls")),
    path("settings/custom-fields/", include("lethe.customfields.urls")),
    path("settings/", include("lethe.accounts.urls")),
    path("deals/", include("lethe.deals.urls")),
    path("holds/", include("lethe.holds.urls")),
    path("console/", include("lethe.dsr.urls")),
    path("imports/", include("lethe.imports.urls")),
    path("portal/", include("lethe.portal.urls")),
    path("search/", include("lethe.search.urls")),
    path("console/retention/", include("lethe.retention.urls")),
    path("console/rights/", include("lethe.dsr.rights_urls")),
    path("console/break-glass/", include("lethe.dsr.breakglass_urls")),
    path("console/purposes/", include("lethe.purposes.urls")),
    path("console/data-map/", include("lethe.purposes.datamap_urls")),
    path("", include("lethe.purposes.notice_urls")),
    path("api/v1/", api.urls),
    path("reauth/", accounts_views.confirm, name="reauth"),
]
