"""Registry proxies for tests: wrap any registry client and change how it answers."""

from __future__ import annotations

from typing import Any

from avroframe.registry import errors as registry_errors


class Outage:
    """A registry proxy that fails every call with unavailability while ``down`` is True."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.down = False

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise registry_errors.RegistryUnavailableError("connection refused")
            return attr(*args, **kwargs)

        return call
