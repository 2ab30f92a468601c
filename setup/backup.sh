#!/usr/bin/env bash
# On-demand backup of a database and its filestore, in the zip format of
# Odoo's database manager and of OCA auto_backup (dump.sql + filestore/ +
# manifest.json), made with Odoo's own odoo.service.db.dump_db.
#
#   ./setup/backup.sh [DBNAME] [OUTPUT.zip]
#
# DBNAME defaults to $CRM_DB or crm_retail; OUTPUT defaults to
# <data_dir>/backups/<DBNAME>/<YYYY_MM_DD_HH_MM_SS>.dump.zip (the folder and
# name pattern of the scheduled backups, so rotation applies to it too).
# The zip is written to a temporary file and renamed when complete: an
# interrupted backup never leaves a truncated file under the final name.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=setup/common.sh
. setup/common.sh
render_conf

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
case "${1:-}" in -h | --help) usage; exit 0 ;; esac
DB="${1:-${CRM_DB:-crm_retail}}"
OUT="${2:-$REPO/.odoo-data/backups/$DB/$(date +%Y_%m_%d_%H_%M_%S).dump.zip}"

if ! psql -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '${DB//\'/\'\'}'" | grep -q 1; then
  echo "[backup] database '$DB' does not exist" >&2; exit 1
fi
mkdir -p "$(dirname "$OUT")"
OUT="$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"
TMP="$OUT.part"
trap 'rm -f "$TMP"' EXIT

"$PY" - "$CONF" "$DB" "$TMP" <<'PYEOF'
import sys

import odoo
from odoo.service import db

config, dbname, target = sys.argv[1:4]
odoo.tools.config.parse_config(["-c", config])
# dump_db is guarded by list_db (the database manager switch, off in
# odoo.conf); this is a local administrator's command, not the manager.
odoo.tools.config["list_db"] = True
with open(target, "wb") as stream:
    db.dump_db(dbname, stream, backup_format="zip")
PYEOF
"$PY" -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert "dump.sql" in z.namelist(); assert z.testzip() is None' "$TMP" \
  || { echo "[backup] the backup of '$DB' is not a valid zip" >&2; exit 1; }
mv -f "$TMP" "$OUT"
trap - EXIT
files=$("$PY" -c 'import sys, zipfile; print(sum(n.startswith("filestore/") and not n.endswith("/") for n in zipfile.ZipFile(sys.argv[1]).namelist()))' "$OUT")
echo "[backup] $DB -> $OUT ($(du -h "$OUT" | cut -f1), $files filestore files)"
