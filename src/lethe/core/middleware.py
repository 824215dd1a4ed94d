"""Response headers that every page and API response carries (SPEC I8)."""

import uuid

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """Add a strict CSP, no-store caching and a request id to every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response["X-Request-ID"] = request.request_id
        if not request.path.startswith("/static/"):
            # Pages may hold personal data: no browser or proxy may keep a copy.
            response["Cache-Control"] = "no-store"
        return response
