"""Serve the dashboard from N Streamlit replicas behind nginx, on one address.

    python -m dashboard.replicas --replicas 2 --port 8501     # what `make serve REPLICAS=2` runs

Each replica is the guarded server of a single deployment (`streamlit run dashboard/serve.py`, with its
hardening headers and host check) on 127.0.0.1 (ports PORT+1 .. PORT+N), all reading the same
warehouse folder: snapshots are opened read-only and each replica notices a new one on its own, so an
ingest publishes once for all. nginx (Debian's package; scripts/ensure-nginx installs it) listens on
PORT and sends a browser to one replica throughout (a cookie keys a consistent hash: Streamlit keeps a
session's state, uploads and media in one process), upgrades the WebSocket, passes the replicas'
headers through (and sets the essential ones on its own error pages), refuses /_stcore/metrics, and
answers /healthz from a healthy replica. This process checks every replica's /_stcore/health and
starts again one that died or stopped answering; meanwhile nginx sends its users to the others (they
reconnect, as after a network blip). Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.programs import ROOT

NGINX = os.environ.get("DASHBOARD_NGINX", "/usr/sbin/nginx")
HEALTH_EVERY_S = 2.0
UNHEALTHY_AFTER = 3  # failed checks in a row before a live process is restarted
START_TIMEOUT_S = 90.0
ROUTE_COOKIE = "dashboard_replica"

# What nginx sets when a response lacks it (its own error pages, a replica that is down): the replicas
# set the full list themselves (dashboard/serve.py HEADERS, docs/security.md), passed through untouched.
FALLBACK_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _var(header: str) -> str:
    return header.lower().replace("-", "_")


def nginx_conf(port: int, replica_ports: list[int], prefix: Path, address: str = "127.0.0.1") -> str:
    """nginx's whole configuration for the balancer (no include of the system's sites)."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=3s;" for p in replica_ports)
    fallbacks = "\n".join(f'    map $upstream_http_{_var(k)} $fallback_{_var(k)} {{ "" "{v}"; default ""; }}'
                          for k, v in FALLBACK_HEADERS.items())
    headers = "\n".join(f"        add_header {k} $fallback_{_var(k)} always;" for k in FALLBACK_HEADERS)
    return f"""# written by python -m dashboard.replicas; regenerated at every start
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
daemon off;

events {{ worker_connections 1024; }}

http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server_tokens off;
    client_max_body_size 60m;

    # A browser keeps the replica it was first sent to: the cookie's value keys a consistent hash.
    map $cookie_{ROUTE_COOKIE} $route {{
        ""      $request_id;
        default $cookie_{ROUTE_COOKIE};
    }}
    map $cookie_{ROUTE_COOKIE} $set_route {{
        ""      "{ROUTE_COOKIE}=$route; Path=/; HttpOnly; SameSite=Strict";
        default "";
    }}
{fallbacks}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      "";
    }}

    upstream replicas {{
        hash $route consistent;
{servers}
    }}

    server {{
        listen {address}:{port};
{headers}
        add_header Set-Cookie $set_route always;

        # (every proxy_set_header here, none in a location: a location that sets one inherits none)
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_next_upstream error timeout http_502 http_503;
        proxy_connect_timeout 3s;

        location = /_stcore/metrics {{ return 404; }}
        location = /healthz {{ proxy_pass http://replicas/_stcore/health; }}
        location /_stcore/stream {{
            proxy_pass http://replicas;
            proxy_read_timeout 1d;
            proxy_send_timeout 1d;
        }}
        location / {{ proxy_pass http://replicas; }}
    }}
}}
"""


def healthy(port: int, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=timeout) as r:
            return r.status == 200
    except OSError:
        return False


@dataclass
class Replica:
    port: int
    log: Path
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    failed_checks: int = 0
    restarts: int = 0

    def start(self) -> None:
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "dashboard/serve.py", "--server.port", str(self.port),
                 "--server.address", "127.0.0.1", "--server.headless", "true"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.failed_checks = 0

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@dataclass
class Balancer:
    """N replicas and nginx in front of them; `check()` restarts a replica that died or hangs."""

    port: int
    replicas: int
    run_dir: Path
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    address: str = "127.0.0.1"
    replica_ports: list[int] | None = None  # default: the ports after `port`
    members: list[Replica] = field(default_factory=list)
    nginx: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}"

    def start(self, wait: bool = True) -> Balancer:
        if not Path(NGINX).exists():
            raise SystemExit(f"nginx is not installed ({NGINX}): run `bash scripts/ensure-nginx`")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        env = {**self.env, "PYTHONPATH": str(ROOT)}
        ports = self.replica_ports or [self.port + 1 + i for i in range(self.replicas)]
        self.members = [Replica(p, self.run_dir / f"replica-{i + 1}.log", env) for i, p in enumerate(ports)]
        for r in self.members:
            r.start()
        conf = self.run_dir / "nginx.conf"
        conf.write_text(nginx_conf(self.port, [r.port for r in self.members], self.run_dir, self.address))
        test = subprocess.run([NGINX, "-t", "-q", "-c", str(conf), "-p", str(self.run_dir)],
                              capture_output=True, text=True)
        if test.returncode != 0:
            self.stop()
            raise SystemExit(f"nginx refused the configuration {conf}: {test.stderr.strip()}")
        self.nginx = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(self.run_dir)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        if wait:
            self.wait_healthy()
        return self

    def wait_healthy(self, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(healthy(r.port) for r in self.members) and self._balancer_answers():
                return
            if self.nginx is not None and self.nginx.poll() is not None:
                break
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the replicas did not all answer within {timeout:.0f} s; see {self.run_dir}")

    def _balancer_answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def check(self) -> list[int]:
        """One round of health checks; the ports of the replicas started again."""
        restarted = []
        for r in self.members:
            dead = r.proc is None or r.proc.poll() is not None
            if not dead:
                r.failed_checks = 0 if healthy(r.port) else r.failed_checks + 1
            if dead or r.failed_checks >= UNHEALTHY_AFTER:
                r.stop()
                r.start()
                r.restarts += 1
                restarted.append(r.port)
        return restarted

    def stop(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)  # graceful: finish the requests in flight
            try:
                self.nginx.wait(10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
        for r in self.members:
            r.stop()

    def __enter__(self) -> Balancer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dashboard.replicas", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replicas", type=int, default=2, help="Streamlit processes (default %(default)s)")
    ap.add_argument("--port", type=int, default=8501, help="nginx's port; replicas use the next ones")
    ap.add_argument("--address", default="127.0.0.1", help="nginx's address (default %(default)s)")
    ap.add_argument("--run-dir", type=Path, help="nginx's configuration and logs (default: a temporary folder)")
    args = ap.parse_args(argv)
    if args.replicas < 1:
        ap.error("--replicas must be at least 1")
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="dashboard-serve-"))
    balancer = Balancer(args.port, args.replicas, run_dir, address=args.address)
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    balancer.start()
    print(f"serving {balancer.url} through nginx: {args.replicas} replicas on ports "
          f"{', '.join(str(r.port) for r in balancer.members)}; logs in {run_dir}; Ctrl-C stops", flush=True)
    try:
        while not stopping:
            for port in balancer.check():
                print(f"replica on port {port} died or stopped answering: started again", flush=True)
            time.sleep(HEALTH_EVERY_S)
    finally:
        balancer.stop()
        if args.run_dir is None:
            shutil.rmtree(run_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
