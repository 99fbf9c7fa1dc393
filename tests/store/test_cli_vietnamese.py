"""Every line the command line prints in Vietnamese (its default) is Vietnamese, with
Vietnam's local times: the demo's summary, rows, refusals of every kind, argparse's own
usage and errors, and the help of every command (issue 29, point 3)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime

import pytest

from geo.drills.demo import demo_password

# English words that have no business in a Vietnamese line. Whole words, any case; the
# command's own syntax (commands, options, {choices}, 'quoted codes', paths) is taken out
# of a line before it is read (`_prose`).
ENGLISH = """
new changed unchanged kept stored incidents sites teams events error errors usage options
positional arguments argument allowed not invalid field row version reported_at updated_at
created_by updated_by from the and or is was by of with choose required unknown nothing
written reload try again needs role wrong password locked seed drill commune communes show
help message exit default print results account file database features last import
vietnam utc time none warning expected unrecognized
""".split()
_ENGLISH = re.compile(r"\b(" + "|".join(ENGLISH) + r")\b", re.I)
# A time as stored (UTC): ISO 'T..' or an offset of zero, or microseconds.
_UTC_TIME = re.compile(r"\d{2}:\d{2}:\d{2}\.\d{6}|T\d{2}:\d{2}|[+-]00:?00\b|\d{2}Z\b")
_COMMANDS = ("init import layers remove simulate status incident report move unit register "
             "export user add passwd disable list wall-token create revoke migrate serve"
             ).split()


def _prose(line: str) -> str:
    """*line* without the command's syntax: the program and its commands, options,
    {choices}, quoted codes, paths and addresses, ``$ENV`` names."""
    line = re.sub(r"\{[^}]*\}", " ", line)
    line = re.sub(r"'[^']*'|`[^`]*`", " ", line)
    line = re.sub(r"\S*/\S*|\$\w+|\b[A-Z_]{4,}\b", " ", line)
    line = re.sub(r"(?<!\w)--?[\w-]+", " ", line)
    line = re.sub(r"\bantt(\s+(" + "|".join(_COMMANDS) + r")\b)*:?", " ", line)
    return re.sub(r"^\s+(" + "|".join(_COMMANDS) + r")\s{2,}", " ", line)


def _english(text: str) -> list[str]:
    """The lines of *text* that hold an English word or a stored (UTC) time."""
    return [line for line in text.splitlines()
            if _ENGLISH.search(_prose(line)) or _UTC_TIME.search(line)]


def _env(user: str | None = None, password: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("ANTT_LANG", "LANG", "LC_ALL", "ANTT_USER", "ANTT_PASSWORD",
                        "ANTT_DB")}
    env["LANG"] = "C.UTF-8"  # not English: Vietnamese, the default
    if user:
        env["ANTT_USER"] = user
        env["ANTT_PASSWORD"] = password or demo_password(user)
    return env


def _antt(db, *args, user: str | None = None, password: str | None = None,
          code: int | None = 0) -> str:
    r = subprocess.run([sys.executable, "-m", "geo.cli", "--db", str(db), *args],
                       capture_output=True, text=True, env=_env(user, password),
                       stdin=subprocess.DEVNULL, timeout=300)
    out = r.stdout + r.stderr
    assert code is None or r.returncode == code, (args, r.returncode, out)
    assert "Traceback" not in out
    return out


def _stored_utc(db, incident_id: int, column: str) -> datetime:
    from geo.store import Store

    store = Store(str(db))
    try:
        return store.get("incident", incident_id)[column]
    finally:
        store.close()


@pytest.mark.slow
def test_every_line_of_a_session_is_vietnamese_with_local_times(tmp_path):
    from geo.clock import local_text

    db = tmp_path / "antt.duckdb"
    printed: dict[str, str] = {}
    printed["init"] = _antt(db, "init")
    assert "3 mới, 0 thay đổi" in printed["init"] and "vụ việc" in printed["init"]
    printed["status"] = _antt(db, "status")
    printed["layers"] = _antt(db, "layers")

    row = _antt(db, "incident", "report", "--kind", "gathering", "--severity", "3",
                "--lon", "106.5286", "--lat", "20.9931", "--source", "hamlet_team",
                "--description", "Tụ tập trước nhà văn hóa", user="trucban")
    printed["report"] = row
    number = int(re.search(r"\bsố: (\d+)", row).group(1))
    reported = _stored_utc(db, number, "reported_at")
    assert f"tiếp nhận lúc: {local_text(reported, '%d/%m/%Y %H:%M:%S')}" in row, row
    assert f"{reported:%H:%M:%S}" not in row  # the stored UTC time is not shown
    assert "loại: Tụ tập đông người, khiếu kiện" in row and "trạng thái: Tiếp nhận" in row

    printed["move"] = _antt(db, "incident", "move", str(number), "verify", "--version",
                            "1", user="trucban")
    assert "trạng thái: Xác minh" in printed["move"]
    printed["illegal"] = _antt(db, "incident", "move", str(number), "arrive", "--version",
                               "2", user="trucban", code=2)
    assert "có thể: điều lực lượng" in printed["illegal"]
    stale = _antt(db, "incident", "move", str(number), "escalate", "--version", "1",
                  user="chihuy", code=2)
    printed["stale"] = stale
    changed = _stored_utc(db, number, "updated_at")
    assert local_text(changed, "%d/%m/%Y %H:%M:%S") in stale, stale
    assert f"{changed:%H:%M:%S}" not in stale
    printed["not found"] = _antt(db, "incident", "move", "9999", "verify", "--version", "1",
                                 user="trucban", code=2)
    printed["forbidden"] = _antt(db, "incident", "report", "--kind", "fire", "--severity",
                                 "2", "--lon", "106.52", "--lat", "20.99", "--source",
                                 "patrol", user="xem", code=2)
    printed["wrong password"] = _antt(db, "incident", "move", str(number), "note", "--note",
                                      "x", "--version", "2", user="trucban",
                                      password="sai-mat-khau", code=2)
    printed["bad input"] = _antt(db, "incident", "report", "--kind", "fire", "--severity",
                                 "9", "--lon", "21", "--lat", "106.5", "--source", "patrol",
                                 user="trucban", code=2)
    printed["bad kind"] = _antt(db, "incident", "report", "--kind", "fyre", code=2)
    printed["missing"] = _antt(db, "incident", "move", str(number), "verify", code=2)
    printed["unit"] = _antt(db, "unit", "register", "T99", "Tổ 99", "--size", "3",
                            user="admin")
    assert "quân số: 3" in printed["unit"] and "trạng thái: Sẵn sàng" in printed["unit"]
    printed["unit again"] = _antt(db, "unit", "register", "T99", "Tổ 99", user="admin",
                                  code=2)
    printed["unit size"] = _antt(db, "unit", "register", "T98", "Tổ 98", "--size", "0",
                                 user="admin", code=2)
    printed["export"] = _antt(db, "export", "--out", str(tmp_path / "out"), user="chihuy")
    printed["no user"] = _antt(db, "export", "--out", str(tmp_path / "out"), code=2)
    printed["period"] = _antt(db, "export", "--out", str(tmp_path / "out"), "--period",
                              "hôm qua", user="chihuy", code=2)
    for step, text in printed.items():
        assert text.strip(), step
        assert not _english(text), (step, _english(text))
    for step in ("illegal", "stale", "not found", "forbidden", "wrong password",
                 "bad input", "unit again", "unit size", "no user", "period"):
        assert printed[step].splitlines()[-1].startswith("lỗi: "), (step, printed[step])


_HELPS = [[], ["init"], ["import"], ["layers"], ["layers", "remove"], ["simulate"],
          ["status"], ["incident"],
          ["incident", "report"], ["incident", "move"], ["unit"], ["unit", "register"],
          ["export"], ["report"], ["user"], ["user", "add"], ["user", "passwd"],
          ["user", "disable"], ["user", "list"], ["wall-token"], ["wall-token", "create"],
          ["wall-token", "list"], ["wall-token", "revoke"], ["migrate"], ["serve"],
          ["reports"], ["reports", "due"], ["reports", "make"]]


def test_the_help_of_every_command_is_vietnamese(tmp_path):
    """`antt --help` as its own process, then every command's ``--help`` through the same
    ``main`` in one process (a process each would take a minute)."""
    main = subprocess.run([sys.executable, "-m", "geo.cli", "--help"], capture_output=True,
                          text=True, env=_env(), timeout=120)
    assert main.returncode == 0 and main.stdout.startswith("cách dùng: antt")
    assert "tuỳ chọn:" in main.stdout and "hiện hướng dẫn này rồi thoát" in main.stdout
    assert not _english(main.stdout + main.stderr), _english(main.stdout)
    script = ("import sys\nfrom geo.cli import main\n"
              f"for argv in {_HELPS!r}:\n"
              "    print('=====' + ' '.join(argv))\n"
              "    try:\n        main([*argv, '--help'])\n"
              "    except SystemExit:\n        pass\n")
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       env=_env(), timeout=120, cwd=os.getcwd())
    assert r.returncode == 0, r.stderr
    helps = r.stdout.split("=====")[1:]
    assert len(helps) == len(_HELPS)
    for text in helps:
        name, body = text.split("\n", 1)
        assert "cách dùng:" in body, name
        assert not _english(body), (name, _english(body))
    assert "--version PHIÊN_BẢN" in r.stdout and "phiên bản bạn đã đọc" in r.stdout


def test_english_on_request_keeps_codes_and_gives_local_times(tmp_path):
    db = tmp_path / "e.duckdb"
    env = {**_env(), "ANTT_LANG": "en"}
    run = subprocess.run([sys.executable, "-m", "geo.cli", "--db", str(db), "init", "--empty"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    report = subprocess.run(
        [sys.executable, "-m", "geo.cli", "--db", str(db), "incident", "report", "--kind",
         "fire", "--severity", "2", "--lon", "106.52", "--lat", "20.99", "--source",
         "patrol"], capture_output=True, text=True, env=env, timeout=120)
    assert report.returncode == 0, report.stderr
    assert report.stdout.startswith("id=1 kind=fire severity=2 status=reported")
    stored = _stored_utc(db, 1, "reported_at")
    from geo.clock import local_text
    assert f"reported_at={local_text(stored, '%d/%m/%Y %H:%M:%S')} " in report.stdout
    assert not _UTC_TIME.search(report.stdout)
    helped = subprocess.run([sys.executable, "-m", "geo.cli", "--lang", "en", "incident",
                             "move", "--help"], capture_output=True, text=True, env=_env(),
                            timeout=120)
    assert helped.stdout.startswith("usage: antt incident move") and \
        "the version you read" in helped.stdout and "options:" in helped.stdout
    refused = subprocess.run([sys.executable, "-m", "geo.cli", "--db", str(db), "incident",
                              "report", "--kind", "fyre"], capture_output=True, text=True,
                             env=env, timeout=120)
    assert "error: argument --kind: invalid choice: 'fyre'" in refused.stderr


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_kind_of_refusal_is_said_from_the_catalogue(lang):
    """Each domain error, rendered as the command line prints it: its catalogue message
    (not the English fallback) with Vietnam's time, in both languages."""
    from geo import cli_output
    from geo.accounts import LoginFailed, SessionEnded
    from geo.clock import parse_period
    from geo.errors import (
        AnttError,
        IllegalMove,
        NotFound,
        StaleVersion,
        StoreBusy,
        StoreUnusable,
    )

    def period() -> AnttError:
        try:
            parse_period("hôm qua")
        except AnttError as e:
            return e
        raise AssertionError

    errors = [IllegalMove("incident", 5, "verifying", "arrive", ["dispatch", "escalate"]),
              StaleVersion("incident", 5, 1, 2, "trucban", datetime(2021, 5, 23, 2, 4, 5)),
              NotFound("unit", "T9"), StoreBusy("x.duckdb", 30.2),
              StoreUnusable("x.duckdb", "damaged"), LoginFailed(), SessionEnded("op"),
              period()]
    before = cli_output.current_lang()
    cli_output.set_lang(lang)
    try:
        said = [cli_output.error_text(e) for e in errors]
    finally:
        cli_output.set_lang(before)
    if lang == "vi":
        assert all(s != str(e) for s, e in zip(said, errors, strict=True)), said
        assert not _english("\n".join(said)), _english("\n".join(said))
        assert said[0] == ("vụ việc 5: không thể có mặt khi đang ở trạng thái Xác minh; "
                           "có thể: điều lực lượng, chuyển cấp trên")
    assert "23/05/2021 09:04:05" in said[1] and "02:04:05" not in said[1]
