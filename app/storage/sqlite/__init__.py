"""The embedded SQLite engine: schema, write gate, unit of work, rows, and the repository."""

from app.storage.sqlite.repository import SqliteRepository
from app.storage.sqlite.schema import COUNTED
from app.storage.sqlite.unit_of_work import SqliteUnitOfWork

__all__ = ["COUNTED", "SqliteRepository", "SqliteUnitOfWork"]
