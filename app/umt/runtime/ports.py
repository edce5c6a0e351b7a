"""Is a loopback port free, and if not, who holds it."""

from __future__ import annotations

import errno
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
