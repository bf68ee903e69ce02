"""Regression tests: alert outputs, suppression rules and grouped alerts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hourglass.cli import app
from tests._cli import runner, small_labelled_model


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("alrt20"))


def _flagged_lines(labelled: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """``n`` rows of the training table as JSON objects, each made to be flagged."""
    rows = labelled["frame"].drop(columns=["label"]).head(n).to_dict("records")
    return [{**{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}, "bytes": 1e12}
            for r in rows]


@pytest.mark.parametrize("command", ["score", "stream"])
def test_group_by_a_key_of_true_and_of_1_writes_two_groups(labelled: dict[str, Any], tmp_path: Path,
                                                          command: str) -> None:
    rows = _flagged_lines(labelled, 12)
    values = [True, 1, 1.0, "1", False, 0]
    for i, r in enumerate(rows):
        r["k"] = values[i % len(values)]
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "groups.jsonl"
    args = (["score", str(labelled["model"]), str(data)] if command == "score"
            else ["stream", str(labelled["model"]), "-i", str(data)])
    res = runner.invoke(app, [*args, "--group-by", "k", "--group-window", "100", "-o", str(out)])
    assert res.exit_code == 0, res.output
    groups = {json.dumps(g["k"]): g["count"] for g in map(json.loads, out.read_text().splitlines())}
    # true apart from 1 (and false from 0): each group shows the value its rows have
    assert groups == {"true": 2, "1": 4, '"1"': 2, "false": 2, "0": 2}, groups


def test_score_jsonl_holds_the_scores_the_sqlite_output_and_the_stream_hold(labelled: dict[str, Any],
                                                                            tmp_path: Path) -> None:
    import sqlite3

    rows = labelled["frame"].drop(columns=["label"]).head(40).to_dict("records")
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps({k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()})
                            + "\n" for r in rows))
    jsonl, db, streamed = tmp_path / "s.jsonl", tmp_path / "s.sqlite", tmp_path / "st.jsonl"
    for out in (jsonl, db):
        res = runner.invoke(app, ["score", str(labelled["model"]), str(data), "-o", str(out)])
        assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["stream", str(labelled["model"]), "-i", str(data), "--all",
                              "-o", str(streamed)])
    assert res.exit_code == 0, res.output
    written = [json.loads(line) for line in jsonl.read_text().splitlines()]
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT score, calibrated FROM alerts ORDER BY row").fetchall()
    live = [(a["score"], a["calibrated"]) for a in map(json.loads, streamed.read_text().splitlines())]
    # the same numbers, to the last bit (pandas' JSON had cut them at 15 decimal places)
    assert [(a["score"], a["calibrated"]) for a in written] == stored
    assert [s for s, _ in live] == [s for s, _ in stored]
    assert all(isinstance(a["calibrated"], float) for a in written)  # 1.0, not 1


def test_json_lines_keeps_a_tiny_score_whole() -> None:
    import pandas as pd

    from hourglass.ingest.readers import json_lines

    frame = pd.DataFrame({"row": [0, 1], "score": [1.234567890123e-9, 3e-17], "flag": [True, False],
                          "why": ['a "b"\nc', None]})
    back = [json.loads(line) for line in json_lines(frame).splitlines()]
    assert back == [{"row": 0, "score": 1.234567890123e-9, "flag": True, "why": 'a "b"\nc'},
                    {"row": 1, "score": 3e-17, "flag": False, "why": None}]


@pytest.mark.parametrize(("before", "extra", "match"), [
    ("src_ip,bytes\n10.0.0.5,12\n", [], "its last line is no JSON alert ('10.0.0.5,12')"),
    ('{"row": 3, "score": 9.5, "severity": "high", "calibrated": 0.99}\n', ["--alert-format", "ecs"],
     "holds hourglass alerts (its last line); this stream writes ECS documents"),
    ('{"@timestamp": "2024-01-01T00:00:00.000Z", "ecs": {"version": "8.11.0"}, "hourglass": {"row": 3}}\n',
     [], "holds ECS documents (its last line); this stream writes hourglass alerts"),
    ('{"row": 3, "score": 9.5, "severity": "high", "calibrated": 0.99}\n', ["--group-by", "proto"],
     "holds one alert per flagged row (its last line); this stream writes grouped alerts"),
])
def test_stream_refuses_to_append_alerts_of_another_shape(labelled: dict[str, Any], tmp_path: Path,
                                                          before: str, extra: list[str], match: str) -> None:
    rows = _flagged_lines(labelled, 3)
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "alerts.jsonl"
    out.write_text(before)
    res = runner.invoke(app, ["stream", str(labelled["model"]), "-i", str(data), "-o", str(out), *extra])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and match in lines[0], res.stderr
    assert out.read_text() == before  # left as it was


def test_stream_appends_to_alerts_of_its_own_shape(labelled: dict[str, Any], tmp_path: Path) -> None:
    rows = _flagged_lines(labelled, 3)
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "alerts.jsonl"
    for extra in ([], ["--explain", "1"], ["--all"]):  # the fields vary, the shape is one
        res = runner.invoke(app, ["stream", str(labelled["model"]), "-i", str(data), "-o", str(out), *extra])
        assert res.exit_code == 0, res.output
    assert len(out.read_text().splitlines()) == 9
    ecs = tmp_path / "alerts.ecs.jsonl"
    for _ in range(2):
        res = runner.invoke(app, ["stream", str(labelled["model"]), "-i", str(data), "-o", str(ecs),
                                  "--alert-format", "ecs"])
        assert res.exit_code == 0, res.output
    assert len(ecs.read_text().splitlines()) == 6


def test_score_group_by_writes_an_untimed_row_s_alert_before_the_open_groups(labelled: dict[str, Any],
                                                                              tmp_path: Path) -> None:
    import pandas as pd

    frame = labelled["frame"].drop(columns=["label"]).head(6).copy()
    frame["bytes"] = 1e12  # every row flagged
    frame["ts"] = pd.date_range("2024-01-01", periods=6, freq="10s").strftime("%Y-%m-%dT%H:%M:%S")
    frame.loc[3, "ts"] = "garbage"
    frame["site"] = "lab"
    data = tmp_path / "rows.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "groups.jsonl"
    res = runner.invoke(app, ["score", str(labelled["model"]), str(data), "--group-by", "site",
                              "--timestamp-col", "ts", "--on-bad-rows", "skip", "-o", str(out)])
    assert res.exit_code == 0, res.output
    groups = [json.loads(line) for line in out.read_text().splitlines()]
    # as the README says: the untimed row's own alert first, then the group of the rows around it
    assert [(g["first_row"], g["count"], g["window_start"]) for g in groups] == \
        [(3, 1, None), (0, 5, "2024-01-01T00:00:00")]


@pytest.mark.parametrize("name", ["out.csv", "out.tsv.gz"])
def test_chunked_csv_output_takes_a_column_of_whole_numbers_that_meets_a_fraction_or_text(
        tmp_path: Path, name: str) -> None:
    import pandas as pd

    from hourglass.ingest.writers import chunk_writer

    target = tmp_path / name
    with chunk_writer(target) as w:
        w.write(pd.DataFrame({"row": [0, 1], "dur": [3, 4], "port": [80, 443]}))
        w.write(pd.DataFrame({"row": [2], "dur": [2.5], "port": ["http"]}))
        w.write(pd.DataFrame({"row": [3], "dur": [7], "port": [22]}))
    back = pd.read_csv(target, sep="\t" if ".tsv" in name else ",", dtype=str)
    assert back.to_dict("list") == {"row": ["0", "1", "2", "3"], "dur": ["3", "4", "2.5", "7"],
                                    "port": ["80", "443", "http", "22"]}


def test_score_csv_keeps_a_json_field_whose_later_rows_hold_fractions(labelled: dict[str, Any],
                                                                      tmp_path: Path) -> None:
    rows = labelled["frame"].drop(columns=["label"]).to_dict("records")
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps({**{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()},
                                        "dur": 3 if i < 200 else 2.5}) + "\n" for i, r in enumerate(rows)))
    out = tmp_path / "scores.csv"
    res = runner.invoke(app, ["score", str(labelled["model"]), str(data), "--keep", "dur", "-o", str(out),
                              "--chunk-mb", "0.005"])
    assert res.exit_code == 0, res.output
    import pandas as pd

    assert pd.read_csv(out)["dur"].tolist() == [3.0] * 200 + [2.5] * 100


def test_json_lines_writes_a_float32_column_as_the_csv_does(tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    from hourglass.ingest.readers import json_lines
    from hourglass.ingest.writers import chunk_writer

    frame = pd.DataFrame({"ratio": np.array([0.1, 2.5, np.nan], dtype=np.float32)})
    assert json_lines(frame) == '{"ratio":0.1}\n{"ratio":2.5}\n{"ratio":null}\n'  # (not 0.100000001490116)
    with chunk_writer(tmp_path / "r.csv") as w:
        w.write(frame)
    assert (tmp_path / "r.csv").read_text().splitlines()[1:] == ["0.1", "2.5", ""]
