"""The same text in another Unicode spelling: line separators other than LF and CR in what a
message names, bidirectional controls on the screen, canonically equal column names."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hourglass.cli import app
from hourglass.cli._output import arguments_escaped, on_screen
from tests._cli import ab_model, runner


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An autoencoder on two numeric columns ``a``, ``b``."""
    return ab_model(tmp_path_factory.mktemp("ab"))


#: every character str.splitlines breaks a line at, beside LF and CR
_OTHER_BREAKS = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("brk", _OTHER_BREAKS)
def test_error_naming_a_file_with_another_line_break_is_whole(tmp_path: Path, brk: str, model: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: 'hourglass score m/ $'bad\u2028q.csv' -o o.csv' said only "error: bad": the
    # message's first line was taken with str.splitlines, which also breaks at VT, FF, U+001C to
    # U+001E, NEL, U+2028 and U+2029, and only a name's LF or CR was escaped before
    data = tmp_path / f"bad{brk}q.csv"
    data.write_text("a,b\n1,zz\n", encoding="utf-8")
    args = ["score", str(model), str(data), "-o", str(tmp_path / "o.csv")]
    monkeypatch.setattr(sys, "argv", ["hourglass", *args])
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "q.csv" in lines[0], res.stderr
    assert brk not in lines[0]
    assert arguments_escaped(f"{data}: x", [str(data)]) == f"{str(data).replace(brk, on_screen(brk))}: x"


@pytest.mark.parametrize("ch", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
                                "\u2066", "\u2067", "\u2068", "\u2069", "\u2028", "\u2029"])
def test_bidi_controls_and_separators_are_escaped_on_screen(ch: str) -> None:
    # what was wrong: on_screen quoted ESC and the other C0/C1 controls of a value read from the
    # data but printed a right-to-left override (U+202E) as it is: 'report\u202etxt.exe' showed
    # on the analyst's terminal as 'reportexe.txt', and U+2028/U+2029 passed into one-line messages
    shown = on_screen(f"report{ch}txt.exe")
    assert shown == f"report\\u{ord(ch):04x}txt.exe"
    assert on_screen(f"a{ch}b", lines=True) == f"a\\u{ord(ch):04x}b"


def test_plain_right_to_left_text_is_shown_as_it_is() -> None:
    # pin: Arabic or Hebrew text, combining marks and emoji (no control) are shown unchanged
    for text in ["مرحبا", "שלום", "cafe\u0301", "🔥 alert", "١٢٣"]:
        assert on_screen(text) == text
