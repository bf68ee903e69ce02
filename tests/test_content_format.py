"""A table file's format comes from its name unless its first bytes say otherwise: JSON lines
named ``.log``/``.txt`` (a metrics or event export), Parquet or ``.evtx`` under any name. The
time-series and event-session readers use the same rule as the table formats' sniffing."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.ingest.formats import sniff_format
from hourglass.ingest.readers import read_table, table_format
from tests._cli import runner

FAST = ["--epochs", "2", "-q"]


@pytest.mark.parametrize(("name", "data", "fmt"), [
    ("m.log", b'{"a": 1}\n', "jsonl"),
    ("m.txt", b'\xef\xbb\xbf  {"a": 1}\n', "jsonl"),  # a BOM and blanks before the object
    ("m.log.gz", gzip.compress(b'{"a": 1}\n', mtime=0), "jsonl"),
    ("m.csv", b"a,b\n1,2\n", "csv"),
    ("m.log", b"a,b\n1,2\n", "csv"),
    ("m.tsv", b"a\tb\n1\t2\n", "tsv"),
    ("m.jsonl", b'{"a": 1}\n', "jsonl"),
    ("m.dat", b"ElfFile\x00" + b"\x00" * 16, "evtx"),
], ids=["jsonl-log", "jsonl-bom", "jsonl-gz", "csv", "csv-log", "tsv", "jsonl", "evtx-dat"])
def test_table_format_reads_the_first_bytes(tmp_path: Path, name: str, data: bytes, fmt: str) -> None:
    p = tmp_path / name
    p.write_bytes(data)
    assert table_format(p) == fmt


def test_parquet_under_another_name_is_read_as_parquet(tmp_path: Path) -> None:
    p = tmp_path / "export.csv"  # renamed by a pipeline that named everything .csv
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_parquet(p, index=False)
    assert table_format(p) == "parquet" and sniff_format(p).name == "parquet"
    assert read_table(p).to_dict("records") == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]


def test_json_lines_named_log_read_as_the_csv_of_the_same_rows(tmp_path: Path) -> None:
    rows = [{"ts": i, "cpu": 0.5 + i / 10, "host": "h1"} for i in range(5)]
    (tmp_path / "m.log").write_text("".join(json.dumps(r) + "\n" for r in rows))
    pd.DataFrame(rows).to_csv(tmp_path / "m.csv", index=False)
    pd.testing.assert_frame_equal(read_table(tmp_path / "m.log"), read_table(tmp_path / "m.csv"))


def _series(n: int = 400) -> list[dict[str, object]]:
    rng = np.random.default_rng(0)
    return [{"ts": f"2026-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
             "cpu": float(np.sin(i / 8) + rng.normal(0, 0.05)), "mem": float(rng.normal(1, 0.05))}
            for i in range(n)]


def test_time_series_of_json_lines_named_log_trains_and_scores_as_its_csv(tmp_path: Path) -> None:
    """Before, a JSON series named ``.log`` was read as a one-column CSV: 'no numeric channels'."""
    rows = _series()
    (tmp_path / "metrics.log").write_text("".join(json.dumps(r) + "\n" for r in rows))
    pd.DataFrame(rows).to_csv(tmp_path / "metrics.csv", index=False)
    scores = []
    for name in ("metrics.log", "metrics.csv"):
        model, out = tmp_path / f"model-{name}", tmp_path / f"scores-{name}.csv"
        res = runner.invoke(app, ["train", str(tmp_path / name), "--timestamp-col", "ts", "--model",
                                  "lstm-ae", "--window", "16", "--seed", "0", *FAST, "-o", str(model)])
        assert res.exit_code == 0, res.output
        res = runner.invoke(app, ["score", str(model), str(tmp_path / name), "-o", str(out)])
        assert res.exit_code == 0, res.output
        scores.append(pd.read_csv(out)["score"].to_numpy())
    assert len(scores[0]) == len(rows)
    np.testing.assert_allclose(scores[0], scores[1], rtol=1e-6)


def test_event_sessions_of_json_lines_named_log(tmp_path: Path) -> None:
    """An event table (``--key-col``) exported as JSON lines under a ``.log`` name."""
    rng = np.random.default_rng(1)
    lines = []
    for s in range(120):
        keys = ["login", "read", "read", "logout"] if rng.random() < 0.9 else ["login", "write", "logout"]
        lines += [json.dumps({"user": f"u{s}", "event": k, "ts": s * 10 + j}) for j, k in enumerate(keys)]
    data = tmp_path / "events.log"
    data.write_text("\n".join(lines) + "\n")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "--session-col", "user", "--key-col", "event",
                              "--timestamp-col", "ts", "--model", "deeplog", *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    out = tmp_path / "s.csv"
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) == 120
