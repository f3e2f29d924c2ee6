"""Reach a container's own network namespace from this machine's, without Docker's bridge or iptables.

The image's CMD listens on port 8000, written into the Dockerfile, so with `--network host` only one
container could run at a time and only while nothing else here holds 8000. Instead each container gets
a namespace of its own (a holder container started with `--network none`, the app joining it with
`--network container:HOLDER`), where 8000 is always free, and this relay, running in the test process,
straddles the two namespaces:

- a free port on 127.0.0.1 here  ->  127.0.0.1:8000 inside (the app, as its CMD says);
- 127.0.0.1:PORT inside  ->  127.0.0.1:PORT here (PostgreSQL, the moto server), so the app reaches them
  at the same addresses as on the host.

A socket belongs to the namespace it was created in; one worker thread enters the container's namespace
with setns(2) and makes the inside sockets, ordinary threads copy the bytes. Needs root (or CAP_SYS_ADMIN)
and an engine whose containers run on this kernel (not Docker Desktop's VM).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

CLONE_NEWNET = 0x40000000  # <sched.h>
_libc = ctypes.CDLL(None, use_errno=True)


class RelayError(RuntimeError):
    """The container's namespace cannot be entered from here; the message says why."""


def _enter_namespace(pid: int) -> None:
    fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"setns: {os.strerror(errno)}")
    finally:
        os.close(fd)


def _listener(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(64)
    sock.settimeout(0.2)  # the accept loop checks for close() this often
    return sock


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.settimeout(None)
    return sock


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


class NetnsRelay:
    """TCP relays between this namespace and the one process `pid` lives in."""

    def __init__(self, pid: int) -> None:
        if not os.access(f"/proc/{pid}/ns/net", os.R_OK):
            raise RelayError(
                f"/proc/{pid}/ns/net is not readable here (needs root, and the engine on this kernel)"
            )
        self._inside = ThreadPoolExecutor(
            1, thread_name_prefix="netns", initializer=_enter_namespace, initargs=(pid,)
        )
        self._listeners: list[socket.socket] = []
        self._closed = threading.Event()
        try:
            self._inside.submit(lambda: None).result()
        except Exception as exc:  # BrokenThreadPool when setns failed
            self._inside.shutdown(wait=False)
            raise RelayError(f"cannot enter the container's network namespace: {exc}") from None

    def expose(self, inside_port: int) -> int:
        """A free port on 127.0.0.1 here that reaches 127.0.0.1:inside_port in the container."""
        listener = _listener(0)
        self._serve(listener, lambda: self._inside.submit(_connect, inside_port).result())
        port: int = listener.getsockname()[1]
        return port

    def bring_in(self, port: int) -> None:
        """127.0.0.1:port in the container reaches 127.0.0.1:port here."""
        listener = self._inside.submit(_listener, port).result()
        self._serve(listener, lambda: _connect(port))

    def _serve(self, listener: socket.socket, connect: Callable[[], socket.socket]) -> None:
        self._listeners.append(listener)

        def accept_loop() -> None:
            while not self._closed.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                client.settimeout(None)
                threading.Thread(target=self._join, args=(client, connect), daemon=True).start()

        threading.Thread(target=accept_loop, daemon=True).start()

    @staticmethod
    def _join(client: socket.socket, connect: Callable[[], socket.socket]) -> None:
        try:
            upstream = connect()
        except OSError:
            client.close()  # nothing listens there (yet): the caller sees the connection closed
            return
        back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
        back.start()
        _pump(client, upstream)
        back.join()
        client.close()
        upstream.close()

    def close(self) -> None:
        self._closed.set()
        for listener in self._listeners:
            listener.close()
        self._inside.shutdown(wait=False)
