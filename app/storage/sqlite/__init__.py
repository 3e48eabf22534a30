"""The embedded SQLite engine: schema, write gate, unit of work, rows, and the repository."""

from app.storage.sqlite.gate import WriteGate
from app.storage.sqlite.repository import SqliteRepository
from app.storage.sqlite.schema import COUNTED, SCHEMA, STORE_SCHEMA
from app.storage.sqlite.unit_of_work import SqliteUnitOfWork

__all__ = ["COUNTED", "SCHEMA", "STORE_SCHEMA", "SqliteRepository", "SqliteUnitOfWork",
           "WriteGate"]
