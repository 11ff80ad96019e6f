"""Sliding session expiry that a page's own polling does not slide.

Every request a person makes pushes the idle expiry back (CSADMIN_SESSION_IDLE_MINUTES); the
requests a page makes by itself to refresh a part (htmx polling, marked with the POLL_HEADER)
do not, so a job or delivery log left open in a tab does not keep its session alive forever.
"""

from __future__ import annotations

POLL_HEADER = "X-CS-Poll"


class IdleSessionMiddleware:
    """Marks the session as changed on every request but a poll, so Django's session
    middleware (placed before this one) saves it and sends its cookie with a new expiry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and POLL_HEADER not in request.headers:
            session.modified = True
        return response
