"""Ultimate Marketing Team, the desktop edition."""

__version__ = "0.1.0"
