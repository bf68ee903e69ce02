"""Windows event exports that write one value in two ways: each test one defect fixed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.cli import app
from tests._cli import runner

_GUIDS = ("{54849625-5478-4994-A5BA-3E3B0328C30D}", "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}")
_MASKS = (-9214364837600034816, -9223372036854775808)  # 0x8020000000000000, 0x8000000000000000


def _events(path: Path, *, hex_text: bool, n: int = 240) -> Path:
    """``n`` flat Windows events as JSON lines; Keywords as an NXLog-era export writes them
    (signed decimal, upper-case GUIDs) or as the newer exports (hex text, lower case)."""
    rng = np.random.default_rng(0)
    with path.open("w") as fh:
        for i in range(n):
            mask, guid = _MASKS[i % 2], _GUIDS[i % 2]
            fh.write(json.dumps({
                "EventID": int(rng.choice([4624, 4688])), "Channel": "Security",
                "Keywords": f"0x{mask % (1 << 64):016x}" if hex_text else mask,
                "ProviderGuid": guid.lower() if hex_text else guid,
                "ObjectCount": int(rng.poisson(5))}) + "\n")
    return path


def _scores(model: Path, data: Path, out: Path) -> np.ndarray:
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(out)])
    assert res.exit_code == 0, res.output
    return pd.read_csv(out)["score"].to_numpy()


def test_a_keywords_mask_and_guid_of_another_export_score_as_learnt(tmp_path: Path) -> None:
    old = _events(tmp_path / "nxlog.jsonl", hex_text=False)
    new = _events(tmp_path / "newer.jsonl", hex_text=True)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(old), "--format", "windows-json", "-o", str(model),
                              "--epochs", "2", "--param", "hidden=[8,4]"])
    assert res.exit_code == 0, res.output
    # the newer export's '0x8020000000000000' and lower-case GUIDs read as values never seen:
    # every event scored higher than the same event from the export the model learnt
    same = _scores(model, old, tmp_path / "a.csv")
    other = _scores(model, new, tmp_path / "b.csv")
    np.testing.assert_allclose(other, same, rtol=1e-6)


def test_a_plain_json_model_keeps_its_values_as_written(tmp_path: Path) -> None:
    from hourglass import AutoEncoder, Pipeline
    from hourglass.features.tabular import TabularPreprocessor
    from hourglass.ingest.evtx import EVTX_ROLES

    old = pd.read_json(_events(tmp_path / "nxlog.jsonl", hex_text=False), lines=True)
    new = pd.read_json(_events(tmp_path / "newer.jsonl", hex_text=True), lines=True)
    pipe = Pipeline(AutoEncoder(hidden=(8, 4), epochs=2, verbose=0, random_state=0),
                    TabularPreprocessor(roles=EVTX_ROLES)).fit(old)
    pipe.info["dataset"] = "jsonl"  # not Windows events: a 'Keywords' column is any column
    assert pipe.with_windows_forms(new) is new
    pipe.info["dataset"] = "windows-json"
    np.testing.assert_allclose(pipe.score(new), pipe.score(old), rtol=1e-6)


def test_a_folder_s_log_alerts_name_each_file_and_its_line(tmp_path: Path) -> None:
    from tests.test_review18_logs import HDFS, hdfs_lines

    train = tmp_path / "train.log"
    train.write_text("\n".join(hdfs_lines(60)) + "\n")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "--format", "hdfs", "--session-regex", r"blk_-?\d+",
                              "--model", "deeplog", "--epochs", "2", "-o", str(model)])
    assert res.exit_code == 0, res.output
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "a.log").write_text("\n".join(hdfs_lines(3)) + "\n")
    odd = HDFS.format(t=200000, msg="Exception in receiveBlock for block blk_90 java.io.IOException")
    (folder / "b.log").write_text("\n".join([*hdfs_lines(1, 80), odd]) + "\n")
    out = tmp_path / "alerts.jsonl"
    res = runner.invoke(app, ["score", str(model), str(folder), "-o", str(out)])
    assert res.exit_code == 0, res.output
    alerts = {a["session"]: a for a in map(json.loads, out.read_text().splitlines())}
    # the copy's line 13 (9 lines of a.log, then b.log's 4th): said as line 13, no file named
    assert alerts["blk_90"]["file"] == str(folder / "b.log")
    assert alerts["blk_90"]["first_line"] == 4
    assert alerts["blk_90"]["unexpected"]["line"] == 4
    assert alerts["blk_90"]["unexpected"]["file"] == str(folder / "b.log")
    table = tmp_path / "sessions.csv"
    res = runner.invoke(app, ["score", str(model), str(folder), "-o", str(table)])
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(table).set_index("session")
    assert frame.loc["blk_80", ["file", "first_line"]].tolist() == [str(folder / "b.log"), 1]
    assert frame.loc["blk_2", ["file", "first_line"]].tolist() == [str(folder / "a.log"), 7]


def test_a_named_pipe_called_config_json_is_no_model_and_no_hang(tmp_path: Path) -> None:
    import os

    from hourglass.pipeline.artefact import is_artefact

    folder = tmp_path / "out"
    folder.mkdir()
    os.mkfifo(folder / "config.json")
    # read as a model's config, the pipe blocked for ever: 'train -o out' hung
    assert is_artefact(folder) is False
    res = runner.invoke(app, ["train", str(_events(tmp_path / "e.jsonl", hex_text=True)), "-o",
                              str(folder), "--epochs", "1"])
    assert res.exit_code == 2 and "Traceback" not in res.output, res.output
