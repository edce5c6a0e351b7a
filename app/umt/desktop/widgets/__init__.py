"""Reusable widgets of the control center; each shows data and emits signals, none runs work."""
