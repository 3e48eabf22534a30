#!/usr/bin/env bash
# Create the Docker secrets docker-compose.replica.yml reads, once: ./secrets/mongo_*_password.
#
# Usage: scripts/make-secrets.sh [DIR]        (default DIR: ./secrets)
#
# Each missing file gets 32 random bytes, base64 (44 characters); existing files are kept, so
# re-running is safe. DIR is private to its owner (0700). The files are 0644 inside it because
# compose mounts them into containers as they are, and the API runs as uid 10001, not root.
# Rotate a password: replace its file, then re-run the stack's mongo-init and restart the API.
set -euo pipefail

case "${1:-}" in
  -h | --help) sed -n '2,/^set -euo pipefail$/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
esac
dir="${1:-./secrets}"
mkdir -p "$dir"
chmod 0700 "$dir"
for name in mongo_admin_password mongo_app_password mongo_backup_password; do
  file="$dir/$name"
  if [[ -e "$file" ]]; then
    printf 'keeping %s\n' "$file"
    continue
  fi
  head -c 32 /dev/urandom | base64 | tr -d '\n' >"$file.tmp"
  chmod 0644 "$file.tmp"
  mv "$file.tmp" "$file"
  printf 'created %s\n' "$file"
done
