"""An outbound-traffic tripwire for a server process under test: copied into a temporary
folder as ``sitecustomize.py`` and put on the process's ``PYTHONPATH``, it installs an
audit hook that records every attempt to reach a host that is not this machine (a
connect, a datagram, a name lookup, a urllib request) as a JSON line in the file named by
``ANTT_TEST_OUTBOUND``, and makes the attempt fail, so nothing leaves even when the test
finds something. Without that variable it does nothing.

Loopback addresses, ``localhost``, 0.0.0.0 and Unix sockets are local; everything else
counts, a LAN address included.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
import traceback
from urllib.parse import urlsplit

_OUT = os.environ.get("ANTT_TEST_OUTBOUND")
_INET = (socket.AF_INET, socket.AF_INET6)


def _local(host: object) -> bool:
    """Is *host* (a name or an address, str or bytes, or None for 'any') this machine?"""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    name = str(host).strip("[]").split("%")[0].lower()
    if name in ("", "localhost") or name.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return False  # a name that needs a lookup
    return ip.is_loopback or ip.is_unspecified  # 0.0.0.0: "this host" (a bind, a probe)


def _target(event: str, args: tuple) -> str | None:
    """The non-local host an audited call tries to reach, or None."""
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[1]
        if getattr(sock, "family", None) not in _INET or not isinstance(address, tuple):
            return None  # a Unix socket, netlink, or a connected socket's plain send
        return None if _local(address[0]) else f"{address[0]}:{address[1]}"
    if event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
                 "socket.gethostbyaddr"):
        return None if _local(args[0]) else str(args[0])
    if event == "urllib.Request":
        host = urlsplit(str(args[0])).hostname
        return None if _local(host) else str(args[0])
    return None


def _hook(event: str, args: tuple) -> None:
    if not event.startswith(("socket.", "urllib.")):
        return
    target = _target(event, args)
    if target is None:
        return
    stack = [f"{f.filename}:{f.lineno} {f.name}" for f in traceback.extract_stack()[-12:-2]]
    with open(_OUT, "a", encoding="utf-8") as out:
        out.write(json.dumps({"event": event, "target": target, "pid": os.getpid(),
                              "stack": stack}) + "\n")
    raise OSError(f"outbound traffic blocked by the test: {event} {target}")


if _OUT:
    sys.addaudithook(_hook)
