#!/usr/bin/env bash
# Refresh the translation templates and merge them into the zh_HK catalogues.
#
#   ./setup/update_translations.sh DB [MODULE...]
#
# DB must have the modules installed with the current code (./setup/run.sh,
# or odoo -u). For each module: export i18n/<module>.pot from DB, then
# msgmerge it into i18n/zh_HK.po. New strings arrive untranslated (msgstr
# ""), changed ones fuzzy: translate them, then run ./setup/lint.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=setup/common.sh
. setup/common.sh
render_conf
DB="${1:?usage: $0 DB [MODULE...]}"
shift
MODS=("$@")
if [ "${#MODS[@]}" -eq 0 ]; then IFS=, read -r -a MODS <<< "$MODULES"; fi
for module in "${MODS[@]}"; do
  pot="$REPO/$module/i18n/$module.pot"
  odoo_bin -d "$DB" --i18n-export="$pot" --modules="$module" \
    --stop-after-init --log-level=warn
  po="$REPO/$module/i18n/zh_HK.po"
  if [ -f "$po" ]; then
    msgmerge --quiet --update --backup=none "$po" "$pot"
  fi
  untranslated=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid ' || true)
  echo "[i18n] $module: $untranslated untranslated, $fuzzy fuzzy (counts include the header)"
done
# OCA's layout of .po files (the lint checks it); the second pass settles it
"$VENV/bin/oca-checks-po" --fix "$REPO"/crm_*/i18n/*.po "$REPO"/crm_*/i18n/*.pot >/dev/null 2>&1 || true
"$VENV/bin/oca-checks-po" --fix "$REPO"/crm_*/i18n/*.po "$REPO"/crm_*/i18n/*.pot >/dev/null 2>&1 || true
