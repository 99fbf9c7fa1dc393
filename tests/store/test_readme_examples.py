"""The README's command-line block runs as written on the demo database: each command
in its own process (``antt serve`` left out), ``N`` being the number ``incident report``
printed, each account's password its demo password (``ANTT_PASSWORD``)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from geo.drills.demo import demo_password

pytestmark = pytest.mark.slow
README = Path(__file__).resolve().parents[2] / "README.md"


def _commands() -> list[str]:
    """The first code block under "## The command line", one command per entry."""
    text = README.read_text(encoding="utf-8")
    block = text.split("## The command line", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands, pending = [], ""
    for line in block.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pending += " " + line.strip()
        if pending.endswith("\\"):
            pending = pending[:-1]
            continue
        commands.append(shlex.join(shlex.split(pending, comments=True)))
        pending = ""
    return commands


def test_the_readme_block_is_found():
    commands = _commands()
    assert commands[0] == "antt init" and commands[-1] == "antt serve"
    assert any(c.startswith("antt incident report") for c in commands)


def test_the_readme_commands_run_as_written_on_the_demo(tmp_path):
    env = {**os.environ, "ANTT_DB": str(tmp_path / "var" / "antt.duckdb")}
    env.pop("ANTT_USER", None)
    number = None
    for command in _commands():
        if command.startswith("export "):
            name, value = command.removeprefix("export ").split("=", 1)
            env[name] = value
            continue
        if command == "antt serve":
            continue
        args = shlex.split(command)  # comments are already gone
        if number is not None:
            args = [number if a == "N" else a for a in args]
        assert "N" not in args, f"{command}: no number printed before it"
        user = args[args.index("--user") + 1] if "--user" in args else env.get("ANTT_USER")
        run_env = {**env, "ANTT_PASSWORD": demo_password(user)} if user else env
        r = subprocess.run([sys.executable, "-m", "geo.cli", *args[1:]], cwd=tmp_path,
                           env=run_env, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=300)
        assert r.returncode == 0, f"{command}\n{r.stdout}\n{r.stderr}"
        if args[1:3] == ["incident", "report"]:
            number = re.search(r"\bid=(\d+)", r.stdout).group(1)
    assert number is not None
    assert (tmp_path / "bao-cao.pdf").stat().st_size > 10_000
    assert list((tmp_path / "exports").glob("*.csv"))
