"""The one admin key the in-process tests configure, and the header that presents it.

Servers started by e2e and browser modules set keys of their own (each module's server)."""

ADMIN_KEY = "admin-key-for-tests-0123456789abcd"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
