#!/usr/bin/env python3
"""Login timing (issue 14): does the time of POST /api/v1/auth/login tell how many employers
an address is employed by? One login per person means one password hash per address, so a
wrong password costs one Argon2 run for an address with one employment, with two, and for an
address that has none (the dummy hash). Each figure is a ratio of medians against the
one-employment address, measured interleaved in the same run (target: within 10 %).

Usage: python3 bench/login_timing.py            (SQLite in a temp dir)
       BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/verzuim_bench python3 bench/login_timing.py
Needs the release binary (BENCH_BIN, default $CARGO_TARGET_DIR/release/verzuim). BENCH_ROUNDS
(default 60) sets the logins per address. The run is inserted into BENCHMARKS.md.
"""

import datetime
import json
import os
import re
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/verzuim-target"))
BIN = os.environ.get("BENCH_BIN", os.path.join(TARGET, "release", "verzuim"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "60"))
MARKER = "<!-- bench:runs (bench/run.sh inserts each new run below this line) -->"
PASSWORD = "paarse fiets op de dijk"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method, url, body=None, token=None, form=False):
    data, headers = None, {}
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
        with urllib.request.urlopen(req, timeout=60) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, (json.loads(raw) if raw else None)


def main():
    work = tempfile.mkdtemp(prefix="verzuim-bench-")
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith("VERZUIM_") or k in ("DATABASE_URL", "SMTP_URL"))}
    env.update({
        "VERZUIM_DATA_DIR": work, "VERZUIM_BIND": "127.0.0.1:%d" % port, "VERZUIM_LOG": "warn",
        "VERZUIM_RATE_LIMIT_PER_MINUTE": "0", "VERZUIM_OUTBOX_POLL_MS": "100",
        "VERZUIM_FRONTEND_DIR": os.path.join(work, "none"), "VERZUIM_METRICS_BIND": "",
        # Wrong passwords over and over: the lockout would end the measurement at the third.
        "VERZUIM_LOCKOUT_THRESHOLD": "1000000000",
    })
    if DATABASE_URL:
        env["DATABASE_URL"] = DATABASE_URL
    base = "http://127.0.0.1:%d" % port

    def cli(*args):
        out = subprocess.run([BIN, *args], env=env, cwd=work, check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    cli("migrate")
    employers = []
    for name in ("Bench A", "Bench B"):
        employer_id = cli("employer", "create", "--name", name, "--absence-email", "hr@bench.example")["id"]
        employers.append((employer_id, cli("client", "create", "--employer", employer_id, "--name", "bench")))
    server = subprocess.Popen([BIN, "serve"], env=env, cwd=work, stdout=subprocess.DEVNULL,
                              stderr=open(os.path.join(work, "server.log"), "w"))
    seen_mail = set()

    def invitation_link():
        for _ in range(200):
            folder = os.path.join(work, "mail")
            for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
                if name in seen_mail:
                    continue
                found = re.search(r"/activate/([A-Za-z0-9_-]{43})", open(os.path.join(folder, name)).read())
                if found:
                    seen_mail.add(name)
                    return found.group(1)
            time.sleep(0.05)
        raise AssertionError("no invitation e-mail")

    try:
        for _ in range(200):
            try:
                if request("GET", base + "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        tokens = []
        for _, client in employers:
            status, body = request("POST", base + "/api/v1/oauth/token", {
                "grant_type": "client_credentials", "client_id": client["client_id"],
                "client_secret": client["client_secret"]}, form=True)
            assert status == 200, body
            tokens.append(body["access_token"])

        def employ(token, email):
            status, body = request("POST", base + "/api/v1/employees", {
                "email": email, "first_name": "Bench", "last_name": "Test", "date_of_birth": "1980-01-01"}, token)
            assert status == 201, body
            request("POST", base + "/api/v1/employees/%s/invitation" % body["id"], None, token)
            status, body = request("POST", base + "/api/v1/activation/%s" % invitation_link(), {
                "email": email, "date_of_birth": "1980-01-01", "password": PASSWORD})
            assert status == 201, body

        employ(tokens[0], "one@bench.example")
        employ(tokens[0], "two@bench.example")
        employ(tokens[1], "two@bench.example")  # linked to the same login

        addresses = {"one employment": "one@bench.example", "two employments": "two@bench.example",
                     "no login": "nobody@bench.example"}
        timings = {name: [] for name in addresses}
        for address in addresses.values():  # warm-up
            request("POST", base + "/api/v1/auth/login", {"email": address, "password": "wrong password!"})
        for _ in range(ROUNDS):
            for name, address in addresses.items():
                started = time.perf_counter()
                status, _ = request("POST", base + "/api/v1/auth/login",
                                    {"email": address, "password": "wrong password!"})
                timings[name].append(time.perf_counter() - started)
                assert status == 401, status
    finally:
        server.terminate()
        server.wait(timeout=30)

    baseline = statistics.median(timings["one employment"])
    results = []
    for name in ("two employments", "no login"):
        median = statistics.median(timings[name])
        results.append(("wrong password, %s / one employment" % name,
                        "%.1f ms / %.1f ms" % (median * 1000, baseline * 1000), median / baseline))

    db_kind = "PostgreSQL" if DATABASE_URL else "SQLite"
    passed = ["BENCH_ROUNDS=%d" % ROUNDS]
    if DATABASE_URL:
        passed.insert(0, "BENCH_DATABASE_URL=%s" % shlex.quote(re.sub(r":[^:@/]*@", ":***@", DATABASE_URL)))
    command = " ".join(passed + ["python3 bench/login_timing.py"])
    lines = ["### Login timing — %s — %s UTC, %d CPUs" % (
                 db_kind, datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), os.cpu_count()),
             "", "`%s`" % command, "",
             "| measure | medians | ratio | target | verdict |", "|---|---|---|---|---|"]
    for name, values, ratio in results:
        lines.append("| %s | %s | %.3f | 0.90–1.10 | %s |" % (
            name, values, ratio, "met" if 0.9 <= ratio <= 1.1 else "**missed**"))
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
