"""Online scoring of server metrics (``hourglass stream`` on a time-series model): steps/s.

SKAB ``valve1/0.csv`` (``<data>/skab``; 1,147 rows of 8 sensors at ~1 Hz, see its SOURCE.md):
an lstm-ae (window 32) trained on the file's first 400 rows (SKAB's protocol, ``freq="rows"``;
reduced epochs: the model's quality is not what is measured), then the whole file streamed
through :class:`hourglass.serve.series_stream.SeriesStreamScorer` in micro-batches of 1 and 64
steps (median of ``--repeat`` runs); each step is scored from the one window that ends at it.
The streamed scores are checked against the detector's ``window_scores`` of the whole series
(they must be equal). Beside it: ``Pipeline.score`` of the whole file (every window once, each
step the mean of its 32 windows: not causal) and the ``hourglass stream`` CLI end to end at
``--batch 64`` (a fresh process: start-up and model load included).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/series_stream.py [--data DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from _common import data_dir, header, markdown_table, run_measured, timed, write_result
from hourglass.detectors import LSTMAutoEncoder
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.ingest.timeseries import read_skab
from hourglass.pipeline import Pipeline
from hourglass.serve.series_stream import SeriesStreamScorer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    path = data_dir(args.data) / "skab" / "data" / "valve1" / "0.csv"
    df = read_skab(path).drop(columns=["label", "changepoint"])
    pipe = Pipeline(LSTMAutoEncoder(window=32, epochs=args.epochs, verbose=0, random_state=0),
                    features=TimeSeriesPreprocessor("datetime", freq="rows")).fit(df.iloc[:400])
    rows = list(enumerate(df.to_dict("records"), start=1))
    want = pipe.detector_.window_scores(pipe.features_.transform(df))
    table = []
    for batch in (1, 64):
        def run(batch: int = batch) -> tuple[list[float], int]:
            scorer = SeriesStreamScorer.from_pipeline(pipe)
            got: list[float] = []
            for lo in range(0, len(rows), batch):
                alerts, bad = scorer.feed(rows[lo:lo + batch], all_steps=True)
                assert not bad, bad
                got.extend(a["score"] for a in alerts)
            return got, scorer.counts()["flagged"]

        (got, flagged), secs = timed(run, repeat=args.repeat)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
        table.append([f"stream, micro-batch {batch}", len(rows), f"{len(rows) / secs:,.0f}",
                      f"{1000 * secs / len(rows):.2f}", flagged])
    scores, secs = timed(lambda: pipe.score(df), repeat=args.repeat)
    table.append(["Pipeline.score, whole file (not causal)", len(rows), f"{len(rows) / secs:,.0f}",
                  f"{1000 * secs / len(rows):.2f}", int(pipe.detector_.threshold_predict(scores).sum())])
    with tempfile.TemporaryDirectory() as tmp:
        model, jsonl = Path(tmp) / "model", Path(tmp) / "rows.jsonl"
        pipe.save(model)
        df.to_json(jsonl, orient="records", lines=True)
        wall, _rss, out = run_measured([sys.executable, "-m", "hourglass", "stream", str(model), "-i",
                                       str(jsonl), "--batch", "64", "-o", str(Path(tmp) / "a.jsonl")],
                                      env={"OMP_NUM_THREADS": "1"})
        rate = re.search(r"([\d,]+) rows/s", out)
        table.append(["hourglass stream --batch 64 (CLI, fresh process)", len(rows),
                      f"{len(rows) / wall:,.0f} incl. start-up ({rate.group(1) if rate else '?'} "
                      "by its summary)", f"{1000 * wall / len(rows):.2f}", "-"])
    text = (header("Streaming a time-series model (hourglass stream): steps/s")
            + f"\nSKAB `valve1/0.csv`, {len(rows):,} rows x 8 sensors; lstm-ae window 32, trained on "
            f"the first 400 rows ({args.epochs} epochs); one torch thread; median of {args.repeat} "
            "runs. Streamed scores equal the detector's score of the window ending at each step "
            "(checked). The machine was shared with other jobs: compare within this table. "
            "'flagged' is no detection figure (a 5-epoch model; SKAB's files drift after the "
            "400 training rows, and 35% of this file is anomalous): it shows that the causal "
            "scores, one window each, flag about as often as the averaged ones against the "
            "threshold fitted on averaged scores.\n\n"
            + markdown_table(["how", "rows", "steps/s", "ms/step", "flagged"], table)
            + "\n\nCommand: `OMP_NUM_THREADS=1 nice -n 10 python benchmarks/series_stream.py`\n")
    print(text)
    print(write_result("series_stream", text))


if __name__ == "__main__":
    main()
