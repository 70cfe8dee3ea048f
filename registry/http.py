"""A schema registry client for Confluent's REST API over HTTP(S), built on ``requests``.

:class:`HttpRegistry` is the endpoints: each method names its request and decodes its answer
through one helper, and what the answer teaches goes to the client's caches
(:mod:`._http_caches`), so a serializer's steady state makes no request. The options are read
and checked by :mod:`._http_config`; requests go through :mod:`._http_transport` (session,
authentication, failover, deadlines, redirect policy, size cap, error mapping). Secrets never
reach a repr, a log line or an exception.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

import requests
from urllib3.util.retry import Retry

from ._http_admin import AdminEndpoints
from ._http_caches import Caches
from ._http_config import (
    DEFAULT_CACHE_CAPACITY,
    DEFAULT_LATEST_TTL_SEC,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    RETRY_STATUSES,
    BearerToken,
    Timeout,
    default_retry,
    describe_retry,
    options_from_confluent,
    options_from_url,
)
from ._http_settings import check_positive_int, settings
from ._http_transport import ACCEPT, MEDIA_TYPE, Transport
from ._http_wire import (
    check_id,
    check_subject,
    flags,
    guid_field,
    int_field,
    is_latest,
    registered_from,
    schema_body,
    schema_from,
    segment,
    str_field,
    version_number,
)
from .errors import SchemaIdMismatchError
from .protocol import Version
from .types import RegisteredSchema, Schema

if TYPE_CHECKING:
    from typing import Self

__all__ = [
    "ACCEPT",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "MEDIA_TYPE",
    "RETRY_STATUSES",
    "HttpRegistry",
    "default_retry",
]


class HttpRegistry(AdminEndpoints):
    """A :class:`~avroframe.registry.protocol.SchemaRegistryClient` for a Confluent-compatible
    registry.

    ``url`` is one base URL, a comma-separated list, or a sequence of them (tried in order on
    connection errors, timeouts and retriable statuses; calls stay with the URL that answered
    last). A base URL may carry a path prefix (``http://host:8080/apis/ccompat/v7``) and
    basic-auth user info.

    Options (keyword-only; Confluent's dotted names are accepted by :meth:`from_confluent` and
    in :meth:`from_url` queries):

    - ``basic_auth``: ``("user", "password")`` or ``"user:password"``
      (``basic_auth_user_info`` is the Confluent-style alias).
    - ``bearer_token``: a token, or a callable returning the current one (called per request);
      ``bearer_auth_logical_cluster`` / ``bearer_auth_identity_pool_id`` add Confluent Cloud's
      ``target-sr-cluster`` / ``Confluent-Identity-Pool-Id`` headers.
    - ``verify`` (default on), ``ca_location`` (CA bundle file or directory),
      ``certificate_location`` and ``key_location`` (client certificate for mTLS), ``proxy``.
    - ``timeout``: seconds, or ``(connect, read)``; default ``(10, 30)``. A read timeout
      restarts with every byte, so two deadlines bound the whole: ``attempt_deadline`` for one
      HTTP exchange (default connect + read timeout) and ``call_deadline`` for one method call
      with its retries and failover (default: every attempt the retry policy allows on every
      URL plus the longest wait before each retry). Past either: :class:`RegistryTimeoutError`.
    - ``max_response_bytes`` (default 4 MiB): a larger answer is not read further
      (:class:`~avroframe.registry.errors.ResponseTooLargeError`).
    - ``max_retries`` (3), ``retries_wait_ms`` (1000), ``retries_max_wait_ms`` (20000) shape
      :func:`default_retry`; ``retry`` replaces it with any urllib3 ``Retry``. After the
      retries, 429 is :class:`~avroframe.registry.errors.RegistryThrottledError` and 408 is
      :class:`RegistryTimeoutError` (both "unavailable, try later").
    - ``session``: a :class:`requests.Session` to use as is (its adapters, proxies and
      environment settings); a retry adapter is mounted on it for the base URLs only when
      ``retry`` or one of the retry options is given. The client never closes it.
    - ``cache_capacity`` (default 1000) bounds each cache; ``cache_latest_ttl_sec`` (default 300;
      ``None`` never expires, ``0`` disables) is the lifetime of cached latest versions.

    Redirects: a same-origin 307/308 (method and body kept) is followed, up to 3 hops; any other
    redirect (301/302/303, or one to another scheme, host or port) raises
    :class:`~avroframe.registry.errors.RegistryRedirectError` naming the ``Location``.
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
        attempt_deadline: float | None = None,
        call_deadline: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_retries: int | None = None,
        retries_wait_ms: float | None = None,
        retries_max_wait_ms: float | None = None,
        retry: Retry | None = None,
        session: requests.Session | None = None,
        cache_capacity: int = DEFAULT_CACHE_CAPACITY,
        cache_latest_ttl_sec: float | None = DEFAULT_LATEST_TTL_SEC,
    ) -> None:
        resolved = settings(
            url,
            basic_auth=basic_auth,
            basic_auth_user_info=basic_auth_user_info,
            bearer_token=bearer_token,
            bearer_auth_logical_cluster=bearer_auth_logical_cluster,
            bearer_auth_identity_pool_id=bearer_auth_identity_pool_id,
            verify=verify,
            ca_location=ca_location,
            certificate_location=certificate_location,
            key_location=key_location,
            proxy=proxy,
            timeout=timeout,
            attempt_deadline=attempt_deadline,
            call_deadline=call_deadline,
            max_response_bytes=max_response_bytes,
            max_retries=max_retries,
            retries_wait_ms=retries_wait_ms,
            retries_max_wait_ms=retries_max_wait_ms,
            retry=retry,
            session=session,
        )
        capacity = check_positive_int("cache_capacity", cache_capacity)
        if cache_latest_ttl_sec is not None and (
            isinstance(cache_latest_ttl_sec, bool)
            or not isinstance(cache_latest_ttl_sec, int | float)
            or cache_latest_ttl_sec < 0
        ):
            raise ValueError("cache_latest_ttl_sec must be a number of seconds >= 0, or None")
        self._transport = Transport(resolved)
        self._caches = Caches(capacity, cache_latest_ttl_sec)
        tls_verify = resolved.tls["verify"]
        self._verify_shown = tls_verify if isinstance(tls_verify, bool) else "ca bundle"
        self._mtls = "cert" in resolved.tls
        self._proxy_shown = resolved.redactor.url(proxy) if proxy is not None else None
        self._closed = False
        self._close_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **options: Any) -> HttpRegistry:
        """Build a client from an ``http(s)`` URL (or several, comma-separated) and options.

        Options may be keyword arguments or query parameters of the URL, with the keyword names
        or Confluent's dotted names (``?timeout=5&cache.capacity=100``); query values are
        converted from text. The query is removed from the base URL.
        """
        urls, merged = options_from_url(url, options)
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
        url, options = options_from_confluent(conf)
        return cls(url, **options)

    # ------------------------------------------------------------------ dunder / lifecycle

    def __repr__(self) -> str:
        transport = self._transport
        parts = [
            f"urls={self.urls!r}",
            f"auth={transport.auth_kind!r}",
            f"timeout={transport.timeout!r}",
            f"deadlines=(attempt={transport.deadlines.attempt:g}s, "
            f"call={transport.deadlines.call:g}s)",
            f"verify={self._verify_shown!r}",
        ]
        if self._mtls:
            parts.append("mtls=True")
        if self._proxy_shown is not None:
            parts.append(f"proxy={self._proxy_shown!r}")
        parts.append(f"retry={describe_retry(transport.retry)}")
        parts.append(f"max_response_bytes={transport.max_response_bytes}")
        parts.append(f"cache_capacity={self._caches.capacity}")
        parts.append(f"cache_latest_ttl_sec={self._caches.latest_ttl_sec!r}")
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
        return [t.shown for t in self._transport.targets]

    def close(self) -> None:
        """Release the connections (of a session this client created); unusable afterwards."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        if self._transport.owns_session:
            self._transport.session.close()

    def clear_caches(self) -> None:
        """Forget every cached schema, id and version."""
        self._caches.clear()

    # ------------------------------------------------------------------ SerdeRegistry (cached)

    def register_schema(
        self,
        subject_name: str,
        schema: Schema,
        normalize_schemas: bool = False,
        *,
        schema_id: int | None = None,
    ) -> int:
        """Register ``schema`` under ``subject_name`` (or find it there) and return its id."""
        subject = check_subject(subject_name)
        normalize = bool(normalize_schemas)
        key = (subject, schema, normalize)

        def load() -> int:
            body = schema_body(schema)
            if schema_id is not None:
                body["id"] = check_id(schema_id)
            obj = self._ask(
                "POST",
                f"/subjects/{segment(subject)}/versions",
                f"registering a schema under subject {subject!r}",
                params=flags(normalize=normalize),
                body=body,
                context={"subject": subject, "schema_id": schema_id},
                shape="register",
            )
            new_id = int_field(obj, "id")
            if schema_id is not None and new_id != schema_id:
                # Some registries accept the request but ignore the id (Apicurio does).
                raise SchemaIdMismatchError(
                    f"asked to register under id {schema_id} in subject {subject!r}, but the "
                    f"registry assigned id {new_id}; it does not honour explicit ids",
                    subject=subject,
                    schema_id=schema_id,
                )
            stored = schema_from(obj) if "schema" in obj else (None if normalize else schema)
            if stored is not None and "version" in obj:
                registered = RegisteredSchema(
                    schema_id=new_id,
                    schema=stored,
                    subject=str_field(obj, "subject", subject),
                    version=int_field(obj, "version"),
                    guid=guid_field(obj),
                )
                self._caches.learn_registration(subject, schema, normalize, registered)
            elif stored is not None:
                self._caches.learn_schema(new_id, stored)
            return new_id

        if schema_id is not None:
            cached = self._caches.ids.get(key)
            if cached is not None and cached == schema_id:
                return cached
            new_id = load()
            self._caches.ids.put(key, new_id)
            return new_id
        return self._caches.ids.get_or_load(key, load)

    def lookup_schema(
        self,
        subject_name: str,
        schema: Schema,
        normalize_schemas: bool = False,
        deleted: bool = False,
    ) -> RegisteredSchema:
        """Return the registration of ``schema`` under ``subject_name``; never registers."""
        subject = check_subject(subject_name)
        normalize = bool(normalize_schemas)

        def load() -> RegisteredSchema:
            obj = self._ask(
                "POST",
                f"/subjects/{segment(subject)}",
                f"looking up a schema under subject {subject!r}",
                params=flags(normalize=normalize, deleted=deleted),
                body=schema_body(schema),
                context={"subject": subject},
                shape="lookup",
            )
            registered = registered_from(obj, subject, schema)
            if deleted:
                self._caches.learn_schema(registered.schema_id, registered.schema)
            else:
                self._caches.learn_registration(subject, schema, normalize, registered)
            return registered

        key = (subject, schema, normalize, bool(deleted))
        return self._caches.lookups.get_or_load(key, load)

    def get_schema(self, schema_id: int, subject_name: str | None = None) -> Schema:
        """Return the schema with this id (cached for good: ids never change meaning)."""
        sid = check_id(schema_id)

        def load() -> Schema:
            obj = self._ask(
                "GET",
                f"/schemas/ids/{sid}",
                f"fetching schema id {sid}",
                params={"subject": subject_name} if subject_name else None,
                context={"schema_id": sid, "subject": subject_name},
                shape="schema",
            )
            schema = schema_from(obj)
            self._caches.learn_schema(None, schema, guid_field(obj))
            return schema

        return self._caches.schemas.get_or_load(sid, load)

    def get_schema_by_guid(self, guid: str) -> Schema:
        """Return the schema with this GUID (cached for good)."""
        if not isinstance(guid, str) or not guid:
            raise TypeError("guid must be a non-empty string")

        def load() -> Schema:
            path = f"/schemas/guids/{segment(guid)}"
            obj = self._ask("GET", path, f"fetching schema guid {guid!r}", shape="schema")
            schema = schema_from(obj)
            schema_id = obj.get("id")
            if isinstance(schema_id, int) and not isinstance(schema_id, bool):
                self._caches.learn_schema(schema_id, schema)
            return schema

        return self._caches.guids.get_or_load(guid, load)

    def get_latest_version(self, subject_name: str) -> RegisteredSchema:
        """Return the newest live version of ``subject_name`` (cached ``cache_latest_ttl_sec``)."""
        subject = check_subject(subject_name)
        latest = self._caches.latest
        if latest is None:
            return self._fetch_version(subject, "latest", False)
        return latest.get_or_load(subject, lambda: self._fetch_version(subject, "latest", False))

    def get_version(
        self, subject_name: str, version: Version, deleted: bool = False
    ) -> RegisteredSchema:
        """Return one version of ``subject_name`` (a number, ``"latest"`` or ``-1``)."""
        subject = check_subject(subject_name)
        if is_latest(version):
            if deleted:
                return self._fetch_version(subject, "latest", True)
            return self.get_latest_version(subject)
        number = version_number(version)
        if number is None:  # not a version number: let the server answer (42202)
            return self._fetch_version(subject, version, bool(deleted))
        return self._caches.versions.get_or_load(
            (subject, number, bool(deleted)),
            lambda: self._fetch_version(subject, number, bool(deleted)),
        )

    def _fetch_version(self, subject: str, version: Version, deleted: bool) -> RegisteredSchema:
        obj = self._ask(
            "GET",
            f"/subjects/{segment(subject)}/versions/{segment(str(version))}",
            f"fetching version {version!r} of subject {subject!r}",
            params=flags(deleted=deleted),
            context={"subject": subject, "version": version},
            shape="version",
        )
        registered = registered_from(obj, subject, None)
        self._caches.learn_version(registered, deleted)
        return registered
