#!/usr/bin/env python3
"""Memory under oversized unauthenticated bodies (issue 12): 40 concurrent 5 MiB bodies sent to
the routes anyone may call (login, password reset, activation) must not make the server hold
them. Target: server RSS growth < 32 MiB.

Each request is sent twice over, in the same run: with a Content-Length (the server refuses it
before reading: 413) and chunked without one (the server stops reading at 16 KiB: 413). Growth =
peak VmRSS during a burst − VmRSS of the server after a warm-up of small bodies. The baseline,
measured in the same run on the same server, is the growth of 40 concurrent ordinary (~100 byte)
login bodies, so the ratio says how much more an attacker's megabytes cost than a normal burst.

Usage: python3 bench/public_bodies.py   (SQLite in a temp dir; BENCH_DATABASE_URL for PostgreSQL)
Settings: BENCH_BIN, BENCH_OUTPUT (default BENCHMARKS.md).
"""

import datetime
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from absences import BIN, DATABASE_URL, MARKER, OUTPUT, ROOT, Server, log  # noqa: E402
from documents import PeakRss, rss  # noqa: E402

MIB = 1024 * 1024
CONCURRENT = 40
BODY = 5 * MIB
TARGET_GROWTH = 32 * MIB
ROUTES = ["/api/v1/auth/login", "/api/v1/auth/password-reset", "/api/v1/activation/x/verify"]


def body(size):
    padding = "a" * max(0, size - 60)
    return json.dumps({"email": padding + "@bakkerij.nl", "password": "x"}).encode()


def send(port, path, payload, chunked, statuses):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        if chunked:
            conn.putrequest("POST", path)
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            step = 64 * 1024
            for i in range(0, len(payload), step):
                piece = payload[i:i + step]
                conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
            conn.send(b"0\r\n\r\n")
        else:
            conn.request("POST", path, payload, {"Content-Type": "application/json"})
        statuses.append(conn.getresponse().status)
    except (ConnectionError, http.client.HTTPException, OSError):
        # The server may answer 413 and close while the body is still being sent.
        statuses.append("closed")
    finally:
        conn.close()


def burst(server, payload, chunked):
    statuses = []
    threads = [threading.Thread(target=send, args=(server.port, ROUTES[i % len(ROUTES)], payload,
                                                   chunked, statuses)) for i in range(CONCURRENT)]
    with PeakRss(server.proc.pid) as peak:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return peak.peak, statuses


def main():
    if not os.access(BIN, os.X_OK):
        sys.exit("bench: %s missing (cargo build --release -p verzuim)" % BIN)
    work = tempfile.mkdtemp(prefix="verzuim-bench-bodies-")
    server = Server(work, {"VERZUIM_METRICS_BIND": ""})
    results, notes = [], []
    try:
        server.cli("migrate")
        server.start()
        burst(server, body(100), False)  # warm-up: workers, pools and buffers exist
        before = rss(server.proc.pid)
        peak, statuses = burst(server, body(100), False)
        baseline = max(0, peak - before)
        notes.append("baseline statuses: %s" % sorted(set(map(str, statuses))))
        for chunked in (False, True):
            before = rss(server.proc.pid)
            peak, statuses = burst(server, body(BODY), chunked)
            growth = max(0, peak - before)
            refused = sum(1 for s in statuses if s in (413, "closed"))
            if refused != CONCURRENT:
                sys.exit("bench: not every oversized body was refused: %s" % statuses)
            label = "%d × 5 MiB, %s" % (CONCURRENT, "chunked" if chunked else "Content-Length")
            results.append([label, "%.1f MiB growth (baseline %.1f MiB)" % (growth / MIB, baseline / MIB),
                            "%.2f" % (growth / max(baseline, MIB)), "< 32 MiB",
                            "met" if growth < TARGET_GROWTH else "MISSED"])
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    record(results, notes)
    return 0 if all(r[-1] == "met" for r in results) else 1


def record(results, notes):
    command = "python3 bench/public_bodies.py" + (" (BENCH_DATABASE_URL set)" if DATABASE_URL else "")
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "no commit"
    if subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                      capture_output=True, text=True).stdout.strip():
        commit += " + uncommitted changes"
    lines = ["### Oversized public bodies — %s — %s UTC, %d CPUs, %s" % (
        "PostgreSQL" if DATABASE_URL else "SQLite",
        datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"), os.cpu_count(), commit),
        "", "`%s`" % command, "",
        "| measure | server RSS | growth ÷ max(baseline, 1 MiB) | target | verdict |", "|---|---|---|---|---|"]
    lines += ["| %s |" % " | ".join(r) for r in results]
    lines += [""] + ["Note: %s." % n for n in notes]
    block = "\n".join(lines) + "\n"
    print(block)
    text = open(OUTPUT, encoding="utf-8").read()
    head, tail = text.split(MARKER, 1)
    open(OUTPUT, "w", encoding="utf-8").write(head + MARKER + "\n\n" + block + tail)
    log("written to " + OUTPUT)


if __name__ == "__main__":
    sys.exit(main())
