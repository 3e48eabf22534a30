"""Storage engines behind one Repository interface; chosen from the settings."""

from app.config import Settings
from app.storage.base import Repository


def open_repository(settings: Settings) -> Repository:
    """MongoDB when MONGODB_URI is set, else the embedded SQLite store."""
    if settings.mongodb_uri:
        from app.storage.mongo import MongoRepository  # pymongo is only needed for Mongo

        return MongoRepository.connect(settings.mongodb_uri, settings.mongodb_db,
                                       settings.store_timeout_s)
    from app.storage.sqlite import SqliteRepository

    return SqliteRepository(settings.sqlite_path, settings.store_timeout_s)
