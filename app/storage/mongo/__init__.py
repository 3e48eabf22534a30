"""The MongoDB engine: client and authentication, indexes, documents, store (statements), and the
repository (pymongo is imported only when MONGODB_URI chooses this engine)."""

from app.storage.mongo.client import without_credentials
from app.storage.mongo.documents import slot_document_id
from app.storage.mongo.repository import MongoRepository
from app.storage.mongo.store import MongoStore

__all__ = ["MongoRepository", "MongoStore", "slot_document_id", "without_credentials"]
