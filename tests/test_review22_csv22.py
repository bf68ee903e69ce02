"""Review 22 (csv22): 64-bit ids beside a whole float (7.0) in a CSV column stay exact; a flagged
time step named alike in the ECS messages of score, stream and the service."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.ingest.readers import read_table
from hourglass.ingest.tables import iter_table

BIG = 9007199254740993  # 2**53 + 1: float64 reads it as 2**53


def _csv(tmp_path: Path, ids: list[str]) -> Path:
    path = tmp_path / "ids.csv"
    path.write_text("id,x\n" + "".join(f"{v},{i}\n" for i, v in enumerate(ids)))
    return path


def test_csv_ids_past_2_53_beside_a_whole_float_stay_exact(tmp_path: Path) -> None:
    # a column with 9007199254740993 and 7.0 was read as float64: the id became 9007199254740992
    df = read_table(_csv(tmp_path, [str(BIG), "7.0"]))
    assert df["id"].dtype == np.int64 and df["id"].tolist() == [BIG, 7]


def test_csv_ids_past_2_53_beside_a_whole_float_and_an_empty_cell_stay_exact(tmp_path: Path) -> None:
    # the same with an empty cell: float64 too, the id rounded; now nullable Int64
    df = read_table(_csv(tmp_path, [str(BIG), "7.0", ""]))
    assert isinstance(df["id"].dtype, pd.Int64Dtype)
    assert df["id"].tolist()[:2] == [BIG, 7] and df["id"].isna().tolist() == [False, False, True]


def test_csv_ids_beside_a_real_fraction_keep_the_column_float(tmp_path: Path) -> None:
    # (no defect: pinned beside the fix) a fraction, 7.5, is no id: the column stays float64
    df = read_table(_csv(tmp_path, [str(BIG), "7.5"]))
    assert df["id"].dtype == np.float64 and df["id"].tolist()[1] == 7.5


@pytest.mark.parametrize("mode", ["error", "skip"])
def test_csv_ids_stay_exact_across_chunks(tmp_path: Path, mode: str) -> None:
    # ids alone in the first block, 7.0 and empty cells in later chunks: the later chunks' id
    # column turned to text ('7.0'), and read_table joined the chunks as float64, rounding the ids
    n = 3000
    path = _csv(tmp_path, [str(BIG)] * n + ["7.0", ""] * n)
    chunks = list(iter_table(path, fmt="csv", chunk_bytes=4096, on_bad_rows=mode))
    assert len(chunks) > 2
    ids = pd.concat(chunks, ignore_index=True)["id"]
    assert all(c["id"].dtype in (np.int64, pd.Int64Dtype()) for c in chunks)
    assert ids.iloc[:n].tolist() == [BIG] * n and ids.iloc[n::2].tolist() == [7] * n
    assert ids.iloc[n + 1::2].isna().all()
    whole = read_table(path)["id"]
    assert isinstance(whole.dtype, pd.Int64Dtype) and whole.iloc[0] == BIG and whole.iloc[-2] == 7


def test_csv_ids_beside_7_0_in_the_first_block_stay_int_in_later_chunks(tmp_path: Path) -> None:
    # both in the first block (float64 before), later chunks of small ints, 8.00 and empty cells
    n = 3000
    path = _csv(tmp_path, [str(BIG), "7.0"] * n + ["5", "", "8.00"] * n)
    ids = pd.concat(list(iter_table(path, fmt="csv", chunk_bytes=4096)), ignore_index=True)["id"]
    assert ids.iloc[:2].tolist() == [BIG, 7] and ids.iloc[-3:].isna().tolist() == [False, True, False]
    assert ids.iloc[-1] == 8 and ids.iloc[-3] == 5


def _series(n: int, spike: int | None = None) -> pd.DataFrame:
    t = np.arange(n)
    df = pd.DataFrame({"cpu": np.sin(t / 4), "mem": np.cos(t / 5)})
    if spike is not None:
        df.loc[spike, "cpu"] = 50.0
    return df


def test_series_alert_messages_name_a_time_step_in_score_stream_and_service(tmp_path: Path) -> None:
    # a series model without a timestamp column: score and the service's ECS messages said
    # 'anomalous time step 23', stream's said 'anomalous row 30' for the same kind of alert
    from hourglass.cli.app import app
    from hourglass.serve.ecs import AlertRule
    from hourglass.serve.series_scoring import SeriesScorer
    from tests._cli import runner

    _series(300).to_csv(tmp_path / "train.csv", index=False)
    test = _series(60, spike=30)
    test.to_csv(tmp_path / "test.csv", index=False)
    model = tmp_path / "M"
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "-m", "lstm-ae", "--window", "8",
                              "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(model), str(tmp_path / "test.csv"), "--alert-format", "ecs",
                              "-o", str(tmp_path / "a.jsonl"), "-q"])
    assert res.exit_code == 0, res.output
    scored = [json.loads(line)["message"] for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    lines = "".join(json.dumps(r) + "\n" for r in test.to_dict("records"))
    res = runner.invoke(app, ["stream", str(model), "--alert-format", "ecs"], input=lines)
    assert res.exit_code == 0, res.output
    streamed = [json.loads(line)["message"] for line in res.stdout.splitlines() if line.startswith("{")]
    scorer = SeriesScorer(model)
    served = [d["message"] for d in scorer.score_ecs(
        test.to_dict("records"), AlertRule.from_model(model, scorer.pipeline))["alerts"]]
    assert scored and streamed and served
    for message in scored + streamed + served:
        assert re.match(r"hourglass lstm-ae: anomalous time step \d+ \(score ", message), message
    assert "hourglass lstm-ae: anomalous time step 30 (" in streamed[0]  # its row 30: step 30
