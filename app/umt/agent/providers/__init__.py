"""Text providers for drafting: an OpenAI-compatible HTTP endpoint and an offline template engine."""
