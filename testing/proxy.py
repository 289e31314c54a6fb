"""A TCP forwarder on loopback that a test can cut: the service behind it becomes unreachable, then comes back."""

import contextlib
import socket
import threading

from testing.processes import free_port


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `target_host`:`target_port`, one thread pair per connection.

    `cut()` closes every forwarded connection and refuses new ones (what a
    client sees when the service's host drops off the network and its
    connections are reset); `restore()` lets clients connect again.
    """

    def __init__(self, *, target_host: str, target_port: int, listen_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.listen_host = listen_host
        self.port = free_port()
        self.cuts = 0
        self._open = threading.Event()
        self._open.set()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._listener = socket.create_server((listen_host, self.port), reuse_port=False)
        self._thread = threading.Thread(target=self._accept, daemon=True, name=f"proxy-{self.port}")

    def start(self) -> "TcpProxy":
        self._thread.start()
        return self

    def cut(self) -> None:
        self._open.clear()
        self.cuts += 1
        with self._lock:
            connections, self._connections = self._connections, set()
        for sock in connections:
            _close(sock)

    def restore(self) -> None:
        self._open.set()

    def stop(self) -> None:
        self._stopped.set()
        self.cut()
        _close(self._listener)
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._open.is_set():
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._connections.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with self._lock:
                    self._connections.discard(sock)
                _close(sock)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
