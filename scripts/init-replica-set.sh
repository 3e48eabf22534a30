#!/usr/bin/env bash
# Idempotently initiate a MongoDB replica set and wait until it has a PRIMARY.
#
# Usage:
#   scripts/init-replica-set.sh                      # 3 members: mongo1..3:27017, set rs0
#   MEMBERS=localhost:27017 scripts/init-replica-set.sh   # single-node set (CI / dev)
#
# Environment (all optional):
#   MEMBERS          comma-separated host:port list          (default mongo1:27017,mongo2:27017,mongo3:27017)
#                    The FIRST member receives replSetInitiate and gets priority 2
#                    (others 1), so it is the preferred PRIMARY.
#   RS_NAME          replica set name                        (default rs0; REPLICA_SET_NAME also accepted)
#   MONGOSH          mongosh executable                      (default mongosh)
#   CONNECT_TIMEOUT  seconds to wait for every member to answer ping   (default 60)
#   PRIMARY_TIMEOUT  seconds to wait for a writable PRIMARY            (default 60)
#   POLL_INTERVAL    seconds between polls                             (default 1)
#   MONGOSH_TIMEOUT  seconds one mongosh call may take                 (default 20)
#
# Exit status: 0 when the set is initiated (now or before) and has a writable PRIMARY;
# 1 on any failure (bad input, unreachable member, wrong set name, initiate error, timeout).
# Requires a mongod started with `--replSet <RS_NAME>` on every member; no auth support
# (intended for local compose stacks and CI).
set -euo pipefail

readonly PROG="init-replica-set"

RS_NAME="${RS_NAME:-${REPLICA_SET_NAME:-rs0}}"
MEMBERS="${MEMBERS:-mongo1:27017,mongo2:27017,mongo3:27017}"
MONGOSH="${MONGOSH:-mongosh}"
CONNECT_TIMEOUT="${CONNECT_TIMEOUT:-60}"
PRIMARY_TIMEOUT="${PRIMARY_TIMEOUT:-60}"
POLL_INTERVAL="${POLL_INTERVAL:-1}"
MONGOSH_TIMEOUT="${MONGOSH_TIMEOUT:-20}"

log() { printf '[%s] %s\n' "$PROG" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$PROG" "$*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo pipefail$/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

case "${1:-}" in
  -h | --help) usage; exit 0 ;;
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
readonly INIT_HOST="${hosts[0]}"
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
    "mongodb://${host}/?directConnection=true&serverSelectionTimeoutMS=${sst_ms}&connectTimeoutMS=${sst_ms}" \
    --quiet --norc --eval "$js" 2>&1
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
readonly JS_PING='(() => { const r = db.adminCommand({ ping: 1 }); print("@@ " + (r.ok === 1 ? "PONG" : "NOPONG")); })()'

# replSetGetStatus codes: 94 NotYetInitialized, 76 NoReplicationEnabled (mongod without --replSet).
readonly JS_STATE='(() => {
  let r;
  try { r = db.adminCommand({ replSetGetStatus: 1 }); }
  catch (e) { r = { ok: 0, code: e.code, codeName: e.codeName, errmsg: e.message }; }
  if (r.ok === 1) { print("@@ INITIATED " + r.set); return; }
  if (r.code === 94) { print("@@ NOT_INITIATED"); return; }
  if (r.code === 76) { print("@@ NO_REPLICATION"); return; }
  print("@@ ERROR " + (r.codeName || r.code || "") + ": " + (r.errmsg || JSON.stringify(r)));
})()'

# replSetInitiate; code 23 AlreadyInitialized means someone else won the race: fine.
readonly JS_INITIATE='(() => {
  const hosts = process.env.MEMBERS_CSV.split(",");
  const config = {
    _id: process.env.RS_NAME,
    members: hosts.map((host, i) => ({ _id: i, host: host, priority: i === 0 ? 2 : 1 })),
  };
  let r;
  try { r = rs.initiate(config); }
  catch (e) { r = { ok: 0, code: e.code, codeName: e.codeName, errmsg: e.message }; }
  if (r.ok === 1) { print("@@ OK"); return; }
  if (r.code === 23) { print("@@ ALREADY"); return; }
  print("@@ ERROR " + (r.codeName || r.code || "") + ": " + (r.errmsg || JSON.stringify(r)));
})()'

# Which member is PRIMARY according to this node (empty name while electing).
readonly JS_PRIMARY='(() => {
  try {
    const s = rs.status();
    const p = s.members.find((m) => m.stateStr === "PRIMARY");
    print("@@ " + (p ? "PRIMARY " + p.name : "WAITING " + s.members.map((m) => m.name + "=" + m.stateStr).join(",")));
  } catch (e) { print("@@ WAITING " + e.message); }
})()'

# A PRIMARY in drain mode is not yet writable: check hello on it.
readonly JS_WRITABLE='(() => { const h = db.hello(); print("@@ " + (h.isWritablePrimary === true && h.setName === process.env.RS_NAME ? "WRITABLE" : "NOT_WRITABLE")); })()'

readonly JS_MEMBERS='(() => {
  const s = rs.status();
  print("replica set " + s.set + ":");
  s.members.forEach((m) => print("  " + m.name.padEnd(30) + " " + m.stateStr));
  print("@@ DONE");
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

log "replica set '$RS_NAME', members: ${hosts[*]}"
for h in "${hosts[@]}"; do
  wait_for_member "$h"
done

# ---------------------------------------------------------------- 2. initiate (idempotent)
state_out="$(msh "$INIT_HOST" "$JS_STATE")" || die "replSetGetStatus on $INIT_HOST failed: $(last_line "$state_out")"
state="$(result_of "$state_out")"
case "$state" in
  "INITIATED $RS_NAME")
    log "replica set '$RS_NAME' is already initiated - nothing to do"
    ;;
  INITIATED\ *)
    die "$INIT_HOST already belongs to replica set '${state#INITIATED }', not '$RS_NAME'"
    ;;
  NO_REPLICATION)
    die "$INIT_HOST is not running with --replSet (start mongod with --replSet $RS_NAME)"
    ;;
  NOT_INITIATED)
    log "initiating replica set '$RS_NAME' via $INIT_HOST"
    init_out="$(msh "$INIT_HOST" "$JS_INITIATE")" || die "rs.initiate on $INIT_HOST failed: $(last_line "$init_out")"
    init_res="$(result_of "$init_out")"
    case "$init_res" in
      OK) log "rs.initiate accepted" ;;
      ALREADY) log "replica set '$RS_NAME' is already initiated - nothing to do" ;;
      *) die "rs.initiate on $INIT_HOST failed: ${init_res:-$(last_line "$init_out")}" ;;
    esac
    ;;
  *)
    die "cannot read replica set state from $INIT_HOST: ${state:-$(last_line "$state_out")}"
    ;;
esac

# ---------------------------------------------------------------- 3. wait for a writable PRIMARY
deadline=$(( SECONDS + PRIMARY_TIMEOUT ))
last=""
while :; do
  out="$(msh "$INIT_HOST" "$JS_PRIMARY")" || true
  res="$(result_of "$out")"
  if [[ "$res" == PRIMARY\ * ]]; then
    primary="${res#PRIMARY }"
    w_out="$(msh "$primary" "$JS_WRITABLE")" || true
    if [[ "$(result_of "$w_out")" == "WRITABLE" ]]; then
      log "PRIMARY elected: $primary"
      break
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

# ---------------------------------------------------------------- 4. report
members_out="$(msh "$INIT_HOST" "$JS_MEMBERS")" || die "rs.status() on $INIT_HOST failed: $(last_line "$members_out")"
sed '/^@@ /d' <<<"$members_out"
