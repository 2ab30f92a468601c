# Shared by the setup scripts: paths and the rendered Odoo configuration.
# shellcheck shell=bash
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_SRC="${ODOO_SRC:-/opt/odoo/18.0}"
VENV="$REPO/.venv"
PY="$VENV/bin/python"
CONF="$REPO/.odoo-effective.conf"
MODULES="crm_privacy_pdpo,crm_retail_compile,crm_jewellery_ext"

# Write .odoo-effective.conf: odoo.conf plus the secrets and local paths
# (added to [options], before the [queue_job] section of the job runner).
render_conf() {
  local db_user admin_pass
  db_user="${PGUSER:-$(id -un)}"
  admin_pass="${ODOO_ADMIN_PASSWD:-$(cat "$REPO/.odoo-admin-passwd")}"
  (umask 077
   {
     sed -e "s#^addons_path = .*#addons_path = $REPO,$ODOO_SRC/odoo/addons#" \
         -e "s#^data_dir = .*#data_dir = $REPO/.odoo-data#" \
         -e '/^\[queue_job\]/,$d' "$REPO/odoo.conf"
     echo "db_user = $db_user"
     echo "admin_passwd = $admin_pass"
     # a remote or password-protected server: PGHOST/PGPASSWORD override
     # the local socket with peer authentication
     if [ -n "${PGHOST:-}" ]; then echo "db_host = $PGHOST"; fi
     if [ -n "${PGPASSWORD:-}" ]; then echo "db_password = $PGPASSWORD"; fi
     echo
     sed -n '/^\[queue_job\]/,$p' "$REPO/odoo.conf"
   } > "$CONF")
}

odoo_bin() { "$PY" -m odoo -c "$CONF" "$@"; }

# create_db DB [ODOO_OPTION...]: a new database as Odoo's database manager
# creates one for a Hong Kong company (country HK: currency HKD, the users on
# Asia/Hong_Kong), with demo data unless --without-demo=all, and the admin
# login admin/admin (change it on a real database); then the
# suite is installed, which installs accounting and with it Odoo's Hong Kong
# localisation (l10n_hk, its chart in HKD), and English plus Traditional
# Chinese (zh_HK) are loaded. The options (e.g. --log-level=warn) go to Odoo.
create_db() {
  local db="$1"
  shift
  "$PY" - "$CONF" "$db" "$@" <<'PY' || return 1
import sys

import odoo
from odoo.service import db as service_db

conf, name, *options = sys.argv[1:]
odoo.tools.config.parse_config(["-c", conf, *options])
service_db._create_empty_database(name)
demo = not odoo.tools.config["without_demo"]  # --without-demo=all: no Odoo demo (run.sh)
# the database manager's form: demo, language, admin password, login, country
service_db._initialize_db(None, name, demo, "en_US", "admin", "admin", "HK")
PY
  if [ "$(psql -d "$db" -tAc "SELECT c.code FROM res_company co
        JOIN res_partner p ON p.id = co.partner_id
        JOIN res_country c ON c.id = p.country_id WHERE co.id = 1")" != "HK" ]; then
    echo "[create_db] $db: the company is not in Hong Kong (see the log above)" >&2
    return 1
  fi
  odoo_bin -d "$db" -i "$MODULES" --load-language=zh_HK --stop-after-init \
    --max-cron-threads=0 "$@"
}
