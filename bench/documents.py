#!/usr/bin/env python3
"""Documents benchmarks (issue 6), each against a baseline measured in the same run:

1. Download of a 100 MiB document through GET /api/v1/documents/{id}/content (curl to /dev/null
   over loopback) against `cat` of the same bytes into /dev/null (both from the page cache; median
   of 5 timed runs each after one warm-up). Target: download MB/s / cat MB/s >= 0.5.
2. 10 concurrent 100 MiB downloads: server RSS growth < 16 MiB (VmRSS from /proc/<pid>/status,
   sampled every 5 ms; growth = peak during the downloads − VmRSS of the freshly restarted server
   before any download, so part 1 counts against it too).
3. Upload of a 25 MiB document (curl -F, streamed): server RSS growth < 8 MiB (peak during the
   upload − VmRSS after one small warm-up upload on a fresh server).

For context (no target) part 1 also times the same curl against a minimal HTTP server in this
script that answers with sendfile(2) — no copies in user space, no framework: what loopback and
curl allow on this machine, to tell how much of the distance to `cat` is the server's.

The server runs with VERZUIM_MAX_UPLOAD_BYTES=110000000 so the 100 MiB file can be uploaded; the
file is "%PDF-1.4\\n" followed by printable filler (sniffed as PDF). Downloaded bytes are checked
against the uploaded file's SHA-256.

Usage: python3 bench/documents.py         (SQLite in a temp dir; BENCH_DATABASE_URL for PostgreSQL)
Settings: BENCH_BIN, BENCH_OUTPUT (default BENCHMARKS.md), BENCH_KEEP=1.
"""

import datetime
import hashlib
import json
import os
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from absences import (BIN, DATABASE_URL, MARKER, OUTPUT, ROOT, Client, Server, log)  # noqa: E402

MIB = 1024 * 1024
BIG = 100 * MIB
UPLOAD = 25 * MIB
CONCURRENT = 10
TARGET_RATIO, TARGET_RSS_DOWNLOAD, TARGET_RSS_UPLOAD = 0.5, 16 * MIB, 8 * MIB


def make_pdf(path, size):
    line = (b"0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ filler for the bench\n")
    head = b"%PDF-1.4\n"
    h = hashlib.sha256()
    with open(path, "wb") as f:
        f.write(head)
        h.update(head)
        left = size - len(head)
        block = line * (MIB // len(line) + 1)
        while left:
            chunk = block[:min(left, MIB)]
            f.write(chunk)
            h.update(chunk)
            left -= len(chunk)
    return h.hexdigest()


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


class PeakRss:
    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, rss(self.pid))
            time.sleep(0.005)

    def __enter__(self):
        self.peak = rss(self.pid)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.peak = max(self.peak, rss(self.pid))


def upload(server, token, employee_id, path, title, idempotency_key=None):
    key = ["-H", "Idempotency-Key: " + idempotency_key] if idempotency_key else []
    out = subprocess.run(
        ["curl", "-sS", "-w", "\n%{http_code}", "-H", "Authorization: Bearer " + token, *key,
         "-F", "file=@%s;type=application/pdf;filename=%s" % (path, os.path.basename(path)),
         "-F", "title=" + title, "-F", "category=other", "-F", "document_date=2026-01-15",
         "-F", "visible_to_employee=true",
         server.base + "/api/v1/employees/%s/documents" % employee_id],
        check=True, capture_output=True, text=True).stdout
    body, code = out.rsplit("\n", 1)
    assert code == "201", (code, body[:500])
    return json.loads(body)


def download_cmd(server, token, doc_id, dest="/dev/null"):
    return ["curl", "-sS", "--fail", "-o", dest, "-w", "%{size_download}", "-H", "Authorization: Bearer " + token,
            server.base + "/api/v1/documents/%s/content" % doc_id]


class SendfileServer:
    """The reference: HTTP/1.1 200 with Content-Length, then sendfile(2) of the whole file."""

    def __init__(self, path):
        self.path, self.size = path, os.path.getsize(path)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = "http://127.0.0.1:%d/" % self.sock.getsockname()[1]
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % self.size)
                with open(self.path, "rb") as f:
                    conn.sendfile(f)

    def close(self):
        self.sock.close()


def timed(cmd, **kw):
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, **kw)
    return time.perf_counter() - start, out


def main():
    if not os.access(BIN, os.X_OK):
        sys.exit("bench: no executable at %s" % BIN)
    work = tempfile.mkdtemp(prefix="verzuim-bench-")
    files = os.path.join(work, "files")
    os.makedirs(files)
    server = Server(work, {"VERZUIM_MAX_UPLOAD_BYTES": "110000000"})
    results = []
    try:
        big, small, mid = (os.path.join(files, n) for n in ("dossier-100m.pdf", "klein.pdf", "plan-25m.pdf"))
        big_sha = make_pdf(big, BIG)
        make_pdf(small, 64 * 1024)
        make_pdf(mid, UPLOAD)

        server.cli("migrate")
        employer = server.cli("employer", "create", "--name", "Bench D", "--absence-email", "hr@d.example")["id"]
        server.start()
        token = server.client_token(employer)
        status, body = Client(server.base).call("POST", "/api/v1/employees", {
            "email": "dossier@d.example", "first_name": "Dos", "last_name": "Sier",
            "date_of_birth": "1980-01-01"}, token)
        assert status == 201, (status, body)
        employee_id = body["id"]

        # 3. Upload of 25 MiB on a fresh server, after one small warm-up upload.
        upload(server, token, employee_id, small, "warm-up")
        before = rss(server.proc.pid)
        with PeakRss(server.proc.pid) as peak:
            start = time.perf_counter()
            upload(server, token, employee_id, mid, "plan van aanpak")
            up_secs = time.perf_counter() - start
        growth = peak.peak - before
        results.append(("upload of a 25 MiB document: server RSS growth",
                        "%.1f MiB → peak %.1f MiB (+%.2f MiB), %.2f s" % (before / MIB, peak.peak / MIB,
                                                                        growth / MIB, up_secs),
                        "< 8 MiB", "met" if growth < TARGET_RSS_UPLOAD else "**missed**"))
        log("upload RSS growth %.2f MiB" % (growth / MIB))

        # 3b. The same with an Idempotency-Key: the middleware hashes the body, spooling it to a
        # temporary file instead of holding it in memory.
        before = rss(server.proc.pid)
        with PeakRss(server.proc.pid) as peak:
            start = time.perf_counter()
            upload(server, token, employee_id, mid, "plan van aanpak (met sleutel)", "bench-upload-1")
            up_secs = time.perf_counter() - start
        growth = peak.peak - before
        results.append(("… the same upload with an `Idempotency-Key`: server RSS growth",
                        "%.1f MiB → peak %.1f MiB (+%.2f MiB), %.2f s" % (before / MIB, peak.peak / MIB,
                                                                        growth / MIB, up_secs),
                        "< 8 MiB", "met" if growth < TARGET_RSS_UPLOAD else "**missed**"))
        log("upload with key RSS growth %.2f MiB" % (growth / MIB))

        doc = upload(server, token, employee_id, big, "dossier 100 MiB")
        small_doc = upload(server, token, employee_id, small, "klein")
        doc_id = doc["id"]
        # Restart the server so the download measurement starts from a clean process.
        server.stop()
        server.start()
        token = server.client_token(employer, "bench2")
        subprocess.run(download_cmd(server, token, small_doc["id"]), check=True, capture_output=True)
        pid = server.proc.pid
        before = rss(pid)

        with PeakRss(pid) as peak_all:
            # 1. One download vs cat, same bytes.
            got = os.path.join(work, "got.pdf")
            subprocess.run(download_cmd(server, token, doc_id, got), check=True, capture_output=True)
            with open(got, "rb") as f:
                h = hashlib.sha256()
                for chunk in iter(lambda: f.read(MIB), b""):
                    h.update(chunk)
            assert h.hexdigest() == big_sha, "downloaded bytes differ from the upload"
            os.remove(got)
            subprocess.run("cat %s > /dev/null" % shlex.quote(big), shell=True, check=True)
            reference = SendfileServer(big)
            reference_cmd = ["curl", "-sS", "--fail", "-o", "/dev/null", "-w", "%{size_download}", reference.url]
            subprocess.run(reference_cmd, check=True, capture_output=True)
            cat_t, dl_t, ref_t = [], [], []
            for _ in range(5):
                cat_t.append(timed("cat %s > /dev/null" % shlex.quote(big), shell=True)[0])
                t, out = timed(download_cmd(server, token, doc_id), text=True)
                assert int(out.stdout) == BIG, out.stdout
                dl_t.append(t)
                t, out = timed(reference_cmd, text=True)
                assert int(out.stdout) == BIG, out.stdout
                ref_t.append(t)
            reference.close()
            cat_rate = BIG / statistics.median(cat_t) / MIB
            dl_rate = BIG / statistics.median(dl_t) / MIB
            ref_rate = BIG / statistics.median(ref_t) / MIB
            ratio = dl_rate / cat_rate
            results.append(("100 MiB download (curl → /dev/null) / `cat` of the same file → /dev/null, median of 5",
                            "{:,.0f} MiB/s / {:,.0f} MiB/s".format(dl_rate, cat_rate),
                            "≥ 0.50 (ratio %.2f)" % ratio, "met" if ratio >= TARGET_RATIO else "**missed**"))
            results.append(("… for context: a bare sendfile(2) HTTP server → curl, same file, same loop; download / it",
                            "{:,.0f} MiB/s (ratio to `cat` {:.2f}); download / it {:.2f}".format(
                                ref_rate, ref_rate / cat_rate, dl_rate / ref_rate),
                            "informative", "—"))
            log("download %.0f MiB/s, cat %.0f MiB/s, ratio %.2f; sendfile reference %.0f MiB/s"
                % (dl_rate, cat_rate, ratio, ref_rate))

            # 2. Ten concurrent downloads.
            start = time.perf_counter()
            procs = [subprocess.Popen(download_cmd(server, token, doc_id), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for _ in range(CONCURRENT)]
            sizes = [int(p.communicate()[0]) for p in procs]
            conc_secs = time.perf_counter() - start
            assert all(p.returncode == 0 for p in procs) and sizes == [BIG] * CONCURRENT, sizes
        growth = peak_all.peak - before
        results.append(("%d concurrent 100 MiB downloads: server RSS growth (peak over parts 1 and 2)" % CONCURRENT,
                        "%.1f MiB → peak %.1f MiB (+%.2f MiB); %d × 100 MiB in %.2f s"
                        % (before / MIB, peak_all.peak / MIB, growth / MIB, CONCURRENT, conc_secs),
                        "< 16 MiB", "met" if growth < TARGET_RSS_DOWNLOAD else "**missed**"))
        log("download RSS growth %.2f MiB" % (growth / MIB))
    finally:
        server.stop()
        if os.environ.get("BENCH_KEEP") == "1":
            log("kept " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)

    db_kind = "PostgreSQL" if DATABASE_URL else "SQLite"
    prefix = "BENCH_BIN=%s " % shlex.quote(os.environ["BENCH_BIN"]) if os.environ.get("BENCH_BIN") else ""
    if DATABASE_URL:
        prefix = "BENCH_DATABASE_URL=%s " % shlex.quote(re.sub(r":[^:@/]*@", ":***@", DATABASE_URL)) + prefix
    command = prefix + "python3 bench/documents.py"
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "no commit"
    if subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                      capture_output=True, text=True).stdout.strip():
        commit += " + uncommitted changes"
    lines = ["### Documents — %s — %s UTC, %d CPUs, %s" % (
        db_kind, datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"), os.cpu_count(), commit),
        "", "`%s`" % command, "",
        "| measure | values | target | verdict |", "|---|---|---|---|"]
    for row in results:
        lines.append("| %s |" % " | ".join(row))
    lines += ["", "Note: local storage under the data dir; server started with VERZUIM_MAX_UPLOAD_BYTES=110000000; "
              "the file and its stored copy are in the page cache for both `cat` and the download."]
    block = "\n".join(lines) + "\n"
    print(block)
    text = open(OUTPUT, encoding="utf-8").read() if os.path.exists(OUTPUT) else "# Benchmarks\n\n" + MARKER + "\n"
    if MARKER not in text:
        text += "\n" + MARKER + "\n"
    head, tail = text.split(MARKER, 1)
    open(OUTPUT, "w", encoding="utf-8").write(head + MARKER + "\n\n" + block + tail)
    log("written to " + OUTPUT)


if __name__ == "__main__":
    sys.exit(main())
