"""The ``hourglass`` command line (typer); wiring only, the logic lives in the library.

The console script (``hourglass.cli:main``) and ``python -m hourglass`` import this module
first, and it imports nothing heavy at its top: :func:`main` imports the app, so that Ctrl-C
while it imports (the first few tenths of a second of every command) is the command's one line
and exit code 130, not a traceback. ``app`` (the typer app) is imported when first asked for.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hourglass.cli.app import app

__all__ = ["app", "main"]

#: what a command stopped before it finished says after "interrupted" (Ctrl-C) or "stopped by
#: SIGTERM" (:func:`hourglass.cli.app.main`)
NOT_FINISHED = ("before the command finished; no output was written (models and files appear "
                "only when complete)")


def main() -> None:
    """Console-script entry point: :func:`hourglass.cli.app.main`, imported here; Ctrl-C while
    it imports is ``error: interrupted ...`` and exit code 130, as later in the command."""
    try:
        from hourglass.cli.app import main as run
    except KeyboardInterrupt:
        sys.stderr.write(f"error: interrupted {NOT_FINISHED}\n")
        sys.stderr.flush()
        raise SystemExit(130) from None
    run()


class _Cli(types.ModuleType):
    """This package: its ``app`` is the typer app, never the submodule of that name that the
    import system binds here once ``hourglass.cli.app`` is imported (as the eager import of it
    at this module's top used to rebind it)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "app" and isinstance(value, types.ModuleType):
            value = value.app
        super().__setattr__(name, value)


def __getattr__(name: str) -> Any:
    if name == "app":
        import hourglass.cli.app  # noqa: F401  (binds ``app`` here: see _Cli)

        return globals()["app"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


sys.modules[__name__].__class__ = _Cli
