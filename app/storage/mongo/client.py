"""MongoDB clients and authentication: credentials out of a URI, the server's refusals
explained, a replica set required."""





REFUSALS = {13: "Unauthorized", 18: "AuthenticationFailed", 85: "IndexOptionsConflict",
            86: "IndexKeySpecsConflict"}
CREDENTIALS_MESSAGE = (
    "MongoDB rejected the credentials (AuthenticationFailed): check the user name in MONGODB_URI "
    "and its password (MONGODB_PASSWORD_FILE)")
OPEN_SERVER_MESSAGE = (
    "MongoDB accepted a write from a client without credentials: refusing to start with "
    "MONGODB_REQUIRE_AUTH=1. Turn on access control (scripts/init-replica-set.sh, README "
    "'Production checklist'), or set MONGODB_REQUIRE_AUTH=0 for development only.")
# A write that changes nothing: deleting an _id no booking can have.
PROBE_DELETE = [{"q": {"_id": "unauthenticated-write-probe"}, "limit": 1}]
AUTH_OPTIONS = ("authsource=", "authmechanism=", "authmechanismproperties=")


STANDALONE_MESSAGE = (
    "MongoDB at MONGODB_URI is a standalone server; bookings need transactions, which need a "
    "replica set. Run scripts/init-replica-set.sh (see README, 'Production: MongoDB replica "
    "set') and point MONGODB_URI at the set.")


def without_credentials(uri: str) -> str:
    """`uri` with no user name or password (and no auth options), same hosts and TLS."""
    scheme, _, rest = uri.partition("://")
    hosts, slash, tail = rest.partition("/")
    path, _, query = tail.partition("?")
    kept = [o for o in query.split("&") if o and not o.lower().startswith(AUTH_OPTIONS)]
    return (f"{scheme}://{hosts.rpartition('@')[2]}{slash}{path}"
            f"{'?' if kept else ''}{'&'.join(kept)}")


def is_standalone(hello: dict) -> bool:
    return "setName" not in hello and hello.get("msg") != "isdbgrid"
