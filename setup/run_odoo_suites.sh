#!/usr/bin/env bash
# Run Odoo's own crm and sale_crm test suites with the Retail CRM suite
# installed, on a throwaway database, and report the pass/fail counts:
# our modules must not break the standard CRM behaviour they extend.
#
#   ./setup/run_odoo_suites.sh [TEST_TAGS]     (default: /crm,/sale_crm)
#
# The database ($SUITES_DB, default crm_odoo_suites_<pid>) is dropped at
# the end; the full log is kept in .odoo-suites.log.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=setup/common.sh
. setup/common.sh
render_conf

TAGS="${1:-/crm,/sale_crm}"
DB="${SUITES_DB:-crm_odoo_suites_$$}"
LOG="$REPO/.odoo-suites.log"
cleanup() {
  dropdb --if-exists --force "$DB" >/dev/null 2>&1 || true
  rm -rf "$REPO/.odoo-data/filestore/$DB"
}
trap cleanup EXIT

echo "[suites] installing $MODULES and sale_crm into $DB"
start=$(date +%s)
odoo_bin -d "$DB" -i "$MODULES,sale_crm" --stop-after-init --log-level=warn \
  --max-cron-threads=0 > "$LOG" 2>&1 || { tail -40 "$LOG"; echo "[suites] install failed"; exit 1; }
echo "[suites] installed in $(( $(date +%s) - start ))s; running $TAGS"
start=$(date +%s)
rc=0
# -u runs the at_install tests of the updated modules, post_install ones after
odoo_bin -d "$DB" -u crm,sale_crm --test-enable --test-tags "$TAGS" --stop-after-init \
  --log-level=test --max-cron-threads=0 --http-port="$(( 20000 + $$ % 10000 ))" >> "$LOG" 2>&1 || rc=$?
echo "[suites] tests ran in $(( $(date +%s) - start ))s (exit $rc)"
# the failing tests, then Odoo's summary: "N failed, M error(s) of T tests when loading database"
grep -E " (ERROR|CRITICAL) .*(FAIL|ERROR): " "$LOG" | sed -E 's/^.* (FAIL|ERROR): /  \1: /' || true
summary=$(grep -oE "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$LOG" | tail -1 || true)
if [ -z "$summary" ]; then echo "[suites] no test summary in $LOG"; exit 1; fi
read -r failed errors total < <(echo "$summary" | grep -oE "[0-9]+" | xargs)
echo "[suites] $(( total - failed - errors )) passed, $failed failed, $errors errors of $total tests"
echo "[suites] log: $LOG"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$errors" -eq 0 ]
