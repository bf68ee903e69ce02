"""Review 28 (env28): the machine's environment (time zone, locale, stdio encoding, umask, HOME,
caches) must not change what a command does or writes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest


def _ascii_stdio(monkeypatch: pytest.MonkeyPatch) -> tuple[io.BytesIO, io.BytesIO]:
    """Standard output and error as ``PYTHONIOENCODING=ascii`` makes them (stdout strict)."""
    out, err = io.BytesIO(), io.BytesIO()
    monkeypatch.setattr("sys.stdout", io.TextIOWrapper(out, encoding="ascii", errors="strict"))
    monkeypatch.setattr("sys.stderr", io.TextIOWrapper(err, encoding="ascii", errors="strict"))
    return out, err


def test_inspect_under_an_ascii_stdout_escapes_what_it_cannot_encode(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: under PYTHONIOENCODING=ascii (or any narrow stdout encoding) 'inspect' ended
    # in a UnicodeEncodeError traceback, on its own '→' and on a value such as 'josé' (so did
    # 'explain' and 'evaluate' printing a non-ASCII value or class); now what the encoding lacks is
    # written as an escape (\u2192, \xe9) and the command exits 0
    from hourglass.cli.app import main
    data = tmp_path / "flows.csv"
    data.write_text("user,bytes\n" + "".join(f"{u},{i}\n" for i, u in
                                              enumerate(["josé", "日本", "bob"] * 10)),
                    encoding="utf-8")
    out, err = _ascii_stdio(monkeypatch)
    monkeypatch.setattr("sys.argv", ["hourglass", "inspect", str(data)])
    with pytest.raises(SystemExit) as exit_:
        main()
    text = out.getvalue().decode("ascii") + err.getvalue().decode("ascii")
    assert exit_.value.code == 0, text
    assert "\\u2192" in text and "Traceback" not in text
