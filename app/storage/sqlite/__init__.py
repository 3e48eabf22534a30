"""The embedded SQLite engine: schema, write gate, store (statements), files and the repository."""

from app.storage.sqlite.gate import WriteGate
from app.storage.sqlite.repository import SqliteRepository
from app.storage.sqlite.schema import COUNTED, SCHEMA, STORE_SCHEMA
from app.storage.sqlite.store import SqliteStore

__all__ = ["COUNTED", "SCHEMA", "STORE_SCHEMA", "SqliteRepository", "SqliteStore", "WriteGate"]
