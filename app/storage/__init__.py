"""Storage engines behind one Repository interface; chosen from the settings."""

import os

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

    return SqliteRepository(settings.sqlite_path, settings.store_timeout_s,
                            identity=settings.sqlite_store_id)


def pin_store(settings: Settings) -> None:
    """In the server's master process (gunicorn on_starting): create the SQLite store once
    and hand its file identity to every worker (SQLITE_STORE_ID), so no worker, not even one
    respawned after the file was deleted, ever creates a file of its own. The master keeps
    the file open for its whole life, so its inode cannot be reused by a new file."""
    if settings.mongodb_uri:
        return
    from app.storage.sqlite import SqliteRepository

    repository = SqliteRepository(settings.sqlite_path, settings.store_timeout_s)
    os.open(settings.sqlite_path, os.O_RDONLY)  # held until the master exits
    repository.close()
    os.environ["SQLITE_STORE_ID"] = repository.identity
