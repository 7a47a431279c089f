"""Two replicas behind nginx on one warehouse (`make serve REPLICAS=2`): both serve a new snapshot after
an ingest, the balancer's answers carry the hardened headers and a sticky cookie, and a replica that is
killed is started again while the other keeps serving."""

from __future__ import annotations

import os
import signal
import urllib.error
import urllib.request

from conftest import FIXTURES, free_port, row, write_export

from bench.load import Session
from dashboard import replicas, serve
from dashboard.ingest import ingest


def headline(url: str) -> dict[str, str]:
    """The Overview's headline figures, as a new session on `url` is shown them."""
    figures = Session(url, 1, 0, (0, 0), 1).load()
    assert "Principal applications counted" in figures, figures
    return figures


def test_two_replicas_serve_one_warehouse_and_see_an_ingest(demo_warehouse, tmp_path):
    env = {**os.environ, "DASHBOARD_WAREHOUSE": str(demo_warehouse), "DASHBOARD_PROGRAMS": str(FIXTURES / "programs.toml")}
    with replicas.Balancer(free_port(), 2, tmp_path / "serve", env=env, replica_ports=[free_port(), free_port()]) as lb:
        direct = [f"http://127.0.0.1:{r.port}" for r in lb.members]
        with urllib.request.urlopen(lb.url + "/") as r:
            for name, value in serve.HEADERS.items():
                assert r.headers[name] == value, name
            assert r.headers["Set-Cookie"].startswith(f"{replicas.ROUTE_COOKIE}=")
            assert len(r.headers.get_all("X-Frame-Options")) == 1  # the replica's, passed through once
        try:
            urllib.request.urlopen(lb.url + "/_stcore/metrics")
            raise AssertionError("/_stcore/metrics answered through the balancer")
        except urllib.error.HTTPError as e:
            assert e.code == 404 and e.headers["X-Frame-Options"] == "DENY"

        before = [headline(u) for u in direct]
        assert before[0] == before[1] == headline(lb.url)  # through nginx's WebSocket upgrade too
        more = [row("N1", "2023-07-16T09:06:00"), row("F9", "2023-07-16T09:07:00", role="spouse", principal="N1")]
        ingest([write_export(tmp_path / "more.csv", more)], root=demo_warehouse, origin="demo")
        after = [headline(u) for u in direct]
        assert after[0] == after[1] != before[0]  # each replica noticed the one new snapshot

        first = lb.members[0]
        os.kill(first.proc.pid, signal.SIGKILL)
        first.proc.wait(10)
        assert headline(lb.url) == after[0]  # the balancer sends newcomers to the live replica
        assert lb.check() == [first.port]
        lb.wait_healthy()
        assert headline(direct[0]) == after[0] and first.restarts == 1
