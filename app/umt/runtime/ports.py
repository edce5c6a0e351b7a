"""Is a loopback port free, and if not, who holds it."""

from __future__ import annotations

import errno
import http.client
import json
import socket

import psutil

from umt.runtime.errors import PortInUse


def port_holder(port: int) -> str | None:
    """'name (pid N)' of the process listening on the port, where the OS lets us know."""
    try:
        connections = psutil.net_connections(kind="inet")
    except (psutil.Error, OSError):
        return None
    for connection in connections:
        if connection.status == psutil.CONN_LISTEN and connection.laddr and connection.laddr.port == port:
            if connection.pid is None:
                return None
            try:
                return f"{psutil.Process(connection.pid).name()} (pid {connection.pid})"
            except psutil.Error:
                return f"pid {connection.pid}"
    return None


def check_port_free(port: int, service: str, host: str = "127.0.0.1") -> None:
    """Raises PortInUse naming the port and, where known, the program holding it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the servers do: connections lingering in TIME_WAIT must not count as "in use".
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortInUse(port, service, port_holder(port)) from None
            raise


def own_service_answers(port: int, service: str, path: str = "/health", timeout: float = 1.0) -> bool:
    """True when the stack's own `service` answers on the port: its health check names it. A port
    held by the running stack is in use as it should be, not by a program to stop."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = json.loads(response.read(4096) or b"null") if response.status == 200 else None
    except (OSError, http.client.HTTPException, ValueError):
        return False
    finally:
        connection.close()
    return isinstance(body, dict) and body.get("service") == service
