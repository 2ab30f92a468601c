#!/usr/bin/env bash
# ruff and pylint-odoo (OCA's mandatory checks) over the add-ons and scripts.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
VENV=.venv
rc=0
echo "[lint] ruff"
"$VENV/bin/ruff" check --quiet . || rc=1
"$VENV/bin/ruff" format --check --quiet . || rc=1
echo "[lint] pylint-odoo (mandatory checks)"
"$VENV/bin/pylint" --rcfile=.pylintrc-mandatory --score=n \
  crm_privacy_pdpo crm_retail_compile crm_jewellery_ext || rc=1
echo "[lint] oca-checks-odoo-module (XML, CSV, manifest)"
"$VENV/bin/oca-checks-odoo-module" --no-verbose \
  crm_privacy_pdpo crm_retail_compile crm_jewellery_ext || rc=1
echo "[lint] oca-checks-po (translations)"
"$VENV/bin/oca-checks-po" --no-verbose crm_*/i18n/*.po crm_*/i18n/*.pot || rc=1
echo "[lint] README.rst up to date with readme/"
"$VENV/bin/python" setup/gen_readme.py --check || rc=1
[ "$rc" -eq 0 ] && echo "[lint] clean"
exit "$rc"
