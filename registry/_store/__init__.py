"""Schema Registry server semantics on sqlite: the one implementation behind the embedded backends.

:class:`EmbeddedRegistry` implements :class:`~avroframe.registry.protocol.SchemaRegistryClient`
as Confluent's server behaves. ``memory.py`` and ``sqlite.py`` only decide where the database
lives. Inside, one module per job:

* :mod:`.registry`: the client class; each public call checks its arguments and runs one
  transaction;
* :mod:`.registering`: ids and versions, and when compatibility is enforced;
* :mod:`.deleting`: soft and permanent deletes, references that prevent them, and what a
  subject entering ``IMPORT`` mode loses;
* :mod:`.settings`: per-subject settings, compatibility levels and modes, one implementation;
* :mod:`.schemas`: schemas parsed against the database, their identity keys and the cached
  forms compatibility checks take;
* :mod:`.arguments`: checks of the arguments, with the server's error codes;
* :mod:`.storage`: the SQL (tables, indexes, transactions, statements).
"""

from __future__ import annotations

from .registry import EmbeddedRegistry
from .storage import create_tables

__all__ = ["EmbeddedRegistry", "create_tables"]
