"""The REST API under /api/v1/: one NinjaAPI, one router per app."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from lethe.accounts.api import router as teams_router
from lethe.activities.api import router as activities_router
from lethe.attachments.api import router as attachments_router
from lethe.audit.api import router as audit_router
from lethe.companies.api import router as companies_router
from lethe.consent.api import router as consents_router
from lethe.consent.marketing_api import router as marketing_router
from lethe.contacts.api import router as contacts_router
from lethe.customfields.api import router as customfields_router
from lethe.deals.api import router as deals_router

api = NinjaAPI(
    title="Lethe API",
    version="1",
    description="The CRM that can forget. Every personal-data read is checked and logged.",
    urls_namespace="api",
    docs_decorator=login_required,
)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": "your roles do not allow this"}, status=403)


@api.exception_handler(HttpError)
def http_error(request, exc):
    body = {"detail": str(exc)}
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        # The declared 400 shape (ErrorOut), so a client handles one error format.
        body = {"detail": "invalid input: body", "errors": {"body": ["not valid JSON"]}}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(ValidationError)
def invalid_parameters(request, exc):
    # A wrong type in a query, path or body parameter: the declared 400 shape naming
    # each field ("owner", "tags.0"), instead of django-ninja's undeclared 422.
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        parts = [str(p) for p in error.get("loc", ())[1:] if p != "payload"]
        field = ".".join(parts) or str(error.get("loc", ["body"])[0])
        errors.setdefault(field, []).append(str(error.get("msg", "invalid value")))
    body = {"detail": f"invalid input: {', '.join(errors)}", "errors": errors}
    return api.create_response(request, body, status=400)


api.add_router("/audit/", audit_router)
api.add_router("/companies", companies_router)
api.add_router("/contacts", contacts_router)
api.add_router("/contacts", consents_router)
api.add_router("/deals", deals_router)
api.add_router("/activities", activities_router)
api.add_router("/custom-fields", customfields_router)
api.add_router("/attachments", attachments_router)
api.add_router("/teams", teams_router)
api.add_router("/marketing", marketing_router)
