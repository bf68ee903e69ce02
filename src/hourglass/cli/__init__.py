"""The ``hourglass`` command line (typer); wiring only, the logic lives in the library.

The console script (``hourglass.cli:main``) and ``python -m hourglass`` import this module
first; Ctrl-C while it imports the app (the first few tenths of a second of every command) is
the command's one line and exit code 130, as later in the command, not a traceback; so is
Ctrl-C in the instant between the import and :func:`main`'s handling of it
(:mod:`hourglass.cli._uncaught`).
"""

import sys

__all__ = ["app", "main"]

#: what a command stopped before it finished says after "interrupted" (Ctrl-C) or "stopped by
#: SIGTERM" (:func:`hourglass.cli.app.main`)
NOT_FINISHED = ("before the command finished; no output was written (models and files appear "
                "only when complete)")

try:
    from hourglass.cli._uncaught import install

    install()  # (Ctrl-C between this import and main's own handling of it)
    from hourglass.cli.app import app, main
except KeyboardInterrupt:
    sys.stderr.write(f"error: interrupted {NOT_FINISHED}\n")
    sys.stderr.flush()
    raise SystemExit(130) from None
