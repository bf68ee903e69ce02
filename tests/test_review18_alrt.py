"""Regression tests: alert outputs, suppression rules and grouped alerts."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from hourglass.cli import app
from tests._cli import runner, small_labelled_model


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("alrt18"))


@pytest.mark.parametrize("name", ["alerts.jsonl", "alerts.csv", "alerts.sqlite"])
def test_score_output_through_a_symbolic_link_writes_the_linked_file(labelled: dict[str, Any],
                                                                     tmp_path: Path, name: str) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / name).write_text("old\n")
    link = tmp_path / f"link-{name}"
    link.symlink_to(real / name)
    res = runner.invoke(app, ["score", str(labelled["model"]), str(labelled["data"]), "-o", str(link)])
    assert res.exit_code == 0, res.output
    assert link.is_symlink()  # the link stays, and the file it names holds the scores
    assert os.path.realpath(link) == str(real / name)
    assert (real / name).read_bytes()[:4] != b"old\n"
    if name.endswith(".jsonl"):
        rows = [json.loads(line) for line in (real / name).read_text().splitlines()]
        assert len(rows) == len(labelled["frame"])
    assert [p.name for p in real.iterdir()] == [name]  # no temporary file left beside it


def test_suppress_match_on_a_column_a_csv_reads_as_times_matches_the_text_written(
        labelled: dict[str, Any], tmp_path: Path) -> None:
    import pandas as pd

    frame = labelled["frame"].drop(columns=["label"]).copy()
    seen = pd.date_range("2024-01-01", periods=len(frame), freq="7s")
    frame["seen"] = seen.strftime("%Y-%m-%dT%H:%M:%S")  # ISO text, as a CSV holds it
    frame["seen_utc"] = seen.strftime("%Y-%m-%dT%H:%M:%S+0000")
    data = tmp_path / "timed.csv"
    frame.to_csv(data, index=False)
    first = tmp_path / "first.csv"
    assert runner.invoke(app, ["score", str(labelled["model"]), str(data), "-o", str(first)]).exit_code == 0
    flagged = pd.read_csv(first).query("flag == 1")["row"].tolist()
    assert len(flagged) >= 2
    a, b = flagged[:2]
    rules = tmp_path / "rules.toml"
    rules.write_text(f'[[rule]]\nname = "one"\nmatch = {{ seen = "{frame["seen"][a]}" }}\n'
                     f'[[rule]]\nname = "two"\nmatch = {{ seen_utc = "{frame["seen_utc"][b]}" }}\n'
                     '[[rule]]\nname = "glob"\nmatch = { seen = "1999-*" }\n')
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["score", str(labelled["model"]), str(data), "-o", str(out),
                              "--suppress", str(rules)])
    assert res.exit_code == 0, res.output
    scored = pd.read_csv(out, keep_default_na=False).set_index("row")
    assert scored.loc[a, "suppressed"] == "one" and scored.loc[a, "flag"] == 0
    assert scored.loc[b, "suppressed"] == "two" and scored.loc[b, "flag"] == 0
    assert (scored["suppressed"] != "").sum() == 2
    assert "2 suppressed (one: 1, two: 1, glob: 0)" in res.output


def test_grouping_by_a_nanosecond_time_column_writes_its_time_not_an_integer(
        labelled: dict[str, Any], tmp_path: Path) -> None:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = labelled["frame"].drop(columns=["label"]).copy()
    frame["day"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(frame.index // 100, unit="D")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.set_column(table.schema.get_field_index("day"), "day",
                             table["day"].cast(pa.timestamp("ns")))
    data = tmp_path / "days.parquet"
    pq.write_table(table, data)
    out = tmp_path / "groups.jsonl"
    res = runner.invoke(app, ["score", str(labelled["model"]), str(data), "-o", str(out),
                              "--group-by", "day", "--group-window", "1000"])
    assert res.exit_code == 0, res.output
    groups = [json.loads(line) for line in out.read_text().splitlines()]
    assert groups and {g["day"] for g in groups} <= {"2024-01-01T00:00:00", "2024-01-02T00:00:00",
                                                     "2024-01-03T00:00:00"}
    ecs = tmp_path / "groups.ecs.jsonl"
    res = runner.invoke(app, ["score", str(labelled["model"]), str(data), "-o", str(ecs),
                              "--group-by", "day", "--group-window", "1000", "--alert-format", "ecs"])
    assert res.exit_code == 0, res.output
    doc = json.loads(ecs.read_text().splitlines()[0])
    assert doc["hourglass"]["group"]["day"] == groups[0]["day"]
    assert f"from day={groups[0]['day']}," in doc["message"]


def test_stream_output_rotated_while_it_runs_gets_the_later_alerts_anew(labelled: dict[str, Any],
                                                                      tmp_path: Path) -> None:
    import threading
    import time

    rows = [json.dumps(r) for r in labelled["frame"].drop(columns=["label"]).head(10).to_dict("records")]
    fifo = tmp_path / "rows.fifo"
    os.mkfifo(fifo)
    out = tmp_path / "alerts.jsonl"
    rotated = tmp_path / "alerts.jsonl.1"

    def feed() -> None:
        with open(fifo, "w") as fh:
            fh.write("\n".join(rows[:5]) + "\n")
            fh.flush()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and (
                    not out.exists() or len(out.read_text().splitlines()) < 5):
                time.sleep(0.02)
            out.rename(rotated)  # logrotate's move, while the stream runs
            fh.write("\n".join(rows[5:]) + "\n")

    writer = threading.Thread(target=feed)
    writer.start()
    res = runner.invoke(app, ["stream", str(labelled["model"]), "-i", str(fifo), "-o", str(out), "--all",
                              "--max-delay-ms", "20"])
    writer.join()
    assert res.exit_code == 0, res.output
    assert [json.loads(line)["row"] for line in rotated.read_text().splitlines()] == [0, 1, 2, 3, 4]
    assert [json.loads(line)["row"] for line in out.read_text().splitlines()] == [5, 6, 7, 8, 9]


def test_suppress_match_on_a_column_a_csv_reads_as_numbers_matches_the_text_written(
        labelled: dict[str, Any], tmp_path: Path) -> None:
    import pandas as pd

    frame = labelled["frame"].drop(columns=["label"]).copy()
    frame["acct"] = [f"{i % 7:05d}" for i in range(len(frame))]  # read as the numbers 0-6
    frame["fee"] = ["2.50" if i % 2 else "1" for i in range(len(frame))]  # read as floats
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "acct"\nmatch = { acct = "00004" }\n'
                     '[[rule]]\nname = "fee"\nmatch = { fee = "2.50" }\n')
    counts = {}
    for name in ("rows.csv", "rows.jsonl"):
        data = tmp_path / name
        if name.endswith(".csv"):
            frame.to_csv(data, index=False)
        else:
            frame.to_json(data, orient="records", lines=True)
        out = tmp_path / f"{name}.out.csv"
        res = runner.invoke(app, ["score", str(labelled["model"]), str(data), "-o", str(out),
                                  "--suppress", str(rules)])
        assert res.exit_code == 0, res.output
        scored = pd.read_csv(out, keep_default_na=False)
        counts[name] = scored["suppressed"].value_counts().to_dict()
        hit = scored["suppressed"] == "acct"
        assert hit.any() and (frame["acct"][scored["row"][hit]] == "00004").all()
    assert counts["rows.csv"] == counts["rows.jsonl"]
