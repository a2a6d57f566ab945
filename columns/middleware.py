from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """A strict CSP on public pages: the second wall behind sanitized HTML.

    The admin is left to Django's own defaults; it is staff-only and ships
    its own scripts.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
