"""Errors raised by services. One handler per interface (API, admin, forms) renders them."""


class ApplicationError(Exception):
    status = 400
    title = "Invalid request"

    def __init__(self, message: str, *, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        # field name -> message, for errors tied to one input
        self.errors = errors or {}

    def pointed_errors(self) -> list[dict]:
        """The errors as JSON pointers into the input, for a problem response's ``errors``."""
        return [{"pointer": f"/{field}", "detail": msg} for field, msg in self.errors.items()]


class DomainValidationError(ApplicationError):
    status = 400
    title = "Validation failed"

    @classmethod
    def for_field(cls, field: str, message: str) -> "DomainValidationError":
        return cls(message, errors={field: message})


class NotPermitted(ApplicationError):
    """The actor can see the object but may not do this to it."""

    status = 403
    title = "Not permitted"


class InvalidTransition(ApplicationError):
    status = 409
    title = "Transition not allowed"


class Conflict(ApplicationError):
    status = 409
    title = "Conflict"


class StaleObject(Conflict):
    """The caller's copy is older than the stored one (optimistic locking)."""

    status = 412
    title = "Precondition failed"


class BulkInvalidError(ApplicationError):
    """Every invalid item of an all-or-nothing bulk request, each located by its JSON pointer
    (``/cases/3/title``); nothing was written."""

    title = "Validation failed"

    def __init__(self, message: str, *, pointed: list[dict]):
        super().__init__(message)
        self.pointed = pointed

    def pointed_errors(self) -> list[dict]:
        return self.pointed
