"""The command line speaks Vietnamese with Vietnam's local times by default, English with
``--lang en``, ``ANTT_LANG=en`` or an English ``LANG``."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from geo.cli import cli_lang


@pytest.mark.parametrize("env,lang", [
    ({}, "vi"), ({"LANG": "C.UTF-8"}, "vi"), ({"LANG": "vi_VN.UTF-8"}, "vi"),
    ({"LANG": "en_US.UTF-8"}, "en"), ({"LC_ALL": "en_GB.UTF-8", "LANG": "vi_VN"}, "en"),
    ({"ANTT_LANG": "vi", "LANG": "en_US.UTF-8"}, "vi"), ({"ANTT_LANG": "en"}, "en"),
])
def test_the_language_is_chosen_from_the_environment(env, lang):
    assert cli_lang(env) == lang


def _antt(db, *args, lang_env: dict[str, str]):
    env = {k: v for k, v in os.environ.items() if k not in ("ANTT_LANG", "LANG", "LC_ALL")}
    return subprocess.run([sys.executable, "-m", "geo.cli", "--db", str(db), *args],
                          capture_output=True, text=True, env={**env, **lang_env},
                          stdin=subprocess.DEVNULL, timeout=120)


def test_messages_in_vietnamese_by_default_and_english_on_request(tmp_path):
    db = tmp_path / "x.duckdb"
    vi = _antt(db, "init", "--empty", lang_env={"LANG": "C.UTF-8"})
    assert vi.returncode == 0, vi.stderr
    assert "cơ sở dữ liệu đã cập nhật" in vi.stdout and "chưa có tài khoản nào" in vi.stdout
    status = _antt(db, "status", lang_env={})
    assert "vụ việc" in status.stdout and "sự kiện" in status.stdout
    refused = _antt(db, "incident", "move", "99", "verify", "--version", "1", lang_env={})
    assert refused.returncode == 2 and refused.stderr.startswith("lỗi: ")
    en = _antt(db, "--lang", "en", "status", lang_env={"LANG": "vi_VN.UTF-8"})
    assert "incidents" in en.stdout and "vụ việc" not in en.stdout
    en = _antt(db, "layers", lang_env={"ANTT_LANG": "en"})
    assert en.stdout.startswith("no layers loaded")
