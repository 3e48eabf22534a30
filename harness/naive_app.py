"""The document's original booking route, for controls and the benchmark baseline only.

`router.post('/')` inserted every request without a capacity check: a storm against this
server must overbook, which proves the concurrency tests can fail.
"""

from app import create_app as create_real_app
from app.config import Settings
from app.storage.sqlite import SqliteRepository, _insert


class UnguardedRepository(SqliteRepository):
    def book(self, slot, appointment, token_hash, idempotency=None, by=None):
        with self._write() as conn:
            _insert(conn, appointment, token_hash)


def create_app():
    settings = Settings.from_env()
    return create_real_app(settings, UnguardedRepository(settings.sqlite_path))
