"""The HTTP registry client's transport: one request in, one decoded JSON answer (or one typed
error) out.

It owns the :class:`requests.Session` (retries through urllib3's ``Retry``), authentication
(basic per URL, bearer tokens that may refresh), failover between base URLs with stickiness to
the one that answered, the deadlines of :mod:`._http_deadline`, the redirect policy, the size
cap on answers, and the mapping of statuses and failures to :mod:`.errors`. Secrets are masked
in every message, log line and exception chain.
"""

from __future__ import annotations

import collections
import json
import logging
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions

from ._http_config import RETRY_STATUSES, derive_deadlines
from ._http_deadline import DeadlineAdapter, Watch, current_watch, run_watched
from ._http_settings import Settings, Target, check_token
from .errors import (
    RegistryError,
    RegistryRedirectError,
    RegistryServerError,
    RegistryTimeoutError,
    RegistryUnavailableError,
    ResponseTooLargeError,
    error_for,
)

__all__ = ["ACCEPT", "MAX_REDIRECTS", "MEDIA_TYPE", "Transport"]

_log = logging.getLogger("avroframe.registry.http")

MEDIA_TYPE: Final = "application/vnd.schemaregistry.v1+json"
"""The media type of Confluent's registry API, sent as ``Content-Type`` and first in ``Accept``."""

ACCEPT: Final = (
    "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; q=0.9, "
    "application/json; q=0.5"
)
"""The ``Accept`` header sent with every request."""

MAX_REDIRECTS: Final = 3
"""Same-origin 307/308 redirects followed per request; any other redirect is refused."""

_ERROR_SNIPPET: Final = 200
_ERROR_BODY_BYTES: Final = 64 * 1024  # of an error answer, only a snippet is shown
_CHUNK: Final = 64 * 1024
_TRANSPORT_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)


class _AttemptCut(Exception):
    """The current attempt was cut at its deadline while its body was read."""


class Transport:
    """Sends registry requests for one client (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self.targets = settings.targets
        self.timeout = settings.timeout
        self.max_response_bytes = settings.max_response_bytes
        self.retry = settings.retry
        self._redactor = self._static_redactor = settings.redactor
        self._bearer = settings.bearer
        self._bearer_headers = settings.bearer_headers
        self._recent_tokens: collections.deque[str] = collections.deque(maxlen=4)
        self._preferred = 0
        self._request_options: dict[str, Any] = {}
        self.owns_session = settings.session is None
        proxies = {"http": settings.proxy, "https": settings.proxy} if settings.proxy else None
        if settings.session is None:
            session = requests.Session()
            # Configuration comes from arguments only: no proxies, CA bundles or .netrc
            # credentials picked up from the environment.
            session.trust_env = False
            session.verify = settings.tls["verify"]
            if "cert" in settings.tls:
                session.cert = settings.tls["cert"]
            if proxies is not None:
                session.proxies = proxies
            adapter = DeadlineAdapter(max_retries=settings.retry)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        else:
            session = settings.session
            if settings.explicit_tls:
                self._request_options["verify"] = settings.tls["verify"]
            if "cert" in settings.tls:
                self._request_options["cert"] = settings.tls["cert"]
            if proxies is not None:
                self._request_options["proxies"] = proxies
            if settings.retry is not None:
                adapter = DeadlineAdapter(max_retries=settings.retry)
                for target in self.targets:
                    session.mount(target.base.rstrip("/") + "/", adapter)
        self.session = session
        self.deadlines = derive_deadlines(
            settings.timeout,
            settings.retry if settings.retry is not None else self._session_retry(),
            len(self.targets),
            settings.attempt_deadline,
            settings.call_deadline,
        )

    def _session_retry(self) -> Any:
        adapter = self.session.get_adapter(self.targets[0].base + "/")
        return getattr(adapter, "max_retries", None)

    @property
    def redactor(self) -> Any:
        """The redactor that knows every secret seen so far (refreshed tokens included)."""
        return self._redactor

    @property
    def auth_kind(self) -> str:
        """``bearer``, ``basic`` or ``none``."""
        if self._bearer is not None:
            return "bearer"
        return "basic" if any(t.auth is not None for t in self.targets) else "none"

    # ------------------------------------------------------------------ one call

    def call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send one request, failing over between base URLs; return the decoded JSON body."""
        data = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        headers = self._headers(data is not None)
        tried: list[str] = []

        def work(watch: Watch) -> Any:
            return self._failover(watch, tried, method, path, what, params, data, headers, context)

        value, watch = run_watched(self.deadlines, work)
        if watch.abandoned:
            raise RegistryTimeoutError(
                f"the schema registry call did not finish within its deadline of "
                f"{self.deadlines.call:g}s while {what} ({method} {path}); "
                f"tried {', '.join(tried) or 'no URL yet'}"
            )
        return value

    def _failover(
        self,
        watch: Watch,
        tried: list[str],
        method: str,
        path: str,
        what: str,
        params: Mapping[str, str] | None,
        data: bytes | None,
        headers: dict[str, str],
        context: Mapping[str, Any] | None,
    ) -> Any:
        count = len(self.targets)
        start = self._preferred
        failures: list[tuple[BaseException, bool]] = []
        for attempt in range(count):
            index = (start + attempt) % count
            target = self.targets[index]
            tried.append(target.shown)
            try:
                status, reason, content = self._exchange(
                    target, method, path, params, data, headers
                )
            except (*_TRANSPORT_ERRORS, _AttemptCut) as exc:
                _scrub(exc)
                failures.append((exc, watch.take_cut()))
                _log.warning(
                    "schema registry %s failed while %s (%s %s): %s",
                    target.shown,
                    what,
                    method,
                    path,
                    type(exc).__name__,
                )
                continue
            if status in RETRY_STATUSES and attempt < count - 1:
                _log.warning(
                    "schema registry %s answered HTTP %d while %s (%s %s); trying the next URL",
                    target.shown,
                    status,
                    what,
                    method,
                    path,
                )
                continue
            self._preferred = index
            _log.debug("%s %s%s -> HTTP %d", method, target.shown, path, status)
            return self._decode(status, reason, content, target, method, path, what, context)
        raise self._unavailable(tried, failures, method, path, what) from failures[-1][0]

    def _exchange(
        self,
        target: Target,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        data: bytes | None,
        headers: dict[str, str],
    ) -> tuple[int, str, bytes]:
        """One request to one URL (following allowed redirects); the status and capped body."""
        url = target.base + path
        for hop in range(MAX_REDIRECTS + 1):
            response = self.session.request(
                method,
                url,
                params=params or None,
                data=data,
                headers=headers,
                auth=target.auth,
                timeout=self.timeout,
                stream=True,
                allow_redirects=False,
                **self._request_options,
            )
            with response:
                if response.is_redirect:
                    url = self._redirect(response, target, url, method, path, hop)
                    params = None  # the Location carries the query it wants
                    continue
                status = response.status_code
                limit = (
                    self.max_response_bytes
                    if 200 <= status < 300
                    else min(self.max_response_bytes, _ERROR_BODY_BYTES)
                )
                content = self._read(response, target, method, path, limit, 200 <= status < 300)
                return status, response.reason or "", content
        raise AssertionError("unreachable: the redirect loop returns or raises")

    def _redirect(
        self,
        response: requests.Response,
        target: Target,
        url: str,
        method: str,
        path: str,
        hop: int,
    ) -> str:
        """The URL to follow, for a same-origin 307/308 within the hop limit; else refuse."""
        location = response.headers.get("Location", "")
        following = urljoin(url, location)
        status = response.status_code
        if status in (307, 308) and _origin(following) == _origin(target.base):
            if hop < MAX_REDIRECTS:
                return following
            why = f"more than {MAX_REDIRECTS} redirects"
        elif status in (307, 308):
            why = "it leaves the configured origin " + _show_origin(target.base)
        else:
            why = "it would turn the request into another method (only 307/308 keep it)"
        shown = self._redactor.url(location)
        if len(shown) > _ERROR_SNIPPET:
            shown = shown[:_ERROR_SNIPPET] + "..."
        raise RegistryRedirectError(
            f"the schema registry at {target.shown} redirected {method} {path} with HTTP "
            f"{status} to Location {shown!r}; not followed: {why}. Configure the registry URL "
            "the redirect points to",
            http_status_code=status,
        )

    def _read(
        self,
        response: requests.Response,
        target: Target,
        method: str,
        path: str,
        limit: int,
        strict: bool,
    ) -> bytes:
        """Read the body, at most ``limit`` bytes: past it, a success answer is an error and an
        error answer is cut short (only a snippet of it is shown)."""
        declared = response.headers.get("Content-Length", "")
        if strict and declared.strip().isdigit() and int(declared) > limit:
            raise self._too_large(target, method, path, f"declares {int(declared)} bytes")
        watch = current_watch()
        if watch is not None:
            watch.watch_connection(getattr(response.raw, "connection", None))
        try:
            content, over = _read_upto(response, limit)
        finally:
            cut = watch is not None and watch.cut
            if watch is not None:
                watch.end_attempt()
        if cut:  # the body may look complete: a cut connection reads as its end
            raise _AttemptCut("attempt cut at its deadline")
        if over and strict:
            raise self._too_large(target, method, path, "goes on past it")
        return content

    def _too_large(self, target: Target, method: str, path: str, how: str) -> ResponseTooLargeError:
        return ResponseTooLargeError(
            f"the schema registry at {target.shown} answered {method} {path} with a body that "
            f"{how}, over the limit of {self.max_response_bytes} bytes (max_response_bytes); "
            "not read further",
            http_status_code=200,
        )

    # ------------------------------------------------------------------ headers and tokens

    def _headers(self, has_body: bool) -> dict[str, str]:
        headers = {"Accept": ACCEPT}
        if has_body:
            headers["Content-Type"] = MEDIA_TYPE
        if self._bearer is not None:
            headers["Authorization"] = f"Bearer {self._current_token()}"
            headers.update(self._bearer_headers)
        return headers

    def _current_token(self) -> str:
        token_source = self._bearer
        if isinstance(token_source, str):
            return token_source
        assert token_source is not None
        # The provider's own exception stays out of the chain: it may quote a credential.
        failure: str | None = None
        try:
            token = token_source()
        except Exception as exc:
            failure = f"failed ({type(exc).__name__})"
        if failure is None:
            try:
                check_token(token)
            except (TypeError, ValueError) as exc:
                failure = f"returned an unusable token: {exc}"
        if failure is not None:
            raise RegistryUnavailableError(
                f"the bearer token provider {failure}; no request was sent to the schema registry"
            )
        if token not in self._recent_tokens:
            # Mask refreshed tokens too (the last few: a server may echo one in an error).
            self._recent_tokens.append(token)
            self._redactor = self._static_redactor.with_secrets(self._recent_tokens)
        return token

    # ------------------------------------------------------------------ answers and errors

    def _decode(
        self,
        status: int,
        reason: str,
        content: bytes,
        target: Target,
        method: str,
        path: str,
        what: str,
        context: Mapping[str, Any] | None,
    ) -> Any:
        known = {k: v for k, v in (context or {}).items() if v is not None}
        if 200 <= status < 300:
            if status == 204 or not content.strip():
                return None
            value = _json(content)
            if value is _NOT_JSON:
                # Raised outside the parser's except: its error holds the whole body.
                raise RegistryServerError(
                    f"the schema registry at {target.shown} answered HTTP {status} with a body "
                    f"that is not JSON while {what} ({method} {path}): "
                    f"{self._snippet(content)!r}",
                    http_status_code=status,
                    error_code=-1,
                    **known,
                )
            return value
        code, message = self._error_body(content)
        if message is None:
            snippet = self._snippet(content)
            message = (
                f"HTTP {status} {reason}".rstrip()
                + f" from the schema registry at {target.shown} while {what} ({method} {path})"
                + (f": {snippet!r}" if snippet else "")
            )
        raise error_for(status, code, message, **known)

    def _error_body(self, content: bytes) -> tuple[int | None, str | None]:
        """The ``error_code`` and (masked) ``message`` of a Confluent error body, if any."""
        payload = _json(content) if content.strip() else None
        if not isinstance(payload, dict):
            return None, None
        code: int | None = None
        raw_code = payload.get("error_code")
        if isinstance(raw_code, int) and not isinstance(raw_code, bool):
            code = raw_code
        elif isinstance(raw_code, str) and raw_code.strip().lstrip("-").isdigit():
            code = int(raw_code)
        raw_message = payload.get("message")
        message = None
        if isinstance(raw_message, str) and raw_message:
            message = self._redactor.text(raw_message)
        return code, message

    def _snippet(self, content: bytes) -> str:
        text = content[: _ERROR_SNIPPET * 4].decode("utf-8", errors="replace").strip()
        if len(text) > _ERROR_SNIPPET:
            text = text[:_ERROR_SNIPPET] + "..."
        return self._redactor.text(text)

    def _unavailable(
        self,
        tried_urls: list[str],
        failures: list[tuple[BaseException, bool]],
        method: str,
        path: str,
        what: str,
    ) -> RegistryError:
        tried = ", ".join(tried_urls)
        last = failures[-1][0]
        detail = self._redactor.text(str(last))
        if len(detail) > 2 * _ERROR_SNIPPET:
            detail = detail[: 2 * _ERROR_SNIPPET] + "..."
        if all(cut or _is_timeout(exc) for exc, cut in failures):
            connect, read = self.timeout
            limits = f"timeouts connect={connect:g}s read={read:g}s"
            if any(cut for _, cut in failures):
                limits += f", attempt deadline {self.deadlines.attempt:g}s"
            return RegistryTimeoutError(
                f"the schema registry did not answer in time while {what} ({method} {path}); "
                f"tried {tried} with {limits}: {type(last).__name__}: {detail}"
            )
        return RegistryUnavailableError(
            f"no schema registry answered while {what} ({method} {path}); tried {tried}: "
            f"{type(last).__name__}: {detail}"
        )


def _read_upto(response: requests.Response, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of the (decoded) body, and whether there was more."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(_CHUNK):
        if size + len(chunk) > limit:
            chunks.append(chunk[: limit - size])
            return b"".join(chunks), True
        size += len(chunk)
        chunks.append(chunk)
    return b"".join(chunks), False


_NOT_JSON: Final = object()


def _json(content: bytes) -> Any:
    """The JSON value of ``content``, or ``_NOT_JSON``."""
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return _NOT_JSON


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def _show_origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


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
