"""Schemathesis hooks (SCHEMATHESIS_HOOKS): send text/plain bodies as the frontend's fetch does."""

import schemathesis

# A string body sent by fetch() without headers is text/plain holding JSON.
schemathesis.serializer.alias("text/plain", "application/json")
