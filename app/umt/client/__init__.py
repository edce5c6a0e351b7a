"""The typed client of the gateway's JSON API (requests only), used by the desktop and the CLI.

    client = GatewayClient("http://127.0.0.1:8710")
    if client.setup_required():
        client.setup_owner(email, name, password)
    else:
        result = client.login(email, password)
        if result.mfa_required:
            client.login_second_factor(result.challenge, code=code_from_the_user)
    page = client.content.list(status="scheduled", limit=50)          # Page[ContentItem]
    job = client.submit_job("score", {"content_id": page.items[0].id})
    job = client.wait_job(job.id, on_progress=lambda j: print(j.progress, j.step))

Errors are umt.client.errors types: Unauthorized (sign in again), NotFound, ValidationFailed
(`field` names the culprit, `details` lists CSV rows), Conflict, Locked (`retry_after`),
GatewayUnreachable (not running or too slow), UntrustedCertificate (a server's TLS certificate
that `verify` does not trust: GatewayClient(url, verify="owner-pinned.pem")), JobFailed. Calls block: run them off the GUI thread.
Records are umt.contract's Structs (attribute access named as the JSON fields: `brand.name`);
a reply that does not fit the contract raises ApiError with code "bad_reply"."""

from umt.client.api import GatewayClient, ResourceClient
from umt.contract import Job, LoginResult, Page, Session, TotpEnrolment
from umt.client.errors import (ApiError, Conflict, GatewayUnreachable, JobFailed, Locked, NotFound, Unauthorized,
                               UntrustedCertificate, ValidationFailed)

__all__ = [
    "ApiError", "Conflict", "GatewayClient", "GatewayUnreachable", "Job", "JobFailed", "Locked", "LoginResult",
    "NotFound", "Page", "ResourceClient", "Session", "TotpEnrolment", "Unauthorized", "UntrustedCertificate",
    "ValidationFailed",
]
