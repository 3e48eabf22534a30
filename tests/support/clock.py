"""The moment the in-process app believes it is."""

from datetime import UTC, datetime

# A Wednesday afternoon in Dhaka: the 26th (Thu) is open, the 27th is a Friday.
FIXED_NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
