#!/usr/bin/env python3
"""Schemathesis over the served OpenAPI document, as an integrator's fuzzer would use it.

For each database (SQLite, then PostgreSQL) this starts the real `verzuim serve`, sets up an
employer with an API client and an activated employee with an absence, then runs schemathesis
twice — as the employer system (the employer API) and as the employee (the /me, /auth and
activation routes) — with the checks `not_a_server_error` and `response_schema_conformance`.
Any finding fails the run. Each run is bounded by SCHEMATHESIS_SECONDS (default 60) and uses
the seed SCHEMATHESIS_SEED (a fixed default; `random` for a new one each run).

    python3 tests/contract/run.py            # needs VERZUIM_BIN or the release binary
"""

import datetime
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

REPO = pathlib.Path(__file__).resolve().parents[2]
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", pathlib.Path.home() / ".cache/verzuim-target"))
BIN = os.environ.get("VERZUIM_BIN", str(TARGET / "release" / "verzuim"))
ST = os.environ.get("SCHEMATHESIS", str(pathlib.Path.home() / ".cache/verzuim-venv/bin/st"))
SECONDS = os.environ.get("SCHEMATHESIS_SECONDS", "60")
# A fixed seed by default, so the test command explores the same cases on every run and a red
# run means a change broke something; SCHEMATHESIS_SEED=random explores new ground.
SEED = os.environ.get("SCHEMATHESIS_SEED", "20261201")
POSTGRES = os.environ.get("VERZUIM_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
PASSWORD = "paarse fiets op de dijk"
EMPLOYEE_ROUTES = r"^/api/v1/(me|auth|activation|status)"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(method, url, token=None, body=None, form=None):
    headers = {}
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    if form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        raise SystemExit(f"contract: {method} {url} answered {e.code}: {e.read().decode()}")


class Server:
    def __init__(self, database):
        self.data_dir = pathlib.Path(tempfile.mkdtemp(prefix="verzuim-contract-"))
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.database = database
        self.pg_name = None
        if database == "postgres":
            self.pg_name = f"verzuim_contract_{uuid.uuid4().hex}"
            self.psql(f"CREATE DATABASE {self.pg_name}")
            url = f"{POSTGRES}/{self.pg_name}"
        else:
            url = f"sqlite://{self.data_dir / 'verzuim.db'}"
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/root"),
            "DATABASE_URL": url,
            "VERZUIM_DATA_DIR": str(self.data_dir),
            "VERZUIM_BIND": f"127.0.0.1:{self.port}",
            "VERZUIM_PUBLIC_URL": self.base,
            "VERZUIM_METRICS_BIND": "",
            "VERZUIM_RATE_LIMIT_PER_MINUTE": "0",
            "VERZUIM_FRONTEND_DIR": str(self.data_dir / "no-frontend"),
            "VERZUIM_LOG": os.environ.get("VERZUIM_LOG", "error"),
            "VERZUIM_OUTBOX_POLL_MS": "100",
        }
        self.process = subprocess.Popen([BIN, "serve"], env=self.env, cwd=self.data_dir)
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{self.base}/health", timeout=1)
                return
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(f"contract: the server exited with {self.process.returncode}")
                time.sleep(0.1)
        raise SystemExit("contract: the server did not come up")

    def psql(self, sql):
        subprocess.run(["psql", f"{POSTGRES}/postgres", "-q", "-c", sql], check=True)

    def cli(self, *args):
        out = subprocess.run([BIN, *args], env=self.env, cwd=self.data_dir, check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out)

    def newest_link(self, page):
        for _ in range(100):
            for mail in sorted(self.data_dir.glob("mail/*"), key=lambda p: p.stat().st_mtime, reverse=True):
                text = re.sub(r"=\r?\n", "", mail.read_text(errors="replace"))
                found = re.search(rf"/{page}/([A-Za-z0-9_-]{{20,}})", text)
                if found:
                    return found.group(1)
            time.sleep(0.1)
        raise SystemExit(f"contract: no e-mail with a /{page}/ link arrived")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        if self.pg_name:
            self.psql(f"DROP DATABASE IF EXISTS {self.pg_name} WITH (FORCE)")
        shutil.rmtree(self.data_dir, ignore_errors=True)


def set_up(server):
    employer = server.cli("employer", "create", "--name", "Bakkerij Contract",
                          "--absence-email", "verzuim@bakkerij.nl")
    client = server.cli("client", "create", "--employer", employer["id"], "--name", "fuzzer")
    _, token = call("POST", f"{server.base}/api/v1/oauth/token", form={
        "grant_type": "client_credentials", "client_id": client["client_id"],
        "client_secret": client["client_secret"]})
    employer_token = token["access_token"]
    # Two-step login off for this employer: the fuzzer holds a password session, as an employee
    # of an employer without the policy does (the policy itself is tested in tests/api/logins.rs
    # and in the e2e journey, which enrols an authenticator).
    status, _ = call("PATCH", f"{server.base}/api/v1/employer", employer_token, {"mfa_required": False})
    if status != 200:
        raise SystemExit(f"contract: turning two-step login off answered {status}")
    email = "jan.jansen@bakkerij.nl"
    _, employee = call("POST", f"{server.base}/api/v1/employees", employer_token, {
        "email": email, "date_of_birth": "1985-04-12", "first_name": "Jan",
        "last_name": "Jansen", "language": "nl", "external_id": "P001"})
    call("POST", f"{server.base}/api/v1/employees/{employee['id']}/invitation", employer_token)
    invitation = server.newest_link("activate")
    call("POST", f"{server.base}/api/v1/activation/{invitation}", body={
        "email": email, "date_of_birth": "1985-04-12", "password": PASSWORD})
    _, login = call("POST", f"{server.base}/api/v1/auth/login", body={"email": email, "password": PASSWORD})
    employee_token = login["access_token"]
    today = datetime.date.today().isoformat()
    call("POST", f"{server.base}/api/v1/me/absences", employee_token, {"first_sick_day": today})
    return employer_token, employee_token


def fuzz(server, role, token, routes):
    print(f"\n== schemathesis: {server.database}, as the {role}", flush=True)
    command = [
        ST, "run", f"{server.base}/api/openapi.json",
        "--checks", "not_a_server_error,response_schema_conformance",
        "--header", f"Authorization: Bearer {token}",
        # One worker: with several, Hypothesis parses lambdas' sources in parallel threads and
        # CPython 3.11 can fail that with "AST constructor recursion depth mismatch", an error
        # of the tool that would fail the run without any finding.
        "--max-time", SECONDS, "--workers", "1", "--request-timeout", "15",
        "--suppress-health-check", "all", "--no-color",
        *([] if SEED == "random" else ["--seed", SEED]),
        *routes,
    ]
    return subprocess.run(command).returncode


def main():
    for tool in (BIN, ST):
        if not os.access(tool, os.X_OK):
            raise SystemExit(f"contract: {tool} is missing (see README)")
    failed = []
    for database in ("sqlite", "postgres"):
        server = Server(database)
        try:
            employer_token, employee_token = set_up(server)
            if fuzz(server, "employer", employer_token, ["--exclude-path-regex", EMPLOYEE_ROUTES]):
                failed.append(f"{database}/employer")
            # Logging out everywhere would end the fuzzer's own session after one request.
            employee_routes = ["--include-path-regex", EMPLOYEE_ROUTES,
                               "--exclude-path-regex", r"^/api/v1/auth/logout-all$"]
            if fuzz(server, "employee", employee_token, employee_routes):
                failed.append(f"{database}/employee")
        finally:
            server.stop()
    if failed:
        raise SystemExit(f"contract: schemathesis found problems in {', '.join(failed)}")
    print("\ncontract: schemathesis found nothing")


if __name__ == "__main__":
    main()
