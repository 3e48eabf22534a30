"""Storage engines behind one Repository interface; chosen from the settings."""

from app.config import Settings
from app.domain.hospitals import Hospitals
from app.storage.base import Repository


def open_repository(settings: Settings, hospitals: Hospitals) -> Repository:
    """MongoDB when MONGODB_URI is set, else the embedded SQLite store."""
    if settings.mongodb_uri:
        from app.storage.mongo import MongoRepository  # pymongo is only needed for Mongo

        return MongoRepository.connect(settings.mongodb_uri, settings.mongodb_db,
                                       settings.store_timeout_s, hospitals.display_names(),
                                       settings.mongodb_password(),
                                       require_auth=settings.mongodb_require_auth)
    from app.storage.sqlite import SqliteRepository

    return SqliteRepository(settings.sqlite_path, settings.store_timeout_s)
