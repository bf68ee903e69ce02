"""The ``hourglass`` command line (typer); wiring only, the logic lives in the library."""

from hourglass.cli.app import app, main

__all__ = ["app", "main"]
