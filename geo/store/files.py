"""The database file is its owner's alone: it holds password hashes. The file is made
``0600`` (tightened on first open if it was looser), a folder ANTT creates for it
``0700`` (a folder that existed is left as it was), and every write runs under umask
``077``, because DuckDB re-creates its ``.wal`` at each write after a checkpoint removed
it, with no mode of our choosing."""

from __future__ import annotations

import errno
import logging
import os
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["private_files", "private_folder", "tighten", "private_begin", "private_end"]

log = logging.getLogger(__name__)

PRIVATE_FOLDER = 0o700
_UMASK_LOCK = threading.Lock()
_umask_users = 0
_umask_saved = 0


def private_begin() -> None:
    global _umask_users, _umask_saved
    with _UMASK_LOCK:
        if _umask_users == 0:
            _umask_saved = os.umask(0o077)
            os.umask(_umask_saved | 0o077)  # never looser than the process asked
        _umask_users += 1


def private_end() -> None:
    global _umask_users
    with _UMASK_LOCK:
        _umask_users -= 1
        if _umask_users == 0:
            os.umask(_umask_saved)


@contextmanager
def private_files() -> Iterator[None]:
    """Files and folders created inside are their owner's alone (umask ``077``).

    A umask belongs to the process, not the thread: while any thread is inside, every
    file the process creates is private too. That only ever tightens a mode; the saved
    umask comes back when the last thread leaves."""
    private_begin()
    try:
        yield
    finally:
        private_end()


def private_folder(folder: str | os.PathLike[str]) -> list[Path]:
    """Create *folder* and its missing parents, each ``0700``; return those created.

    A folder that already exists (``/tmp``, a shared data folder) keeps its mode: only
    what ANTT creates is tightened."""
    folder = Path(folder)
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    if not missing and not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder))
    made = []
    for level in reversed(missing):
        try:
            level.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:  # another process made it first: not ours to change
            continue
        level.chmod(PRIVATE_FOLDER)  # mkdir's mode passes through the umask
        made.append(level)
    return made


def tighten(path: str | os.PathLike[str]) -> None:
    """Take the group's and others' access off the database file and its ``.wal`` (if
    there is one): ``0644`` becomes ``0600``. A file this process may not change (another
    user's) is left as it is, with a warning in the log."""
    for f in (Path(path), Path(f"{path}.wal")):
        try:
            mode = stat.S_IMODE(f.stat().st_mode)
            if mode & 0o077:
                f.chmod(mode & ~0o077)  # 0644 → 0600: the owner's bits stay
        except FileNotFoundError:
            continue
        except OSError as e:
            log.warning("cannot make %s private (%s): other local users may read it", f,
                        e.strerror)


