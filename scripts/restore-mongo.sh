#!/usr/bin/env bash
# Restore a scripts/backup-mongo.sh archive into the replica set, with the API stopped.
#
# Usage:
#   scripts/restore-mongo.sh ARCHIVE
#   scripts/restore-mongo.sh --help
#
# 1. Refuses while any client named `hospital-booking` (the API's appname) is connected:
#    restoring under a serving API would silently lose the bookings it answers meanwhile.
#    Stop it first (docker compose -f docker-compose.replica.yml stop api).
# 2. `mongorestore --dryRun` reads the archive first: a file that is no archive, or one that
#    cannot be read, is refused before anything in the set is dropped.
# 3. Saves the app's database as it is (`mongodump --db MONGODB_DB` into a private temporary
#    directory; nothing writes to it while the API is stopped).
# 4. `mongorestore --drop --oplogReplay`: every collection in the archive is replaced by its
#    backed-up contents, then the oplog captured during the dump is replayed, giving the state
#    at the end of the dump. Users and roles are restored as they were then. (Not into a
#    scratch database first: `--oplogReplay` restores only a whole dump under its own names,
#    and replays the oplog onto those names even when --nsFrom/--nsTo rename the rest.)
# 5. Runs CHECK_STORE (the API's store check) when set; otherwise says to run
#    `hospital-booking check-store` before the API serves again.
# Should step 4 fail, or the check exit 2 (it could not read the store), the database saved in
# step 3 is put back (`mongorestore --drop` of MONGODB_DB only) before the script exits.
#
# The user needs the `restore` role and, for step 1, `inprog` (clusterMonitor): the
# administrator made by scripts/init-replica-set.sh has both (root). Passwords reach
# mongosh through its environment and mongorestore through a private temporary --config
# file, never a command line (visible in `ps`).
#
# Environment:
#   MONGO_URI        hosts, replicaSet and TLS options, no credentials
#                    (default mongodb://mongo1:27017,mongo2:27017,mongo3:27017/?replicaSet=rs0)
#   MONGO_ADMIN_USER                                       (default admin)
#   MONGO_ADMIN_PASSWORD_FILE | MONGO_ADMIN_PASSWORD       (required)
#   MONGODB_DB       the app's database                    (default hospital_booking)
#   CHECK_STORE      command run after the restore, e.g. "hospital-booking check-store"
#   MONGOSH, MONGODUMP, MONGORESTORE   executables  (default mongosh, mongodump, mongorestore)
#
# Exit status: 0 when restored (and the check, if run, found nothing); 1 on any failure or
# refusal (the database as it was); the check's status: 1 restored with problems listed, 2
# the check could not read the restored store (the database put back as it was).
set -euo pipefail

readonly PROG="restore-mongo"
MONGO_URI="${MONGO_URI:-mongodb://mongo1:27017,mongo2:27017,mongo3:27017/?replicaSet=rs0}"
MONGO_ADMIN_USER="${MONGO_ADMIN_USER:-admin}"
MONGODB_DB="${MONGODB_DB:-hospital_booking}"
MONGOSH="${MONGOSH:-mongosh}"
MONGODUMP="${MONGODUMP:-mongodump}"
MONGORESTORE="${MONGORESTORE:-mongorestore}"
CHECK_STORE="${CHECK_STORE:-}"

log() { printf '[%s] %s\n' "$PROG" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$PROG" "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo pipefail$/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

case "${1:-}" in
  -h | --help) usage; exit 0 ;;
  "" | -*) usage >&2; die "usage: $PROG ARCHIVE" ;;
esac
(( $# == 1 )) || die "exactly one ARCHIVE"
archive="$1"
[[ -s "$archive" ]] || die "no archive at $archive"
[[ "$MONGO_URI" != *@* ]] || die "MONGO_URI must not carry credentials (they would show in ps)"
for tool in "$MONGOSH" "$MONGODUMP" "$MONGORESTORE"; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done

MONGO_ADMIN_PASSWORD="${MONGO_ADMIN_PASSWORD:-}"
if [[ -n "${MONGO_ADMIN_PASSWORD_FILE:-}" ]]; then
  [[ -r "$MONGO_ADMIN_PASSWORD_FILE" ]] || die "MONGO_ADMIN_PASSWORD_FILE: cannot read $MONGO_ADMIN_PASSWORD_FILE"
  MONGO_ADMIN_PASSWORD="$(<"$MONGO_ADMIN_PASSWORD_FILE")"
fi
[[ -n "$MONGO_ADMIN_PASSWORD" ]] || die "no password: set MONGO_ADMIN_PASSWORD_FILE"
export MONGO_ADMIN_USER MONGO_ADMIN_PASSWORD

# ---------------------------------------------------------------- 1. is the API connected?
# shellcheck disable=SC2016  # $currentOp and $match are MongoDB operators, not shell expansions
readonly JS_API_CONNECTIONS='(() => {
  db.getSiblingDB("admin").auth(process.env.MONGO_ADMIN_USER, process.env.MONGO_ADMIN_PASSWORD);
  const ops = db.getSiblingDB("admin").aggregate([
    { $currentOp: { allUsers: true, idleConnections: true } },
    { $match: { appName: "hospital-booking" } },
  ]).toArray();
  print("@@ " + ops.length);
})()'

out="$("$MONGOSH" "$MONGO_URI" --quiet --norc --eval "$JS_API_CONNECTIONS" 2>&1)" \
  || die "cannot ask the set for its clients: $(tail -n 1 <<<"$out")"
connected="$(sed -n 's/^@@ //p' <<<"$out" | tail -n 1)"
[[ "$connected" =~ ^[0-9]+$ ]] || die "cannot ask the set for its clients: $(tail -n 1 <<<"$out")"
(( connected == 0 )) || die "the API is still connected ($connected connections named hospital-booking): stop it first, then restore"

# ---------------------------------------------------------------- 2. read the archive
work="$(umask 077 && mktemp -d)"
trap 'rm -rf "$work"' EXIT
config="$work/config.yaml"
previous="$work/pre-restore.archive.gz"
printf "password: '%s'\n" "${MONGO_ADMIN_PASSWORD//\'/\'\'}" >"$config"
as_admin=(--uri="$MONGO_URI" --username="$MONGO_ADMIN_USER" --authenticationDatabase=admin
          --config="$config" --gzip)
"$MONGORESTORE" "${as_admin[@]}" --archive="$archive" --dryRun \
  || die "$archive cannot be read as a backup (mongorestore --dryRun failed): nothing changed"

# ---------------------------------------------------------------- 3. save what is there
"$MONGODUMP" "${as_admin[@]}" --db="$MONGODB_DB" --archive="$previous" \
  || die "cannot save database $MONGODB_DB before the restore (mongodump failed): nothing changed"

put_back() {
  "$MONGORESTORE" "${as_admin[@]}" --archive="$previous" --nsInclude="$MONGODB_DB.*" --drop \
    || die "$1; putting database $MONGODB_DB back failed too: restore it by hand"
  log "$1; database $MONGODB_DB is back as it was"
}

# ---------------------------------------------------------------- 4. restore
log "restoring $archive into $MONGO_URI (--drop --oplogReplay)"
if ! "$MONGORESTORE" "${as_admin[@]}" --archive="$archive" --drop --oplogReplay; then
  put_back "mongorestore failed"
  exit 1
fi

# ---------------------------------------------------------------- 5. the store check
if [[ -z "$CHECK_STORE" ]]; then
  log "restored. Before the API serves again run: hospital-booking check-store"
  exit 0
fi
log "restored; checking the store: $CHECK_STORE"
read -r -a check <<<"$CHECK_STORE"
status=0
"${check[@]}" || status=$?
if (( status == 2 )); then
  put_back "the store check could not read the restored store"
fi
exit "$status"
