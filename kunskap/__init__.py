"""Kunskapsassistenten: the application shell (settings, command line, wiring)."""

__version__ = "0.1.0"
