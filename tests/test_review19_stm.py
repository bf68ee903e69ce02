"""``hourglass stream`` (table, log and time-series models): what it reads and writes against
``hourglass score`` on the same rows, its counts and its errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hourglass.cli.app import app
from hourglass.serve import TableScorer
from tests._cli import runner, small_labelled_model


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("stm"))


def _rows(kit: dict[str, Any], n: int) -> list[dict[str, Any]]:
    frame = kit["frame"].drop(columns=["label"]).head(n)
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
            for r in frame.to_dict("records")]


def _alerts(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_skip_finds_every_row_with_text_in_a_number_column_in_one_pass(
        kit: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rows = _rows(kit, 120)
    for i in range(1, len(rows), 2):  # half the rows: text where a number belongs
        rows[i] = {**rows[i], "pkts": "unknown"}
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    calls = []
    score = TableScorer.score

    def counted(self: TableScorer, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(args[0]))
        return score(self, *args, **kwargs)

    monkeypatch.setattr(TableScorer, "score", counted)
    res = runner.invoke(app, ["stream", str(kit["model"]), "--all", "--on-bad-rows", "skip",
                              "--batch", "200", "--drift-window", "0"], input=data.read_text())
    assert res.exit_code == 0, res.output
    # one refused call, then the 60 good rows at once (was a call per bad row: 61 calls)
    assert calls == [120, 60], calls
    assert "skipped 60 malformed line(s) (lines 2, 4, 6" in res.stderr
    streamed = _alerts(res.stdout)
    assert [a["row"] for a in streamed] == list(range(0, 120, 2))  # data rows (review 24)
    # the same scores as the good rows alone
    good = "".join(json.dumps(r) + "\n" for r in rows[::2])
    monkeypatch.setattr(TableScorer, "score", score)
    alone = runner.invoke(app, ["stream", str(kit["model"]), "--all", "--drift-window", "0"], input=good)
    assert alone.exit_code == 0, alone.output
    assert [a["score"] for a in streamed] == [a["score"] for a in _alerts(alone.stdout)]


def test_a_csv_or_parquet_input_is_told_as_such(kit: dict[str, Any], tmp_path: Path) -> None:
    from tests._cli import one_line_error

    one_line_error(["stream", str(kit["model"]), "--input", str(kit["data"])],
                   "line 1: not valid JSON (Expecting value at column 1); the line looks like the "
                   "header of a CSV file: stream reads JSON lines; score it with 'hourglass score'")
    parquet = tmp_path / "flows.parquet"
    kit["frame"].to_parquet(parquet)
    one_line_error(["stream", str(kit["model"]), "--input", str(parquet)],
                   "; the input is a Parquet file: stream reads JSON lines")
    res = runner.invoke(app, ["stream", str(kit["model"])], input="bytes\tpkts\tproto\n")
    assert res.exit_code == 2 and "header of a TSV file" in res.stderr, res.output
    # a damaged JSON line is not taken for a table's header
    res = runner.invoke(app, ["stream", str(kit["model"])], input='{"bytes": 1, "pkts": 2\n')
    assert res.exit_code == 2 and "header" not in res.stderr, res.output


def test_lines_after_the_line_that_stops_the_stream_are_not_counted_as_skipped(kit: dict[str, Any]) -> None:
    rows = _rows(kit, 6)
    lines = [json.dumps({**rows[0], "site": "a"}), json.dumps(rows[1]), json.dumps({**rows[2], "site": "c"}),
             "{not json", json.dumps({**rows[3], "site": "d"})]
    text = "\n".join(lines) + "\n"
    for size in ("1", "100"):  # the same summary whatever the batching
        res = runner.invoke(app, ["stream", str(kit["model"]), "--keep", "site", "--on-bad-rows", "skip",
                                  "--batch", size, "--drift-window", "0"], input=text)
        assert res.exit_code == 2, res.output
        assert "--keep: no field 'site' on <stdin> line 2" in res.stderr
        assert "streamed 1 row from" in res.stderr and "skipped" not in res.stderr, (size, res.stderr)


def test_a_series_stream_counts_no_skipped_line_after_its_stop(tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    n = 120
    t = pd.date_range("2024-05-01", periods=n, freq="min")
    frame = pd.DataFrame({"time": t.strftime("%Y-%m-%dT%H:%M:%S"), "cpu": np.sin(np.arange(n) / 5),
                          "mem": np.cos(np.arange(n) / 7)})
    frame.to_csv(tmp_path / "m.csv", index=False)
    model = tmp_path / "model"
    res = runner.invoke(app, ["train", str(tmp_path / "m.csv"), "-m", "lstm-ae", "--timestamp-col", "time",
                              "-o", str(model), "--epochs", "1", "--param", "window=4", "-q"])
    assert res.exit_code == 0, res.output
    steps = [{**r, "host": "h"} for r in frame.head(6).to_dict("records")]
    del steps[2]["host"]
    text = "".join(json.dumps(s) + "\n" for s in steps[:4]) + "{oops\n" + json.dumps(steps[4]) + "\n"
    res = runner.invoke(app, ["stream", str(model), "--keep", "host", "--on-bad-rows", "skip",
                              "--drift-window", "0"], input=text)
    assert res.exit_code == 2, res.output
    assert "--keep: no field 'host' on <stdin> line 3" in res.stderr
    assert "skipped" not in res.stderr, res.stderr
