"""The typed client of the gateway's JSON API (requests only), used by the desktop and the CLI."""

from umt.client.api import GatewayClient, Job, LoginResult, Page, ResourceClient, Session, TotpEnrolment
from umt.client.errors import (ApiError, Conflict, GatewayUnreachable, JobFailed, Locked, NotFound, Unauthorized,
                               ValidationFailed)

__all__ = [
    "ApiError", "Conflict", "GatewayClient", "GatewayUnreachable", "Job", "JobFailed", "Locked", "LoginResult",
    "NotFound", "Page", "ResourceClient", "Session", "TotpEnrolment", "Unauthorized", "ValidationFailed",
]
