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
from lethe.core.api_errors import ErrorOut
from lethe.customfields.api import router as customfields_router
from lethe.deals.api import router as deals_router
from lethe.dsr.api import router as dsr_router
from lethe.dsr.breakglass_api import router as break_glass_router
from lethe.dsr.exports_api import router as dsr_exports_router
from lethe.dsr.rights_api import router as dsr_rights_router
from lethe.holds.api import router as holds_router
from lethe.purposes.api import datamap_router
from lethe.purposes.api import router as purposes_router

# Responses every operation may give besides its own: the caller is not signed in or
# holds no valid token (401), their roles or token scopes do not allow it (403),
# where the path names an object it does not exist (404), and where the operation
# takes parameters or a body one of them is of the wrong type (400).
DENIALS = {401: "Unauthorized", 403: "Forbidden"}
NOT_FOUND = {404: "Not Found"}
BAD_INPUT = {400: "Bad Request"}


class LetheAPI(NinjaAPI):
    """The API, with one error shape (ErrorOut) for every 4xx answer, declared everywhere."""

    def create_response(self, request, data, *, status=None, temporal_response=None):
        code = temporal_response.status_code if temporal_response else status
        if code and code >= 400 and isinstance(data, dict) and "errors" not in data:
            # A refusal or "not found" names no field, but keeps the declared shape.
            data = {**data, "errors": {}}
        return super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("ErrorOut", ErrorOut.model_json_schema())
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for path, operations in schema["paths"].items():
            codes = {**DENIALS, **(NOT_FOUND if "{" in path else {})}
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                takes_input = operation.get("parameters") or operation.get("requestBody")
                for code, description in {**codes, **(BAD_INPUT if takes_input else {})}.items():
                    responses[code] = {"description": description, "content": error}
        return schema


api = LetheAPI(
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
api.add_router("/dsr", dsr_exports_router)
api.add_router("/dsr", dsr_rights_router)
api.add_router("/break-glass", break_glass_router)
api.add_router("/purposes", purposes_router)
api.add_router("/data-map", datamap_router)
api.add_router("/holds", holds_router)
api.add_router("/dsr", dsr_router)
api.add_router("/marketing", marketing_router)
