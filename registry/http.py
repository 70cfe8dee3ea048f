"""A schema registry client for Confluent's REST API over HTTP(S), built on ``requests``.

One :class:`requests.Session` whose :class:`~requests.adapters.HTTPAdapter` retries with
urllib3's :class:`~urllib3.util.retry.Retry` (408, 429 and 5xx answers, connection errors and
timeouts, every method, ``Retry-After`` honoured), timeouts on every request, several base URLs
tried in order, basic or bearer authentication, TLS options, and caches so that a serializer's
steady state makes no request. Secrets never reach a repr, a log line or an exception.
"""

from __future__ import annotations

import collections
import json
import logging
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from requests.auth import HTTPBasicAuth
from urllib3.util.retry import Retry

from ._http_config import (
    _CONFLUENT_KEYS,
    Timeout,
    _basic,
    _check_id,
    _check_positive_int,
    _check_subject,
    _check_timeout,
    _check_token,
    _convert_text_option,
    _describe_retry,
    _flags,
    _is_latest,
    _is_timeout,
    _known_context,
    _of,
    _option_name,
    _parse_basic_auth,
    _q,
    _scrub,
    _show_url,
    _split_query_options,
    _split_urls,
    _strip_userinfo,
    _tls_options,
    _userinfo_secrets,
    _version_number,
)
from ._http_wire import (
    _expect_dict,
    _guid,
    _int_field,
    _int_list,
    _level,
    _malformed,
    _registered_from,
    _schema_body,
    _schema_from,
    _str_field,
    _str_list,
)
from ._redact import Redactor
from .cache import Cache
from .errors import (
    RegistryServerError,
    RegistryTimeoutError,
    RegistryUnavailableError,
    SchemaIdMismatchError,
    error_for,
)
from .protocol import Version
from .types import CompatibilityResult, RegisteredSchema, Schema

if TYPE_CHECKING:
    from typing import Self

__all__ = [
    "ACCEPT",
    "DEFAULT_TIMEOUT",
    "MEDIA_TYPE",
    "RETRY_STATUSES",
    "HttpRegistry",
    "default_retry",
]

_log = logging.getLogger(__name__)

MEDIA_TYPE: Final = "application/vnd.schemaregistry.v1+json"
"""The media type of Confluent's registry API, sent as ``Content-Type`` and first in ``Accept``."""

ACCEPT: Final = (
    "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; q=0.9, "
    "application/json; q=0.5"
)
"""The ``Accept`` header sent with every request."""

RETRY_STATUSES: Final = (408, 429, 500, 502, 503, 504)
"""HTTP statuses that are retried (and, once retries are spent, fail over to the next URL)."""

DEFAULT_TIMEOUT: Final = (10.0, 30.0)
"""Default ``(connect, read)`` timeout in seconds."""

DEFAULT_CACHE_CAPACITY: Final = 1000
DEFAULT_LATEST_TTL_SEC: Final = 300.0
DEFAULT_MAX_RETRIES: Final = 3
DEFAULT_RETRIES_WAIT_MS: Final = 1000
DEFAULT_RETRIES_MAX_WAIT_MS: Final = 20000

_ERROR_SNIPPET: Final = 200
BearerToken = str | Callable[[], str]


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


@dataclass(frozen=True)
class _Target:
    """One base URL: with its user info removed, its redacted form, and its own basic auth."""

    base: str
    shown: str
    auth: HTTPBasicAuth | None


class HttpRegistry:
    """A :class:`~registry.protocol.SchemaRegistryClient` for a Confluent-compatible registry.

    ``url`` is one base URL, a comma-separated list, or a sequence of them (tried in order on
    connection errors, timeouts and retriable statuses). A base URL may carry a path prefix
    (``http://host:8080/apis/ccompat/v7``) and basic-auth user info.

    Options (keyword-only; Confluent's dotted names are accepted by :meth:`from_confluent` and
    in :meth:`from_url` queries):

    - ``basic_auth``: ``("user", "password")`` or ``"user:password"``
      (``basic_auth_user_info`` is the Confluent-style alias).
    - ``bearer_token``: a token, or a callable returning the current one (called per request);
      ``bearer_auth_logical_cluster`` / ``bearer_auth_identity_pool_id`` add Confluent Cloud's
      ``target-sr-cluster`` / ``Confluent-Identity-Pool-Id`` headers.
    - ``verify`` (default on), ``ca_location`` (CA bundle file or directory),
      ``certificate_location`` and ``key_location`` (client certificate for mTLS), ``proxy``.
    - ``timeout``: seconds, or ``(connect, read)``; default ``(10, 30)``.
    - ``max_retries`` (3), ``retries_wait_ms`` (1000), ``retries_max_wait_ms`` (20000) shape
      :func:`default_retry`; ``retry`` replaces it with any urllib3 ``Retry``.
    - ``session``: a :class:`requests.Session` to use as is (its adapters, proxies and
      environment settings); a retry adapter is mounted on it for the base URLs only when
      ``retry`` or one of the retry options is given. The client never closes it.
    - ``cache_capacity`` (default 1000) bounds each cache; ``cache_latest_ttl_sec`` (default 300;
      ``None`` never expires, ``0`` disables) is the lifetime of cached latest versions.
    """

    def __init__(
        self,
        url: str | Sequence[str],
        *,
        basic_auth: tuple[str, str] | str | None = None,
        basic_auth_user_info: str | None = None,
        bearer_token: BearerToken | None = None,
        bearer_auth_logical_cluster: str | None = None,
        bearer_auth_identity_pool_id: str | None = None,
        verify: bool | str = True,
        ca_location: str | None = None,
        certificate_location: str | None = None,
        key_location: str | None = None,
        proxy: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        retries_wait_ms: float | None = None,
        retries_max_wait_ms: float | None = None,
        retry: Retry | None = None,
        session: requests.Session | None = None,
        cache_capacity: int = DEFAULT_CACHE_CAPACITY,
        cache_latest_ttl_sec: float | None = DEFAULT_LATEST_TTL_SEC,
    ) -> None:
        secrets: list[str] = []
        if basic_auth is not None and basic_auth_user_info is not None:
            raise ValueError("give basic_auth or basic_auth_user_info, not both")
        option_auth = _parse_basic_auth(
            basic_auth if basic_auth is not None else basic_auth_user_info
        )
        if option_auth is not None:
            secrets.extend(option_auth)
        if proxy is not None:
            secrets.extend(_userinfo_secrets(proxy))
        self._redactor = Redactor(secrets)

        raw_urls = _split_urls(url)
        targets: list[_Target] = []
        for raw in raw_urls:
            base, user_info = _strip_userinfo(raw, self._redactor)
            if user_info is not None:
                if option_auth is not None:
                    raise ValueError(
                        "basic auth is given both in a URL's user info and as an option; keep one"
                    )
                self._redactor = self._redactor.with_secrets(user_info)
            targets.append(
                _Target(base=base, shown=_show_url(base), auth=_basic(user_info or option_auth))
            )
        if bearer_token is not None:
            if option_auth is not None or any(t.auth is not None for t in targets):
                raise ValueError("configure basic auth or a bearer token, not both")
            if not (isinstance(bearer_token, str) or callable(bearer_token)):
                raise TypeError("bearer_token must be a str or a callable returning one")
            if isinstance(bearer_token, str):
                _check_token(bearer_token)
                self._redactor = self._redactor.with_secrets([bearer_token])
        self._targets: tuple[_Target, ...] = tuple(targets)
        self._preferred = 0
        self._bearer = bearer_token
        self._bearer_headers: dict[str, str] = {}
        if bearer_auth_logical_cluster:
            self._bearer_headers["target-sr-cluster"] = bearer_auth_logical_cluster
        if bearer_auth_identity_pool_id:
            self._bearer_headers["Confluent-Identity-Pool-Id"] = bearer_auth_identity_pool_id

        self._timeout = _check_timeout(timeout)
        tls = _tls_options(verify, ca_location, certificate_location, key_location)
        self._verify_shown = tls["verify"] if isinstance(tls["verify"], bool) else "ca bundle"
        self._mtls = "cert" in tls

        retry_options = (max_retries, retries_wait_ms, retries_max_wait_ms)
        if retry is not None and any(v is not None for v in retry_options):
            raise ValueError("give retry or max_retries / retries_wait_ms / retries_max_wait_ms")
        if retry is None and (session is None or any(v is not None for v in retry_options)):
            retry = default_retry(
                DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
                DEFAULT_RETRIES_WAIT_MS if retries_wait_ms is None else retries_wait_ms,
                DEFAULT_RETRIES_MAX_WAIT_MS if retries_max_wait_ms is None else retries_max_wait_ms,
            )
        capacity = _check_positive_int("cache_capacity", cache_capacity)
        if cache_latest_ttl_sec is not None and (
            isinstance(cache_latest_ttl_sec, bool)
            or not isinstance(cache_latest_ttl_sec, int | float)
            or cache_latest_ttl_sec < 0
        ):
            raise ValueError("cache_latest_ttl_sec must be a number of seconds >= 0, or None")

        self._owns_session = session is None
        self._request_options: dict[str, Any] = {}
        if session is None:
            session = requests.Session()
            # Configuration comes from arguments only: no proxies, CA bundles or .netrc
            # credentials picked up from the environment.
            session.trust_env = False
            session.verify = tls["verify"]
            if "cert" in tls:
                session.cert = tls["cert"]
            if proxy is not None:
                session.proxies = {"http": proxy, "https": proxy}
            adapter = HTTPAdapter(max_retries=retry)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        else:
            if not isinstance(session, requests.Session):
                raise TypeError("session must be a requests.Session")
            explicit_tls = verify is not True or ca_location is not None
            if explicit_tls:
                self._request_options["verify"] = tls["verify"]
            if "cert" in tls:
                self._request_options["cert"] = tls["cert"]
            if proxy is not None:
                self._request_options["proxies"] = {"http": proxy, "https": proxy}
            if retry is not None:
                adapter = HTTPAdapter(max_retries=retry)
                for target in self._targets:
                    session.mount(target.base.rstrip("/") + "/", adapter)
        self._session = session
        self._retry_shown = _describe_retry(retry)
        self._proxy_shown = self._redactor.url(proxy) if proxy is not None else None
        self._static_redactor = self._redactor
        self._recent_tokens: collections.deque[str] = collections.deque(maxlen=4)
        self._closed = False

        self._schemas: Cache[int, Schema] = Cache(capacity)
        self._guids: Cache[str, Schema] = Cache(capacity)
        self._ids: Cache[tuple[str, Schema, bool], int] = Cache(capacity)
        self._lookups: Cache[tuple[str, Schema, bool, bool], RegisteredSchema] = Cache(capacity)
        self._versions: Cache[tuple[str, int, bool], RegisteredSchema] = Cache(capacity)
        self._latest: Cache[str, RegisteredSchema] | None = None
        if cache_latest_ttl_sec is None:
            self._latest = Cache(capacity)
        elif cache_latest_ttl_sec > 0:
            self._latest = Cache(capacity, ttl=float(cache_latest_ttl_sec))
        self._cache_shown = (capacity, cache_latest_ttl_sec)
        self._close_lock = threading.Lock()

    # ------------------------------------------------------------------ construction helpers

    @classmethod
    def from_url(cls, url: str, **options: Any) -> HttpRegistry:
        """Build a client from an ``http(s)`` URL (or several, comma-separated) and options.

        Options may be keyword arguments or query parameters of the URL, with the keyword names
        or Confluent's dotted names (``?timeout=5&cache.capacity=100``); query values are
        converted from text. The query is removed from the base URL.
        """
        urls, query_options = _split_query_options(url)
        merged: dict[str, Any] = {}
        for name, value in query_options.items():
            merged[_option_name(name)] = _convert_text_option(_option_name(name), value)
        for name, value in options.items():
            key = _option_name(name)
            if key in merged:
                raise ValueError(f"option {key!r} is given twice (URL query and keyword)")
            merged[key] = _convert_text_option(key, value) if isinstance(value, str) else value
        return cls(urls, **merged)

    @classmethod
    def from_confluent(cls, conf: Mapping[str, Any]) -> HttpRegistry:
        """Build a client from Confluent's client configuration (dotted keys).

        Accepts ``url``, ``basic.auth.credentials.source`` (``USER_INFO`` or ``URL``),
        ``basic.auth.user.info``, ``bearer.auth.credentials.source`` (``STATIC_TOKEN``),
        ``bearer.auth.token``, ``bearer.auth.logical.cluster``, ``bearer.auth.identity.pool.id``,
        ``ssl.ca.location`` (``False`` turns verification off), ``ssl.certificate.location``,
        ``ssl.key.location``, ``proxy``, ``timeout``, ``cache.capacity``,
        ``cache.latest.ttl.sec``, ``max.retries``, ``retries.wait.ms`` and
        ``retries.max.wait.ms``, each optionally prefixed with ``schema.registry.``. Any other
        key raises :class:`ValueError` naming it.
        """
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
        unknown = sorted(k for k in remaining if k not in _CONFLUENT_KEYS)
        if unknown:
            raise ValueError(
                "unknown schema registry configuration keys: "
                + ", ".join(repr(k) for k in unknown)
                + "; known keys: "
                + ", ".join(sorted(_CONFLUENT_KEYS))
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
            name = _CONFLUENT_KEYS[key]
            if key == "ssl.ca.location" and (value is False or str(value).lower() == "false"):
                options["verify"] = False
                continue
            options[name] = _convert_text_option(name, value) if isinstance(value, str) else value
        if isinstance(url, str):
            return cls(url, **options)
        if isinstance(url, Sequence):
            return cls(list(url), **options)
        raise TypeError("url must be a string or a list of strings")

    # ------------------------------------------------------------------ dunder / lifecycle

    def __repr__(self) -> str:
        auth = (
            "bearer"
            if self._bearer is not None
            else ("basic" if any(t.auth is not None for t in self._targets) else "none")
        )
        parts = [
            f"urls={[t.shown for t in self._targets]!r}",
            f"auth={auth!r}",
            f"timeout={self._timeout!r}",
            f"verify={self._verify_shown!r}",
        ]
        if self._mtls:
            parts.append("mtls=True")
        if self._proxy_shown is not None:
            parts.append(f"proxy={self._proxy_shown!r}")
        parts.append(f"retry={self._retry_shown}")
        parts.append(f"cache_capacity={self._cache_shown[0]}")
        parts.append(f"cache_latest_ttl_sec={self._cache_shown[1]!r}")
        return f"HttpRegistry({', '.join(parts)})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def urls(self) -> list[str]:
        """The base URLs, in failover order, with secrets masked."""
        return [t.shown for t in self._targets]

    def close(self) -> None:
        """Release the connections (of a session this client created); unusable afterwards."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        if self._owns_session:
            self._session.close()

    def clear_caches(self) -> None:
        """Forget every cached schema, id and version."""
        for cache in self._all_caches():
            cache.clear()

    # ------------------------------------------------------------------ SerdeRegistry

    def register_schema(
        self,
        subject_name: str,
        schema: Schema,
        normalize_schemas: bool = False,
        *,
        schema_id: int | None = None,
    ) -> int:
        """Register ``schema`` under ``subject_name`` (or find it there) and return its id."""
        subject = _check_subject(subject_name)
        key = (subject, schema, bool(normalize_schemas))

        def load() -> int:
            body = _schema_body(schema)
            if schema_id is not None:
                body["id"] = _check_id(schema_id)
            obj = _expect_dict(
                self._call(
                    "POST",
                    f"/subjects/{_q(subject)}/versions",
                    what=f"registering a schema under subject {subject!r}",
                    params=_flags(normalize=normalize_schemas),
                    body=body,
                    context={"subject": subject, "schema_id": schema_id},
                ),
                "register",
            )
            new_id = _int_field(obj, "id")
            if schema_id is not None and new_id != schema_id:
                # Some registries accept the request but ignore the id (Apicurio does).
                raise SchemaIdMismatchError(
                    f"asked to register under id {schema_id} in subject {subject!r}, but the "
                    f"registry assigned id {new_id}; it does not honour explicit ids",
                    subject=subject,
                    schema_id=schema_id,
                )
            stored = _schema_from(obj) if "schema" in obj else None
            if stored is None and not normalize_schemas:
                stored = schema
            if stored is not None:
                self._schemas.put(new_id, stored)
            if stored is not None and "version" in obj:
                self._lookups.put(
                    (subject, schema, bool(normalize_schemas), False),
                    RegisteredSchema(
                        schema_id=new_id,
                        schema=stored,
                        subject=_str_field(obj, "subject", subject),
                        version=_int_field(obj, "version"),
                        guid=_guid(obj),
                    ),
                )
            return new_id

        if schema_id is not None:
            cached = self._ids.get(key)
            if cached is not None and cached == schema_id:
                return cached
            new_id = load()
            self._ids.put(key, new_id)
            return new_id
        return self._ids.get_or_load(key, load)

    def lookup_schema(
        self,
        subject_name: str,
        schema: Schema,
        normalize_schemas: bool = False,
        deleted: bool = False,
    ) -> RegisteredSchema:
        """Return the registration of ``schema`` under ``subject_name``; never registers."""
        subject = _check_subject(subject_name)

        def load() -> RegisteredSchema:
            obj = _expect_dict(
                self._call(
                    "POST",
                    f"/subjects/{_q(subject)}",
                    what=f"looking up a schema under subject {subject!r}",
                    params=_flags(normalize=normalize_schemas, deleted=deleted),
                    body=_schema_body(schema),
                    context={"subject": subject},
                ),
                "lookup",
            )
            registered = _registered_from(obj, subject, schema)
            self._schemas.put(registered.schema_id, registered.schema)
            if not deleted:
                self._ids.put((subject, schema, bool(normalize_schemas)), registered.schema_id)
            return registered

        key = (subject, schema, bool(normalize_schemas), bool(deleted))
        return self._lookups.get_or_load(key, load)

    def get_schema(self, schema_id: int, subject_name: str | None = None) -> Schema:
        """Return the schema with this id (cached for good: ids never change meaning)."""
        sid = _check_id(schema_id)

        def load() -> Schema:
            params = {"subject": subject_name} if subject_name else None
            obj = _expect_dict(
                self._call(
                    "GET",
                    f"/schemas/ids/{sid}",
                    what=f"fetching schema id {sid}",
                    params=params,
                    context={"schema_id": sid, "subject": subject_name},
                ),
                "schema",
            )
            schema = _schema_from(obj)
            guid = _guid(obj)
            if guid is not None:
                self._guids.put(guid, schema)
            return schema

        return self._schemas.get_or_load(sid, load)

    def get_schema_by_guid(self, guid: str) -> Schema:
        """Return the schema with this GUID (cached for good)."""
        if not isinstance(guid, str) or not guid:
            raise TypeError("guid must be a non-empty string")

        def load() -> Schema:
            obj = _expect_dict(
                self._call(
                    "GET",
                    f"/schemas/guids/{_q(guid)}",
                    what=f"fetching schema guid {guid!r}",
                ),
                "schema",
            )
            schema = _schema_from(obj)
            if isinstance(obj.get("id"), int):
                self._schemas.put(obj["id"], schema)
            return schema

        return self._guids.get_or_load(guid, load)

    def get_latest_version(self, subject_name: str) -> RegisteredSchema:
        """Return the newest live version of ``subject_name`` (cached ``cache_latest_ttl_sec``)."""
        subject = _check_subject(subject_name)
        if self._latest is None:
            return self._fetch_version(subject, "latest", False)
        return self._latest.get_or_load(
            subject, lambda: self._fetch_version(subject, "latest", False)
        )

    def get_version(
        self, subject_name: str, version: Version, deleted: bool = False
    ) -> RegisteredSchema:
        """Return one version of ``subject_name`` (a number, ``"latest"`` or ``-1``)."""
        subject = _check_subject(subject_name)
        if _is_latest(version):
            if deleted:
                return self._fetch_version(subject, "latest", True)
            return self.get_latest_version(subject)
        number = _version_number(version)
        if number is None:  # not a version number: let the server answer (42202)
            return self._fetch_version(subject, version, bool(deleted))
        return self._versions.get_or_load(
            (subject, number, bool(deleted)),
            lambda: self._fetch_version(subject, number, bool(deleted)),
        )

    def _fetch_version(self, subject: str, version: Version, deleted: bool) -> RegisteredSchema:
        obj = _expect_dict(
            self._call(
                "GET",
                f"/subjects/{_q(subject)}/versions/{_q(str(version))}",
                what=f"fetching version {version!r} of subject {subject!r}",
                params=_flags(deleted=deleted),
                context={"subject": subject, "version": version},
            ),
            "version",
        )
        registered = _registered_from(obj, subject, None)
        self._schemas.put(registered.schema_id, registered.schema)
        if not deleted:
            self._versions.put((registered.subject, registered.version, False), registered)
        return registered

    # ------------------------------------------------------------------ SchemaRegistryClient

    def get_subjects(
        self,
        subject_prefix: str | None = None,
        deleted: bool = False,
        deleted_only: bool = False,
    ) -> list[str]:
        """List subjects, optionally by prefix and including (or only) soft-deleted ones."""
        params = _flags(deleted=deleted, deletedOnly=deleted_only)
        if subject_prefix is not None:
            params["subjectPrefix"] = subject_prefix
        data = self._call("GET", "/subjects", what="listing subjects", params=params)
        return _str_list(data, "subjects")

    def get_versions(self, subject_name: str, deleted: bool = False) -> list[int]:
        """List the version numbers of ``subject_name``."""
        subject = _check_subject(subject_name)
        data = self._call(
            "GET",
            f"/subjects/{_q(subject)}/versions",
            what=f"listing versions of subject {subject!r}",
            params=_flags(deleted=deleted),
            context={"subject": subject},
        )
        return _int_list(data, "versions")

    def get_subjects_by_schema_id(self, schema_id: int, deleted: bool = False) -> list[str]:
        """List the subjects under which the schema with this id is registered."""
        sid = _check_id(schema_id)
        data = self._call(
            "GET",
            f"/schemas/ids/{sid}/subjects",
            what=f"listing subjects of schema id {sid}",
            params=_flags(deleted=deleted),
            context={"schema_id": sid},
        )
        return _str_list(data, "subjects")

    def get_schema_versions(self, schema_id: int, deleted: bool = False) -> list[tuple[str, int]]:
        """List the ``(subject, version)`` pairs under which this id is registered."""
        sid = _check_id(schema_id)
        data = self._call(
            "GET",
            f"/schemas/ids/{sid}/versions",
            what=f"listing versions of schema id {sid}",
            params=_flags(deleted=deleted),
            context={"schema_id": sid},
        )
        if not isinstance(data, list):
            raise _malformed("subject versions", data)
        pairs: list[tuple[str, int]] = []
        for item in data:
            obj = _expect_dict(item, "subject version")
            pairs.append((_str_field(obj, "subject"), _int_field(obj, "version")))
        return pairs

    def get_referenced_by(self, subject_name: str, version: Version) -> list[int]:
        """List the ids of schemas that reference this subject version."""
        subject = _check_subject(subject_name)
        data = self._call(
            "GET",
            f"/subjects/{_q(subject)}/versions/{_q(str(version))}/referencedby",
            what=f"listing references to version {version!r} of subject {subject!r}",
            context={"subject": subject, "version": version},
        )
        return _int_list(data, "schema ids")

    def delete_subject(self, subject_name: str, permanent: bool = False) -> list[int]:
        """Soft-delete (or, after that, permanently delete) a subject; return its versions."""
        subject = _check_subject(subject_name)
        try:
            data = self._call(
                "DELETE",
                f"/subjects/{_q(subject)}",
                what=f"deleting subject {subject!r}" + (" permanently" if permanent else ""),
                params=_flags(permanent=permanent),
                context={"subject": subject},
            )
        finally:
            self._forget_subject(subject)
        return _int_list(data, "versions")

    def delete_version(self, subject_name: str, version: Version, permanent: bool = False) -> int:
        """Soft-delete (or, after that, permanently delete) one version; return its number."""
        subject = _check_subject(subject_name)
        try:
            data = self._call(
                "DELETE",
                f"/subjects/{_q(subject)}/versions/{_q(str(version))}",
                what=f"deleting version {version!r} of subject {subject!r}"
                + (" permanently" if permanent else ""),
                params=_flags(permanent=permanent),
                context={"subject": subject, "version": version},
            )
        finally:
            self._forget_subject(subject)
        if isinstance(data, bool) or not isinstance(data, int):
            raise _malformed("deleted version", data)
        return data

    def test_compatibility(
        self,
        subject_name: str,
        schema: Schema,
        version: Version | None = "latest",
        *,
        verbose: bool = False,
    ) -> CompatibilityResult:
        """Test ``schema`` against one version, or against all when ``version`` is ``None``."""
        subject = _check_subject(subject_name)
        path = f"/compatibility/subjects/{_q(subject)}/versions"
        if version is not None:
            path += f"/{_q(str(version))}"
        obj = _expect_dict(
            self._call(
                "POST",
                path,
                what=f"testing compatibility with subject {subject!r}",
                params=_flags(verbose=verbose),
                body=_schema_body(schema),
                context={"subject": subject, "version": version},
            ),
            "compatibility",
        )
        verdict = obj.get("is_compatible")
        if not isinstance(verdict, bool):
            raise _malformed("compatibility", obj)
        messages = obj.get("messages") or ()
        if not isinstance(messages, list | tuple):
            messages = (messages,)
        return CompatibilityResult(
            is_compatible=verdict,
            messages=tuple(m if isinstance(m, str) else json.dumps(m) for m in messages),
        )

    def get_compatibility(
        self, subject_name: str | None = None, default_to_global: bool = False
    ) -> str:
        """Return the compatibility level of a subject, or the global one."""
        path, context = self._scoped("/config", subject_name)
        obj = _expect_dict(
            self._call(
                "GET",
                path,
                what="reading the compatibility level" + _of(subject_name),
                params=_flags(defaultToGlobal=default_to_global and subject_name is not None),
                context=context,
            ),
            "config",
        )
        return _level(obj)

    def set_compatibility(self, subject_name: str | None = None, level: str = "BACKWARD") -> str:
        """Set the compatibility level of a subject, or the global one; return it."""
        path, context = self._scoped("/config", subject_name)
        obj = _expect_dict(
            self._call(
                "PUT",
                path,
                what=f"setting the compatibility level{_of(subject_name)} to {level!r}",
                body={"compatibility": level},
                context=context,
            ),
            "config",
        )
        return _level(obj)

    def delete_compatibility(self, subject_name: str | None = None) -> str:
        """Remove a subject's own level (or reset the global one); return the level removed."""
        path, context = self._scoped("/config", subject_name)
        obj = _expect_dict(
            self._call(
                "DELETE",
                path,
                what="deleting the compatibility level" + _of(subject_name),
                context=context,
            ),
            "config",
        )
        return _level(obj)

    def get_mode(self, subject_name: str | None = None, default_to_global: bool = False) -> str:
        """Return the mode of a subject, or the global one."""
        path, context = self._scoped("/mode", subject_name)
        obj = _expect_dict(
            self._call(
                "GET",
                path,
                what="reading the mode" + _of(subject_name),
                params=_flags(defaultToGlobal=default_to_global and subject_name is not None),
                context=context,
            ),
            "mode",
        )
        return _str_field(obj, "mode")

    def set_mode(self, mode: str, subject_name: str | None = None, force: bool = False) -> str:
        """Set the mode of a subject, or the global one; return it."""
        path, context = self._scoped("/mode", subject_name)
        obj = _expect_dict(
            self._call(
                "PUT",
                path,
                what=f"setting the mode{_of(subject_name)} to {mode!r}",
                params=_flags(force=force),
                body={"mode": mode},
                context=context,
            ),
            "mode",
        )
        return _str_field(obj, "mode")

    def delete_mode(self, subject_name: str | None = None) -> str:
        """Remove a subject's own mode (or reset the global one); return the mode removed."""
        path, context = self._scoped("/mode", subject_name)
        obj = _expect_dict(
            self._call(
                "DELETE", path, what="deleting the mode" + _of(subject_name), context=context
            ),
            "mode",
        )
        return _str_field(obj, "mode")

    def get_schema_types(self) -> list[str]:
        """List the schema types the registry supports."""
        return _str_list(
            self._call("GET", "/schemas/types", what="listing schema types"), "schema types"
        )

    # ------------------------------------------------------------------ caches

    def _all_caches(self) -> list[Cache[Any, Any]]:
        caches: list[Cache[Any, Any]] = [
            self._schemas,
            self._guids,
            self._ids,
            self._lookups,
            self._versions,
        ]
        if self._latest is not None:
            caches.append(self._latest)
        return caches

    def _forget_subject(self, subject: str) -> None:
        """Drop everything cached about ``subject`` (ids and schemas by id stay valid)."""
        self._ids.invalidate_where(lambda key: key[0] == subject)
        self._lookups.invalidate_where(lambda key: key[0] == subject)
        self._versions.invalidate_where(lambda key: key[0] == subject)
        if self._latest is not None:
            self._latest.invalidate(subject)

    # ------------------------------------------------------------------ HTTP

    def _scoped(self, root: str, subject_name: str | None) -> tuple[str, dict[str, Any]]:
        if subject_name is None:
            return root, {}
        subject = _check_subject(subject_name)
        return f"{root}/{_q(subject)}", {"subject": subject}

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
        try:
            token = token_source()
        except Exception as exc:
            raise RegistryUnavailableError(
                "the bearer token provider failed "
                f"({type(exc).__name__}); no request was sent to the schema registry"
            ) from exc
        try:
            _check_token(token)
        except (TypeError, ValueError) as exc:
            raise RegistryUnavailableError(
                f"the bearer token provider returned an unusable token: {exc}"
            ) from None
        if token not in self._recent_tokens:
            # Mask refreshed tokens too (the last few: a server may echo one in an error).
            self._recent_tokens.append(token)
            self._redactor = self._static_redactor.with_secrets(self._recent_tokens)
        return token

    def _call(
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
        if self._closed:
            raise RegistryUnavailableError(f"{self!r} is closed; cannot go on {what}")
        data = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        headers = self._headers(data is not None)
        count = len(self._targets)
        start = self._preferred
        failures: list[tuple[_Target, BaseException]] = []
        tried: list[str] = []
        for attempt in range(count):
            index = (start + attempt) % count
            target = self._targets[index]
            tried.append(target.shown)
            url = target.base + path
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params or None,
                    data=data,
                    headers=headers,
                    auth=target.auth,
                    timeout=self._timeout,
                    **self._request_options,
                )
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                _scrub(exc)
                failures.append((target, exc))
                _log.warning(
                    "schema registry %s failed while %s (%s %s): %s",
                    target.shown,
                    what,
                    method,
                    path,
                    type(exc).__name__,
                )
                continue
            if response.status_code in RETRY_STATUSES and attempt < count - 1:
                _log.warning(
                    "schema registry %s answered HTTP %d while %s (%s %s); trying the next URL",
                    target.shown,
                    response.status_code,
                    what,
                    method,
                    path,
                )
                response.close()
                continue
            self._preferred = index
            _log.debug("%s %s%s -> HTTP %d", method, target.shown, path, response.status_code)
            return self._decode(response, target, method, path, what, context or {})
        raise self._unavailable(tried, failures, method, path, what) from failures[-1][1]

    def _decode(
        self,
        response: requests.Response,
        target: _Target,
        method: str,
        path: str,
        what: str,
        context: Mapping[str, Any],
    ) -> Any:
        status = response.status_code
        try:
            content = response.content
        except requests.RequestException as exc:
            _scrub(exc)
            raise RegistryUnavailableError(
                f"the schema registry at {target.shown} broke off its answer while {what} "
                f"({method} {path}): {type(exc).__name__}"
            ) from exc
        if 200 <= status < 300:
            if status == 204 or not content.strip():
                return None
            try:
                return json.loads(content)
            except (ValueError, RecursionError):
                raise RegistryServerError(
                    f"the schema registry at {target.shown} answered HTTP {status} with a body "
                    f"that is not JSON while {what} ({method} {path}): "
                    f"{self._snippet(content)!r}",
                    http_status_code=status,
                    error_code=-1,
                    **_known_context(context),
                ) from None
        code: int | None = None
        message: str | None = None
        try:
            payload = json.loads(content) if content.strip() else None
        except (ValueError, RecursionError):
            payload = None
        if isinstance(payload, dict):
            raw_code = payload.get("error_code")
            if isinstance(raw_code, int) and not isinstance(raw_code, bool):
                code = raw_code
            elif isinstance(raw_code, str) and raw_code.strip().lstrip("-").isdigit():
                code = int(raw_code)
            raw_message = payload.get("message")
            if isinstance(raw_message, str) and raw_message:
                message = self._redactor.text(raw_message)
        if message is None:
            snippet = self._snippet(content)
            message = (
                f"HTTP {status} {response.reason or ''}".rstrip()
                + f" from the schema registry at {target.shown} while {what} ({method} {path})"
                + (f": {snippet!r}" if snippet else "")
            )
        raise error_for(status, code, message, **_known_context(context))

    def _snippet(self, content: bytes) -> str:
        text = content[: _ERROR_SNIPPET * 4].decode("utf-8", errors="replace").strip()
        if len(text) > _ERROR_SNIPPET:
            text = text[:_ERROR_SNIPPET] + "..."
        return self._redactor.text(text)

    def _unavailable(
        self,
        tried_urls: list[str],
        failures: list[tuple[_Target, BaseException]],
        method: str,
        path: str,
        what: str,
    ) -> RegistryUnavailableError:
        tried = ", ".join(tried_urls)
        last = failures[-1][1]
        detail = self._redactor.text(str(last))
        if len(detail) > 2 * _ERROR_SNIPPET:
            detail = detail[: 2 * _ERROR_SNIPPET] + "..."
        if all(_is_timeout(exc) for _, exc in failures):
            connect, read = self._timeout
            return RegistryTimeoutError(
                f"the schema registry did not answer in time while {what} ({method} {path}); "
                f"tried {tried} with timeouts connect={connect:g}s read={read:g}s: "
                f"{type(last).__name__}: {detail}"
            )
        return RegistryUnavailableError(
            f"no schema registry answered while {what} ({method} {path}); tried {tried}: "
            f"{type(last).__name__}: {detail}"
        )
