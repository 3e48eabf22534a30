"""Secrets of the booking use cases: token hashes, request fingerprints, sealed tokens."""

import hashlib
import json


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_hash(idempotency_key: str) -> str:
    return secret_hash("idempotency:" + idempotency_key)


def fingerprint(body: dict) -> str:
    return secret_hash(json.dumps(body, sort_keys=True, default=str))


def seal(token: str, key: str) -> str:
    """Keep a token recoverable for replays only by the holder of the Idempotency-Key."""
    return _xor_with_key(token.encode().ljust(48), key).hex()


def unseal(sealed: str, key: str) -> str:
    return _xor_with_key(bytes.fromhex(sealed), key).decode().rstrip()


def _xor_with_key(data: bytes, key: str) -> bytes:
    pad = hashlib.sha256(("seal:" + key).encode()).digest() * 2
    return bytes(a ^ b for a, b in zip(data, pad, strict=False))
