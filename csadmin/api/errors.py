"""The error body of every API answer: {"message", "exception", "errors"?} (spec §1)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError, connections
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from csadmin.pluginlib.errors import DomainError

API_PREFIX = "/genesys/1/cs/"

EXCEPTION_NAMES = {
    400: "BadRequestException",
    401: "AuthenticationException",
    403: "ForbiddenException",
    404: "NotFoundException",
    405: "MethodNotAllowedException",
    406: "NotAcceptableException",
    409: "ConflictException",
    413: "PayloadTooLargeException",
    415: "UnsupportedMediaTypeException",
    429: "TooManyRequestsException",
    500: "InternalServerErrorException",
    503: "ServiceUnavailableException",
}


class PrivilegeRequired(exceptions.NotAuthenticated):
    """An authenticated caller lacks an administrative privilege: 401, as CS answers."""

    default_detail = "This operation requires a privilege you do not hold."
    default_code = "privilege_required"


class TenantNotConfiguredError(exceptions.APIException):
    status_code = 400
    default_code = "tenant_not_configured"


DATABASE_DOWN = "The database cannot be reached right now; try again later."


def database_unreachable(exc: BaseException | None) -> bool:
    """Did this error come from a database that cannot be reached: a connection that could not
    be opened, or one the server dropped? (Not a deadlock, a lock timeout or a bad statement:
    those happen on a connection that is still there.)"""
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    for wrapper in connections.all(initialized_only=True):  # those this thread has used
        raw = wrapper.connection
        if raw is None or getattr(raw, "closed", False) or getattr(raw, "broken", False):
            return True
    return False


def error_body(status_code: int, message: str, exception: str | None = None, errors=None) -> dict:
    body = {"message": message, "exception": exception or EXCEPTION_NAMES.get(status_code, "Error")}
    if errors:
        body["errors"] = errors
    return body


def _flatten(detail, path: str = "") -> dict[str, list[str]]:
    """DRF's nested validation detail as {"field.sub": ["message", ...]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "body" if key == "non_field_errors" else str(key)
            flat.update(_flatten(value, f"{path}.{name}" if path else name))
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return {path or "body": [str(item) for item in detail]}
        flat = {}
        for index, item in enumerate(detail):
            flat.update(_flatten(item, f"{path}[{index}]"))
        return flat
    return {path or "body": [str(detail)]}


def exception_handler(exc, context):
    """DRF's exception handler, answering every error with the spec's body."""
    if isinstance(exc, DomainError):
        body = error_body(exc.status_code, exc.message, exc.exception_name, exc.errors)
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        return Response(body, status=exc.status_code, headers=headers)
    if database_unreachable(exc):
        return Response(error_body(503, DATABASE_DOWN), status=503)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        field, messages = next(iter(errors.items()))
        message = f"{field}: {messages[0]}" if field != "body" else messages[0]
        body = error_body(400, message, "ValidationException", errors)
    elif isinstance(exc, exceptions.ParseError):
        body = error_body(400, f"Invalid JSON body: {exc.detail}", "BadRequestException")
    else:
        body = error_body(exc.status_code, str(exc.detail))
    return Response(body, status=exc.status_code, headers=headers)


def json_error(status_code: int, message: str, **headers) -> JsonResponse:
    response = JsonResponse(error_body(status_code, message), status=status_code)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX) or path.rstrip("/") == API_PREFIX.rstrip("/")


__all__ = ["PrivilegeRequired", "error_body", "exception_handler", "json_error", "status"]
