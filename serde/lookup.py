"""Schema lookups against the registry, with its failures turned into serde errors.

Everything the serde asks a registry goes through here, at bind time only: never per message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from avroframe.registry import errors as registry_errors
from avroframe.registry.protocol import SerdeRegistry
from avroframe.registry.types import Schema, SchemaReference

from .errors import RegistryUnavailableError, SchemaError, SerdeError, UnknownSchemaError
from .schema import ParsedSchema, SchemaLike, parse

T = TypeVar("T")

# Throttled (429) or timed out (408), whichever backend or wrapper raised it: "try later".
_TRY_LATER = frozenset({408, 429})


@contextmanager
def registry_call(
    what: str, *, schema_id: int | None = None, guid: str | None = None
) -> Iterator[None]:
    """Run a registry call, raising serde errors (with ``__cause__``) for registry failures."""
    try:
        yield
    except registry_errors.NotFoundError as exc:
        raise UnknownSchemaError(f"{what}: {exc}", schema_id=schema_id, guid=guid) from exc
    except (registry_errors.RegistryUnavailableError, registry_errors.RegistryServerError) as exc:
        raise RegistryUnavailableError(f"{what}: registry unavailable: {exc}") from exc
    except registry_errors.RegistryError as exc:
        if exc.http_status_code in _TRY_LATER:
            raise RegistryUnavailableError(f"{what}: registry unavailable: {exc}") from exc
        raise SchemaError(f"{what}: the registry refused: {exc}") from exc
    except SerdeError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # A registry backend failing in an unexpected way must still surface as a serde error.
        raise RegistryUnavailableError(f"{what}: {type(exc).__name__}: {exc}") from exc


def reference_resolver(registry: SerdeRegistry) -> Callable[[SchemaReference], Schema]:
    """Fetch referenced schemas by subject and version."""

    def resolve(ref: SchemaReference) -> Schema:
        with registry_call(f"resolving reference {ref.name!r} ({ref.subject!r} v{ref.version})"):
            return registry.get_version(ref.subject, ref.version).schema

    return resolve


def parse_with(
    registry: SerdeRegistry, schema: SchemaLike, *, cached: bool = True
) -> ParsedSchema:
    """Parse ``schema``, fetching its references from ``registry`` (see :func:`.schema.parse`
    for ``cached``)."""
    return parse(schema, reference_resolver(registry), cached=cached)


def schema_by_id(registry: SerdeRegistry, schema_id: int) -> ParsedSchema:
    """Fetch and parse the writer schema with this id."""
    with registry_call(f"fetching schema id {schema_id}", schema_id=schema_id):
        schema = registry.get_schema(schema_id)
    # Writer schemas are kept per id by their users: never twice by the process-wide cache too.
    return parse_with(registry, schema, cached=False)


def schema_by_guid(registry: SerdeRegistry, guid: str) -> ParsedSchema:
    """Fetch and parse the writer schema with this GUID."""
    with registry_call(f"fetching schema GUID {guid}", guid=guid):
        schema = registry.get_schema_by_guid(guid)
    return parse_with(registry, schema, cached=False)
