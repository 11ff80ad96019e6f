"""Errors that services raise. They know nothing of HTTP; the API's exception handler and the
pages map each to its status code and message, so one rule gives one answer everywhere."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    exception_name = "BadRequestException"

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class ValidationFailed(DomainError):
    """Input breaks a rule; `errors` maps field (or attribute path) to messages."""

    exception_name = "ValidationException"

    @classmethod
    def from_errors(cls, errors: dict[str, list[str]]) -> ValidationFailed:
        field, messages = next(iter(errors.items()))
        return cls(f"{field}: {messages[0]}", errors=errors)


class NotFoundError(DomainError):
    status_code = 404
    exception_name = "NotFoundException"


class Refused(DomainError):
    """The request is understood but not allowed in this state (e.g. production mode)."""

    status_code = 403
    exception_name = "ForbiddenException"


class ConflictError(DomainError):
    """A uniqueness rule or a concurrent change refused the write (400, as CS answers)."""

    exception_name = "ConflictException"


class ServiceUnavailable(DomainError):
    """A service the request needs (the job broker, for example) cannot be reached now."""

    status_code = 503
    exception_name = "ServiceUnavailableException"

    def __init__(self, message: str, *, retry_after: int | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after  # seconds, for the Retry-After header
