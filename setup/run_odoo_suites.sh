#!/usr/bin/env bash
# Run Odoo's own crm and sale_crm test suites with the Retail CRM suite
# installed: our modules must not break the standard CRM behaviour they
# extend.
#
#   ./setup/run_odoo_suites.sh [pytest args]   e.g. -k merge
#
# The tests run through pytest-odoo on a database where everything is
# already installed, so that every test sees the complete registry, as a
# user of the suite would. (`odoo -u crm --test-tags /crm` runs crm's
# at_install tests while only crm and its dependencies are loaded: the
# record rules of our modules are in the database then, but not the fields
# they use, and nearly every test fails for that reason alone.)
# The database is installed without demo data: our demo leads change the
# predictive lead scoring statistics that some crm tests rely on.
# The database ($SUITES_DB, default crm_odoo_suites_<pid>) is dropped at the
# end; the log is kept in .odoo-suites.log.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
# shellcheck source=setup/common.sh
. setup/common.sh
render_conf

DB="${SUITES_DB:-crm_odoo_suites_$$}"
LOG="$REPO/.odoo-suites.log"
cleanup() {
  dropdb --if-exists --force "$DB" >/dev/null 2>&1 || true
  rm -rf "$REPO/.odoo-data/filestore/$DB"
}
trap cleanup EXIT

echo "[suites] installing $MODULES and sale_crm into $DB (no demo data)"
start=$(date +%s)
odoo_bin -d "$DB" -i "$MODULES,sale_crm" --without-demo=all --stop-after-init \
  --log-level=warn --max-cron-threads=0 > "$LOG" 2>&1 \
  || { tail -40 "$LOG"; echo "[suites] install failed"; exit 1; }
echo "[suites] installed in $(( $(date +%s) - start ))s; running crm and sale_crm tests"
start=$(date +%s)
"$VENV/bin/pytest" -p no:cacheprovider --odoo-database="$DB" --odoo-config="$CONF" \
  --odoo-log-level=warn --odoo-http --odoo-extra="db-filter=^${DB}\$" -q -o addopts="" \
  -W ignore::DeprecationWarning \
  "$ODOO_SRC/odoo/addons/crm/tests" "$ODOO_SRC/odoo/addons/sale_crm/tests" "$@" \
  2>&1 | tee -a "$LOG" | grep -E "^(FAILED|ERROR) |passed|failed|error"
rc=${PIPESTATUS[0]}
echo "[suites] tests ran in $(( $(date +%s) - start ))s (exit $rc); log: $LOG"
exit "$rc"
