"""Errors raised by registry clients, one class per registry error code.

Every class derives from :class:`RegistryError`, which carries the HTTP status and the
registry's ``error_code`` as Confluent's servers send them. Messages never hold secrets.
"""

from __future__ import annotations


class RegistryError(Exception):
    """A schema registry call failed; ``http_status_code`` and ``error_code`` say how."""

    default_status: int = 500
    default_code: int = 50001

    def __init__(
        self,
        message: str,
        *,
        http_status_code: int | None = None,
        error_code: int | None = None,
        subject: str | None = None,
        schema_id: int | None = None,
        version: int | str | None = None,
    ) -> None:
        super().__init__(message)
        self.error_message = message
        self.http_status_code = (
            self.default_status if http_status_code is None else http_status_code
        )
        self.error_code = self.default_code if error_code is None else error_code
        self.subject = subject
        self.schema_id = schema_id
        self.version = version

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (_rebuild, (type(self), self.error_message, self.__dict__.copy()))

    def __str__(self) -> str:
        return f"{self.error_message} (HTTP {self.http_status_code}, error code {self.error_code})"


def _rebuild(cls: type[RegistryError], message: str, state: dict[str, object]) -> RegistryError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class NotFoundError(RegistryError):
    """Something the call named does not exist (HTTP 404)."""

    default_status = 404
    default_code = 40400


class SubjectNotFoundError(NotFoundError):
    """The subject does not exist (40401)."""

    default_code = 40401


class VersionNotFoundError(NotFoundError):
    """The version does not exist under the subject (40402)."""

    default_code = 40402


class SchemaNotFoundError(NotFoundError):
    """The schema (by id, GUID or content) does not exist (40403)."""

    default_code = 40403


class SubjectSoftDeletedError(NotFoundError):
    """The subject was soft-deleted (40404)."""

    default_code = 40404


class SubjectNotSoftDeletedError(NotFoundError):
    """A hard delete of a subject that was not soft-deleted first (40405)."""

    default_code = 40405


class VersionSoftDeletedError(NotFoundError):
    """The version was soft-deleted (40406)."""

    default_code = 40406


class VersionNotSoftDeletedError(NotFoundError):
    """A hard delete of a version that was not soft-deleted first (40407)."""

    default_code = 40407


class CompatibilityNotConfiguredError(NotFoundError):
    """The subject has no compatibility level of its own (40408)."""

    default_code = 40408


class ModeNotConfiguredError(NotFoundError):
    """The subject has no mode of its own (40409)."""

    default_code = 40409


class IncompatibleSchemaError(RegistryError):
    """The schema breaks the subject's compatibility level (409 or 40901)."""

    default_status = 409
    default_code = 40901


class UnprocessableError(RegistryError):
    """The request was understood but refused (HTTP 422)."""

    default_status = 422
    default_code = 42200


class InvalidSchemaError(UnprocessableError):
    """The schema text is not a valid schema (42201)."""

    default_code = 42201


class InvalidVersionError(UnprocessableError):
    """The version is not a positive integer, ``latest`` or ``-1`` (42202)."""

    default_code = 42202


class InvalidCompatibilityLevelError(UnprocessableError):
    """The compatibility level is not one of the seven levels (42203)."""

    default_code = 42203


class InvalidModeError(UnprocessableError):
    """The mode is not a known mode (42204)."""

    default_code = 42204


class OperationNotPermittedError(UnprocessableError):
    """The registry's mode forbids the operation (42205)."""

    default_code = 42205


class ReferenceExistsError(UnprocessableError):
    """The schema is still referenced by another schema (42206)."""

    default_code = 42206


class SchemaIdMismatchError(UnprocessableError):
    """An explicit id was requested that is already taken by another schema (42207)."""

    default_code = 42207


class InvalidSubjectError(UnprocessableError):
    """The subject name is not valid (42208)."""

    default_code = 42208


class RegistryServerError(RegistryError):
    """The registry failed internally (HTTP 5xx)."""


class RegistryUnavailableError(RegistryError):
    """No registry answered: connection refused, reset, or every URL failed."""

    default_status = 503
    default_code = 50300


class RegistryTimeoutError(RegistryUnavailableError):
    """The registry did not answer within the configured timeouts or deadlines (or sent 408)."""

    default_status = 504
    default_code = 50002


class RegistryThrottledError(RegistryUnavailableError):
    """The registry kept answering HTTP 429 (too many requests) after the retries: try later."""

    default_status = 429
    default_code = 42900


class RegistryRedirectError(RegistryError):
    """The registry answered with a redirect the client does not follow (the message names the
    ``Location``): one that changes the method or leaves the configured origin."""

    default_status = 300
    default_code = 30000


class ResponseTooLargeError(RegistryServerError):
    """The registry's answer is larger than the client's ``max_response_bytes``."""

    default_code = -1


_BY_CODE: dict[int, type[RegistryError]] = {
    cls.default_code: cls
    for cls in (
        SubjectNotFoundError,
        VersionNotFoundError,
        SchemaNotFoundError,
        SubjectSoftDeletedError,
        SubjectNotSoftDeletedError,
        VersionSoftDeletedError,
        VersionNotSoftDeletedError,
        CompatibilityNotConfiguredError,
        ModeNotConfiguredError,
        IncompatibleSchemaError,
        InvalidSchemaError,
        InvalidVersionError,
        InvalidCompatibilityLevelError,
        InvalidModeError,
        OperationNotPermittedError,
        ReferenceExistsError,
        SchemaIdMismatchError,
        InvalidSubjectError,
    )
}
_BY_CODE[409] = IncompatibleSchemaError  # older servers send the bare HTTP status as the code

# Unavailability whatever the body says: "try later", never "your request is wrong".
_UNAVAILABLE_STATUS: dict[int, type[RegistryError]] = {
    408: RegistryTimeoutError,
    429: RegistryThrottledError,
}

_BY_STATUS: dict[int, type[RegistryError]] = {
    404: NotFoundError,
    409: IncompatibleSchemaError,
    422: UnprocessableError,
}


def error_for(
    http_status_code: int,
    error_code: int | None,
    message: str,
    **context: object,
) -> RegistryError:
    """Build the most specific :class:`RegistryError` for an HTTP status and registry error code."""
    cls = _UNAVAILABLE_STATUS.get(http_status_code)
    if cls is None and error_code is not None:
        cls = _BY_CODE.get(error_code)
    if cls is None:
        cls = _BY_STATUS.get(http_status_code)
    if cls is None:
        cls = RegistryServerError if http_status_code >= 500 else RegistryError
    return cls(
        message,
        http_status_code=http_status_code,
        error_code=error_code if error_code is not None else http_status_code,
        **context,  # type: ignore[arg-type]
    )
