#!/usr/bin/env bash
# HTTP load benchmark: gunicorn with the production settings on PostgreSQL, driven by wrk on
# loopback. For the MP's home page, a published agenda page, the office's casework list (the
# first page of 10,000 cases, as the office's assistant), a search results page (the same
# assistant: their office's cases and the group's papers) and the MP's calendar feed it prints
# requests per second, p50 and p99 latency and errors, each as a ratio to /healthz (the
# trivial endpoint of the same app, measured before and after the pages in the same run), and
# for reference the simplest signed-in page (the calendar feed settings, one query of its own).
# It also prints the search results page's requests per second as a ratio to the casework
# list's (search's own goal, issue #17: at least as many).
#
#   bash benchmarks/http.sh
#
# Goal: every page at least 0.4 of /healthz's requests per second, no error at 50 connections.
# Exit status: 0 all met; 1 an error (a socket error, a timeout or any response that is not a
# 2xx: a redirect to the sign-in page counts); 2 no error but a page under the 0.4 goal.
#
# It installs what is missing (wrk, PostgreSQL: scripts/install-system-deps.sh) and, unless
# VAWG_BENCH_DATABASE_URL names a database to use (its schema is rebuilt), starts the local
# PostgreSQL cluster as .ci/run does and creates a fresh database in it, as the postgres user.
# Settings: VAWG_BENCH_CASES (10000), VAWG_BENCH_CONNECTIONS (50), VAWG_BENCH_DURATION (25s),
# VAWG_BENCH_WARMUP (5s), VAWG_BENCH_PORT (8099), PYTHON (the venv's python; .venv/bin/python).
# gunicorn runs with config/gunicorn.conf.py as in production (VAWG_GUNICORN_* still apply).
set -euo pipefail
cd "$(dirname "$0")/.."

CASES=${VAWG_BENCH_CASES:-10000}
CONNECTIONS=${VAWG_BENCH_CONNECTIONS:-50}
DURATION=${VAWG_BENCH_DURATION:-25s}
WARMUP=${VAWG_BENCH_WARMUP:-5s}
PORT=${VAWG_BENCH_PORT:-8099}
GOAL=0.4

echo "== system packages"
extra=(wrk)
[ -z "${VAWG_BENCH_DATABASE_URL:-}" ] && extra+=(postgresql)
bash scripts/install-system-deps.sh "${extra[@]}"
PYTHON=${PYTHON:-.venv/bin/python}
if [ ! -x "$PYTHON" ]; then
  make python-deps
  PYTHON=.venv/bin/python
fi

workdir=$(mktemp -d)
gunicorn_pid=""
cleanup() {
  if [ -n "$gunicorn_pid" ]; then
    kill "$gunicorn_pid" 2>/dev/null || true
    wait "$gunicorn_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

random_token() { "$PYTHON" -c "import secrets; print(secrets.token_hex($1))"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then su postgres -c "$*"; else sudo -u postgres "$@"; fi
}

echo "== database"
if [ -n "${VAWG_BENCH_DATABASE_URL:-}" ]; then
  database_url=$VAWG_BENCH_DATABASE_URL
else
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h | grep -q "^$version main"; then
    as_root pg_createcluster "$version" main
  fi
  as_root pg_ctlcluster "$version" main start 2>/dev/null || true
  for _ in $(seq 1 30); do
    as_postgres pg_isready -q -h 127.0.0.1 && break
    sleep 1
  done
  password=$(random_token 16)
  as_postgres psql -v ON_ERROR_STOP=1 -q <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vawg_bench') THEN
    CREATE ROLE vawg_bench LOGIN;
  END IF;
END
\$\$;
ALTER ROLE vawg_bench PASSWORD '$password';
DROP DATABASE IF EXISTS vawg_bench_http;
CREATE DATABASE vawg_bench_http OWNER vawg_bench;
SQL
  database_url="postgresql://vawg_bench:$password@127.0.0.1:5432/vawg_bench_http"
fi

# Production, with throwaway secrets: config.ProductionConfig.check() refuses anything less.
export VAWG_ENV=production
export VAWG_DATABASE_URL=$database_url
export VAWG_SECRET_KEY
VAWG_SECRET_KEY=$(random_token 32)
export VAWG_ENCRYPTION_KEYS
VAWG_ENCRYPTION_KEYS="bench:$("$PYTHON" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')"
export VAWG_AUDIT_CHAIN_KEYS
VAWG_AUDIT_CHAIN_KEYS="bench:$("$PYTHON" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')"
export VAWG_STORAGE_DIR=$workdir/storage
export VAWG_GUNICORN_BIND=127.0.0.1:$PORT
export VAWG_PUBLIC_BASE_URL=http://127.0.0.1:$PORT
base_url=http://127.0.0.1:$PORT

echo "== seeding $CASES cases (benchmarks/http_seed.py)"
"$PYTHON" benchmarks/http_seed.py --cases "$CASES" --rebuild >"$workdir/seed.env" 2>"$workdir/seed.log" || {
  tail -n 30 "$workdir/seed.log" >&2
  exit 1
}
grep "^seeded in" "$workdir/seed.log" || true
declare -A seeded
while IFS='=' read -r key value; do
  [ -n "$key" ] && seeded[$key]=$value
done <"$workdir/seed.env"

# Every request comes from this one address: the per-address limit on the public token routes
# (calendar feeds are part of the load) would answer 429 after a minute's worth.
export VAWG_PUBLIC_TOKEN_RATE_LIMIT="${VAWG_PUBLIC_TOKEN_RATE_LIMIT:-100000000 per minute}"
# Production gunicorn refuses several workers counting rate limits on their own (memory://):
# give a shared store (VAWG_RATELIMIT_STORAGE_URI=redis://..., with the redis package) to
# measure several workers; without one the benchmark runs one worker, and says so.
if [ -z "${VAWG_RATELIMIT_STORAGE_URI:-}" ] && [ -z "${VAWG_GUNICORN_WORKERS:-}" ]; then
  export VAWG_GUNICORN_WORKERS=1
  echo "== one gunicorn worker: set VAWG_RATELIMIT_STORAGE_URI to a Redis to measure several"
fi
echo "== gunicorn (config/gunicorn.conf.py) on $base_url"
"$PYTHON" -m gunicorn -c config/gunicorn.conf.py wsgi:app >"$workdir/gunicorn.log" 2>&1 &
gunicorn_pid=$!
"$PYTHON" - "$base_url/healthz" <<'PY' || { tail -n 30 "$workdir/gunicorn.log" >&2; exit 1; }
import sys, time, urllib.request
for _ in range(120):
    try:
        if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200:
            sys.exit(0)
    except OSError:
        time.sleep(0.5)
sys.exit("gunicorn did not answer /healthz")
PY

# name|path|cookie
endpoints=(
  "/healthz|/healthz|"
  "home page (MP)|${seeded[HOME_PATH]}|${seeded[MEMBER_COOKIE]}"
  "agenda page (MP)|${seeded[AGENDA_PATH]}|${seeded[MEMBER_COOKIE]}"
  "casework list (assistant, ${seeded[OFFICE_CASES]} cases)|${seeded[CASEWORK_PATH]}|${seeded[ASSISTANT_COOKIE]}"
  "search results (assistant, 'stalking')|${seeded[SEARCH_PATH]}|${seeded[ASSISTANT_COOKIE]}"
  "calendar feed (MP)|${seeded[FEED_PATH]}|"
  "(floor) simplest signed-in page|/profile/calendar|${seeded[MEMBER_COOKIE]}"
  "/healthz (again)|/healthz|"
)

echo "== each endpoint answers 200 once"
for entry in "${endpoints[@]}"; do
  IFS='|' read -r name path cookie <<<"$entry"
  "$PYTHON" - "$PORT" "$path" "$cookie" "$name" <<'PY'
import http.client, sys
port, path, cookie, name = sys.argv[1:]
connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
connection.request("GET", path, headers={"Cookie": f"__Host-vawg_session={cookie}"} if cookie else {})
response = connection.getresponse()
body = response.read()
print(f"  {name}: {response.status}, {len(body)} bytes")
sys.exit(0 if response.status == 200 else f"{name} answered {response.status}, not 200")
PY
done

run_wrk() { # seconds path cookie
  local headers=()
  [ -n "$3" ] && headers=(-H "Cookie: __Host-vawg_session=$3")
  wrk -t2 -c"$CONNECTIONS" -d"$1" --timeout 10s -s benchmarks/http_count.lua "${headers[@]}" "$base_url$2"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== wrk: $CONNECTIONS connections, 2 threads, $WARMUP warm-up then $DURATION per endpoint (load average $load_before)"
results=()
for entry in "${endpoints[@]}"; do
  IFS='|' read -r name path cookie <<<"$entry"
  run_wrk "$WARMUP" "$path" "$cookie" >/dev/null
  line=$(run_wrk "$DURATION" "$path" "$cookie" | grep '^RESULT ')
  echo "  $name: $line"
  results+=("$name|$line")
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

status=0
printf '%s\n' "${results[@]}" | awk -F'|' -v goal="$GOAL" -v cores="$(nproc)" -v before="$load_before" -v after="$load_after" '
  function field(line, key,   parts) { split(line, parts, key "="); split(parts[2], parts, " "); return parts[1] + 0 }
  {
    name[NR] = $1
    rps[NR] = field($2, "requests") / (field($2, "duration_us") / 1e6)
    p50[NR] = field($2, "p50_us") / 1000
    p99[NR] = field($2, "p99_us") / 1000
    errors[NR] = field($2, "not_2xx") + field($2, "socket_errors")
    if (name[NR] ~ /^\/healthz/) { reference += rps[NR]; references++ }
    if (name[NR] ~ /^casework list/) casework = NR
    if (name[NR] ~ /^search results/) search = NR
  }
  END {
    reference = reference / references
    printf "\n%-44s %9s %9s %9s %7s %7s  %s\n", "endpoint", "req/s", "p50 ms", "p99 ms", "errors", "ratio", "goal >= " goal
    status = 0
    for (i = 1; i <= NR; i++) {
      ratio = rps[i] / reference
      verdict = ""
      if (name[i] !~ /^\/healthz/ && name[i] !~ /^\(floor\)/) verdict = (ratio >= goal && errors[i] == 0) ? "PASS" : "FAIL"
      if (errors[i] > 0) { status = 1; verdict = "FAIL (errors)" }
      else if (verdict == "FAIL" && status == 0) status = 2
      printf "%-44s %9.1f %9.1f %9.1f %7d %7.2f  %s\n", name[i], rps[i], p50[i], p99[i], errors[i], ratio, verdict
    }
    printf "\nRatios are to the mean of the two /healthz runs (%.1f req/s). The (floor) row, a page with\n", reference
    printf "one query of its own, shows what any signed-in page costs; it has no goal.\n"
    printf "Machine: %d cores; load average (1, 5, 15 min) %s before, %s after.\n", cores, before, after
    if (casework && search) printf "The search results page serves %.2f x the casework list'"'"'s requests per second (issue #17: at least 1).\n", rps[search] / rps[casework]
    exit status
  }' || status=$?
if [ "$status" -eq 1 ]; then
  echo "== the server's log (request lines left out)"
  grep -v " vawg_group.request " "$workdir/gunicorn.log" | tail -n 40
fi
exit "$status"
