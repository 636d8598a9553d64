"""A server outage for browser tests: pytest-django's live server stopped for a while and started
again on the same host and port, so the browser sees the same origin (its service worker, cache,
IndexedDB and cookies stay) but, while it is down, every request refuses to connect, the
service worker's included (Chromium's network emulation cuts only the page's own requests).

The live server is a session fixture, so it is never replaced: its thread is. The thread used
here differs from Django's in two ways. It binds with SO_REUSEADDR, so the port can be taken
again at once whatever connections of the old one linger in TIME_WAIT. And it keeps the
connections it accepted and shuts them when it stops: Django's threaded server keeps HTTP/1.1
connections alive in their own threads, which would otherwise go on answering the browser on
a socket opened before the outage.
"""

import contextlib
import errno
import socket
import threading
import time

from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler

# How long a restart waits for the port to be free again before it gives up.
BIND_TIMEOUT = 10


class ClosingWSGIServer(ThreadedWSGIServer):
    """Django's threaded test server, which also shuts its open connections when closed, and
    waits for their threads to be done with them (and with the database connections they
    close) before it says it is closed: ``LiveServer.stop`` takes back the shared in-memory
    SQLite connection right after."""

    def __init__(self, *args, **kwargs):
        self.open_connections: set[socket.socket] = set()
        self.open_changed = threading.Condition()
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        # Called by the serving loop before the connection's thread starts, so a connection
        # is known from the moment it is accepted.
        with self.open_changed:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        try:
            super().shutdown_request(request)
        finally:
            with self.open_changed:
                self.open_connections.discard(request)
                self.open_changed.notify_all()

    def server_close(self):
        # ``shutdown`` has already ended the serving loop: nothing new is accepted.
        with self.open_changed:
            kept = list(self.open_connections)
        for connection in kept:
            # The thread reading it sees the end of the stream and closes it.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        with self.open_changed:
            if not self.open_changed.wait_for(
                lambda: not self.open_connections, timeout=BIND_TIMEOUT
            ):
                raise RuntimeError("the live server's connections did not close")
        super().server_close()


class RestartableServerThread(LiveServerThread):
    server_class = ClosingWSGIServer

    def _create_server(self, connections_override=None):
        deadline = time.monotonic() + BIND_TIMEOUT
        while True:
            try:
                return self.server_class(
                    (self.host, self.port),
                    QuietWSGIRequestHandler,
                    allow_reuse_address=True,
                    connections_override=connections_override,
                )
            except OSError as error:
                if error.errno != errno.EADDRINUSE or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


def restart(live_server) -> None:
    """Start the live server again, on the same host and port, with a restartable thread.

    The new thread serves as the old one did: the same static files handler and the same shared
    database connections (an in-memory SQLite database is shared with the server's threads;
    ``LiveServer.start`` counts the sharing again, ``stop`` had uncounted it)."""
    old = live_server.thread
    if old.is_alive():
        live_server.stop()
    thread = RestartableServerThread(
        old.host,
        old.static_handler,
        connections_override=old.connections_override,
        port=old.port,
    )
    thread.daemon = True
    live_server.thread = thread
    live_server.start()


def refuses_connections(live_server) -> bool:
    """Whether the live server's port refuses a TCP connection right now."""
    try:
        with socket.create_connection((live_server.thread.host, live_server.thread.port), 2):
            return False
    except ConnectionRefusedError:
        return True


@contextlib.contextmanager
def down(live_server):
    """The live server stopped inside the block and started again after it (also on a failure).

    The live server must be running on a ``RestartableServerThread`` (``restart`` it first,
    before the browser opens anything), or a kept-alive connection would outlive the stop."""
    if not isinstance(live_server.thread, RestartableServerThread):
        raise RuntimeError("restart(live_server) before the browser connects")
    live_server.stop()
    try:
        yield
    finally:
        restart(live_server)
