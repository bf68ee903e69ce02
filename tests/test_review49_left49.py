"""Checks of small wording and consistency items: the lines a skipped-row summary names, plurals
of one, an ensemble's percentile warning, an entity model's unread columns."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.ingest import ReadStats
from tests._cli import runner


@pytest.fixture(scope="module")
def flows_model(tmp_path_factory: Any) -> Path:
    folder = tmp_path_factory.mktemp("flows")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"bytes": rng.lognormal(5, 1, 300).round(2), "pkts": rng.poisson(8, 300),
                          "proto": rng.choice(["tcp", "udp"], 300)})
    frame.to_csv(folder / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(folder / "train.csv"), "-o", str(folder / "m"), "--epochs", "1",
                              "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    return folder / "m"


def _bad_table(folder: Path) -> tuple[list[int], list[int]]:
    """A 400-row CSV and the same rows as JSON lines: short rows (the reader skips them) early in
    the file, rows whose 'bytes' the model refuses (text) between and after them; the data rows
    of the bad ones and of the good ones."""
    short = {5, 42, 113, 166, 300, 350}
    text = {7, 60, 79, 116, 153, 190, 210, 250, 280, 320, 390, 399}
    csv, js = ["bytes,pkts,proto"], []
    for i in range(400):
        if i in short:
            csv.append("1.5,3")
            js.append('{"bytes": 1.5, "pkts":')
        elif i in text:
            csv.append("oops,3,tcp")
            js.append(json.dumps({"bytes": "oops", "pkts": 3, "proto": "tcp"}))
        else:
            csv.append(f"{100 + i},{i % 9},udp")
            js.append(json.dumps({"bytes": 100 + i, "pkts": i % 9, "proto": "udp"}))
    (folder / "t.csv").write_text("\n".join(csv) + "\n")
    (folder / "t.jsonl").write_text("\n".join(js) + "\n")
    bad = sorted(short | text)
    return bad, [i for i in range(400) if i not in bad]


@pytest.mark.parametrize("chunk_mb", ["16", "0.002"])
def test_skip_summary_names_the_first_lines_of_the_file(flows_model: Path, tmp_path: Path,
                                                        chunk_mb: str) -> None:
    # what was wrong: `score M t.csv --on-bad-rows skip` kept the first 10 skipped lines ADDED,
    # and the reader adds a chunk's short rows before the scorer adds the rows whose value the
    # model refuses: it named "lines 7, 9, 44, 62, 81, 115, 118, 168, 302, 352 ..." although
    # lines 155 and 192 were skipped too, and `stream` names the first lines of the same rows
    bad, good = _bad_table(tmp_path)
    for name, header in (("t.csv", 1), ("t.jsonl", 0)):
        out = tmp_path / f"{name}.out.csv"
        res = runner.invoke(app, ["score", str(flows_model), str(tmp_path / name), "-o", str(out),
                                  "--on-bad-rows", "skip", "--chunk-mb", chunk_mb])
        assert res.exit_code == 0, res.output
        first = [i + 1 + header for i in bad[:10]]
        assert f"skipped 18 malformed row(s) in {tmp_path / name} (lines {', '.join(map(str, first))} ...)" \
            in res.stderr, res.stderr
        assert pd.read_csv(out)["row"].tolist() == good  # (each row still numbered as its data row)
    res = runner.invoke(app, ["stream", str(flows_model), "-i", str(tmp_path / "t.jsonl"),
                              "-o", str(tmp_path / "s.jsonl"), "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    lines = re.search(r"skipped 18 malformed line\(s\) \(lines ([\d, ]+) \.\.\.\)", res.stderr)
    assert lines is not None and lines.group(1) == ", ".join(str(i + 1) for i in bad[:10]), res.stderr


def test_read_stats_keep_the_ten_smallest_lines_bounded() -> None:
    # what was wrong: ReadStats kept the first 10 lines named, not the 10 smallest; a pass of the
    # CSV reader read again takes back its own lines (_PassCount.undo) and leaves a caller's
    from hourglass.ingest.tables import _PassCount

    stats = ReadStats()
    count = _PassCount(stats)
    for line in range(100, 112):
        count.skipped(line, later=True)  # the reader's rows of a chunk
    for line in (7, 50, 500):
        stats.left_out(line, at=0)  # the rows a caller left out afterwards
    assert stats.bad_lines == [7, 50, *range(100, 108)] and stats.bad_rows == 15
    count.undo()  # read again: the reader's count taken back, the caller's kept
    assert stats.bad_lines == [7, 50] and stats.bad_rows == 3
    for line in range(100, 112):
        count.skipped(line, later=True)
    assert stats.bad_lines == [7, 50, *range(100, 108)] and stats.bad_rows == 15


def test_counts_of_one_are_singular(caplog: Any) -> None:
    # what was wrong: "10 rows make 1 optimiser steps per epoch" (the windows of a windowed model
    # called rows too), "percentile 99 of 1 causal held-out normal scores", "only 1 peaks above"
    import logging
    import warnings

    import torch

    from hourglass.nn.training import TrainConfig, train_module
    from hourglass.thresholds import Percentile
    from hourglass.thresholds.evt import tail_quantile

    class Mean(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.mu = torch.nn.Parameter(torch.zeros(2))

        def loss(self, batch: Any) -> torch.Tensor:
            return ((batch[0] - self.mu) ** 2).mean()

        def score(self, batch: Any) -> torch.Tensor:
            return ((batch[0] - self.mu) ** 2).mean(dim=1)

    with caplog.at_level(logging.INFO, logger="hourglass"):
        train_module(Mean(), (torch.ones(10, 2),), None,
                     TrainConfig(epochs=1, min_steps=3, patience=None, verbose=0, sample="window"),
                     generator=torch.Generator().manual_seed(0))
        Percentile(99).fit(np.array([0.5]))
    assert "10 windows make 1 optimiser step per epoch" in caplog.text, caplog.text
    assert "percentile 99 of 1 held-out normal score:" in caplog.text, caplog.text
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tail_quantile(np.arange(10.0), 1e-3, level=0.9)
    assert any("only 1 peak above" in str(w.message) for w in caught), [str(w.message) for w in caught]


def test_windowed_models_count_windows_in_the_training_log() -> None:
    # what was wrong: ganomaly-1d (and every windowed model) logged "60 rows make 1 optimiser
    # steps per epoch" of the windows it trains on
    from hourglass.detectors import GANomaly1D

    assert GANomaly1D(window=16)._train_config(60).sample == "window"


def test_dspot_says_one_score_is_too_few() -> None:
    # what was wrong: "DSPOT: 1 scores are too few for depth 2"
    from hourglass.errors import InputError
    from hourglass.thresholds import DSPOT

    with pytest.raises(InputError, match="DSPOT: 1 score is too few for depth 2; need at least 102"):
        DSPOT(0.01, depth=2).fit(np.array([0.5]))


def test_ensemble_says_its_members_percentile_warning_once(tmp_path: Path) -> None:
    # what was wrong: `train --model ensemble` on a small table logged "percentile 99 of 27
    # held-out normal scores: expect about 4.5% ..." three times, once per member; a warning
    # that differs (the ensemble's own, on 30 scores) is still said on its own
    rng = np.random.default_rng(0)
    pd.DataFrame({"bytes": rng.lognormal(5, 1, 300), "pkts": rng.poisson(8, 300)}).to_csv(
        tmp_path / "t.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "t.csv"), "--model", "ensemble", "-o",
                              str(tmp_path / "m"), "--epochs", "1"])
    assert res.exit_code == 0, res.output
    warned = [ln for ln in res.stderr.splitlines() if "held-out normal scores: expect" in ln]
    assert len(warned) == 2, warned
    assert warned[0].startswith("ensemble members autoencoder, deep-svdd, latent-iforest: percentile 99 "
                                "of 27 held-out"), warned
    assert warned[1].startswith("percentile 99 of 30 held-out normal scores"), warned


def test_entity_model_takes_text_in_a_column_no_feature_reads_as_missing(tmp_path: Path) -> None:
    # what was wrong: an entity model whose training dropped every aggregate of a constant
    # column ('const': no feature reads it, rows may leave it out) refused text in it:
    # `score M t.csv` said "column 'const': line 7 is not a number ('oops')", and with
    # --on-bad-rows skip left the row out (a bucket one row short), where a table model
    # ignores a constant column; text in a column a feature reads is still refused
    rng = np.random.default_rng(0)
    n = 600
    frame = pd.DataFrame({"ts": pd.date_range("2026-01-01", periods=n, freq="30s").astype(str),
                          "src_ip": rng.choice([f"10.0.0.{i}" for i in range(4)], n),
                          "bytes": rng.lognormal(5, 1, n).round(1), "const": 7})
    frame.to_csv(tmp_path / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--entity-col", "src_ip",
                              "--timestamp-col", "ts", "-o", str(tmp_path / "m"), "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    texted = frame.astype({"const": object, "bytes": object})
    texted.loc[5, "const"] = "oops"
    texted.to_csv(tmp_path / "text.csv", index=False)
    texted.to_json(tmp_path / "text.jsonl", orient="records", lines=True)
    outs = {}
    for name, extra in (("train.csv", []), ("text.csv", []), ("text.csv", ["--on-bad-rows", "skip"]),
                        ("text.jsonl", [])):
        out = tmp_path / f"{name}{len(extra)}.csv"
        res = runner.invoke(app, ["score", str(tmp_path / "m"), str(tmp_path / name), "-o", str(out), *extra])
        assert res.exit_code == 0, res.output
        assert "skipped" not in res.stderr, res.stderr
        outs[out.name] = pd.read_csv(out)
    first, *others = outs.values()
    for other in others:
        pd.testing.assert_frame_equal(first, other)
    res = runner.invoke(app, ["stream", str(tmp_path / "m"), "-i", str(tmp_path / "text.jsonl"), "--all",
                              "-o", str(tmp_path / "s.jsonl")])
    assert res.exit_code == 0 and "skipped" not in res.stderr, res.output
    assert len((tmp_path / "s.jsonl").read_text().splitlines()) == len(first)
    texted.loc[5, "bytes"] = "oops"  # a column a feature reads: refused, as before
    texted.to_csv(tmp_path / "read.csv", index=False)
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(tmp_path / "read.csv"), "-o",
                              str(tmp_path / "r.csv")])
    assert res.exit_code == 2 and "column 'bytes': line 7 is not a number ('oops')" in res.stderr, res.output


def test_more_counts_of_one_are_singular(tmp_path: Path, caplog: Any) -> None:
    # what was wrong: "'Normal' (1 rows), a normal value ('normal') spelt otherwise" and
    # "--extra-normal x.csv: 1 rows have 'label' not 0"
    import logging

    from hourglass.pipeline.benchmark import _warn_other_spellings

    labels = np.array(["normal", "Normal", "attack"], dtype=object)
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        _warn_other_spellings(labels, np.array([0, 1, 1], dtype=np.int8), ["normal"], "label", "x.csv")
    assert "'Normal' (1 row), a normal value" in caplog.text, caplog.text
    series = pd.DataFrame({"ts": pd.date_range("2026-01-01", periods=200, freq="min"),
                           "v": np.sin(np.arange(200) / 5), "label": 0})
    series.to_csv(tmp_path / "s.csv", index=False)
    series.assign(label=(np.arange(200) == 7).astype(int)).to_csv(tmp_path / "x.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "s.csv"), "--model", "lstm-ae", "--window", "8",
                              "--timestamp-col", "ts", "--label-col", "label", "--extra-normal",
                              str(tmp_path / "x.csv"), "--epochs", "1", "-o", str(tmp_path / "m")])
    assert res.exit_code != 0 and "x.csv: 1 row has 'label' not 0; extra data must be normal" in res.output, \
        res.output
