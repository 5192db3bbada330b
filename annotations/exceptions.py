"""Domain errors raised by services and selectors; `api/exception_handler.py` maps them to HTTP.

Each carries a message that tells the user what to fix.
"""

from django.http import Http404


class DomainError(Exception):
    """Base class; `status_code` is the HTTP status the API answers with."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    """The input is well-formed but violates a rule (offsets, URL scheme, missing note...)."""

    status_code = 400


class BadSpan(ValidationFailed):
    """Offsets or a quote that do not select text in the article."""


class NotPermitted(DomainError):
    """The user may see the object but not do this to it."""

    status_code = 403


class NotVisible(DomainError, Http404):
    """The object does not exist, belongs to a project the user is not a member of, or is hidden
    from them by the workflow. An Http404 too, so the pages answer 404 without catching it."""

    status_code = 404


class InvalidTransition(DomainError):
    """The verdict's current status does not allow this action."""

    status_code = 409


class Conflict(DomainError):
    """The write conflicts with existing data (duplicate article, claim on the same span...)."""

    status_code = 409


class StaleVersion(DomainError):
    """The client's version (If-Match) is older than the stored one."""

    status_code = 412

    def __init__(self, message: str, *, current_version: int):
        super().__init__(message)
        self.current_version = current_version


class TooLarge(DomainError):
    """An input exceeds a configured limit."""

    status_code = 413
