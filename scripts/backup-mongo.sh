#!/usr/bin/env bash
# Consistent online backup of the replica set: `mongodump --oplog` into one gzip archive.
#
# Usage:
#   scripts/backup-mongo.sh                 # BACKUP_DIR/mongo-<UTC time>.archive.gz
#   scripts/backup-mongo.sh ARCHIVE         # that file
#   scripts/backup-mongo.sh --help
#
# --oplog also dumps the oplog entries written while the dump ran, so that
# `mongorestore --oplogReplay` (scripts/restore-mongo.sh) restores one point in time (the end
# of the dump) even though bookings kept flowing. It needs the whole instance, so every
# database is dumped (users too). The archive is written under a temporary name and renamed
# only when mongodump succeeded; then archives beyond the newest BACKUP_KEEP are deleted.
#
# The user needs the built-in `backup` role (scripts/init-replica-set.sh creates
# MONGO_BACKUP_USER when given a backup password). The password reaches mongodump through a
# private temporary --config file, never its command line (visible in `ps`).
#
# Environment:
#   MONGO_URI        hosts, replicaSet and TLS options, no credentials
#                    (default mongodb://mongo1:27017,mongo2:27017,mongo3:27017/?replicaSet=rs0)
#   MONGO_BACKUP_USER                                        (default booking_backup)
#   MONGO_BACKUP_PASSWORD_FILE | MONGO_BACKUP_PASSWORD       (required)
#   BACKUP_DIR       where archives go                       (default ./backups)
#   BACKUP_KEEP      archives to keep, 0 keeps all           (default 14)
#   MONGODUMP        mongodump executable                    (default mongodump)
#
# Exit status: 0 with the archive's path on stdout; 1 on any failure, nothing renamed or deleted.
set -euo pipefail

readonly PROG="backup-mongo"
MONGO_URI="${MONGO_URI:-mongodb://mongo1:27017,mongo2:27017,mongo3:27017/?replicaSet=rs0}"
MONGO_BACKUP_USER="${MONGO_BACKUP_USER:-booking_backup}"
BACKUP_DIR="${BACKUP_DIR:-./backups}"
BACKUP_KEEP="${BACKUP_KEEP:-14}"
MONGODUMP="${MONGODUMP:-mongodump}"

log() { printf '[%s] %s\n' "$PROG" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$PROG" "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo pipefail$/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

case "${1:-}" in
  -h | --help) usage; exit 0 ;;
  -*) usage >&2; die "unexpected option: $1" ;;
esac
(( $# <= 1 )) || die "one ARCHIVE at most"

[[ "$BACKUP_KEEP" =~ ^[0-9]+$ ]] || die "BACKUP_KEEP must be a non-negative integer"
[[ "$MONGO_URI" != *@* ]] || die "MONGO_URI must not carry credentials (they would show in ps)"
command -v "$MONGODUMP" >/dev/null 2>&1 || die "mongodump not found (MONGODUMP=$MONGODUMP)"

password="${MONGO_BACKUP_PASSWORD:-}"
if [[ -n "${MONGO_BACKUP_PASSWORD_FILE:-}" ]]; then
  [[ -r "$MONGO_BACKUP_PASSWORD_FILE" ]] || die "MONGO_BACKUP_PASSWORD_FILE: cannot read $MONGO_BACKUP_PASSWORD_FILE"
  password="$(<"$MONGO_BACKUP_PASSWORD_FILE")"
fi
[[ -n "$password" ]] || die "no password: set MONGO_BACKUP_PASSWORD_FILE"

archive="${1:-$BACKUP_DIR/mongo-$(date -u +%Y%m%dT%H%M%SZ).archive.gz}"
mkdir -p "$(dirname "$archive")"
config="$(umask 077 && mktemp)"
partial="$archive.partial"
trap 'rm -f "$config" "$partial"' EXIT
# YAML single quotes: a quote inside is doubled.
printf "password: '%s'\n" "${password//\'/\'\'}" >"$config"

log "dumping $MONGO_URI as $MONGO_BACKUP_USER (with the oplog) to $archive"
"$MONGODUMP" --uri="$MONGO_URI" --username="$MONGO_BACKUP_USER" --authenticationDatabase=admin \
  --config="$config" --oplog --gzip --archive="$partial" || die "mongodump failed; no archive written"
[[ -s "$partial" ]] || die "mongodump wrote an empty archive"
mv -f "$partial" "$archive"

if (( BACKUP_KEEP > 0 )) && [[ -z "${1:-}" ]]; then
  mapfile -t old < <(find "$BACKUP_DIR" -maxdepth 1 -name 'mongo-*.archive.gz' | sort -r | tail -n +"$(( BACKUP_KEEP + 1 ))")
  for f in ${old[@]+"${old[@]}"}; do
    rm -f -- "$f"
    log "deleted old archive $f"
  done
fi
printf '%s\n' "$archive"
