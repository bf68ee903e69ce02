"""Shared checks of the CLI's error policy for the test modules."""

from __future__ import annotations

import hashlib
from pathlib import Path

from typer.testing import CliRunner

from hourglass.cli import app

runner = CliRunner()


def one_line_error(args: list[str], match: str, out: Path | None = None) -> None:
    """``hourglass ARGS`` exits with code 2 and one stderr line containing ``match``, no
    traceback, and leaves no ``out`` behind."""
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert match in lines[0], lines[0]
    assert out is None or not out.exists()


def digest(model: Path) -> str:
    """SHA-256 of a saved model's config and weights (to check that a command left it alone)."""
    return hashlib.sha256((model / "config.json").read_bytes()
                          + (model / "weights.safetensors").read_bytes()).hexdigest()
