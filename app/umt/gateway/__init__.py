"""The gateway: HTTP API, auth and data."""
