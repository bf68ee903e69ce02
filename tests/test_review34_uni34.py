"""The same text in another Unicode spelling: line separators other than LF and CR in what a
message names and in a label file, bidirectional controls on the screen, column names in another
Unicode spelling named as the near column, and a malformed CSV row's line counted as an editor
counts it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hourglass.cli import app
from hourglass.cli._output import arguments_escaped, on_screen
from hourglass.errors import InputError
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


_NFC, _NFD = "caf\u00e9", "cafe\u0301"
_WIDE = "\uff4c\uff41\uff42\uff45\uff4c"  # 'label' in full-width letters


@pytest.fixture(scope="module")
def accented(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A labelled CSV whose third column is named 'café' in NFC (one code point for 'é')."""
    path = tmp_path_factory.mktemp("acc") / "flows.csv"
    path.write_text(f"a,b,{_NFC},label\n" + "".join(
        f"{i % 7 / 7:.3f},{i % 3},{i % 5 / 5:.2f},{'attack' if i % 9 == 0 else 'normal'}\n"
        for i in range(60)), encoding="utf-8")
    return path


@pytest.mark.parametrize(("args", "near"), [
    (["--drop", _NFD], "the data has 'caf\\xe9' for 'cafe\\u0301'"),
    (["--role", f"{_NFD}=categorical"], "the data has 'caf\\xe9' for 'cafe\\u0301'"),
    (["--label-col", "label\u200b"], "the data has label for 'label\\u200b'"),
    (["--label-col", "\ufefflabel"], "the data has label for '\\ufefflabel'"),
    (["--label-col", _WIDE], f"the data has label for {_WIDE}"),
    (["--label-col", "LABEL"], "the data has label for LABEL"),
    (["--entity-col", _NFD, "--timestamp-col", "a"], "the data has 'caf\\xe9' for 'cafe\\u0301'"),
])
def test_option_naming_a_column_in_another_spelling_names_the_near_one(
        accented: Path, tmp_path: Path, args: list[str], near: str) -> None:
    # what was wrong: 'train flows.csv --drop café' with 'é' typed as e and a combining accent
    # (NFD), of a column 'café' in NFC, said "--drop: no column 'café' in flows.csv; columns are
    # a, b, café, label": two names that print alike, no hint. --label-col with a zero-width
    # space or a byte-order mark in it, in full-width letters or in another case named no near
    # column either (only a missing model column at score did, and only for case and spaces)
    label = [] if args[0] == "--label-col" else ["--label-col", "label"]
    res = runner.invoke(app, ["train", str(accented), *label, *args, "--normal", "normal",
                              "--epochs", "1", "-o", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and near in lines[0], res.stderr
    assert "Unicode spelling" in lines[0] and not (tmp_path / "m").exists()


def test_score_data_with_a_column_in_another_spelling_names_it(accented: Path, tmp_path: Path) -> None:
    # what was wrong: a model trained on 'café' (NFC) scoring a file whose header spells it NFD
    # (as macOS tools may write it) said "column(s) the model needs are missing: café" with no
    # near column: the hint covered case and surrounding spaces only
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(accented), "--label-col", "label", "--normal", "normal",
                              "--epochs", "1", "--hidden", "4,2", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    nfd = tmp_path / "nfd.csv"
    text = accented.read_text(encoding="utf-8")
    nfd.write_text(text.replace(_NFC, _NFD, 1), encoding="utf-8")
    res = runner.invoke(app, ["score", str(model), str(nfd), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 2, res.output
    assert "the data has 'cafe\\u0301' for 'caf\\xe9'" in res.stderr, res.stderr
    assert not (tmp_path / "o.csv").exists()


def test_near_names_reaches_benchmark_label_column() -> None:
    # what was wrong: benchmark's label column (Python API) missed in another spelling gave
    # the list of columns alone; it now names the near one, as train does
    import pandas as pd

    from hourglass._columns import near_names
    from hourglass.errors import InputError
    from hourglass.pipeline.benchmark import _is_anomaly

    df = pd.DataFrame({_NFC: ["x"], "label": ["normal"]})
    with pytest.raises(InputError, match=r"the data has label for LABEL"):
        _is_anomaly(df, "LABEL", ["normal"], "data")
    assert near_names([_NFD], df.columns).startswith("the data has 'caf\\xe9' for 'cafe\\u0301'")
    assert near_names(["label"], ["lab el", "labels"]) == ""  # not near: an inner space, a letter more


@pytest.mark.parametrize("brk", ["\x0c", "\x85", "\u2028", "\x1e"])
def test_series_label_file_counts_lines_as_an_editor(tmp_path: Path, brk: str) -> None:
    # what was wrong: an SMD/ASD test_label file was split with str.splitlines, which also breaks
    # at FF, NEL, U+2028, U+001E: '0{brk}1' on one line read as two labels (a series of 3 rows
    # with 2 label lines was taken as labelled), and a bad label's line number was shifted
    from hourglass.errors import InputError
    from hourglass.ingest.timeseries import read_smd

    (tmp_path / "test").mkdir()
    (tmp_path / "test_label").mkdir()
    series = tmp_path / "test" / "e.txt"
    series.write_text("0.1,0.2\n0.3,0.4\n0.5,0.6\n", encoding="utf-8")
    labels = tmp_path / "test_label" / "e.txt"
    labels.write_text(f"0\n0{brk}1\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: expected one 0/1 label a line"):
        read_smd(series)
    labels.write_text(f"0\n{brk}\n1\nx\n", encoding="utf-8")  # a line holding the break alone: blank
    with pytest.raises(InputError, match="line 4: expected one 0/1 label a line, got 'x'"):
        read_smd(series)
    labels.write_text("0\r\n1\r1\n", encoding="utf-8")  # CR LF and a CR still end a line
    assert read_smd(series)["label"].tolist() == [0, 1, 1]


@pytest.mark.parametrize(("text", "line"), [
    ('a,b\n1,"x\ny"\n2,"p\r\nq\nr"\n3,udp\n4,oops,extra\n5,z\n', 8),  # quoted line breaks before
    ("a,b\n1,x\n\n\n2,y\n4,oops,extra\n5,z\n", 6),  # blank lines before
    ('a,b\n1,"x\u2028y\x85z"\n4,oops,extra\n', 3),  # pin: U+2028 and NEL in a value break no line
])
def test_malformed_csv_row_names_its_file_line(tmp_path: Path, text: str, line: int) -> None:
    # what was wrong: 'hourglass score m/ flows.csv' of a CSV whose quoted value held a line
    # break, or with blank lines, before a row of 3 fields named pyarrow's record number as the
    # line ("line 5" for the row 'grep -n' finds on line 8); with --on-bad-rows skip the same
    # row was counted on its right line
    from hourglass.ingest.readers import read_table
    from hourglass.ingest.tables import ReadStats

    data = tmp_path / "flows.csv"
    data.write_bytes(text.encode("utf-8"))
    assert text.split("\n").index("4,oops,extra") + 1 == line  # as grep -n and an editor count
    with pytest.raises(InputError, match=f"flows.csv: line {line}: expected 2 fields, found 3"):
        read_table(data)
    stats = ReadStats()
    read_table(data, on_bad_rows="skip", stats=stats)
    assert stats.bad_lines == [line]


@pytest.mark.parametrize("brk", ["\n", "\u2028", "\x85"])
def test_serve_names_why_a_model_folder_with_a_line_break_fails(tmp_path: Path, model: Path,
                                                                brk: str) -> None:
    # what was wrong: 'hourglass serve a=$'m\u2028x' b=m/' of a folder that is no model said
    # "model a (m\u2028x): m": the reason was the first line of the error, cut within the
    # folder's name that starts it (a newline too: "model a (m\x0ax): m")
    from hourglass.serve.multi import ModelLoadError, create_models_app

    folder = tmp_path / f"m{brk}x"
    folder.mkdir()
    with pytest.raises(ModelLoadError) as caught:
        create_models_app({"a": folder, "b": model}, api_key="0123456789abcdef0123")
    text = str(caught.value)
    assert text.startswith(f"model a ({folder}): ") and "config.json" in text, text
    assert text.removeprefix(f"model a ({folder}): ").count(brk) == 0
