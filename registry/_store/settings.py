"""Per-subject settings, compatibility levels and modes, kept by one implementation.

Each is stored per subject, with the global value under the empty subject (never a valid one)
and a server default behind both. The two differ only in the facts a :class:`Setting` holds.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Final

from ..errors import (
    CompatibilityNotConfiguredError,
    InvalidCompatibilityLevelError,
    InvalidModeError,
    ModeNotConfiguredError,
    OperationNotPermittedError,
    RegistryError,
    SubjectNotFoundError,
)
from ..types import COMPATIBILITY_LEVELS, DEFAULT_COMPATIBILITY, DEFAULT_MODE, MODES
from . import arguments
from .storage import SettingTable, Tables

__all__ = [
    "COMPATIBILITY",
    "MODE",
    "Setting",
    "SubjectSettings",
    "check_writable",
    "in_scope",
    "read_only",
]

GLOBAL: Final = ""
"""The subject the global value is stored under."""
_READ_ONLY_MODES: Final = frozenset(("READONLY", "READONLY_OVERRIDE"))


@dataclass(frozen=True)
class Setting:
    """What distinguishes one per-subject setting from the other."""

    table: SettingTable
    what: str
    plural: str
    choices: tuple[str, ...]
    default: str
    invalid: type[RegistryError]
    not_configured: type[RegistryError]
    guarded: bool
    """Whether changing it needs a writable subject (a mode can always be changed)."""

    def parse(self, value: object) -> str:
        """``value`` as a valid setting (upper-cased), else the setting's 422 error."""
        return arguments.choice(value, self.choices, self.what, self.plural, self.invalid)


COMPATIBILITY: Final = Setting(
    "config",
    "compatibility level",
    "levels",
    COMPATIBILITY_LEVELS,
    DEFAULT_COMPATIBILITY,
    InvalidCompatibilityLevelError,
    CompatibilityNotConfiguredError,
    guarded=True,
)
MODE: Final = Setting(
    "mode",
    "mode",
    "modes",
    MODES,
    DEFAULT_MODE,
    InvalidModeError,
    ModeNotConfiguredError,
    guarded=False,
)


def in_scope(tables: Tables, setting: Setting, subject: str | None) -> str:
    """The value that applies to ``subject`` (None: the registry): its own, the global one or
    the default."""
    own = tables.setting(setting.table, subject) if subject is not None else None
    return own or tables.setting(setting.table, GLOBAL) or setting.default


def read_only(mode: str) -> bool:
    """Whether ``mode`` refuses every change."""
    return mode in _READ_ONLY_MODES


def check_writable(tables: Tables, subject: str | None) -> None:
    """Refuse (42205) a change to ``subject`` (None: the registry) in a read-only mode."""
    mode = in_scope(tables, MODE, subject)
    if read_only(mode):
        where = f"subject {subject!r}" if subject is not None else "the registry"
        raise OperationNotPermittedError(f"{where} is in {mode} mode", subject=subject)


Transaction = Callable[[bool], AbstractContextManager[Tables]]
"""Opens one transaction on the registry database (``True``: a write)."""

BeforeSet = Callable[[Tables, "str | None", str], None]
"""Runs inside the transaction that sets a value: the subject (None: global) and the value."""


class SubjectSettings:
    """Reads and changes settings as the server's ``/config`` and ``/mode`` endpoints do."""

    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    def get(self, setting: Setting, subject_name: object, default_to_global: bool) -> str:
        """A subject's own value (or the global one when ``subject_name`` is None); a subject
        without one gets the global value if ``default_to_global``, else a 404."""
        with self._transaction(False) as tables:
            global_value = tables.setting(setting.table, GLOBAL) or setting.default
            if subject_name is None:
                return global_value
            subject = arguments.subject(subject_name)
            own = tables.setting(setting.table, subject)
        if own is not None:
            return own
        if default_to_global:
            return global_value
        raise setting.not_configured(
            f"subject {subject!r} has no {setting.what} of its own", subject=subject
        )

    def set(
        self,
        setting: Setting,
        subject_name: object,
        value: object,
        before: BeforeSet | None = None,
    ) -> str:
        """Store a subject's (or the global) value; return it as stored."""
        name = setting.parse(value)
        scope = None if subject_name is None else arguments.new_subject(subject_name)
        with self._transaction(True) as tables:
            if setting.guarded:
                check_writable(tables, scope)
            if before is not None:
                before(tables, scope, name)
            tables.put_setting(setting.table, GLOBAL if scope is None else scope, name)
        return name

    def delete(self, setting: Setting, subject_name: object) -> str:
        """Remove a subject's own value (or reset the global one); return the value removed."""
        scope = None if subject_name is None else arguments.subject(subject_name)
        subject = GLOBAL if scope is None else scope
        with self._transaction(True) as tables:
            current = tables.setting(setting.table, subject)
            if current is None:
                if scope is not None:
                    raise SubjectNotFoundError(
                        f"subject {subject!r} has no {setting.what} to delete", subject=subject
                    )
                current = setting.default
            if setting.guarded:
                check_writable(tables, scope)
            tables.delete_setting(setting.table, subject)
        return current
