# Start PostgreSQL and Redis on loopback when they are not running, and install
# Chromium when it is missing. Sourced by .ci/run; the commands are the
# machine's documented start commands.

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432; then return 0; fi
  echo "ci: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 1; done
  echo "ci: PostgreSQL did not start" >&2
  return 1
}

ensure_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return 0; fi
  echo "ci: starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return 0; sleep 1; done
  echo "ci: Redis did not start" >&2
  return 1
}

# The progress page's end-to-end test drives Debian's Chromium (never a browser
# download). Installed only when missing; apt-get needs root (or sudo).
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  echo "ci: installing Chromium"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  if [ ! -x /usr/bin/chromium ]; then echo "ci: Chromium did not install" >&2; return 1; fi
}

# promtool checks and unit-tests the alert rules in deploy/prometheus/, and the
# metrics integration test runs a real Prometheus: both come with Debian's
# prometheus package. apt may enable its service; CI never uses it (the test
# starts its own Prometheus on its own port and data directory), so a daemon
# the install started is stopped.
ensure_prometheus() {
  if [ -x /usr/bin/promtool ] && [ -x /usr/bin/prometheus ]; then return 0; fi
  echo "ci: installing Prometheus"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  $sudo systemctl stop prometheus >/dev/null 2>&1 || true
  if [ ! -x /usr/bin/promtool ]; then echo "ci: Prometheus did not install" >&2; return 1; fi
}

# RabbitMQ on 127.0.0.1:5672 (guest/guest on loopback), for the suites that run
# on both brokers; each test run makes a virtual host of its own.
ensure_rabbitmq() {
  if rabbitmq-diagnostics -q check_port_connectivity >/dev/null 2>&1; then return 0; fi
  echo "ci: starting RabbitMQ"
  rabbitmq-server -detached
  for _ in $(seq 1 60); do
    rabbitmq-diagnostics -q check_port_connectivity >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "ci: RabbitMQ did not start" >&2
  return 1
}

# The API's contract test generates a TypeScript client and compiles it with
# the npm packages pinned in testing/contract/package-lock.json (npm ci, from
# the registry); Node.js and npm come from Debian.
ensure_node() {
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then return 0; fi
  echo "ci: installing Node.js and npm"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  if ! command -v npm >/dev/null 2>&1; then echo "ci: Node.js and npm did not install" >&2; return 1; fi
}
