"""What the HTTP registry client remembers of the registry's answers, and what each answer teaches.

Every cache of the client lives here, with the one rule per kind of answer that decides what it
seeds, so that a serializer's steady state makes no request and a delete forgets what it must.
"""

from __future__ import annotations

from typing import Any

from .cache import Cache
from .types import RegisteredSchema, Schema

__all__ = ["Caches"]


class Caches:
    """The client's caches: schemas by id and by GUID (for good: ids never change meaning), ids
    and lookups by subject and schema, versions by number, and latest versions (with a TTL)."""

    def __init__(self, capacity: int, latest_ttl_sec: float | None) -> None:
        self.capacity = capacity
        self.latest_ttl_sec = latest_ttl_sec
        self.schemas: Cache[int, Schema] = Cache(capacity)
        self.guids: Cache[str, Schema] = Cache(capacity)
        self.ids: Cache[tuple[str, Schema, bool], int] = Cache(capacity)
        self.lookups: Cache[tuple[str, Schema, bool, bool], RegisteredSchema] = Cache(capacity)
        self.versions: Cache[tuple[str, int, bool], RegisteredSchema] = Cache(capacity)
        self.latest: Cache[str, RegisteredSchema] | None = None
        if latest_ttl_sec is None:
            self.latest = Cache(capacity)
        elif latest_ttl_sec > 0:
            self.latest = Cache(capacity, ttl=float(latest_ttl_sec))

    def learn_schema(self, schema_id: int | None, schema: Schema, guid: str | None = None) -> None:
        """A schema answer: remember it by id and by GUID."""
        if schema_id is not None:
            self.schemas.put(schema_id, schema)
        if guid is not None:
            self.guids.put(guid, schema)

    def learn_registration(
        self, subject: str, asked: Schema, normalize: bool, registered: RegisteredSchema
    ) -> None:
        """A live registration of ``asked`` under ``subject`` (from register or lookup): its
        schema by id, its id, and the lookup that finds it."""
        self.learn_schema(registered.schema_id, registered.schema)
        self.ids.put((subject, asked, normalize), registered.schema_id)
        self.lookups.put((subject, asked, normalize, False), registered)

    def learn_version(self, registered: RegisteredSchema, deleted: bool) -> None:
        """A version answer: the schema by id, and the live version by number."""
        self.learn_schema(registered.schema_id, registered.schema)
        if not deleted:
            self.versions.put((registered.subject, registered.version, False), registered)

    def forget_subject(self, subject: str) -> None:
        """Drop everything cached about ``subject`` (ids and schemas by id stay valid)."""
        self.ids.invalidate_where(lambda key: key[0] == subject)
        self.lookups.invalidate_where(lambda key: key[0] == subject)
        self.versions.invalidate_where(lambda key: key[0] == subject)
        if self.latest is not None:
            self.latest.invalidate(subject)

    def clear(self) -> None:
        """Forget everything."""
        caches: list[Cache[Any, Any]] = [self.schemas, self.guids, self.ids, self.lookups]
        caches.append(self.versions)
        if self.latest is not None:
            caches.append(self.latest)
        for cache in caches:
            cache.clear()
