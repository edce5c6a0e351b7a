"""Runs the stack: the stack loader, the Backend interface with Docker and native backends, the supervisor."""
