#!/usr/bin/env bash
# Restore a backup (zip of setup/backup.sh, of OCA auto_backup or of Odoo's
# database manager: dump.sql + filestore/ + manifest.json) into a database,
# with Odoo's own odoo.service.db.restore_db, and print what was restored.
#
#   ./setup/restore.sh [--force] [--copy] [--neutralize] BACKUP.zip [DBNAME]
#
# DBNAME defaults to the database name recorded in the backup's manifest.
#   --force       drop DBNAME and its filestore first when they exist
#                 (without it, an existing database is never touched)
#   --copy        the restored database is a copy: give it a new database
#                 UUID (Odoo's "This database was copied")
#   --neutralize  disable crons (backups included), outgoing mail servers...
#                 (Odoo's neutralisation), for a test or staging copy
# Restoring the same backup again with --force gives the same database.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=setup/common.sh
. setup/common.sh
render_conf

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
FORCE=0 COPY=0 NEUTRALIZE=0
ARGS=()
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --force) FORCE=1 ;;
    --copy) COPY=1 ;;
    --neutralize) NEUTRALIZE=1 ;;
    -*) echo "[restore] unknown option $arg" >&2; usage >&2; exit 2 ;;
    *) ARGS+=("$arg") ;;
  esac
done
if [ "${#ARGS[@]}" -lt 1 ] || [ "${#ARGS[@]}" -gt 2 ]; then usage >&2; exit 2; fi
BACKUP="${ARGS[0]}"
[ -f "$BACKUP" ] || { echo "[restore] no such file: $BACKUP" >&2; exit 1; }
BACKUP="$(cd "$(dirname "$BACKUP")" && pwd)/$(basename "$BACKUP")"

"$PY" - "$CONF" "$BACKUP" "${ARGS[1]:-}" "$FORCE" "$COPY" "$NEUTRALIZE" <<'PYEOF'
import json
import os
import shutil
import sys
import zipfile

import odoo
from odoo.service import db

config, backup, dbname, force, copy, neutralize = sys.argv[1:7]
odoo.tools.config.parse_config(["-c", config])


def fail(message):
    print(f"[restore] {message}", file=sys.stderr)
    sys.exit(1)


if not zipfile.is_zipfile(backup):
    fail(f"{backup} is not a zip backup (incomplete or another format)")
with zipfile.ZipFile(backup) as archive:
    names = archive.namelist()
    if "dump.sql" not in names:
        fail(f"{backup} has no dump.sql: not an Odoo backup")
    bad = archive.testzip()
    if bad:
        fail(f"{backup} is corrupt ({bad})")
    manifest = json.loads(archive.read("manifest.json")) if "manifest.json" in names else {}
dbname = dbname or manifest.get("db_name")
if not dbname:
    fail("no database name given and none in the backup's manifest")
if manifest.get("major_version") and manifest["major_version"] != odoo.release.major_version:
    fail(f"the backup is of Odoo {manifest['major_version']}, this is {odoo.release.major_version}")

# The functions of the database manager, without its list_db switch (off
# in odoo.conf): this is a local administrator's command.
odoo.tools.config["list_db"] = True
drop_db, restore_db = db.exp_drop, db.restore_db
filestore = odoo.tools.config.filestore(dbname)
exists = db.exp_db_exist(dbname)
if exists or os.path.exists(filestore):
    if force != "1":
        what = "database" if exists else "filestore"
        fail(f"{what} '{dbname}' already exists: use --force to replace it, or another name")
    if exists:
        print(f"[restore] dropping the existing database {dbname}")
        drop_db(dbname)
    shutil.rmtree(filestore, ignore_errors=True)

restore_db(dbname, backup, copy=copy == "1", neutralize_database=neutralize == "1")

registry = odoo.modules.registry.Registry(dbname)
with registry.cursor() as cr:
    counts = {}
    for table in ("res_partner", "sale_order", "crm_lead", "ir_attachment"):
        cr.execute(f"SELECT count(*) FROM {table}")
        counts[table] = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM ir_module_module WHERE state = 'installed'")
    modules = cr.fetchone()[0]
files = sum(len(f) for _d, _s, f in os.walk(filestore))
odoo.sql_db.close_db(dbname)
print(f"[restore] {backup} -> database {dbname}")
print(
    f"[restore] from {manifest.get('db_name', '?')} (Odoo {manifest.get('version', '?')}, "
    f"PostgreSQL {manifest.get('pg_version', '?')}), {modules} modules installed"
)
print("[restore] " + ", ".join(f"{t}: {n}" for t, n in counts.items()))
print(f"[restore] filestore {filestore}: {files} files")
flags = [n for n, v in (("copy", copy), ("neutralized", neutralize)) if v == "1"]
if flags:
    print("[restore] " + ", ".join(flags))
PYEOF
