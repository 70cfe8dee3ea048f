"""Options of the HTTP registry client: names, conversions and validation.

Kept apart from :mod:`registry.http` so the client reads as requests and answers.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

import requests
import urllib3.exceptions
from requests.auth import HTTPBasicAuth
from urllib3.util.retry import Retry

from ._redact import MASK, Redactor, redact_url
from .errors import (
    InvalidSubjectError,
)
from .protocol import Version

_OPTION_KINDS: Final[dict[str, str]] = {
    "basic_auth": "str",
    "basic_auth_user_info": "str",
    "bearer_token": "str",
    "bearer_auth_logical_cluster": "str",
    "bearer_auth_identity_pool_id": "str",
    "verify": "bool_or_str",
    "ca_location": "str",
    "certificate_location": "str",
    "key_location": "str",
    "proxy": "str",
    "timeout": "timeout",
    "max_retries": "int",
    "retries_wait_ms": "float",
    "retries_max_wait_ms": "float",
    "cache_capacity": "int",
    "cache_latest_ttl_sec": "optional_float",
    "retry": "object",
    "session": "object",
}

_CONFLUENT_KEYS: Final[dict[str, str]] = {
    "url": "url",
    "basic.auth.credentials.source": "basic_auth_credentials_source",
    "basic.auth.user.info": "basic_auth_user_info",
    "bearer.auth.credentials.source": "bearer_auth_credentials_source",
    "bearer.auth.token": "bearer_token",
    "bearer.auth.logical.cluster": "bearer_auth_logical_cluster",
    "bearer.auth.identity.pool.id": "bearer_auth_identity_pool_id",
    "ssl.ca.location": "ca_location",
    "ssl.certificate.location": "certificate_location",
    "ssl.key.location": "key_location",
    "proxy": "proxy",
    "timeout": "timeout",
    "cache.capacity": "cache_capacity",
    "cache.latest.ttl.sec": "cache_latest_ttl_sec",
    "max.retries": "max_retries",
    "retries.wait.ms": "retries_wait_ms",
    "retries.max.wait.ms": "retries_max_wait_ms",
}


def _option_name(name: str) -> str:
    """Map a keyword or Confluent dotted option name to the constructor's keyword."""
    short = name.removeprefix("schema.registry.")
    key = _CONFLUENT_KEYS.get(short, short.replace(".", "_").replace("-", "_"))
    if key not in _OPTION_KINDS:
        raise ValueError(
            f"unknown schema registry option {name!r}; known options: "
            + ", ".join(sorted(_OPTION_KINDS))
        )
    return key


def _convert_text_option(name: str, value: Any) -> Any:
    """Convert an option given as text (URL query, Confluent config) to its type."""
    if not isinstance(value, str):
        return value
    kind = _OPTION_KINDS.get(name, "str")
    text = value.strip()
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "optional_float":
            return None if text.lower() in ("", "none", "null") else float(text)
        if kind == "timeout":
            if "," in text:
                connect, read = (float(p) for p in text.split(",", 1))
                return (connect, read)
            return float(text)
        if kind == "bool_or_str":
            lowered = text.lower()
            if lowered in ("true", "1", "yes", "on"):
                return True
            if lowered in ("false", "0", "no", "off"):
                return False
            return value
    except ValueError:
        raise ValueError(f"option {name!r} has a value that is not a {kind}") from None
    if kind == "object":
        raise ValueError(f"option {name!r} cannot be given as text")
    return value


def _split_query_options(url: str) -> tuple[list[str], dict[str, str]]:
    if not isinstance(url, str):
        raise TypeError("url must be a string")
    urls: list[str] = []
    options: dict[str, str] = {}
    # Commas separate URLs only before a scheme, so option values may hold commas.
    for raw in re.split(r",\s*(?=[A-Za-z][A-Za-z0-9+.\-]*://)", url):
        raw = raw.strip().rstrip(",")
        if not raw:
            continue
        try:
            parts = urlsplit(raw)
        except ValueError:
            raise ValueError("invalid schema registry URL") from None
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key in options and options[key] != value:
                raise ValueError(f"URL query option {key!r} is given twice with different values")
            options[key] = value
        urls.append(urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")))
    return urls, options


Timeout = float | tuple[float, float]

# ---------------------------------------------------------------------- validation helpers


def _split_urls(url: str | Sequence[str]) -> list[str]:
    if isinstance(url, str):
        raw = [u.strip() for u in url.split(",")]
    elif isinstance(url, Sequence):
        raw = []
        for item in url:
            if not isinstance(item, str):
                raise TypeError("every url must be a string")
            raw.extend(u.strip() for u in item.split(","))
    else:
        raise TypeError("url must be a string or a sequence of strings")
    urls = [u for u in raw if u]
    if not urls:
        raise ValueError("at least one schema registry URL is needed")
    return urls


def _strip_userinfo(url: str, redactor: Redactor) -> tuple[str, tuple[str, str] | None]:
    """Return the base URL without user info (and no trailing slash) and the decoded user info."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a bad port
    except ValueError:
        raise ValueError(f"invalid schema registry URL {redactor.url(url)!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"schema registry URL {redactor.url(url)!r} must be http:// or https:// with a host"
        )
    if parts.query or parts.fragment:
        raise ValueError(
            f"schema registry URL {redactor.url(url)!r} must not have a query or fragment "
            "(HttpRegistry.from_url reads options from the query)"
        )
    user_info: tuple[str, str] | None = None
    netloc = parts.netloc
    if "@" in netloc:
        raw_info, _, netloc = netloc.rpartition("@")
        user, _, password = raw_info.partition(":")
        user_info = (unquote(user), unquote(password))
        if user_info == ("", ""):
            user_info = None
    base = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    return base, user_info


def _show_url(base: str) -> str:
    return redact_url(base)


def _userinfo_secrets(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = [parts.username, parts.password]
    return [unquote(s) for s in found if s]


def _parse_basic_auth(value: tuple[str, str] | str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        user, sep, password = value.partition(":")
        if not sep:
            raise ValueError("basic auth user info must have the form 'user:password'")
        return (user, password)
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return (value[0], value[1])
    raise TypeError("basic_auth must be ('user', 'password') or 'user:password'")


def _basic(user_info: tuple[str, str] | None) -> HTTPBasicAuth | None:
    if user_info is None:
        return None
    # Encode as UTF-8 ourselves: requests would use Latin-1 and fail on other characters.
    return _RedactedBasicAuth(user_info[0].encode("utf-8"), user_info[1].encode("utf-8"))


class _RedactedBasicAuth(HTTPBasicAuth):
    """HTTP basic auth whose repr hides the credentials."""

    def __repr__(self) -> str:
        return f"HTTPBasicAuth({MASK})"


def _check_token(token: object) -> None:
    if not isinstance(token, str):
        raise TypeError("a bearer token must be a string")
    if not token or any(c in token for c in "\r\n"):
        raise ValueError("a bearer token must be non-empty and on one line")


def _check_timeout(timeout: Timeout) -> tuple[float, float]:
    if isinstance(timeout, bool):
        raise TypeError("timeout must be seconds or (connect, read) seconds")
    if isinstance(timeout, int | float):
        pair: tuple[Any, ...] = (timeout, timeout)
    elif isinstance(timeout, tuple | list) and len(timeout) == 2:
        pair = tuple(timeout)
    else:
        raise TypeError("timeout must be seconds or (connect, read) seconds")
    for value in pair:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError("timeout must be seconds or (connect, read) seconds")
        if not value > 0 or math.isinf(value):
            raise ValueError(
                "timeouts must be positive and finite (the client never waits forever)"
            )
    return (float(pair[0]), float(pair[1]))


def _check_positive_int(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer")
    return value


def _tls_options(
    verify: bool | str,
    ca_location: str | None,
    certificate_location: str | None,
    key_location: str | None,
) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if not isinstance(verify, bool | str):
        raise TypeError("verify must be a bool or the path of a CA bundle")
    if ca_location is not None:
        if verify is False:
            raise ValueError("ca_location is set but verify is False")
        verify = ca_location
    if isinstance(verify, str) and not os.path.exists(verify):
        raise ValueError(f"CA bundle {verify!r} does not exist")
    options["verify"] = verify
    if key_location is not None and certificate_location is None:
        raise ValueError("key_location needs certificate_location")
    for name, path in (("certificate", certificate_location), ("key", key_location)):
        if path is not None and not os.path.isfile(path):
            raise ValueError(f"client {name} file {path!r} does not exist")
    if certificate_location is not None:
        options["cert"] = (
            (certificate_location, key_location) if key_location else certificate_location
        )
    return options


def _describe_retry(retry: Retry | None) -> str:
    if retry is None:
        return "session"
    return (
        f"Retry(total={retry.total!r}, backoff_factor={retry.backoff_factor:g}, "
        f"backoff_max={retry.backoff_max:g})"
    )


def _check_subject(subject: object) -> str:
    if not isinstance(subject, str) or not subject:
        raise InvalidSubjectError(f"invalid subject name {subject!r}: a non-empty string is needed")
    return subject


def _check_id(schema_id: object) -> int:
    if isinstance(schema_id, bool) or not isinstance(schema_id, int):
        raise TypeError(f"a schema id must be an int, not {type(schema_id).__name__}")
    return schema_id


def _is_latest(version: Version) -> bool:
    if isinstance(version, str):
        return version.strip().lower() in ("latest", "-1")
    return not isinstance(version, bool) and version == -1


def _version_number(version: Version) -> int | None:
    if isinstance(version, bool):
        return None
    if isinstance(version, int):
        return version if version > 0 else None
    if isinstance(version, str) and version.strip().isdigit():
        number = int(version)
        return number if number > 0 else None
    return None


def _q(segment: str) -> str:
    return quote(segment, safe="")


def _of(subject_name: str | None) -> str:
    return f" of subject {subject_name!r}" if subject_name is not None else " (global)"


def _flags(**flags: bool) -> dict[str, str]:
    """Query parameters for boolean flags, sent only when true (the server's default is false)."""
    return {name: "true" for name, value in flags.items() if value}


def _known_context(context: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in context.items() if v is not None}


def _scrub(exc: BaseException) -> None:
    """Drop the request and response (they hold the Authorization header) from exceptions."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, requests.RequestException):
            current.request = None
            current.response = None
        current = current.__cause__ or current.__context__


def _is_timeout(exc: BaseException) -> bool:
    """Tell whether a requests/urllib3 failure was a timeout (not a refused connection)."""
    stack: list[BaseException] = [exc]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        # urllib3 2.x derives NewConnectionError (e.g. connection refused) from
        # ConnectTimeoutError, so it must be ruled out before the timeout checks.
        if isinstance(current, urllib3.exceptions.NewConnectionError):
            continue
        if isinstance(
            current,
            requests.Timeout | urllib3.exceptions.TimeoutError | TimeoutError,
        ):
            return True
        if isinstance(current, urllib3.exceptions.MaxRetryError) and current.reason is not None:
            stack.append(current.reason)
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                stack.append(linked)
    return False
