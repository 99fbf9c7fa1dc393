"""geo.store.files.private_files: the umask is the process's, shared by threads; it stays
private while any thread is inside and comes back when the last one leaves."""

import os
import threading

from geo.store.files import private_files


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_the_umask_stays_private_until_the_last_thread_leaves():
    old = os.umask(0o022)
    try:
        both_in, leave = threading.Barrier(2), threading.Event()

        def writer() -> None:
            with private_files():
                both_in.wait()
                leave.wait()

        other = threading.Thread(target=writer)
        other.start()
        with private_files():
            both_in.wait()
            assert _umask() == 0o077
        assert _umask() == 0o077  # the other thread is still writing
        leave.set()
        other.join()
        assert _umask() == 0o022
        os.umask(0o177)  # a stricter mask of the process's own is kept, never loosened
        with private_files():
            assert _umask() == 0o177
        assert _umask() == 0o177
    finally:
        os.umask(old)
