"""Output channels and verbosity: the same command on a narrow or wide terminal, a pipe or a
file, quiet or not, gives the same results, and what it shows is not cut short."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import _output, app

runner = CliRunner()


def _long_names_csv(path: Path) -> Path:
    pd.DataFrame({"dst_host_same_src_port_rate": [0.1, 0.2, 0.3, 0.4] * 5,
                  "protocol_type": ["tcp", "udp", "icmp", "tcp"] * 5,
                  "label": ["normal"] * 20}).to_csv(path, index=False)
    return path


def _column_text(table: str, k: int) -> str:
    """The cells of a printed table's column ``k`` (from 0) joined, a folded word made whole."""
    return "".join(ln.split("│")[k + 1].strip() for ln in table.splitlines() if ln.startswith("│"))


@pytest.mark.parametrize(("command", "k", "wanted"), [
    (["models"], 2, ["gradients", "retrain"]),
    (["formats"], 3, ["CICFlowMeter", "Winlogbeat"]),
])
def test_listings_cut_no_word_on_a_narrow_terminal(command: list[str], k: int,
                                                   wanted: list[str]) -> None:
    # what was wrong: at COLUMNS=60 (a split terminal; a pipe under such COLUMNS too) 'models'
    # showed 'gradien…' in its 'also' column and 'formats' 'CICFlowMet…': rich's default cut a
    # cell's long word with '…', the capability or format lost; now the word is folded
    res = runner.invoke(app, command, env={"COLUMNS": "60"})
    assert res.exit_code == 0, res.output
    assert "…" not in res.stdout
    text = _column_text(res.stdout, k)
    for word in wanted:
        assert word in text, word


def test_inspect_on_an_80_column_terminal_names_every_column_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: on a terminal 80 columns wide 'inspect' printed its table at the
    # terminal's width and cut every column name to fit, 'dst_host_same_src_port_rate' as
    # 'dst_ho…', 'protocol_type' as 'protoc…' (a pipe got a 150-wide table and the whole
    # names); now a name too long for its cell is folded onto the next line
    data = _long_names_csv(tmp_path / "flows.csv")
    monkeypatch.setattr(type(_output.out), "is_terminal", property(lambda self: True))
    res = runner.invoke(app, ["inspect", str(data), "--label-col", "label", "--normal", "normal"],
                        env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert res.exit_code == 0, res.output
    assert "…" not in res.stdout
    names = _column_text(res.stdout, 0)
    assert "dst_host_same_src_port_rate" in names and "protocol_type" in names, res.stdout


def test_whole_cells_leaves_a_one_line_column_alone() -> None:
    # a column set to stay one line (a model's name, as '--model' takes it) keeps its own
    # overflow: folding it would be no better than cutting it
    from rich.table import Table

    t = Table()
    t.add_column("name", no_wrap=True)
    t.add_column("description")
    _output.whole_cells(t)
    assert [c.overflow for c in t.columns] == ["ellipsis", "fold"]


def test_lines_moved_off_a_terminal_stdout_carry_no_colour_codes(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # what was wrong: with an output of '-' (explain -o -, evaluate --json -) the command's
    # table goes to stderr, but it was still written by the stdout console, set up for the
    # terminal stdout was: 'hourglass explain m/ x.csv -o - 2> log.txt' on a terminal wrote
    # the table's escape sequences (bold headers) into log.txt; now stderr's console writes them
    from rich.table import Table

    terminal = _output._Console(force_terminal=True, color_system="standard", soft_wrap=True,
                                markup=False)
    monkeypatch.setattr(_output, "out", terminal)
    monkeypatch.setattr(_output, "err", _output._Console(stderr=True, soft_wrap=True, markup=False))
    t = Table("row", "why", header_style="bold")
    t.add_row("3", "flag=S0 (16%)")
    _output.data_on_stdout("-")
    try:
        terminal.print(t)
    finally:
        _output.release_stdout()
    cap = capsys.readouterr()
    assert "flag=S0 (16%)" in cap.err and cap.out == ""
    assert "\x1b[" not in cap.err, repr(cap.err)
