#!/usr/bin/env python3
"""Accounts benchmarks (issue 4), each a ratio against a baseline measured in the same run:

1. Bulk upsert: POST /api/v1/employees/bulk with 10,000 rows, against a raw single-transaction
   INSERT of equivalent rows into the same database (target: API <= 3x raw).
2. Login storm: GET /api/v1/me p99 while 32 clients log in continuously, against its idle p99
   (target: <= 2x).

Usage: python3 bench/accounts.py            (SQLite in a temp dir)
       BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/verzuim_bench python3 bench/accounts.py
Needs the release binary (BENCH_BIN, default $CARGO_TARGET_DIR/release/verzuim) and wrk.
The run is inserted into BENCHMARKS.md below the runs marker, with this command line.
"""

import datetime
import json
import os
import re
import shlex
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/verzuim-target"))
BIN = os.environ.get("BENCH_BIN", os.path.join(TARGET, "release", "verzuim"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "")
MARKER = "<!-- bench:runs (bench/run.sh inserts each new run below this line) -->"
ROWS = 10_000
STORM_CLIENTS = 32
PASSWORD = "paarse fiets op de dijk"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method, url, body=None, token=None, form=False):
    data = None
    headers = {}
    if body is not None:
        if form:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, (json.loads(raw) if raw else None)


def wrk_p99_ms(url, token, seconds=10, connections=8):
    out = subprocess.run(
        ["wrk", "-t2", "-c%d" % connections, "-d%ds" % seconds, "--latency",
         "-H", "Authorization: Bearer " + token, url],
        check=True, capture_output=True, text=True).stdout
    match = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], rps


def main():
    work = tempfile.mkdtemp(prefix="verzuim-bench-")
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith("VERZUIM_") or k in ("DATABASE_URL", "SMTP_URL"))}
    env.update({
        "VERZUIM_DATA_DIR": work, "VERZUIM_BIND": "127.0.0.1:%d" % port, "VERZUIM_LOG": "warn",
        "VERZUIM_RATE_LIMIT_PER_MINUTE": "0", "VERZUIM_OUTBOX_POLL_MS": "100",
        "VERZUIM_FRONTEND_DIR": os.path.join(work, "none"),
        # No metrics listener: nothing here reads it, and its default port may be taken.
        "VERZUIM_METRICS_BIND": "",
    })
    if DATABASE_URL:
        env["DATABASE_URL"] = DATABASE_URL
    # BENCH_VERZUIM_X=v passes VERZUIM_X=v to the server (e.g. the Argon2 concurrency).
    env.update({k[len("BENCH_"):]: v for k, v in os.environ.items() if k.startswith("BENCH_VERZUIM_")})
    base = "http://127.0.0.1:%d" % port

    def cli(*args):
        out = subprocess.run([BIN, *args], env=env, cwd=work, check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    cli("migrate")
    employer_a = cli("employer", "create", "--name", "Bench A", "--absence-email", "hr@a.example")["id"]
    employer_b = cli("employer", "create", "--name", "Bench B", "--absence-email", "hr@b.example")["id"]
    client = cli("client", "create", "--employer", employer_a, "--name", "bench")
    server = subprocess.Popen([BIN, "serve"], env=env, cwd=work,
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "server.log"), "w"))
    try:
        for _ in range(200):
            try:
                if request("GET", base + "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        status, body = request("POST", base + "/api/v1/oauth/token", {
            "grant_type": "client_credentials", "client_id": client["client_id"],
            "client_secret": client["client_secret"]}, form=True)
        assert status == 200, body
        token = body["access_token"]
        results = []

        # 1. Bulk upsert through the API vs a raw single-transaction insert.
        rows = [{"external_id": "E%05d" % i, "email": "medewerker%05d@a.example" % i,
                 "first_name": "Voornaam%d" % i, "last_name": "Achternaam", "date_of_birth": "1980-01-01",
                 "language": "nl"} for i in range(ROWS)]
        started = time.perf_counter()
        status, body = request("POST", base + "/api/v1/employees/bulk", {"employees": rows}, token)
        api_seconds = time.perf_counter() - started
        assert status == 200, (status, str(body)[:300])
        now = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")
        values = [(str(uuid.uuid4()), employer_b, r["external_id"], r["email"], r["email"].lower(),
                   r["first_name"], r["last_name"], r["date_of_birth"], "nl", True, now, now) for r in rows]
        insert = ("INSERT INTO employees (id, employer_id, external_id, email, email_normalised, first_name, "
                  "last_name, date_of_birth, language, notify_new_documents, created_at, updated_at) VALUES ")
        started = time.perf_counter()
        if DATABASE_URL:
            lit = lambda v: "TRUE" if v is True else "'" + str(v).replace("'", "''") + "'"
            sql = "BEGIN;\n" + insert + ",\n".join(
                "(" + ", ".join(lit(v) for v in row) + ")" for row in values) + ";\nCOMMIT;\n"
            subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", DATABASE_URL], input=sql, text=True,
                           check=True, capture_output=True)
        else:
            db = sqlite3.connect(os.path.join(work, "verzuim.db"))
            with db:
                db.executemany(insert + "(?,?,?,?,?,?,?,?,?,?,?,?)", values)
            db.close()
        raw_seconds = time.perf_counter() - started
        ratio = api_seconds / raw_seconds
        results.append(("bulk upsert of %d employees: API / raw insert" % ROWS,
                        "%.2f s / %.3f s" % (api_seconds, raw_seconds), ratio, 3.0))

        # 2. Login storm: an active employee, GET /me p99 idle vs. under 32 logging-in clients.
        status, body = request("POST", base + "/api/v1/employees", {
            "email": "storm@a.example", "first_name": "Storm", "last_name": "Test",
            "date_of_birth": "1980-01-01"}, token)
        employee_id = body["id"]
        request("POST", base + "/api/v1/employees/%s/invitation" % employee_id, None, token)
        link = None
        for _ in range(100):
            for name in os.listdir(os.path.join(work, "mail")) if os.path.isdir(os.path.join(work, "mail")) else []:
                found = re.search(r"/activate/([A-Za-z0-9_-]{43})", open(os.path.join(work, "mail", name)).read())
                if found:
                    link = found.group(1)
            if link:
                break
            time.sleep(0.1)
        assert link, "no invitation e-mail"
        status, _ = request("POST", base + "/api/v1/activation/%s" % link, {
            "email": "storm@a.example", "date_of_birth": "1980-01-01", "password": PASSWORD})
        assert status == 201, status
        status, body = request("POST", base + "/api/v1/auth/login", {"email": "storm@a.example", "password": PASSWORD})
        assert status == 200, body
        employee_token = body["access_token"]
        idle_p99, idle_rps = wrk_p99_ms(base + "/api/v1/me", employee_token)

        stop = threading.Event()
        logins = [0]

        def storm():
            while not stop.is_set():
                request("POST", base + "/api/v1/auth/login", {"email": "storm@a.example", "password": PASSWORD})
                logins[0] += 1

        threads = [threading.Thread(target=storm, daemon=True) for _ in range(STORM_CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(1)
        storm_p99, storm_rps = wrk_p99_ms(base + "/api/v1/me", employee_token)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        results.append(("GET /me p99 during a %d-client login storm / idle" % STORM_CLIENTS,
                        "%.2f ms / %.2f ms (%d logins)" % (storm_p99, idle_p99, logins[0]),
                        storm_p99 / idle_p99, 2.0))
    finally:
        server.terminate()
        server.wait(timeout=30)

    db_kind = "PostgreSQL" if DATABASE_URL else "SQLite"
    passed = ["%s=%s" % (k, shlex.quote(v)) for k, v in sorted(os.environ.items()) if k.startswith("BENCH_VERZUIM_")]
    if DATABASE_URL:
        passed.insert(0, "BENCH_DATABASE_URL=%s" % shlex.quote(re.sub(r":[^:@/]*@", ":***@", DATABASE_URL)))
    command = " ".join(passed + ["python3 bench/accounts.py"])
    lines = ["### Accounts — %s — %s UTC, %d CPUs" % (db_kind, datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"),
                                                      os.cpu_count()),
             "", "`%s`" % command, "",
             "| measure | values | ratio | target | verdict |", "|---|---|---|---|---|"]
    for name, values, ratio, target in results:
        lines.append("| %s | %s | %.2f | ≤ %.1f | %s |" % (name, values, ratio, target,
                                                         "met" if ratio <= target else "**missed**"))
    block = "\n".join(lines) + "\n"
    print(block)
    path = os.environ.get("BENCH_OUTPUT", os.path.join(ROOT, "BENCHMARKS.md"))
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else "# Benchmarks\n\n" + MARKER + "\n"
    if MARKER not in text:
        text += "\n" + MARKER + "\n"
    head, tail = text.split(MARKER, 1)
    open(path, "w", encoding="utf-8").write(head + MARKER + "\n\n" + block + tail)


if __name__ == "__main__":
    sys.exit(main())
