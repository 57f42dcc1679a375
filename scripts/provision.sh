#!/usr/bin/env bash
# Provisions what the exchange needs on a fresh machine: pnpm, the workspace's dependencies, and
# reachable PostgreSQL and Redis servers. Each step is skipped when already satisfied.
# Order of preference for a server: $DATABASE_URL / $REDIS_URL when reachable; a local cluster that
# is installed but stopped; a fresh one in .data/; an OS package install (root + apt-get); otherwise
# a precise instruction and exit 1.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${EXCHANGE_DATA_DIR:-$ROOT/.data}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"

log() { printf '\033[36m[provision]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[provision]\033[0m %s\n' "$*" >&2; exit 1; }

# host and port out of a URL (scheme://[user[:pw]@]host:port/...)
url_host() { local r="${1#*://}"; r="${r##*@}"; r="${r%%/*}"; echo "${r%%:*}"; }
url_port() { local r="${1#*://}"; r="${r##*@}"; r="${r%%/*}"; [[ "$r" == *:* ]] && echo "${r##*:}" || echo "$2"; }
url_db() { local r="${1#*://}"; r="${r#*/}"; echo "${r%%\?*}"; }
reachable() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
wait_for() { for _ in $(seq 1 50); do reachable "$1" "$2" && return 0; sleep 0.2; done; return 1; }
can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

ensure_node_and_pnpm() {
  command -v node >/dev/null || die "Node.js >= 20 is required: install it from your OS packages or nodejs.org, then rerun."
  local major; major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || die "Node.js >= 20 is required (found $(node --version))."
  if ! command -v pnpm >/dev/null; then
    log "installing pnpm"
    npm install -g pnpm@10.34.9 >/dev/null 2>&1 || corepack enable pnpm || die "could not install pnpm: run 'npm install -g pnpm@10'"
  fi
}

ensure_deps() {
  local stamp="$ROOT/node_modules/.modules.yaml"
  if [ ! -f "$stamp" ] || [ "$ROOT/pnpm-lock.yaml" -nt "$stamp" ]; then
    log "installing dependencies"
    (cd "$ROOT" && pnpm install --frozen-lockfile --reporter=silent)
  fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

ensure_postgres() {
  local host port db; host="$(url_host "$DATABASE_URL")"; port="$(url_port "$DATABASE_URL" 5432)"; db="$(url_db "$DATABASE_URL")"
  reachable "$host" "$port" && return 0
  [ "$host" = 127.0.0.1 ] || [ "$host" = localhost ] || die "PostgreSQL at $DATABASE_URL is not reachable; start it or point DATABASE_URL at a running server."
  if command -v pg_ctlcluster >/dev/null && [ -n "$(ls /etc/postgresql 2>/dev/null)" ] && [ "$port" = 5432 ]; then
    log "starting the installed PostgreSQL cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
    if wait_for "$host" "$port"; then
      # A stock Debian cluster asks for a password on 127.0.0.1; never prompt, say what to do instead.
      psql_bin -w "${DATABASE_URL%/*}/postgres" -tAc 'SELECT 1' >/dev/null 2>&1 ||
        die "the installed PostgreSQL cluster refused $DATABASE_URL (password or role): put the password in DATABASE_URL (postgres://user:password@127.0.0.1:5432/$db), or stop that cluster so that a local one is started in $DATA"
      ensure_pg_database "$db"
      return 0
    fi
  fi
  if [ -z "$(pg_bin)" ] && ! command -v initdb >/dev/null; then
    can_apt || die "PostgreSQL is not installed. Install it (e.g. 'apt-get install postgresql') or set DATABASE_URL, then rerun."
    log "installing PostgreSQL with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  local bin; bin="$(pg_bin)"; [ -n "$bin" ] || bin="$(dirname "$(command -v initdb)")"
  local dir="$DATA/postgres" run=()
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    # initdb refuses to run as root: the cluster belongs to the postgres user, who must reach its folder
    # (not the case under /root, say); then it lives in /var/tmp instead.
    run=(runuser -u postgres --)
    chown postgres "$dir"
    if ! runuser -u postgres -- test -w "$dir"; then
      dir="/var/tmp/exchange-postgres-$port"
      mkdir -p "$dir" && chown postgres "$dir" && chmod 700 "$dir"
    fi
  fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    log "initialising a PostgreSQL cluster in $dir"
    "${run[@]}" "$bin/initdb" -D "$dir" -U postgres --auth=trust >/dev/null
  fi
  log "starting PostgreSQL on port $port (data in $dir)"
  "${run[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" -w start >/dev/null
  ensure_pg_database "$db"
}

psql_bin() {
  local bin; bin="$(command -v psql || true)"; [ -n "$bin" ] || bin="$(pg_bin)/psql"
  [ -x "$bin" ] || die "psql not found: install the PostgreSQL client (e.g. 'apt-get install postgresql-client'), then rerun."
  "$bin" "$@"
}

ensure_pg_database() {
  psql_bin -w "${DATABASE_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$1'" | grep -q 1 ||
    psql_bin -w "${DATABASE_URL%/*}/postgres" -qc "CREATE DATABASE \"$1\"" >/dev/null
}

ensure_redis() {
  local host port; host="$(url_host "$REDIS_URL")"; port="$(url_port "$REDIS_URL" 6379)"
  reachable "$host" "$port" && return 0
  [ "$host" = 127.0.0.1 ] || [ "$host" = localhost ] || die "Redis at $REDIS_URL is not reachable; start it or point REDIS_URL at a running server."
  if ! command -v redis-server >/dev/null; then
    can_apt || die "Redis is not installed. Install it (e.g. 'apt-get install redis-server') or set REDIS_URL, then rerun."
    log "installing Redis with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  mkdir -p "$DATA/redis"
  # Durable by default (ADR 0081): an order is acknowledged once Redis has fsynced it. REDIS_DURABLE=0 opts out.
  local durable=(--appendonly yes --appendfsync always)
  [ "${REDIS_DURABLE:-1}" = 0 ] && durable=(--appendonly no)
  log "starting Redis on port $port (data in $DATA/redis, ${durable[*]})"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --dir "$DATA/redis" \
    --logfile "$DATA/redis/redis.log" --maxmemory-policy noeviction "${durable[@]}"
  wait_for "$host" "$port" || die "Redis did not come up; see $DATA/redis/redis.log"
}

# The browser tests (e2e/test/web-pages.test.ts) drive Debian's chromium; only `./exchange test` asks for it.
ensure_chromium() {
  [ "${PROVISION_BROWSER:-0}" = 1 ] || return 0
  [ -x /usr/bin/chromium ] && return 0
  can_apt || { log "no /usr/bin/chromium and no apt-get: the browser tests will be skipped"; return 0; }
  log "installing chromium with apt-get (for the browser tests)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}

ensure_node_and_pnpm
ensure_deps
ensure_postgres
ensure_redis
ensure_chromium
log "ready: DATABASE_URL=$DATABASE_URL REDIS_URL=$REDIS_URL"
