"""Secrets kept for idempotent replays: their format must survive an upgrade.

Entries live 24 hours, so a token sealed by the running version must unseal in the next one,
and a key hash computed before a deploy must find its entry after it.
"""

from app.service import tokens

KEY = "key-0123456789abcdef"
TOKEN = "tok-" + "x" * 39          # token_urlsafe(32) is 43 characters
SEALED = ("09ccb69003c7f8261aad0635aeb5f6fae58c437b3feb7118f547866d272f522405dba5c503c7f826"
          "1aad066df6edaea2")


def test_a_token_sealed_by_this_version_is_the_stored_format():
    assert tokens.seal(TOKEN, KEY) == SEALED


def test_a_stored_sealed_token_unseals_with_its_key_only():
    assert tokens.unseal(SEALED, KEY) == TOKEN
    assert tokens.seal(TOKEN, "another-key-0123456") != SEALED


def test_key_hash_is_the_sha256_of_the_prefixed_key():
    assert tokens.key_hash("abc") == (
        "e227f7aa28f155a68f9893ddf39936a39082170e8a2cfdc4e44f90df99f57412")
