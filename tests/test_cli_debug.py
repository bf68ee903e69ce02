"""HOURGLASS_DEBUG=1 puts the traceback before the one-line error (for a bug report); without it
the error stays one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner


@pytest.mark.parametrize("value", ["1", "yes"])
def test_debug_shows_the_traceback_and_keeps_the_line_and_exit_code(tmp_path: Path,
                                                                     value: str) -> None:
    args = ["score", str(tmp_path), str(tmp_path / "none.csv"), "-o", str(tmp_path / "o.csv")]
    res = runner.invoke(app, args, env={"HOURGLASS_DEBUG": value})
    assert res.exit_code == 2
    assert "Traceback (most recent call last)" in res.stderr
    assert res.stderr.strip().splitlines()[-1].startswith("error: ")


@pytest.mark.parametrize("value", ["0", ""])
def test_without_debug_the_error_is_one_line(tmp_path: Path, value: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOURGLASS_DEBUG", value)
    one_line_error(["score", str(tmp_path), str(tmp_path / "none.csv"), "-o",
                    str(tmp_path / "o.csv")], "error: ", tmp_path / "o.csv")
