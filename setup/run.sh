#!/usr/bin/env bash
# Create or update the demo database and serve Odoo on http://localhost:8069.
#   ./setup/run.sh                 install/update, generate demo data, serve
#   CRM_DB=name ./setup/run.sh     another database (default crm_retail)
#   SERVE=0 ./setup/run.sh         prepare the database only
#   OUTBOX=0 ./setup/run.sh        no local mail catcher / fake SMS gateway
# E-mail and SMS of the demo go to a local mail catcher (SMTP 127.0.0.1:1025,
# page http://127.0.0.1:8025/) and a fake SMS gateway (127.0.0.1:8099), unless
# the database has its own outgoing mail server or SMS gateway; they keep
# what was sent in .odoo-data/outbox/ (MAIL_PORT, MAIL_HTTP_PORT, SMS_PORT).
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
  echo "[run] point of sale: a till per shop and a few months of sales"
  "$PY" setup/gen_pos.py --db "$DB" --config "$CONF"
  echo "[run] running the nightly jobs once on the new data"
  "$PY" setup/prepare_demo.py --db "$DB" --config "$CONF"
else
  # demo records added to the suite since this database was made (e.g. new
  # demo users); existing records are left as they are
  "$PY" setup/gen_suite_demo.py --db "$DB" --config "$CONF"
fi

# Local outbox: the demo database's e-mail and SMS go to the mail catcher and
# the fake SMS gateway, unless the database already has an outgoing mail
# server or SMS gateway of its own (those are never changed).
OUTBOX_DIR="$REPO/.odoo-data/outbox"
MAIL_PORT="${MAIL_PORT:-1025}"
MAIL_HTTP_PORT="${MAIL_HTTP_PORT:-8025}"
SMS_PORT="${SMS_PORT:-8099}"
outbox_note=""
if [ "${OUTBOX:-1}" = "1" ]; then
  mkdir -p "$OUTBOX_DIR/mail" "$OUTBOX_DIR/sms"
  if [ ! -s "$OUTBOX_DIR/sms-token" ]; then
    (umask 077; "$PY" -c 'import secrets; print(secrets.token_urlsafe(18))' > "$OUTBOX_DIR/sms-token")
  fi
  outbox_note="$("$PY" - "$CONF" "$DB" "$MAIL_PORT" "http://127.0.0.1:$SMS_PORT/send" \
      "$OUTBOX_DIR/sms-token" <<'PY' 2>/dev/null | tail -2
import sys

import odoo
from odoo import SUPERUSER_ID, api

conf, db, mail_port, sms_url, token_file = sys.argv[1:]
odoo.tools.config.parse_config(["-c", conf, "--log-level=warn"])
NAME = "Local mail catcher (setup/run.sh)"
URL, TOKEN = "crm_privacy_pdpo.sms_gateway_url", "crm_privacy_pdpo.sms_gateway_token"
with odoo.modules.registry.Registry(db).cursor() as cr:
    env = api.Environment(cr, SUPERUSER_ID, {})
    servers = env["ir.mail_server"].with_context(active_test=False).search([])
    ours = servers.filtered(lambda s: s.name == NAME)
    theirs = (servers - ours).filtered("active")
    conf_smtp = odoo.tools.config.get("smtp_server") not in (None, False, "localhost")
    if theirs or conf_smtp:
        ours.write({"active": False})
        print("mail: the database's own outgoing mail server")
    else:
        vals = {"smtp_host": "127.0.0.1", "smtp_port": int(mail_port), "active": True,
                "smtp_encryption": "none", "sequence": 0}
        if ours:
            ours.write(vals)
        else:
            env["ir.mail_server"].create({"name": NAME, **vals})
        print("mail: local")
    params = env["ir.config_parameter"]
    url = params.get_param(URL)
    if url and url != sms_url:
        print("sms: the database's own SMS gateway")
    else:
        params.set_param(URL, sms_url)
        params.set_param(TOKEN, open(token_file).read().strip())
        print("sms: local")
PY
  )" || outbox_note=""
  if [ -z "$outbox_note" ]; then
    echo "[run] WARNING: could not point $DB at the local mail catcher and SMS gateway"
  fi
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

outbox_pids=()
stop_outbox() {
  local pid
  for pid in "${outbox_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
if [ "${SERVE:-1}" = "1" ] && [ "${OUTBOX:-1}" = "1" ]; then
  trap stop_outbox EXIT
  if [[ "$outbox_note" == *"mail: local"* ]]; then
    "$PY" setup/mail_catcher.py serve --port "$MAIL_PORT" --http-port "$MAIL_HTTP_PORT" \
      --dir "$OUTBOX_DIR/mail" > "$OUTBOX_DIR/mail_catcher.log" 2>&1 &
    outbox_pids+=($!)
    cat <<MSG
E-mail sent by the demo is caught locally (nothing leaves this machine):
  page     http://127.0.0.1:$MAIL_HTTP_PORT/
  command  .venv/bin/python setup/mail_catcher.py list --dir $OUTBOX_DIR/mail
           .venv/bin/python setup/mail_catcher.py show N --dir $OUTBOX_DIR/mail
MSG
  else
    echo "E-mail: the database's own outgoing mail server (Settings > Technical > Outgoing Mail Servers)."
  fi
  if [[ "$outbox_note" == *"sms: local"* ]]; then
    "$PY" setup/fake_sms_gateway.py serve --port "$SMS_PORT" --dir "$OUTBOX_DIR/sms" \
      --token-file "$OUTBOX_DIR/sms-token" --report-url "http://127.0.0.1:$PORT/sms/gateway/status" \
      --report-fail "${SMS_FAIL_NUMBERS-0\$}" > "$OUTBOX_DIR/sms_gateway.log" 2>&1 &
    outbox_pids+=($!)
    cat <<MSG
SMS sent by the demo go to a fake SMS gateway on 127.0.0.1:$SMS_PORT:
  command  .venv/bin/python setup/fake_sms_gateway.py list --dir $OUTBOX_DIR/sms
  It reports each SMS delivered, except numbers matching SMS_FAIL_NUMBERS
  (default: ending in 0; empty: none), reported failed.
MSG
  else
    echo "SMS: the database's own SMS gateway (Settings > General Settings > SMS Gateway)."
  fi
  sleep 1
  for pid in "${outbox_pids[@]}"; do
    kill -0 "$pid" 2>/dev/null \
      || echo "[run] WARNING: a local outbox server did not start (port in use?): see $OUTBOX_DIR/*.log"
  done
fi

if [ "${SERVE:-1}" = "1" ]; then
  "$PY" -m odoo -c "$CONF" -d "$DB" --db-filter="^$DB\$" --http-port="$PORT"
fi
