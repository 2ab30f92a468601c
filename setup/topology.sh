#!/usr/bin/env bash
# The production topology, run on this machine: a PostgreSQL primary, a
# streaming read replica made with pg_basebackup, and Odoo with prefork
# workers, the gevent (websocket) port, one cron worker and the queue_job
# runner.
#
#   setup/topology.sh start SOURCE_DB [DB]   copy SOURCE_DB (and its filestore)
#                                            into the primary as DB (default
#                                            crm_topology) and start everything
#   setup/topology.sh restart-odoo [DB]      restart Odoo only (e.g. after a code change)
#   setup/topology.sh status                 the processes, ports and replica lag
#   setup/topology.sh stop                   stop Odoo, drop both clusters
#
# The clusters are PostgreSQL 15 clusters of their own (pg_createcluster), so
# the machine's main cluster (5432) and its databases are not touched:
#   primary  crm_primary  port $CRM_TOPO_PRIMARY_PORT (5433)
#   replica  crm_replica  port $CRM_TOPO_REPLICA_PORT (5434), hot standby,
#            hot_standby_feedback on (long report queries are not cancelled)
# ($CRM_TOPO_NAME, default crm, names the clusters and files: the tests run
# one of their own beside yours.)
# Odoo: .odoo-crm-topology.conf rendered from odoo.conf with workers = 2,
# max_cron_threads = 1, gevent_port, db_replica_host/port, limits, and
# server_wide_modules = base,web,queue_job with the suite's job channels;
# HTTP on $CRM_TOPO_HTTP_PORT (8079), websocket on $CRM_TOPO_GEVENT_PORT
# (8082); log in .odoo-crm-topology.log, pid in .odoo-crm-topology.pid.
# Needs root (pg_createcluster), as setup/install.sh does.
set -euo pipefail
# shellcheck source=setup/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PG_VERSION=15
NAME="${CRM_TOPO_NAME:-crm}"  # several topologies side by side (the tests use their own)
PRIMARY="${NAME}_primary"
REPLICA="${NAME}_replica"
PRIMARY_PORT="${CRM_TOPO_PRIMARY_PORT:-5433}"
REPLICA_PORT="${CRM_TOPO_REPLICA_PORT:-5434}"
HTTP_PORT="${CRM_TOPO_HTTP_PORT:-8079}"
GEVENT_PORT="${CRM_TOPO_GEVENT_PORT:-8082}"
WORKERS="${CRM_TOPO_WORKERS:-2}"
SOCKET_DIR=/var/run/postgresql
TOPO_CONF="$REPO/.odoo-$NAME-topology.conf"
TOPO_LOG="$REPO/.odoo-$NAME-topology.log"
TOPO_PID="$REPO/.odoo-$NAME-topology.pid"
DB_USER="${PGUSER:-$(id -un)}"

log() { echo "[topology] $*"; }
as_pg() { runuser -u postgres -- "$@"; }

stop_odoo() {
  if [ -f "$TOPO_PID" ]; then
    local pid
    pid="$(cat "$TOPO_PID")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$TOPO_PID"
  fi
}

drop_clusters() {
  local cluster
  for cluster in "$REPLICA" "$PRIMARY"; do
    if pg_lsclusters -h | awk '{print $2}' | grep -qx "$cluster"; then
      pg_dropcluster --stop "$PG_VERSION" "$cluster"
    fi
  done
}

render_topology_conf() {
  local db="$1"
  render_conf
  # odoo.conf with its threaded development settings replaced for production
  (umask 077; "$PY" - "$CONF" "$TOPO_CONF" <<PY
import configparser
import sys

source, target = sys.argv[1:]
conf = configparser.ConfigParser(interpolation=None)
conf.read(source)
conf["options"].update({
    "db_host": "$SOCKET_DIR",
    "db_port": "$PRIMARY_PORT",
    "db_replica_host": "$SOCKET_DIR",
    "db_replica_port": "$REPLICA_PORT",
    "db_name": "$db",
    "dbfilter": "^$db\$",
    "http_interface": "127.0.0.1",
    "http_port": "$HTTP_PORT",
    "gevent_port": "$GEVENT_PORT",
    "workers": "$WORKERS",
    "max_cron_threads": "1",
    "limit_memory_soft": "2147483648",
    "limit_memory_hard": "2684354560",
    "limit_time_cpu": "600",
    "limit_time_real": "1200",
    "server_wide_modules": "base,web,queue_job",
    "logfile": "$TOPO_LOG",
    "log_level": "warn",
})
# reports never take every slot: the nightly and privacy jobs keep theirs
if not conf.has_section("queue_job"):
    conf["queue_job"] = {}
conf["queue_job"].setdefault(
    "channels", "root:3,root.crm_report:1,root.crm_nightly:1,root.crm_privacy:1"
)
with open(target, "w") as file:
    conf.write(file)
PY
  )
}

wait_for_port() {
  local port="$1" what="$2"
  for _ in $(seq 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    if [ -f "$TOPO_PID" ] && ! kill -0 "$(cat "$TOPO_PID")" 2>/dev/null; then break; fi
    sleep 0.5
  done
  log "$what did not answer on port $port; see $TOPO_LOG"
  tail -30 "$TOPO_LOG" >&2 || true
  return 1
}

start() {
  local source="${1:?usage: setup/topology.sh start SOURCE_DB [DB]}" db="${2:-crm_topology}"
  stop_odoo
  drop_clusters
  log "primary cluster $PRIMARY on port $PRIMARY_PORT"
  pg_createcluster "$PG_VERSION" "$PRIMARY" -p "$PRIMARY_PORT" -- --auth-local=peer >/dev/null
  cat > "/etc/postgresql/$PG_VERSION/$PRIMARY/conf.d/crm_topology.conf" <<EOF
wal_level = replica
max_wal_senders = 4
wal_keep_size = 512MB
EOF
  pg_ctlcluster "$PG_VERSION" "$PRIMARY" start
  as_pg psql -qX -p "$PRIMARY_PORT" -c "CREATE ROLE \"$DB_USER\" SUPERUSER LOGIN" 2>/dev/null || true

  log "copying $source into $db"
  as_pg createdb -p "$PRIMARY_PORT" -O "$DB_USER" "$db"
  pg_dump -Fc -p 5432 -d "$source" | pg_restore -p "$PRIMARY_PORT" -d "$db" --no-owner
  rm -rf "$REPO/.odoo-data/filestore/$db"
  if [ -d "$REPO/.odoo-data/filestore/$source" ]; then
    cp -r "$REPO/.odoo-data/filestore/$source" "$REPO/.odoo-data/filestore/$db"
  fi

  log "replica cluster $REPLICA on port $REPLICA_PORT (pg_basebackup, streaming)"
  pg_createcluster "$PG_VERSION" "$REPLICA" -p "$REPLICA_PORT" >/dev/null
  local replica_data="/var/lib/postgresql/$PG_VERSION/$REPLICA"
  rm -rf "$replica_data"
  as_pg pg_basebackup -h "$SOCKET_DIR" -p "$PRIMARY_PORT" -D "$replica_data" -R -X stream \
    --checkpoint=fast
  cat > "/etc/postgresql/$PG_VERSION/$REPLICA/conf.d/crm_topology.conf" <<EOF
hot_standby = on
hot_standby_feedback = on
max_standby_streaming_delay = 30s
EOF
  pg_ctlcluster "$PG_VERSION" "$REPLICA" start
  for _ in $(seq 60); do
    if [ "$(as_pg psql -qtAX -p "$PRIMARY_PORT" -c "SELECT count(*) FROM pg_stat_replication
          WHERE state = 'streaming'")" = "1" ]; then break; fi
    sleep 0.5
  done

  start_odoo "$db"
}

start_odoo() {
  local db="${1:-crm_topology}"
  stop_odoo
  log "Odoo: $WORKERS prefork workers, 1 cron worker, queue_job runner, http $HTTP_PORT, gevent $GEVENT_PORT"
  render_topology_conf "$db"
  : > "$TOPO_LOG"
  # the console script, not "python -m odoo": the gevent worker re-runs sys.argv[0]
  (cd "$REPO" && exec "$VENV/bin/odoo" -c "$TOPO_CONF" --pidfile="$TOPO_PID") >/dev/null 2>&1 &
  for _ in $(seq 40); do [ -f "$TOPO_PID" ] && break; sleep 0.25; done
  wait_for_port "$HTTP_PORT" "Odoo"
  wait_for_port "$GEVENT_PORT" "the gevent worker"
  status
}

status() {
  pg_lsclusters | awk -v p="$PRIMARY" -v r="$REPLICA" 'NR == 1 || $2 == p || $2 == r'
  if pg_lsclusters -h | awk '{print $2}' | grep -qx "$PRIMARY"; then
    as_pg psql -qX -p "$PRIMARY_PORT" -c "SELECT application_name, state,
      pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS replay_lag_bytes
      FROM pg_stat_replication" 2>/dev/null || true
  fi
  if [ -f "$TOPO_PID" ] && kill -0 "$(cat "$TOPO_PID")" 2>/dev/null; then
    log "Odoo master $(cat "$TOPO_PID"): $(pgrep -c -P "$(cat "$TOPO_PID")" || true) child processes"
  else
    log "Odoo is not running"
  fi
}

case "${1:-}" in
  start) shift; start "$@" ;;
  restart-odoo) shift; start_odoo "$@" ;;
  stop) stop_odoo; drop_clusters; rm -f "$TOPO_CONF"; log "stopped" ;;
  status) status ;;
  *) sed -n '2,26p' "$0"; exit 2 ;;
esac
