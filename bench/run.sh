#!/usr/bin/env bash
# Load benchmark of the Verzuim API: builds the release binary, starts it on a fresh data dir
# (SQLite by default), measures each endpoint in ENDPOINTS with wrk in one run, and writes the
# result to BENCHMARKS.md at the repository root. See bench/README.md.
#
# Usage: bench/run.sh
#
# Environment (all optional):
#   BENCH_DATABASE_URL   postgres://… of an empty, throw-away database; default: SQLite in a temp dir
#   BENCH_THREADS        wrk threads                 (default 2)
#   BENCH_CONNECTIONS    wrk connections             (default 64)
#   BENCH_DURATION       wrk duration per endpoint   (default 10s)
#   BENCH_WARMUP         unrecorded run per endpoint before measuring, 0 to skip (default 2s)
#   BENCH_BIN            use this verzuim binary instead of building one
#   BENCH_OUTPUT         report file                 (default <repo>/BENCHMARKS.md)
#   BENCH_ENFORCE=1      exit 1 when a target is missed (default: report only)
#   BENCH_KEEP=1         keep the temp dir (data, server log, raw wrk output)
#   BENCH_START_TIMEOUT  seconds to wait for GET /health after start (default 60)
#   CARGO_TARGET_DIR     default $HOME/.cache/verzuim-target
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

case "${1:-}" in
"") ;;
-h | --help)
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
	exit 0
	;;
*) die "unexpected argument '$1' (settings are environment variables, see --help)" ;;
esac

# ---------------------------------------------------------------------------------------------
# What is measured. One line per endpoint: "label|path|auth|wrk lua script (optional)".
#   auth:   none | bearer (an employer-client access token, all scopes)
#   script: file in bench/ passed to `wrk -s`, for methods other than GET, bodies, …
# The first line is the baseline every other endpoint is compared to.
ENDPOINTS=(
	"GET /health|/health|none|"
	"GET /api/v1/employer|/api/v1/employer|bearer|"
)
# Targets (BENCHMARKS.md repeats them). They apply to TARGET_ENDPOINT; p99 only on SQLite.
TARGET_ENDPOINT="GET /api/v1/employer"
TARGET_RATIO=0.35 # req/s of TARGET_ENDPOINT divided by req/s of the baseline
TARGET_P99_MS=5   # at TARGET_CONNECTIONS connections
TARGET_CONNECTIONS=64
# ---------------------------------------------------------------------------------------------

THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
OUTPUT=${BENCH_OUTPUT:-$ROOT/BENCHMARKS.md}
ENFORCE=${BENCH_ENFORCE:-0}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/verzuim-target}

# The command line as given, for the report: the BENCH_* settings that change the measurement,
# with any password in the database URL masked.
redact_url() { sed -E 's#^([a-z0-9+.-]+://[^:/@]*):[^/]*@#\1:REDACTED@#' <<<"$1"; }
INVOCATION=""
for var in BENCH_DATABASE_URL BENCH_THREADS BENCH_CONNECTIONS BENCH_DURATION BENCH_WARMUP BENCH_BIN; do
	if [[ -n ${!var:-} ]]; then
		value=${!var}
		[[ $var == BENCH_DATABASE_URL ]] && value=$(redact_url "$value")
		INVOCATION+="$var=$(printf '%q' "$value") "
	fi
done
INVOCATION+="bench/run.sh"

# ---- tools ----------------------------------------------------------------------------------
command -v curl >/dev/null || die "curl is needed"
command -v python3 >/dev/null || die "python3 is needed"
if ! command -v wrk >/dev/null; then
	if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
		log "installing wrk"
		{ apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }; } >&2
	else
		die "wrk is not installed (Debian/Ubuntu: sudo apt-get install wrk)"
	fi
fi

if [[ -n ${BENCH_BIN:-} ]]; then
	BIN=$BENCH_BIN
else
	log "building release binary (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
	(cd "$ROOT" && cargo build --release -p verzuim) >&2
	BIN=$CARGO_TARGET_DIR/release/verzuim
fi
[[ -x $BIN ]] || die "no executable at $BIN"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

# ---- a fresh, isolated instance ---------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/verzuim-bench.XXXXXX")
SERVER_PID=""

cleanup() {
	local rc=$?
	if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	if [[ $rc -ne 0 && -s $WORK/server.log ]]; then
		log "last lines of the server log:"
		tail -n 40 "$WORK/server.log" >&2
	fi
	if [[ ${BENCH_KEEP:-0} == 1 ]]; then
		log "kept $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Only the settings below reach the app: nothing from the caller's shell, nor from a .env in the
# repo (every verzuim command runs inside $WORK).
while read -r var; do
	unset "$var"
done < <(compgen -e | grep -E '^(VERZUIM_|DATABASE_URL$|SMTP_URL$)' || true)

if [[ -n ${BENCH_DATABASE_URL:-} ]]; then
	export DATABASE_URL=$BENCH_DATABASE_URL
	DB_KIND=postgres
else
	DB_KIND=sqlite # the default: sqlite://<data dir>/verzuim.db
fi
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
BASE=http://127.0.0.1:$PORT
mkdir -p "$WORK/data"
export VERZUIM_DATA_DIR=$WORK/data
export VERZUIM_BIND=127.0.0.1:$PORT
export VERZUIM_LOG=warn
export VERZUIM_RATE_LIMIT_PER_MINUTE=0
# No metrics listener: nothing here reads it, and its default port may be taken.
export VERZUIM_METRICS_BIND=

verzuim() { (cd "$WORK" && "$BIN" "$@"); }

# Prints the value of key $1 of the JSON object on stdin. Tolerates log lines around the object:
# then the last JSON object in the output that holds the key wins.
json_field() {
	python3 -c '
import json, sys
key, text = sys.argv[1], sys.stdin.read()
decoder, docs, i = json.JSONDecoder(), [], text.find("{")
while i >= 0:
    try:
        doc, end = decoder.raw_decode(text, i)
        docs.append(doc)
    except ValueError:
        end = i + 1
    i = text.find("{", end)
for doc in reversed(docs):
    if isinstance(doc, dict) and doc.get(key) not in (None, ""):
        print(doc[key])
        sys.exit(0)
sys.exit("bench: no %r in this output:\n%s" % (key, text[:2000]))
' "$1"
}

log "database: $DB_KIND, data dir: $WORK/data"
verzuim migrate >&2 || die "verzuim migrate failed"
out=$(verzuim employer create --name Bench --absence-email hr@bench.example) ||
	die "verzuim employer create failed"
EMPLOYER_ID=$(json_field id <<<"$out")
out=$(verzuim client create --employer "$EMPLOYER_ID" --name bench) || die "verzuim client create failed"
CLIENT_ID=$(json_field client_id <<<"$out")
CLIENT_SECRET=$(json_field client_secret <<<"$out")

log "starting verzuim serve on $BASE"
(cd "$WORK" && exec "$BIN" serve) >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

deadline=$((SECONDS + ${BENCH_START_TIMEOUT:-60}))
until [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/health" || true) == 200 ]]; do
	kill -0 "$SERVER_PID" 2>/dev/null || die "verzuim serve exited before GET /health answered 200"
	((SECONDS < deadline)) || die "GET /health did not answer 200 within ${BENCH_START_TIMEOUT:-60}s"
	sleep 0.2
done

code=$(curl -sS -o "$WORK/token.json" -w '%{http_code}' --max-time 10 \
	-d grant_type=client_credentials \
	--data-urlencode "client_id=$CLIENT_ID" \
	--data-urlencode "client_secret=$CLIENT_SECRET" \
	"$BASE/api/v1/oauth/token") || die "token request failed"
[[ $code == 200 ]] || die "POST /api/v1/oauth/token answered $code: $(head -c 500 "$WORK/token.json")"
TOKEN=$(json_field access_token <"$WORK/token.json")

# ---- measure ----------------------------------------------------------------------------------
# Prints "req/s p99_ms non_2xx_3xx socket_errors" from a wrk --latency report.
parse_wrk() {
	python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
to_ms = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}
rps = re.search(r"^Requests/sec:\s+([\d.]+)\s*$", text, re.M)
p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.M)
if not rps or not p99:
    sys.exit("bench: cannot read wrk output:\n" + text)
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
print(rps.group(1), "%.3f" % (float(p99.group(1)) * to_ms[p99.group(2)]),
      bad.group(1) if bad else 0, sum(map(int, sock.groups())) if sock else 0)
PY
}

RESULTS=$WORK/results.tsv
: >"$RESULTS"
for i in "${!ENDPOINTS[@]}"; do
	IFS='|' read -r label path auth script <<<"${ENDPOINTS[$i]}"
	args=(-t"$THREADS" -c"$CONNECTIONS")
	shown_auth=""
	curl_auth=()
	case "$auth" in
	none) ;;
	bearer)
		args+=(-H "Authorization: Bearer $TOKEN")
		curl_auth=(-H "Authorization: Bearer $TOKEN")
		shown_auth=" -H 'Authorization: Bearer \$TOKEN'"
		;;
	*) die "endpoint '$label': unknown auth '$auth'" ;;
	esac
	shown_script=""
	if [[ -n $script ]]; then
		[[ -f $ROOT/bench/$script ]] || die "endpoint '$label': no bench/$script"
		args+=(-s "$ROOT/bench/$script")
		shown_script=" -s bench/$script"
	else
		# Plain GET: make sure it succeeds before measuring, or we would time error pages.
		code=$(curl -s -o "$WORK/check.out" -w '%{http_code}' --max-time 10 "${curl_auth[@]}" "$BASE$path" || true)
		[[ $code == 2?? ]] || die "$label answered $code before the run: $(head -c 500 "$WORK/check.out")"
	fi

	if [[ $WARMUP != 0 ]]; then
		log "$label: warm-up $WARMUP"
		wrk "${args[@]}" -d"$WARMUP" "$BASE$path" >/dev/null
	fi
	log "$label: measuring ${DURATION} with $CONNECTIONS connections, $THREADS threads"
	raw=$WORK/wrk-$i.txt
	wrk "${args[@]}" -d"$DURATION" --latency "$BASE$path" | tee "$raw" >&2
	parsed=$(parse_wrk "$raw")
	read -r rps p99 bad sockerr <<<"$parsed"
	[[ $bad == 0 ]] || die "$label: $bad responses were not 2xx/3xx; the numbers would be meaningless"
	[[ $sockerr == 0 ]] || log "warning: $label: $sockerr socket errors (see the wrk output above)"
	cmd="wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency$shown_auth$shown_script $BASE$path"
	printf '%s\t%s\t%s\t%s\t%s\n' "$label" "$rps" "$p99" "$sockerr" "$cmd" >>"$RESULTS"
done

# ---- report -----------------------------------------------------------------------------------
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "no commit yet")
if [[ -n $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null || true) ]]; then
	commit+=" + uncommitted changes"
fi
R_NPROC=$(nproc)
R_CPU=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n 1 || true)
R_WRK=$({ wrk -v 2>&1 || true; } | head -n 1 | cut -d' ' -f1-2)
export R_NPROC R_CPU R_WRK
export R_RESULTS=$RESULTS R_OUTPUT=$OUTPUT R_DB=$DB_KIND R_COMMIT=$commit R_INVOCATION=$INVOCATION
export R_ENFORCE=$ENFORCE R_CONNECTIONS=$CONNECTIONS R_WARMUP=$WARMUP
export R_TARGET_ENDPOINT=$TARGET_ENDPOINT R_TARGET_RATIO=$TARGET_RATIO
export R_TARGET_P99_MS=$TARGET_P99_MS R_TARGET_CONNECTIONS=$TARGET_CONNECTIONS

python3 - <<'PY'
import datetime, os, sys

env = os.environ
rows = [line.rstrip("\n").split("\t") for line in open(env["R_RESULTS"]) if line.strip()]
base_rps = float(rows[0][1])
now = datetime.datetime.now(datetime.timezone.utc)
stamp = now.strftime("%Y-%m-%d %H:%M UTC")
target_ep = env["R_TARGET_ENDPOINT"]
t_ratio, t_p99 = float(env["R_TARGET_RATIO"]), float(env["R_TARGET_P99_MS"])
t_conn = env["R_TARGET_CONNECTIONS"]

table = [
    "| date | machine (nproc) | database | endpoint | req/s | p99 | ratio to `%s` |" % rows[0][0],
    "|---|---:|---|---|---:|---:|---:|",
]
verdicts, missed = [], []
for label, rps, p99, _sockerr, _cmd in rows:
    ratio = float(rps) / base_rps
    table.append("| %s | %s | %s | `%s` | %s | %.2f ms | %.2f |" % (
        stamp, env["R_NPROC"], env["R_DB"], label, "{:,.0f}".format(float(rps)), float(p99), ratio))
    if label != target_ep:
        continue
    ok = ratio >= t_ratio
    verdicts.append("throughput ratio %.2f (target ≥ %.2f): **%s**" % (ratio, t_ratio, "met" if ok else "missed"))
    if not ok:
        missed.append("ratio")
    if env["R_DB"] != "sqlite" or env["R_CONNECTIONS"] != t_conn:
        verdicts.append("p99 %.2f ms: target (≤ %g ms) applies to SQLite at %s connections only"
                        % (float(p99), t_p99, t_conn))
    else:
        ok = float(p99) <= t_p99
        verdicts.append("p99 %.2f ms (target ≤ %g ms): **%s**" % (float(p99), t_p99, "met" if ok else "missed"))
        if not ok:
            missed.append("p99")

run = ["### %s · %s · %s" % (stamp, env["R_DB"], env["R_COMMIT"]), ""] + table + [""]
if verdicts:
    run += ["Targets for `%s`: %s." % (target_ep, "; ".join(verdicts)), ""]
run += [
    "Machine: %s × %s; %s; verzuim %s." % (env["R_NPROC"], env["R_CPU"] or "unknown CPU", env["R_WRK"] or "wrk", env["R_COMMIT"]),
    "",
    "Command:",
    "",
    "```sh",
    env["R_INVOCATION"],
    "```",
    "",
    "which ran (%s`$TOKEN` is a fresh `client_credentials` token):"
    % ("" if env["R_WARMUP"] == "0" else "each after an unrecorded warm-up of " + env["R_WARMUP"] + "; "),
    "",
    "```sh",
] + [row[4] for row in rows] + ["```", ""]

MARKER = "<!-- bench:runs (bench/run.sh inserts each new run below this line) -->"
header = """# Benchmarks

Throughput and tail latency of the Verzuim API, measured with `wrk` by
[`bench/run.sh`](bench/run.sh); what it measures and why is in [`bench/README.md`](bench/README.md).
Absolute numbers depend on the machine, so compare the **ratio** to `{base}` (same server, same
run) across machines and over time. This file is written by the script: above the marker it is
regenerated on each run, below it every run is kept, newest first.

## Targets

| what | target |
|---|---|
| `{ep}` throughput relative to `{base}` | ≥ {ratio:.0%} (ratio ≥ {ratio:.2f}) |
| `{ep}` p99 latency, {conn} connections, SQLite | ≤ {p99:g} ms |

## Runs

{marker}
""".format(base=rows[0][0], ep=target_ep, ratio=t_ratio, conn=t_conn, p99=t_p99, marker=MARKER)

path = env["R_OUTPUT"]
older = ""
if os.path.exists(path):
    text = open(path, encoding="utf-8").read()
    if MARKER in text:
        older = text.split(MARKER, 1)[1].lstrip("\n")
with open(path, "w", encoding="utf-8") as f:
    f.write(header + "\n" + "\n".join(run) + ("\n" + older if older else ""))

print("\n".join(table))
for v in verdicts:
    print(v.replace("**", ""))
print("written to %s" % path)
if missed and env["R_ENFORCE"] == "1":
    sys.exit("bench: target missed: " + ", ".join(missed))
PY
