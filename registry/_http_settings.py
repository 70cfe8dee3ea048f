"""Validated settings of the HTTP registry client: the constructor's transport options checked
(``ValueError``/``TypeError`` naming the option) and resolved into what the transport is built
from, with every secret known to the redactor.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
from requests.auth import HTTPBasicAuth
from urllib3.util.retry import Retry

from ._http_config import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_RETRIES_MAX_WAIT_MS,
    DEFAULT_RETRIES_WAIT_MS,
    BearerToken,
    Timeout,
    default_retry,
)
from ._redact import MASK, Redactor, redact_url

__all__ = ["Settings", "Target", "check_positive_int", "check_token", "settings"]


# ---------------------------------------------------------------------- validation


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


class _RedactedBasicAuth(HTTPBasicAuth):
    """HTTP basic auth whose repr hides the credentials."""

    def __repr__(self) -> str:
        return f"HTTPBasicAuth({MASK})"


def _basic(user_info: tuple[str, str] | None) -> HTTPBasicAuth | None:
    if user_info is None:
        return None
    # Encode as UTF-8 ourselves: requests would use Latin-1 and fail on other characters.
    return _RedactedBasicAuth(user_info[0].encode("utf-8"), user_info[1].encode("utf-8"))


def check_token(token: object) -> None:
    """Refuse a bearer token that is not a non-empty one-line string."""
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
    return (_check_seconds("timeout", pair[0]), _check_seconds("timeout", pair[1]))


def _check_seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds")
    if not value > 0 or math.isinf(value):
        raise ValueError(f"{name} must be positive and finite (the client never waits forever)")
    return float(value)


def check_positive_int(name: str, value: object) -> int:
    """``value`` if it is an int of at least 1, else a :class:`ValueError` naming ``name``."""
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


# ---------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Target:
    """One base URL: with its user info removed, its redacted form, and its own basic auth."""

    base: str
    shown: str
    auth: HTTPBasicAuth | None


@dataclass
class Settings:
    """Validated transport settings of one client (secrets only where requests needs them)."""

    targets: tuple[Target, ...]
    redactor: Redactor
    bearer: BearerToken | None = field(repr=False)
    bearer_headers: dict[str, str]
    timeout: tuple[float, float]
    attempt_deadline: float | None
    call_deadline: float | None
    max_response_bytes: int
    tls: dict[str, Any]
    explicit_tls: bool
    proxy: str | None = field(repr=False)
    retry: Retry | None
    session: requests.Session | None


def settings(
    url: str | Sequence[str],
    *,
    basic_auth: tuple[str, str] | str | None,
    basic_auth_user_info: str | None,
    bearer_token: BearerToken | None,
    bearer_auth_logical_cluster: str | None,
    bearer_auth_identity_pool_id: str | None,
    verify: bool | str,
    ca_location: str | None,
    certificate_location: str | None,
    key_location: str | None,
    proxy: str | None,
    timeout: Timeout,
    attempt_deadline: float | None,
    call_deadline: float | None,
    max_response_bytes: int,
    max_retries: int | None,
    retries_wait_ms: float | None,
    retries_max_wait_ms: float | None,
    retry: Retry | None,
    session: requests.Session | None,
) -> Settings:
    """Validate the constructor's transport options (``ValueError``/``TypeError`` naming the
    option) and resolve them into :class:`Settings`."""
    if basic_auth is not None and basic_auth_user_info is not None:
        raise ValueError("give basic_auth or basic_auth_user_info, not both")
    option_auth = _parse_basic_auth(basic_auth if basic_auth is not None else basic_auth_user_info)
    redactor = Redactor()
    if option_auth is not None:
        redactor = redactor.with_basic_auth(*option_auth)
    if proxy is not None:
        redactor = redactor.with_secrets(_userinfo_secrets(proxy))

    targets: list[Target] = []
    for raw in _split_urls(url):
        base, user_info = _strip_userinfo(raw, redactor)
        if user_info is not None:
            if option_auth is not None:
                raise ValueError(
                    "basic auth is given both in a URL's user info and as an option; keep one"
                )
            redactor = redactor.with_basic_auth(*user_info)
        targets.append(
            Target(base=base, shown=redact_url(base), auth=_basic(user_info or option_auth))
        )
    if bearer_token is not None:
        if option_auth is not None or any(t.auth is not None for t in targets):
            raise ValueError("configure basic auth or a bearer token, not both")
        if not (isinstance(bearer_token, str) or callable(bearer_token)):
            raise TypeError("bearer_token must be a str or a callable returning one")
        if isinstance(bearer_token, str):
            check_token(bearer_token)
            redactor = redactor.with_secrets([bearer_token])
    bearer_headers: dict[str, str] = {}
    if bearer_auth_logical_cluster:
        bearer_headers["target-sr-cluster"] = bearer_auth_logical_cluster
    if bearer_auth_identity_pool_id:
        bearer_headers["Confluent-Identity-Pool-Id"] = bearer_auth_identity_pool_id

    retry_options = (max_retries, retries_wait_ms, retries_max_wait_ms)
    if retry is not None and any(v is not None for v in retry_options):
        raise ValueError("give retry or max_retries / retries_wait_ms / retries_max_wait_ms")
    if retry is None and (session is None or any(v is not None for v in retry_options)):
        retry = default_retry(
            DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
            DEFAULT_RETRIES_WAIT_MS if retries_wait_ms is None else retries_wait_ms,
            DEFAULT_RETRIES_MAX_WAIT_MS if retries_max_wait_ms is None else retries_max_wait_ms,
        )
    if session is not None and not isinstance(session, requests.Session):
        raise TypeError("session must be a requests.Session")
    return Settings(
        targets=tuple(targets),
        redactor=redactor,
        bearer=bearer_token,
        bearer_headers=bearer_headers,
        timeout=_check_timeout(timeout),
        attempt_deadline=(
            None
            if attempt_deadline is None
            else _check_seconds("attempt_deadline", attempt_deadline)
        ),
        call_deadline=(
            None if call_deadline is None else _check_seconds("call_deadline", call_deadline)
        ),
        max_response_bytes=check_positive_int("max_response_bytes", max_response_bytes),
        tls=_tls_options(verify, ca_location, certificate_location, key_location),
        explicit_tls=verify is not True or ca_location is not None,
        proxy=proxy,
        retry=retry,
        session=session,
    )
