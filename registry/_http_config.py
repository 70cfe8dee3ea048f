"""Options of the HTTP registry client: their names (keywords, URL queries, Confluent's dotted
keys), defaults and text conversions, and the retry policy and deadlines they shape.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from urllib3.util.retry import Retry

from ._http_deadline import Deadlines

__all__ = [
    "CONFLUENT_KEYS",
    "DEFAULT_CACHE_CAPACITY",
    "DEFAULT_LATEST_TTL_SEC",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_RETRIES_MAX_WAIT_MS",
    "DEFAULT_RETRIES_WAIT_MS",
    "DEFAULT_TIMEOUT",
    "RETRY_STATUSES",
    "BearerToken",
    "Timeout",
    "default_retry",
    "derive_deadlines",
    "describe_retry",
    "options_from_confluent",
    "options_from_url",
]

Timeout = float | tuple[float, float]
BearerToken = str | Callable[[], str]

RETRY_STATUSES: Final = (408, 429, 500, 502, 503, 504)
"""HTTP statuses that are retried (and, once retries are spent, fail over to the next URL)."""

DEFAULT_TIMEOUT: Final = (10.0, 30.0)
"""Default ``(connect, read)`` timeout in seconds."""

DEFAULT_CACHE_CAPACITY: Final = 1000
DEFAULT_LATEST_TTL_SEC: Final = 300.0
DEFAULT_MAX_RETRIES: Final = 3
DEFAULT_RETRIES_WAIT_MS: Final = 1000
DEFAULT_RETRIES_MAX_WAIT_MS: Final = 20000
DEFAULT_MAX_RESPONSE_BYTES: Final = 4 * 1024 * 1024
"""Largest answer read (4 MiB): far above any real schema, far below a memory problem."""

_SLACK: Final = 1.0

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
    "attempt_deadline": "float",
    "call_deadline": "float",
    "max_response_bytes": "int",
    "max_retries": "int",
    "retries_wait_ms": "float",
    "retries_max_wait_ms": "float",
    "cache_capacity": "int",
    "cache_latest_ttl_sec": "optional_float",
    "retry": "object",
    "session": "object",
}

CONFLUENT_KEYS: Final[dict[str, str]] = {
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
"""Confluent's client configuration keys (without ``schema.registry.``) and our keywords."""


# ---------------------------------------------------------------------- names and text values


def _option_name(name: str) -> str:
    short = name.removeprefix("schema.registry.")
    key = CONFLUENT_KEYS.get(short, short.replace(".", "_").replace("-", "_"))
    if key not in _OPTION_KINDS:
        raise ValueError(
            f"unknown schema registry option {name!r}; known options: "
            + ", ".join(sorted(_OPTION_KINDS))
        )
    return key


def _from_text(name: str, value: Any) -> Any:
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


def _split_query(url: str) -> tuple[list[str], dict[str, str]]:
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


def options_from_url(url: str, options: Mapping[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Split a URL with a query of options, merged with keyword ``options``, into base URLs and
    the constructor's keywords (names and text values converted)."""
    urls, query_options = _split_query(url)
    merged: dict[str, Any] = {}
    for name, value in query_options.items():
        merged[_option_name(name)] = _from_text(_option_name(name), value)
    for name, value in options.items():
        key = _option_name(name)
        if key in merged:
            raise ValueError(f"option {key!r} is given twice (URL query and keyword)")
        merged[key] = _from_text(key, value)
    return urls, merged


def options_from_confluent(conf: Mapping[str, Any]) -> tuple[str | list[str], dict[str, Any]]:
    """Map Confluent's client configuration (dotted keys, optionally prefixed with
    ``schema.registry.``) to a URL and the constructor's keywords; refuse unknown keys."""
    if not isinstance(conf, Mapping):
        raise TypeError("conf must be a mapping of Confluent configuration keys")
    remaining = {}
    for key, value in conf.items():
        if not isinstance(key, str):
            raise TypeError("configuration keys must be strings")
        short = key.removeprefix("schema.registry.")
        if short in remaining:
            raise ValueError(f"configuration key {short!r} is given twice")
        remaining[short] = value
    unknown = sorted(k for k in remaining if k not in CONFLUENT_KEYS)
    if unknown:
        raise ValueError(
            "unknown schema registry configuration keys: "
            + ", ".join(repr(k) for k in unknown)
            + "; known keys: "
            + ", ".join(sorted(CONFLUENT_KEYS))
        )
    if "url" not in remaining:
        raise ValueError("the configuration needs 'url'")
    url = remaining.pop("url")
    basic_source = str(remaining.pop("basic.auth.credentials.source", "USER_INFO")).upper()
    if basic_source not in ("USER_INFO", "URL"):
        raise ValueError(
            f"basic.auth.credentials.source {basic_source!r} is not supported "
            "(use USER_INFO with basic.auth.user.info, or URL with user info in the url)"
        )
    if basic_source == "URL" and "basic.auth.user.info" in remaining:
        raise ValueError("basic.auth.credentials.source is URL but basic.auth.user.info is set")
    bearer_source = remaining.pop("bearer.auth.credentials.source", None)
    if bearer_source is not None and str(bearer_source).upper() != "STATIC_TOKEN":
        raise ValueError(
            f"bearer.auth.credentials.source {str(bearer_source)!r} is not supported; use "
            "STATIC_TOKEN with bearer.auth.token, or HttpRegistry(bearer_token=<callable>) "
            "for tokens that refresh"
        )
    if bearer_source is not None and "bearer.auth.token" not in remaining:
        raise ValueError("bearer.auth.credentials.source STATIC_TOKEN needs bearer.auth.token")
    options: dict[str, Any] = {}
    for key, value in remaining.items():
        name = CONFLUENT_KEYS[key]
        if key == "ssl.ca.location" and (value is False or str(value).lower() == "false"):
            options["verify"] = False
            continue
        options[name] = _from_text(name, value)
    if isinstance(url, str):
        return url, options
    if isinstance(url, Sequence):
        return list(url), options
    raise TypeError("url must be a string or a list of strings")


# ---------------------------------------------------------------------- retry policy


def default_retry(
    max_retries: int = DEFAULT_MAX_RETRIES,
    retries_wait_ms: float = DEFAULT_RETRIES_WAIT_MS,
    retries_max_wait_ms: float = DEFAULT_RETRIES_MAX_WAIT_MS,
) -> Retry:
    """Build the client's retry policy from Confluent's ``max.retries`` / ``retries.*.ms`` options.

    urllib3 retries the first failure at once, then waits ``retries_wait_ms * 2**(n-2)`` plus up
    to ``retries_wait_ms`` of jitter, never more than ``retries_max_wait_ms`` (which also caps a
    server's ``Retry-After``). Every method is retried: registering is idempotent on the server.
    """
    if max_retries < 0:
        raise ValueError("max_retries must be 0 or more")
    if retries_wait_ms < 0 or retries_max_wait_ms < 0:
        raise ValueError("retries_wait_ms and retries_max_wait_ms must be 0 or more")
    wait = retries_wait_ms / 1000.0
    max_wait = retries_max_wait_ms / 1000.0
    return Retry(
        total=max_retries,
        allowed_methods=None,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=wait / 2,
        backoff_jitter=wait,
        backoff_max=max_wait,
        retry_after_max=max(0, math.ceil(max_wait)),
        respect_retry_after_header=True,
        raise_on_status=False,
    )


def describe_retry(retry: Retry | None) -> str:
    """A short, secret-free description of a retry policy for reprs."""
    if retry is None:
        return "session"
    return (
        f"Retry(total={retry.total!r}, backoff_factor={retry.backoff_factor:g}, "
        f"backoff_max={retry.backoff_max:g})"
    )


def _retry_budget(retry: Retry | None) -> tuple[int, float]:
    """How many retries ``retry`` allows and the longest it sleeps before one."""
    if retry is None:
        return 0, 0.0
    counts = (
        [retry.total]
        if retry.total is not None
        else [retry.connect, retry.read, retry.status, retry.other]
    )
    retries = max((c for c in counts if isinstance(c, int) and not isinstance(c, bool)), default=0)
    longest = float(retry.backoff_max)
    if retry.respect_retry_after_header:
        longest = max(longest, float(retry.retry_after_max))
    return max(0, retries), longest


def derive_deadlines(
    timeout: tuple[float, float],
    retry: Retry | None,
    url_count: int,
    attempt: float | None,
    call: float | None,
) -> Deadlines:
    """The deadlines of a client: given ones, or derived from its timeouts and retries.

    One attempt may take its connect timeout plus one read timeout in all; one call may take
    every attempt its retry policy allows on every URL, plus the longest sleep before each retry,
    plus a second of slack (so that the last attempt's own deadline, not the call's, ends it).
    """
    per_attempt = attempt if attempt is not None else timeout[0] + timeout[1]
    if call is None:
        retries, longest_sleep = _retry_budget(retry)
        call = url_count * ((retries + 1) * per_attempt + retries * longest_sleep) + _SLACK
    return Deadlines(attempt=per_attempt, call=call)
