"""Shared by the unusable-database tests of several levels: a real database's bytes, damaged."""

from __future__ import annotations

import pytest

from geo import incidents as inc
from geo.store import Store

from .conftest import report_args


@pytest.fixture(scope="module")
def good_bytes(tmp_path_factory) -> bytes:
    """A real database with data in it, as bytes to damage."""
    path = tmp_path_factory.mktemp("good") / "good.duckdb"
    store = Store(path)
    store.init()
    for i in range(200):
        inc.report(store, **report_args(description=f"vụ việc số {i} " * 20))
    store.close()
    return path.read_bytes()


def _damaged(kind: str, good: bytes) -> bytes:
    if kind == "truncated":
        return good[: len(good) // 4]
    if kind == "flipped":
        b = bytearray(good)
        for i in range(4096, len(b), 509):
            b[i] ^= 0xFF
        return bytes(b)
    if kind == "zero bytes":
        return b""
    if kind == "zeros":
        return b"\0" * 65536
    return "Đây là một tệp văn bản, không phải cơ sở dữ liệu.\n".encode() * 100
