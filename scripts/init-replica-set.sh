#!/usr/bin/env bash
# Idempotently initiate an authenticated MongoDB replica set and its users.
#
# Usage:
#   scripts/init-replica-set.sh            # initiate the set, create/update the users, report
#   scripts/init-replica-set.sh keyfile    # make the members' keyFile (run before mongod starts)
#   scripts/init-replica-set.sh --help
#
# `keyfile` installs KEYFILE_SOURCE when given, else keeps an existing KEYFILE, else generates
# one (756 random bytes, base64); always checks it (6-1024 base64 characters), sets mode 0400
# and, when run as root, owner KEYFILE_OWNER. Start every mongod with --keyFile KEYFILE.
#
# The default command waits until every member answers a ping, initiates the set (the first
# member gets priority 2, so it is the preferred PRIMARY), waits for a writable PRIMARY, then
# (unless MONGO_AUTH=off) makes sure of three users, and prints the members:
#   admin   MONGO_ADMIN_USER in admin, role root: the administrator. Created through the
#           localhost exception, so on the first run INIT_VIA must reach the first member
#           over its loopback interface (the compose file shares mongo1's network for this).
#   app     MONGO_APP_USER in MONGO_APP_DB with only the custom role MONGO_APP_ROLE: find,
#           insert, update, remove, createCollection, createIndex, listIndexes and
#           listCollections on the collections of MONGO_APP_DB. No built-in or cluster role.
#   backup  MONGO_BACKUP_USER in admin, built-in role `backup` (mongodump --oplog); only when
#           a backup password is given.
# Re-running changes nothing but the app role's privileges and the app and backup users'
# passwords and roles, which are set again to what this script says (password rotation).
#
# Passwords are read from MONGO_*_PASSWORD_FILE (Docker secrets) or MONGO_*_PASSWORD; they
# reach mongosh through its environment, never its command line (visible in `ps`).
#
# Environment (all optional):
#   MEMBERS          comma-separated host:port list          (default mongo1:27017,mongo2:27017,mongo3:27017)
#   RS_NAME          replica set name                        (default rs0; REPLICA_SET_NAME also accepted)
#   INIT_VIA         host:port this script uses for the first member (default: the first member)
#   MONGO_AUTH       on | off: off skips every user (development only)         (default on)
#   MONGO_ADMIN_USER, MONGO_ADMIN_PASSWORD_FILE | MONGO_ADMIN_PASSWORD         (default user admin)
#   MONGO_APP_USER, MONGO_APP_PASSWORD_FILE | MONGO_APP_PASSWORD               (default user booking_app)
#   MONGO_APP_DB     the API's database                      (default hospital_booking)
#   MONGO_APP_ROLE   the app user's custom role              (default bookingApp)
#   MONGO_BACKUP_USER, MONGO_BACKUP_PASSWORD_FILE | MONGO_BACKUP_PASSWORD      (default user booking_backup)
#   MONGO_URI_OPTIONS  extra connection-string options, e.g. tls=true&tlsCAFile=/tls/ca.pem
#   KEYFILE          keyFile path for `keyfile`             (default /keys/mongo-keyfile)
#   KEYFILE_SOURCE   a keyFile you supply, installed as KEYFILE
#   KEYFILE_OWNER    owner set when run as root              (default 999:999, mongodb in mongo images)
#   MONGOSH          mongosh executable                      (default mongosh)
#   CONNECT_TIMEOUT  seconds to wait for every member to answer ping   (default 60)
#   PRIMARY_TIMEOUT  seconds to wait for a writable PRIMARY            (default 60)
#   POLL_INTERVAL    seconds between polls                             (default 1)
#   MONGOSH_TIMEOUT  seconds one mongosh call may take                 (default 20)
#
# Exit status: 0 when the set is initiated (now or before), has a writable PRIMARY and the
# users exist as described; 1 on any failure (bad input, unreachable member, wrong set name,
# wrong admin password, initiate error, timeout), with one line saying which.
set -euo pipefail

readonly PROG="init-replica-set"

RS_NAME="${RS_NAME:-${REPLICA_SET_NAME:-rs0}}"
MEMBERS="${MEMBERS:-mongo1:27017,mongo2:27017,mongo3:27017}"
MONGOSH="${MONGOSH:-mongosh}"
CONNECT_TIMEOUT="${CONNECT_TIMEOUT:-60}"
PRIMARY_TIMEOUT="${PRIMARY_TIMEOUT:-60}"
POLL_INTERVAL="${POLL_INTERVAL:-1}"
MONGOSH_TIMEOUT="${MONGOSH_TIMEOUT:-20}"
MONGO_AUTH="${MONGO_AUTH:-on}"
MONGO_ADMIN_USER="${MONGO_ADMIN_USER:-admin}"
MONGO_APP_USER="${MONGO_APP_USER:-booking_app}"
MONGO_APP_DB="${MONGO_APP_DB:-hospital_booking}"
MONGO_APP_ROLE="${MONGO_APP_ROLE:-bookingApp}"
MONGO_BACKUP_USER="${MONGO_BACKUP_USER:-booking_backup}"
MONGO_URI_OPTIONS="${MONGO_URI_OPTIONS:-}"
KEYFILE="${KEYFILE:-/keys/mongo-keyfile}"
KEYFILE_OWNER="${KEYFILE_OWNER:-999:999}"

log() { printf '[%s] %s\n' "$PROG" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$PROG" "$*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo pipefail$/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

# ---------------------------------------------------------------- keyFile
# check_key FILE: mongod accepts 6-1024 base64 characters (whitespace ignored).
check_key() {
  local key
  key="$(tr -d ' \t\r\n' <"$1")"
  (( ${#key} >= 6 && ${#key} <= 1024 )) || die "keyFile $1 must hold 6-1024 characters (has ${#key})"
  [[ "$key" =~ ^[A-Za-z0-9+/=]+$ ]] || die "keyFile $1 holds characters outside the base64 set"
}

make_keyfile() {
  local dir tmp
  dir="$(dirname "$KEYFILE")"
  mkdir -p "$dir"
  if [[ -n "${KEYFILE_SOURCE:-}" ]]; then
    [[ -r "$KEYFILE_SOURCE" ]] || die "KEYFILE_SOURCE $KEYFILE_SOURCE is not readable"
    check_key "$KEYFILE_SOURCE"
    tmp="$(umask 077 && mktemp "$dir/.keyfile.XXXXXX")"
    cat "$KEYFILE_SOURCE" >"$tmp"
    mv -f "$tmp" "$KEYFILE"
    log "installed the supplied keyFile as $KEYFILE"
  elif [[ -e "$KEYFILE" ]]; then
    check_key "$KEYFILE"
    log "keeping the existing keyFile $KEYFILE"
  else
    tmp="$(umask 077 && mktemp "$dir/.keyfile.XXXXXX")"
    head -c 756 /dev/urandom | base64 | tr -d '\n' >"$tmp"
    mv -f "$tmp" "$KEYFILE"
    log "generated a new keyFile $KEYFILE"
  fi
  chmod 0400 "$KEYFILE"
  if (( EUID == 0 )); then
    chown "$KEYFILE_OWNER" "$KEYFILE"
  fi
}

case "${1:-}" in
  -h | --help) usage; exit 0 ;;
  keyfile) make_keyfile; exit 0 ;;
  "") ;;
  *) usage >&2; die "unexpected argument: $1" ;;
esac

# ---------------------------------------------------------------- validation
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
for var in CONNECT_TIMEOUT PRIMARY_TIMEOUT POLL_INTERVAL MONGOSH_TIMEOUT; do
  is_uint "${!var}" || die "$var must be a non-negative integer (got '${!var}')"
done
(( POLL_INTERVAL > 0 )) || die "POLL_INTERVAL must be > 0"
(( MONGOSH_TIMEOUT > 0 )) || die "MONGOSH_TIMEOUT must be > 0"
[[ "$RS_NAME" =~ ^[A-Za-z0-9_.-]+$ ]] || die "invalid RS_NAME '$RS_NAME'"
[[ "$MONGO_AUTH" == on || "$MONGO_AUTH" == off ]] || die "MONGO_AUTH must be on or off (got '$MONGO_AUTH')"
for var in MONGO_ADMIN_USER MONGO_APP_USER MONGO_APP_DB MONGO_APP_ROLE MONGO_BACKUP_USER; do
  [[ "${!var}" =~ ^[A-Za-z0-9_.-]+$ ]] || die "invalid $var '${!var}'"
done
[[ "$MONGO_URI_OPTIONS" =~ ^[A-Za-z0-9_.=\&/%:-]*$ ]] || die "invalid MONGO_URI_OPTIONS '$MONGO_URI_OPTIONS'"

# read_secret NAME: NAME_FILE (a Docker secret) wins over NAME; exported for mongosh only.
read_secret() {
  local name="$1" file_var="${1}_FILE"
  if [[ -n "${!file_var:-}" ]]; then
    [[ -r "${!file_var}" ]] || die "$file_var: cannot read ${!file_var}"
    printf -v "$name" '%s' "$(<"${!file_var}")"
  fi
  export "${name?}"
}

MONGO_ADMIN_PASSWORD="${MONGO_ADMIN_PASSWORD:-}"
MONGO_APP_PASSWORD="${MONGO_APP_PASSWORD:-}"
MONGO_BACKUP_PASSWORD="${MONGO_BACKUP_PASSWORD:-}"
if [[ "$MONGO_AUTH" == on ]]; then
  for secret in MONGO_ADMIN_PASSWORD MONGO_APP_PASSWORD MONGO_BACKUP_PASSWORD; do
    read_secret "$secret"
  done
  for secret in MONGO_ADMIN_PASSWORD MONGO_APP_PASSWORD MONGO_BACKUP_PASSWORD; do
    value="${!secret}"
    [[ -n "$value" || "$secret" == MONGO_BACKUP_PASSWORD ]] \
      || die "$secret is empty: set ${secret}_FILE (or MONGO_AUTH=off for development)"
    [[ -z "$value" ]] || (( ${#value} >= 12 )) || die "$secret is shorter than 12 characters"
  done
  unset value
else
  log "WARNING: MONGO_AUTH=off - no users are created; anyone who reaches the set can write"
fi
export MONGO_AUTH MONGO_ADMIN_USER MONGO_APP_USER MONGO_APP_DB MONGO_APP_ROLE MONGO_BACKUP_USER

command -v "$MONGOSH" >/dev/null 2>&1 || die "mongosh not found (MONGOSH=$MONGOSH)"

# Normalise MEMBERS: strip spaces, add the default port, reject junk / duplicates.
hosts=()
IFS=',' read -r -a raw_members <<<"${MEMBERS// /}"
for m in "${raw_members[@]}"; do
  [[ -n "$m" ]] || continue
  [[ "$m" == *:* ]] || m="$m:27017"
  [[ "$m" =~ ^[A-Za-z0-9_.-]+:[0-9]{1,5}$ ]] || die "invalid member '$m' in MEMBERS (want host:port)"
  for h in ${hosts[@]+"${hosts[@]}"}; do
    [[ "$h" != "$m" ]] || die "duplicate member '$m' in MEMBERS"
  done
  hosts+=("$m")
done
(( ${#hosts[@]} > 0 )) || die "MEMBERS is empty"
(( ${#hosts[@]} <= 50 )) || die "a replica set has at most 50 members"
(( ${#hosts[@]} % 2 == 1 )) || log "WARNING: ${#hosts[@]} members (even count) - consider an odd number for elections"

MEMBERS_CSV="$(IFS=','; printf '%s' "${hosts[*]}")"
INIT_VIA="${INIT_VIA:-${hosts[0]}}"
[[ "$INIT_VIA" =~ ^[A-Za-z0-9_.-]+:[0-9]{1,5}$ ]] || die "invalid INIT_VIA '$INIT_VIA' (want host:port)"
readonly INIT_VIA
export RS_NAME MEMBERS_CSV

# timeout(1) bounds every mongosh call if available (coreutils; present in the mongo image).
runner=()
if command -v timeout >/dev/null 2>&1; then
  runner=(timeout "$MONGOSH_TIMEOUT")
fi

# msh HOST JS -> prints mongosh stdout+stderr; returns mongosh's exit status.
# Every script prints exactly one result line prefixed with '@@ '.
msh() {
  local host="$1" js="$2" sst_ms=$(( MONGOSH_TIMEOUT * 1000 / 2 ))
  ${runner[@]+"${runner[@]}"} "$MONGOSH" \
    "mongodb://${host}/?directConnection=true&serverSelectionTimeoutMS=${sst_ms}&connectTimeoutMS=${sst_ms}${MONGO_URI_OPTIONS:+&$MONGO_URI_OPTIONS}" \
    --quiet --norc --eval "$JS_LIB $js" 2>&1
}

# result_of OUTPUT -> the last '@@ ' line without the prefix (empty when none).
result_of() { sed -n 's/^@@ //p' <<<"$1" | tail -n 1; }

# last non-empty line of mongosh output, for error messages.
last_line() {
  local line
  line="$(grep -v '^[[:space:]]*$' <<<"$1" | tail -n 1 || true)"
  printf '%s' "${line:-(no output from mongosh)}"
}

# ---------------------------------------------------------------- JS snippets
# run() returns failures as documents (mongosh throws them); login() authenticates as the
# administrator when MONGO_AUTH=on and says whether that worked.
readonly JS_LIB='
const say = (s) => print("@@ " + s);
const run = (name, cmd) => {
  try { return db.getSiblingDB(name).runCommand(cmd); }
  catch (e) { return { ok: 0, code: e.code, codeName: e.codeName, errmsg: e.message }; }
};
const why = (r) => (r.codeName || r.code || "") + ": " + (r.errmsg || JSON.stringify(r));
const login = () => {
  if (process.env.MONGO_AUTH !== "on") { return true; }
  try { db.getSiblingDB("admin").auth(process.env.MONGO_ADMIN_USER, process.env.MONGO_ADMIN_PASSWORD); return true; }
  catch (e) { return false; }
};'

readonly JS_PING='(() => { const r = run("admin", { ping: 1 }); say(r.ok === 1 ? "PONG" : "NOPONG"); })()'

# hello answers without authentication: setName once initiated, isreplicaset before.
readonly JS_STATE='(() => {
  const h = run("admin", { hello: 1 });
  if (h.setName) { say("INITIATED " + h.setName); return; }
  if (h.isreplicaset) { say("NOT_INITIATED"); return; }
  if (h.ok === 1) { say("NO_REPLICATION"); return; }
  say("ERROR " + why(h));
})()'

# Before any user exists the localhost exception allows replSetInitiate; code 23
# AlreadyInitialized means someone else won the race: fine.
readonly JS_INITIATE='(() => {
  login();
  const hosts = process.env.MEMBERS_CSV.split(",");
  const config = {
    _id: process.env.RS_NAME,
    members: hosts.map((host, i) => ({ _id: i, host: host, priority: i === 0 ? 2 : 1 })),
  };
  const r = run("admin", { replSetInitiate: config });
  if (r.ok === 1) { say("OK"); return; }
  if (r.code === 23) { say("ALREADY"); return; }
  say("ERROR " + why(r));
})()'

# Which member is PRIMARY according to this node (none while electing).
readonly JS_PRIMARY='(() => {
  const h = run("admin", { hello: 1 });
  say(h.primary ? "PRIMARY " + h.primary : "WAITING " + (h.ok === 1 ? "no primary yet" : why(h)));
})()'

# A PRIMARY in drain mode is not yet writable: check hello on it.
readonly JS_WRITABLE='(() => {
  const h = run("admin", { hello: 1 });
  say(h.isWritablePrimary === true && h.setName === process.env.RS_NAME ? "WRITABLE" : "NOT_WRITABLE");
})()'

# Log in as the administrator, or create it through the localhost exception (first run).
# Unauthorized (13) means users exist already, so the password given is not the admin'"'"'s.
readonly JS_ADMIN='(() => {
  if (login()) { say("ADMIN_OK"); return; }
  const r = run("admin", { createUser: process.env.MONGO_ADMIN_USER,
    pwd: process.env.MONGO_ADMIN_PASSWORD, roles: [{ role: "root", db: "admin" }] });
  if (r.ok === 1) { say("ADMIN_CREATED"); return; }
  if (r.code === 13) { say("ADMIN_REFUSED"); return; }
  if ([10107, 11602, 13435, 189].includes(r.code)) { say("NOT_PRIMARY"); return; }
  say("ERROR createUser " + process.env.MONGO_ADMIN_USER + ": " + why(r));
})()'

# The app role: its own database'"'"'s collections, nothing else. Created or set again.
readonly JS_APP='(() => {
  if (!login()) { say("AUTH_FAILED"); return; }
  const env = process.env, app = env.MONGO_APP_DB;
  const privileges = [{ resource: { db: app, collection: "" }, actions: ["find", "insert",
    "update", "remove", "createCollection", "createIndex", "listIndexes", "listCollections"] }];
  const ensure = (dbName, kind, name, create, update) => {
    const found = run(dbName, kind === "role" ? { rolesInfo: name } : { usersInfo: name });
    if (found.ok !== 1) { return "ERROR " + kind + "s info " + name + ": " + why(found); }
    const exists = (kind === "role" ? found.roles : found.users).length > 0;
    const r = run(dbName, exists ? update : create);
    return r.ok === 1 ? (exists ? "updated" : "created") : "ERROR " + kind + " " + name + ": " + why(r);
  };
  const results = [
    ensure(app, "role", env.MONGO_APP_ROLE,
      { createRole: env.MONGO_APP_ROLE, privileges: privileges, roles: [] },
      { updateRole: env.MONGO_APP_ROLE, privileges: privileges, roles: [] }),
    ensure(app, "user", env.MONGO_APP_USER,
      { createUser: env.MONGO_APP_USER, pwd: env.MONGO_APP_PASSWORD, roles: [{ role: env.MONGO_APP_ROLE, db: app }] },
      { updateUser: env.MONGO_APP_USER, pwd: env.MONGO_APP_PASSWORD, roles: [{ role: env.MONGO_APP_ROLE, db: app }] }),
  ];
  if (env.MONGO_BACKUP_PASSWORD) {
    const roles = [{ role: "backup", db: "admin" }];
    results.push(ensure("admin", "user", env.MONGO_BACKUP_USER,
      { createUser: env.MONGO_BACKUP_USER, pwd: env.MONGO_BACKUP_PASSWORD, roles: roles },
      { updateUser: env.MONGO_BACKUP_USER, pwd: env.MONGO_BACKUP_PASSWORD, roles: roles }));
  }
  const failed = results.find((r) => r.startsWith("ERROR"));
  say(failed || "USERS " + results.join(","));
})()'

readonly JS_MEMBERS='(() => {
  if (!login()) { say("AUTH_FAILED"); return; }
  const s = run("admin", { replSetGetStatus: 1 });
  if (s.ok !== 1) { say("ERROR " + why(s)); return; }
  print("replica set " + s.set + ":");
  s.members.forEach((m) => print("  " + m.name.padEnd(30) + " " + m.stateStr));
  say("DONE");
})()'

# ---------------------------------------------------------------- 1. wait for members
wait_for_member() {
  local host="$1" deadline=$(( SECONDS + CONNECT_TIMEOUT )) out=""
  while :; do
    if out="$(msh "$host" "$JS_PING")" && [[ "$(result_of "$out")" == "PONG" ]]; then
      log "member $host is reachable"
      return 0
    fi
    if (( SECONDS >= deadline )); then
      die "member $host unreachable after ${CONNECT_TIMEOUT}s: $(last_line "$out")"
    fi
    sleep "$POLL_INTERVAL"
  done
}

# ---------------------------------------------------------------- 2. initiate (idempotent)
initiate() {
  local state_out state init_out init_res
  state_out="$(msh "$INIT_VIA" "$JS_STATE")" || die "hello on $INIT_VIA failed: $(last_line "$state_out")"
  state="$(result_of "$state_out")"
  case "$state" in
    "INITIATED $RS_NAME")
      log "replica set '$RS_NAME' is already initiated - nothing to do" ;;
    INITIATED\ *)
      die "$INIT_VIA already belongs to replica set '${state#INITIATED }', not '$RS_NAME'" ;;
    NO_REPLICATION)
      die "$INIT_VIA is not running with --replSet (start mongod with --replSet $RS_NAME)" ;;
    NOT_INITIATED)
      log "initiating replica set '$RS_NAME' via $INIT_VIA"
      init_out="$(msh "$INIT_VIA" "$JS_INITIATE")" || die "rs.initiate on $INIT_VIA failed: $(last_line "$init_out")"
      init_res="$(result_of "$init_out")"
      case "$init_res" in
        OK) log "rs.initiate accepted" ;;
        ALREADY) log "replica set '$RS_NAME' is already initiated - nothing to do" ;;
        *Unauthorized*) die "rs.initiate on $INIT_VIA refused (Unauthorized): the first run must reach the first member over its loopback interface (INIT_VIA=localhost:27017 in its network namespace) or log in as an existing administrator" ;;
        *) die "rs.initiate on $INIT_VIA failed: ${init_res:-$(last_line "$init_out")}" ;;
      esac ;;
    *)
      die "cannot read replica set state from $INIT_VIA: ${state:-$(last_line "$state_out")}" ;;
  esac
}

# ---------------------------------------------------------------- 3. wait for a writable PRIMARY
# Prints the PRIMARY's host:port.
wait_for_primary() {
  local deadline=$(( SECONDS + PRIMARY_TIMEOUT )) last="" out res primary w_out
  while :; do
    out="$(msh "$INIT_VIA" "$JS_PRIMARY")" || true
    res="$(result_of "$out")"
    if [[ "$res" == PRIMARY\ * ]]; then
      primary="${res#PRIMARY }"
      w_out="$(msh "$primary" "$JS_WRITABLE")" || true
      if [[ "$(result_of "$w_out")" == "WRITABLE" ]]; then
        log "PRIMARY elected: $primary"
        printf '%s\n' "$primary"
        return 0
      fi
      last="PRIMARY $primary not writable yet: $(last_line "$w_out")"
    else
      last="${res:-$(last_line "$out")}"
    fi
    if (( SECONDS >= deadline )); then
      die "no writable PRIMARY after ${PRIMARY_TIMEOUT}s (last: $last)"
    fi
    sleep "$POLL_INTERVAL"
  done
}

# ---------------------------------------------------------------- 4. users (idempotent)
# The first user can only be made on the PRIMARY through INIT_VIA's loopback interface.
ensure_admin() {
  local deadline=$(( SECONDS + PRIMARY_TIMEOUT )) out res
  while :; do
    out="$(msh "$INIT_VIA" "$JS_ADMIN")" || true
    res="$(result_of "$out")"
    case "$res" in
      ADMIN_OK) log "administrator '$MONGO_ADMIN_USER' logs in"; return 0 ;;
      ADMIN_CREATED) log "administrator '$MONGO_ADMIN_USER' created (role root)"; return 0 ;;
      ADMIN_REFUSED) die "cannot log in as '$MONGO_ADMIN_USER' and users exist already: MONGO_ADMIN_PASSWORD is not that user's password" ;;
      NOT_PRIMARY) ;;
      *) die "administrator on $INIT_VIA: ${res:-$(last_line "$out")}" ;;
    esac
    (( SECONDS < deadline )) || die "$INIT_VIA did not become PRIMARY within ${PRIMARY_TIMEOUT}s to create the first user"
    sleep "$POLL_INTERVAL"
  done
}

ensure_app_users() {
  local primary="$1" out res
  out="$(msh "$primary" "$JS_APP")" || die "users on $primary: $(last_line "$out")"
  res="$(result_of "$out")"
  [[ "$res" == USERS\ * ]] || die "users on $primary: ${res:-$(last_line "$out")}"
  log "role '$MONGO_APP_ROLE' and user '$MONGO_APP_USER' on database '$MONGO_APP_DB': ${res#USERS }"
}

# ---------------------------------------------------------------- main
log "replica set '$RS_NAME', members: ${hosts[*]} (first reached via $INIT_VIA)"
for h in "${hosts[@]}"; do
  wait_for_member "$h"
done
initiate
primary="$(wait_for_primary)"
if [[ "$MONGO_AUTH" == on ]]; then
  ensure_admin
  ensure_app_users "$primary"
fi
members_out="$(msh "$INIT_VIA" "$JS_MEMBERS")" || die "replSetGetStatus on $INIT_VIA failed: $(last_line "$members_out")"
[[ "$(result_of "$members_out")" == DONE ]] || die "replSetGetStatus on $INIT_VIA failed: $(result_of "$members_out")"
sed '/^@@ /d' <<<"$members_out"
