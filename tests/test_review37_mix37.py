"""The same input read two ways gives the same answer: a pretty-printed JSON file with and
without ``--on-bad-rows skip``, by ``score``, ``train``, ``evaluate`` and ``stream``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hourglass.cli import app
from tests._cli import ab_model, one_line_error, runner


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with ``m``, an autoencoder of two columns ``a``, ``b`` (:func:`ab_model`)."""
    path = tmp_path_factory.mktemp("mix37")
    ab_model(path)
    return path


def _pretty_array(path: Path, n: int = 20) -> Path:
    """``path``: a JSON array of ``n`` objects, one an indented line (``[``, ``  {...},``, ...,
    ``]``), whose last object is the one line that parses alone."""
    rng = np.random.default_rng(1)
    rows = [{"a": float(a), "b": float(b), "label": "normal"} for a, b in rng.random((n, 2))]
    path.write_text("[\n" + ",\n".join("  " + json.dumps(r) for r in rows) + "\n]\n")
    return path


@pytest.mark.parametrize("mode", ["error", "skip"])
def test_a_pretty_printed_array_is_refused_by_score_and_train_in_both_modes(folder: Path, mode: str) -> None:
    # what was wrong: 'hourglass score M pretty.json --on-bad-rows skip -o out.csv' of a JSON
    # array written one indented object a line skipped the lines that do not parse and scored
    # the one that parses alone, the array's last object ('scored 1 row'), and train trained on
    # it; error mode refused the file at line 1 with jq advice. Skip mode refuses it alike: the
    # file is no JSON lines with bad rows but one document in another layout
    data = _pretty_array(folder / f"pretty_{mode}.json")
    said = "line 1: pretty-printed JSON (a document spread over lines), not JSON lines"
    out = folder / f"out_{mode}.csv"
    one_line_error(["score", str(folder / "m"), str(data), "--on-bad-rows", mode, "-o", str(out)], said, out)
    model = folder / f"m2_{mode}"
    one_line_error(["train", str(data), "--on-bad-rows", mode, "--epochs", "1", "-o", str(model)],
                   said, model)
    one_line_error(["evaluate", str(folder / "m"), str(data), "--label-col", "label", "--normal", "normal",
                    "--on-bad-rows", mode], said)


def test_a_pretty_printed_object_is_refused_in_skip_mode(folder: Path) -> None:
    # what was wrong: a pretty-printed object ('{' alone on line 1, jq .) with --on-bad-rows
    # skip read as every line skipped ('no data rows (84 malformed row(s) skipped)'), without
    # the 'jq -c .' advice error mode gives; now refused as error mode refuses it
    data = folder / "obj.json"
    data.write_text(json.dumps({"a": 0.5, "b": 0.5}, indent=2) + "\n")
    out = folder / "obj.csv"
    one_line_error(["score", str(folder / "m"), str(data), "--on-bad-rows", "skip", "-o", str(out)],
                   "pretty-printed JSON (a document spread over lines), not JSON lines; write one JSON "
                   "object per line (jq -c .)", out)


def test_skip_mode_still_skips_a_later_line_that_opens_a_document(folder: Path) -> None:
    # pin: only the first line that is not blank tells a document; a '[' alone on a later line
    # of JSON lines is a bad row, skipped (and named in error mode)
    data = folder / "later.jsonl"
    data.write_text('{"a": 0.1, "b": 0.2}\n[\n{"a": 0.3, "b": 0.4}\n')
    out = folder / "later.csv"
    res = runner.invoke(app, ["score", str(folder / "m"), str(data), "--on-bad-rows", "skip", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert len(out.read_text().splitlines()) == 3
    one_line_error(["score", str(folder / "m"), str(data), "-o", str(folder / "later2.csv")],
                   "line 2: not valid JSON")


@pytest.mark.parametrize("mode", ["error", "skip"])
def test_stream_refuses_a_pretty_printed_array_in_both_modes(folder: Path, mode: str) -> None:
    # what was wrong: 'hourglass stream M --on-bad-rows skip < pretty.json' streamed the array's
    # last object as the input's one row ('streamed 1 row ..., skipped 21 malformed line(s)');
    # now line 1 is refused as in error mode, with the jq advice
    data = _pretty_array(folder / f"stream_{mode}.json")
    res = runner.invoke(app, ["stream", str(folder / "m"), "--all", "--on-bad-rows", mode],
                        input=data.read_text())
    assert res.exit_code == 2, res.output
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith(
        "line 1: pretty-printed JSON (a document spread over lines), not JSON lines; write one JSON "
        "object per line (jq -c '.[]')"), res.stderr


def test_a_bad_value_that_reads_row_n_is_shown_as_the_user_wrote_it(folder: Path) -> None:
    # what was wrong: 'hourglass score M flows.csv' with the text 'row 1' in a numeric column
    # said "found 'line 2' (line 3)": the row-to-line rewrite of the message changed the user's
    # quoted value too; now the value is shown as written
    data = folder / "quoted.csv"
    data.write_text("a,b\n0.1,0.2\n0.3,row 1\n")
    one_line_error(["score", str(folder / "m"), str(data), "-o", str(folder / "quoted_out.csv")],
                   "column 'b': expected numbers, found 'row 1' (line 3)")


def test_stream_tells_a_value_reading_row_n_from_the_row_it_names(folder: Path) -> None:
    # what was wrong: 'hourglass stream M --all < in.jsonl' with the text 'row 3' sent in a
    # numeric field on line 2 took the value's 'row 3' for the row the error names: the row on
    # line 1, good, was never written and the summary line was missing; a value 'row 1' was
    # shown as "found 'line 1'". Now the good row is written, then the one-line error shows the
    # value as sent
    sent = '{"a": 0.1, "b": 0.2}\n{"a": 0.3, "b": "row 3"}\n{"a": 0.3, "b": 0.5}\n'
    res = runner.invoke(app, ["stream", str(folder / "m"), "--all", "--batch", "10"], input=sent)
    assert res.exit_code == 2, res.output
    assert [json.loads(x)["row"] for x in res.stdout.splitlines()] == [0]
    errors = [x for x in res.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and errors[0].endswith("column 'b': expected numbers, found 'row 3' (line 2) "
                                                   "(use --on-bad-rows skip to skip such rows)"), res.stderr
    assert "streamed 1 row" in res.stderr


@pytest.fixture(scope="module")
def series(folder: Path) -> Path:
    """``folder/ms``: an lstm-ae (window 8, one epoch) trained on 200 minutes of ``cpu``, ``mem``."""
    rng = np.random.default_rng(0)
    ts = np.datetime64("2024-01-01T00:00") + np.arange(200) * np.timedelta64(1, "m")
    data = folder / "series.csv"
    data.write_text("ts,cpu,mem\n" + "".join(f"{t},{np.sin(i / 10):.4f},{m:.4f}\n" for i, (t, m)
                                             in enumerate(zip(ts, rng.normal(0, 1, 200), strict=True))))
    res = runner.invoke(app, ["train", str(data), "--timestamp-col", "ts", "--model", "lstm-ae", "--window",
                              "8", "--epochs", "1", "--hidden", "4", "-o", str(folder / "ms"), "-q"])
    assert res.exit_code == 0, res.output
    return folder / "ms"


def _shuffled_series(path: Path, bad: str, blank_every: int = 0) -> int:
    """``path``: ``series.csv``'s rows shuffled (a blank line after every ``blank_every``-th),
    ``cpu`` of one of them ``bad``: the file line (from 1) that holds it."""
    header, *rows = (path.parent / "series.csv").read_text().splitlines()
    order = np.random.default_rng(3).permutation(len(rows))
    lines = [header]
    for k, i in enumerate(order):
        row = rows[i].split(",")
        if i == 150:
            row[1] = bad
        lines.append(",".join(row))
        if blank_every and k % blank_every == blank_every - 1:
            lines.append("")
    path.write_text("\n".join(lines) + "\n")
    return next(n for n, line in enumerate(lines, 1) if f",{bad}," in line)


@pytest.mark.parametrize("command", ["score", "train", "explain"])
def test_a_series_names_a_bad_value_by_its_line_as_a_table_model_does(folder: Path, series: Path,
                                                                      command: str) -> None:
    # what was wrong: 'hourglass score MS metrics.csv' of a time-series model said "column 'cpu':
    # expected numbers, found 'oops' (row 450)" (its data row: line 451, one off by the header,
    # more by blank lines), where a table model says "FILE: ... (line 451)" and stream names the
    # line; now the series' file and line are named (the rows as written, before the sort by
    # time; blank lines counted)
    data = folder / f"bad_{command}.csv"
    line = _shuffled_series(data, "oops", blank_every=7)
    args = {"score": ["score", str(series), str(data), "-o", str(folder / "bad_out.csv")],
            "train": ["train", str(data), "--timestamp-col", "ts", "--model", "lstm-ae", "--window", "8",
                      "--epochs", "1", "-o", str(folder / "bad_m")],
            "explain": ["explain", str(series), str(data)]}[command]
    one_line_error(args, f"{data}: column 'cpu': expected numbers, found 'oops' (line {line})")


def test_evaluate_names_a_series_label_by_its_line_and_parquet_keeps_its_data_row(folder: Path,
                                                                                  series: Path) -> None:
    # what was wrong: evaluate of a series said "label column 'label': row 4 holds 'x'" for the
    # label on line 5; now its line. A Parquet file has no lines: its data row, as before
    import pandas as pd

    frame = pd.read_csv(folder / "series.csv")
    frame["label"] = ["x" if i == 3 else 0 for i in range(len(frame))]
    frame.to_csv(folder / "lab.csv", index=False)
    one_line_error(["evaluate", str(series), str(folder / "lab.csv"), "--label-col", "label"],
                   f"{folder / 'lab.csv'}: label column 'label': line 5 holds 'x'")
    frame["label"] = 0
    frame["cpu"] = frame["cpu"].astype(str).where(frame.index != 9, "oops")
    frame.to_parquet(folder / "bad.parquet")
    one_line_error(["score", str(series), str(folder / "bad.parquet"), "-o", str(folder / "pq.csv")],
                   "column 'cpu': expected numbers, found 'oops' (row 10)")


def _error_line(args: list[str], sent: str | None = None) -> str:
    """The one stderr line ``error: ...`` of ``hourglass ARGS`` (exit code 2)."""
    res = runner.invoke(app, args, input=sent)
    assert res.exit_code == 2, res.output
    errors = [x for x in res.stderr.splitlines() if x.startswith("error: ")]
    assert len(errors) == 1, res.stderr
    return errors[0]


def test_stream_and_score_name_a_bad_line_in_one_form(folder: Path) -> None:
    # what was wrong: for the same bad record 'hourglass score M in.jsonl' said 'in.jsonl: line 3:
    # malformed JSON ...' and "in.jsonl: column 'b': ... (line 3)", where 'hourglass stream M
    # --input in.jsonl' said 'in.jsonl line 3: not valid JSON ...' and "in.jsonl column 'b': ...
    # (line 3)"; now stream names it as score does, 'FILE: line N: ...' and 'FILE: column ...'
    data = folder / "one_form.jsonl"
    data.write_text('{"a": 0.1, "b": 0.2}\n\n{"a": 0.3\n')
    score = _error_line(["score", str(folder / "m"), str(data), "-o", str(folder / "one_form.csv")])
    stream = _error_line(["stream", str(folder / "m"), "--input", str(data)])
    assert score.startswith(f"error: {data}: line 3: not valid JSON"), score
    assert stream.startswith(f"error: {data}: line 3: not valid JSON"), stream
    data.write_text('{"a": 0.1, "b": 0.2}\n\n{"a": 0.3, "b": "x"}\n')
    score = _error_line(["score", str(folder / "m"), str(data), "-o", str(folder / "one_form.csv")])
    stream = _error_line(["stream", str(folder / "m"), "--input", str(data)])
    assert score == stream == (f"error: {data}: column 'b': expected numbers, found 'x' (line 3) "
                               "(use --on-bad-rows skip to skip such rows)"), (score, stream)
    assert _error_line(["stream", str(folder / "m")], '{"a": 1, "b": 2}\n[\n').startswith(
        "error: <stdin>: line 2: not valid JSON")


def test_extra_normal_and_warm_start_name_a_series_row_by_its_line(folder: Path, series: Path) -> None:
    # what was wrong: 'hourglass train DATA --extra-normal EXTRA ...' and 'hourglass train NEW
    # --warm-start MS [--replay-data OLD]' named a bad value of a series file by its data row
    # ("found 'oops' (row 150)"), as score did; now by the line of the file at fault
    bad = folder / "bad_extra.csv"
    line = _shuffled_series(bad, "oops")
    good = folder / "series.csv"
    said = f"column 'cpu': expected numbers, found 'oops' (line {line})"
    base = ["--timestamp-col", "ts", "--model", "lstm-ae", "--window", "8", "--epochs", "1",
            "-o", str(folder / "m_extra")]
    one_line_error(["train", str(good), "--extra-normal", str(bad), *base], f"--extra-normal {bad}: {said}")
    one_line_error(["train", str(bad), "--extra-normal", str(good), *base], f"{bad}: {said}")
    warm = ["--warm-start", str(series), "--epochs", "1", "-o", str(folder / "m_warm")]
    one_line_error(["train", str(bad), *warm], f"{bad}: {said}")
    one_line_error(["train", str(good), *warm, "--replay-data", str(bad)], f"--replay-data {bad}: {said}")
