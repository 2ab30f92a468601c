# Shared by the setup scripts: paths and the rendered Odoo configuration.
# shellcheck shell=bash
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_SRC="${ODOO_SRC:-/opt/odoo/18.0}"
VENV="$REPO/.venv"
PY="$VENV/bin/python"
CONF="$REPO/.odoo-effective.conf"
MODULES="crm_privacy_pdpo,crm_retail_compile,crm_jewellery_ext"

# Write .odoo-effective.conf: odoo.conf plus the secrets and local paths.
render_conf() {
  local db_user admin_pass
  db_user="${PGUSER:-$(id -un)}"
  admin_pass="${ODOO_ADMIN_PASSWD:-$(cat "$REPO/.odoo-admin-passwd")}"
  (umask 077
   sed -e "s#^addons_path = .*#addons_path = $REPO,$ODOO_SRC/odoo/addons#" \
       -e "s#^data_dir = .*#data_dir = $REPO/.odoo-data#" \
       "$REPO/odoo.conf" > "$CONF"
   {
     echo "db_user = $db_user"
     echo "admin_passwd = $admin_pass"
     # a remote or password-protected server: PGHOST/PGPASSWORD override
     # the local socket with peer authentication
     if [ -n "${PGHOST:-}" ]; then echo "db_host = $PGHOST"; fi
     if [ -n "${PGPASSWORD:-}" ]; then echo "db_password = $PGPASSWORD"; fi
   } >> "$CONF")
}

odoo_bin() { "$PY" -m odoo -c "$CONF" "$@"; }
