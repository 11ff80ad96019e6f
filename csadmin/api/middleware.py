"""API guards that must act before a view runs."""

from django.conf import settings

from csadmin.api.errors import is_api_path, json_error


class ApiBodyLimitMiddleware:
    """Refuse API bodies larger than CSADMIN_API_MAX_BODY_BYTES with 413 before reading them.
    (Multipart uploads to job endpoints are bounded by their own, larger limit.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api_path(request.path) and not request.content_type.startswith("multipart/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.CSADMIN_API_MAX_BODY_BYTES:
                limit = settings.CSADMIN_API_MAX_BODY_BYTES
                return json_error(413, f"The body is larger than the limit of {limit} bytes.")
        return self.get_response(request)
