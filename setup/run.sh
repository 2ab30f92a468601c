#!/usr/bin/env bash
# Create or update the demo database and serve Odoo on http://localhost:8069.
#   ./setup/run.sh                 install/update, generate demo data, serve
#   CRM_DB=name ./setup/run.sh     another database (default crm_retail)
#   SERVE=0 ./setup/run.sh         prepare the database only
# Generator size: GEN_ARGS="--customers 2000 --lines 20000 --months 24"
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./setup/install.sh
# shellcheck source=setup/common.sh
. setup/common.sh
render_conf
DB="${CRM_DB:-crm_retail}"
PORT="${HTTP_PORT:-8069}"

if psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  echo "[run] updating the suite in database $DB"
  odoo_bin -d "$DB" -u "$MODULES" --stop-after-init --log-level=warn --max-cron-threads=0
else
  echo "[run] creating database $DB (Hong Kong company, English and zh_HK) with the suite and demo data"
  # no Odoo demo data (furniture): only the suite's own demo, loaded below
  create_db "$DB" --log-level=warn --without-demo=all
fi

if ! psql -d "$DB" -tAc "SELECT 1 FROM res_users WHERE login = 'sales.cen.1'" | grep -q 1; then
  echo "[run] loading the suite's demo data (Odoo's demo is not installed)"
  "$PY" setup/gen_suite_demo.py --db "$DB" --config "$CONF"
  echo "[run] generating the demo dataset"
  # shellcheck disable=SC2086
  "$PY" setup/generate_data.py --db "$DB" --config "$CONF" ${GEN_ARGS:-}
  echo "[run] running the nightly jobs once on the new data"
  "$PY" setup/prepare_demo.py --db "$DB" --config "$CONF"
else
  # demo records added to the suite since this database was made (e.g. new
  # demo users); existing records are left as they are
  "$PY" setup/gen_suite_demo.py --db "$DB" --config "$CONF"
fi

cat <<MSG

Retail CRM demo database "$DB" is ready: http://localhost:$PORT
Demo logins (password = login):
  admin              Odoo administrator (password: admin)
  retail.admin       Retail CRM administrator, all branches
  privacy.officer    Privacy officer (PDPO), all branches
  manager.central    Branch manager, Central
  staff.central      Branch staff, Central
  staff.mongkok      Branch staff, Mong Kok
  analyst.marketing  Department analyst, Marketing
  analyst.finance    Department analyst, Finance
  analyst.promotion, analyst.planning, analyst.hr, analyst.service
                     Department analysts of the other departments
XML-RPC: http://localhost:$PORT/xmlrpc/2/common and /xmlrpc/2/object, database "$DB".
MSG

if [ "${SERVE:-1}" = "1" ]; then
  exec "$PY" -m odoo -c "$CONF" -d "$DB" --db-filter="^$DB\$" --http-port="$PORT"
fi
