"""The wall-screen link `antt wall-token create` prints points where the dashboard is
served: its port (``ANTT_PORT``, what `antt serve` listens on), or the public address
behind a proxy; never a fixed :8501."""

from __future__ import annotations

import pytest

from geo.cli_accounts import dashboard_url


@pytest.mark.parametrize("env,url", [
    ({}, "http://127.0.0.1:8501"),
    ({"ANTT_PORT": "8765"}, "http://127.0.0.1:8765"),
    ({"ANTT_PORT": "8502", "ANTT_ADDRESS": "0.0.0.0"}, "http://localhost:8502"),
    ({"ANTT_ADDRESS": "10.0.0.5", "ANTT_PORT": "9000"}, "http://10.0.0.5:9000"),
    ({"ANTT_PUBLIC_URL": "https://antt.example/, https://other"}, "https://antt.example"),
])
def test_the_link_follows_where_the_dashboard_is_served(monkeypatch, env, url):
    for name in ("ANTT_PORT", "ANTT_ADDRESS", "ANTT_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert dashboard_url() == url


def test_antt_serve_listens_on_the_port_setting(tmp_path, monkeypatch):
    from geo import cli
    ran = []
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd, **kw: ran.append(cmd) or 0)
    monkeypatch.setenv("ANTT_PORT", "8765")
    assert cli.main(["--db", str(tmp_path / "s.duckdb"), "serve"]) == 0
    assert ran[0][ran[0].index("--server.port") + 1] == "8765"
    assert cli.main(["--db", str(tmp_path / "s.duckdb"), "serve", "--port", "8800"]) == 0
    assert ran[1][ran[1].index("--server.port") + 1] == "8800"
