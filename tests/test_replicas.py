"""Two replicas behind nginx on one warehouse (`make serve REPLICAS=2`): both serve a new snapshot after
an ingest, the balancer's answers carry the hardened headers and a sticky cookie, and a replica that is
killed is started again while the other keeps serving: nobody with the page open loses more than a
reconnect."""

from __future__ import annotations

import contextlib
import os
import signal
import urllib.error
import urllib.request

from conftest import FIXTURES, free_port, row, write_export
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from bench.load import Session, SessionFailure
from dashboard import replicas, serve
from dashboard.ingest import ingest


def headline(url: str) -> dict[str, str]:
    """The Overview's headline figures, as a new session on `url` is shown them."""
    figures = Session(url, 1, 0, (0, 0), 1).load()
    assert "Principal applications counted" in figures, figures
    return figures


class Person:
    """Someone with the page open through the balancer: their own route cookie, one WebSocket kept open."""

    def __init__(self, url: str, n: int, held: contextlib.ExitStack):
        self.held = held  # the connections, closed at the end of the test
        self.session = Session(url, n, 0, (0, 0), n)
        self.cookie = f"{replicas.ROUTE_COOKIE}=person-{n}"
        self.reconnects = 0
        self.ws = self._connect()
        self.session._run(self.ws, None)

    def _connect(self):
        s = self.session
        return self.held.enter_context(connect(s.ws_url, subprotocols=["streamlit"], origin=s.origin, max_size=None,
                                               open_timeout=30, additional_headers={"Cookie": self.cookie}))

    def look_again(self) -> dict[str, str]:
        """Rerun the page on the open connection; if it was lost, reconnect once (as the browser does)."""
        try:
            self.session._run(self.ws, None)
        except (ConnectionClosed, OSError, SessionFailure):
            self.reconnects += 1
            self.ws = self._connect()
            self.session._run(self.ws, None)
        return self.session.metrics


def test_two_replicas_serve_one_warehouse_and_see_an_ingest(demo_warehouse, tmp_path):
    env = {**os.environ, "DASHBOARD_WAREHOUSE": str(demo_warehouse), "DASHBOARD_PROGRAMS": str(FIXTURES / "programs.toml")}
    with (replicas.Balancer(free_port(), 2, tmp_path / "serve", env=env, replica_ports=[free_port(), free_port()]) as lb,
          contextlib.ExitStack() as held):
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

        people = [Person(lb.url, n, held) for n in range(6)]  # spread over both replicas by their cookies
        first = lb.members[0]
        os.kill(first.proc.pid, signal.SIGKILL)
        first.proc.wait(10)
        # Nobody loses more than a reconnect: those on the live replica go on, the others come back once.
        assert [p.look_again() for p in people] == [after[0]] * len(people)
        assert all(p.reconnects <= 1 for p in people)
        assert headline(lb.url) == after[0]  # the balancer sends newcomers to the live replica
        assert lb.check() == [first.port]
        lb.wait_healthy()
        assert headline(direct[0]) == after[0] and first.restarts == 1
