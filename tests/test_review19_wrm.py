"""Warm start (``train --warm-start``): what it says and records of the model it continues."""

from __future__ import annotations

from pathlib import Path

from hourglass.cli import app
from tests._cli import runner, small_labelled_model
from tests._warm_series import series_frame


def test_few_held_out_warnings_advise_what_a_warm_start_takes(tmp_path: Path) -> None:
    """A warm start on few new rows warned that the threshold rests on few held-out scores and
    advised '--param validation_fraction=...' (and for a series '--window'), options a warm
    start refuses; the advice is now more new data (or old rows replayed) and says that the
    held-out share and the window are the parent's."""
    made = small_labelled_model(tmp_path)
    res = runner.invoke(app, ["train", str(made["data"]), "--warm-start", str(made["model"]), "-o",
                              str(tmp_path / "m2"), "--epochs", "1"])
    assert res.exit_code == 0, res.output
    said = " ".join(res.stderr.split())
    assert "percentile 99 of" in said and "--param" not in said, said
    assert "more normal rows (or old ones too: --replay-data OLD); a warm start keeps" in said, said
    series_frame(300, 1).to_csv(tmp_path / "old.csv", index=False)
    series_frame(120, 2).to_csv(tmp_path / "new.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "old.csv"), "-m", "tcn-ae", "--timestamp-col", "ts",
                              "--window", "8", "--epochs", "1", "-o", str(tmp_path / "S"), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(tmp_path / "new.csv"), "--warm-start", str(tmp_path / "S"),
                              "--epochs", "1", "-o", str(tmp_path / "S2")])
    assert res.exit_code == 0, res.output
    said = " ".join(res.stderr.split())
    assert "holds only 5 window(s) of 8 steps" in said, said
    assert "--param" not in said and "--window" not in said, said
    assert "a longer new series" in said and "held-out share (10%) and window" in said, said
    # train itself still advises its own options
    res = runner.invoke(app, ["train", str(tmp_path / "new.csv"), "-m", "tcn-ae", "--timestamp-col", "ts",
                              "--window", "8", "--epochs", "1", "-o", str(tmp_path / "S3")])
    assert res.exit_code == 0, res.output
    assert "--param validation_fraction=F" in " ".join(res.stderr.split())


def test_model_card_names_the_replayed_old_data(tmp_path: Path) -> None:
    """A warm start with --replay-data: the model card said 'continued on 540 rows' (a table: the
    replayed old rows among them) or 'continued on 120 steps' (a series: beside them) and never
    named the old data trained on too; it now says how much was replayed and from where."""
    from hourglass import load

    made = small_labelled_model(tmp_path)
    new = tmp_path / "new.csv"
    made["frame"].head(200).to_csv(new, index=False)
    res = runner.invoke(app, ["train", str(new), "--warm-start", str(made["model"]), "-o",
                              str(tmp_path / "m2"), "--epochs", "1", "--replay-data", str(made["data"]),
                              "--replay", "0.5", "-q"])
    assert res.exit_code == 0, res.output
    card = load(tmp_path / "m2").model_card()["warm start"]
    assert card.startswith(f"continued on 289 rows (of which 96 replayed from {made['data']}) on "), card
    series_frame(300, 1).to_csv(tmp_path / "old.csv", index=False)
    series_frame(200, 2).to_csv(tmp_path / "snew.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "old.csv"), "-m", "tcn-ae", "--timestamp-col", "ts",
                              "--window", "8", "--epochs", "1", "-o", str(tmp_path / "S"), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(tmp_path / "snew.csv"), "--warm-start", str(tmp_path / "S"),
                              "--epochs", "1", "-o", str(tmp_path / "S2"), "--replay-data",
                              str(tmp_path / "old.csv"), "--replay", "0.5", "-q"])
    assert res.exit_code == 0, res.output
    card = load(tmp_path / "S2").model_card()["warm start"]
    old = tmp_path / "old.csv"
    assert card.startswith(f"continued on 200 steps (+ 100 steps replayed from {old}) on"), card
    plain = load(tmp_path / "S").warm_start(series_frame(200, 3), epochs=1)
    assert "replayed" not in plain.model_card()["warm start"]


def test_replay_data_reads_a_folder_a_pattern_or_standard_input(tmp_path: Path) -> None:
    """A model trained on a folder of files could not replay it: '--replay-data old/' was 'is a
    directory, expected a data file', a quoted pattern 'no such file' and '-' 'no such file';
    OLD is now read as DATA is (each file of the folder or pattern, standard input), and a folder
    of OLD that holds DATA's file is refused as DATA itself is."""
    import pandas as pd

    from hourglass import load

    made = small_labelled_model(tmp_path)
    old = tmp_path / "old"
    old.mkdir()
    frame = made["frame"]
    frame.iloc[:150].to_csv(old / "a.csv", index=False)
    frame.iloc[150:].to_csv(old / "b.csv", index=False)
    new = tmp_path / "new.csv"
    frame.head(100).assign(bytes=frame["bytes"].head(100) * 2).to_csv(new, index=False)
    for i, given in enumerate([str(old), str(old / "*.csv")]):
        out = tmp_path / f"w{i}"
        res = runner.invoke(app, ["train", str(new), "--warm-start", str(made["model"]), "-o", str(out),
                                  "--epochs", "1", "--replay-data", given, "--replay", "2", "-q"])
        assert res.exit_code == 0, res.output
        replay = load(out).info["warm_start"]["replay"]
        assert replay["of"] == 290 and replay["rows"] == 2 * 96, replay  # both files' normal rows
        assert replay["source"] == (f"{old}/ (2 files)" if i == 0 else f"{given} (2 files)"), replay
    out = tmp_path / "w2"
    res = runner.invoke(app, ["train", str(new), "--warm-start", str(made["model"]), "-o", str(out),
                              "--epochs", "1", "--replay-data", "-", "-q"], input=(old / "a.csv").read_text())
    assert res.exit_code == 0, res.output
    assert load(out).info["warm_start"]["replay"] | {"seed": 0} == {
        "source": "standard input", "fraction": 1.0, "rows": 96, "of": 145, "seed": 0, "skipped_rows": 0,
        "sampled": None}
    # a folder of OLD holding DATA's file: DATA's rows replayed as old ones
    pd.read_csv(new).to_csv(old / "c.csv", index=False)
    res = runner.invoke(app, ["train", str(old / "c.csv"), "--warm-start", str(made["model"]), "-o",
                              str(tmp_path / "w3"), "--epochs", "1", "--replay-data", str(old)])
    assert res.exit_code == 2 and not (tmp_path / "w3").exists()
    assert f"--replay-data {old}/ (3 files): reads {old / 'c.csv'}, which is DATA itself" in \
        " ".join(res.stderr.split()), res.stderr


def test_warm_start_of_a_federated_model_is_no_federated_model(tmp_path: Path) -> None:
    """A federated model continued on central rows kept the parent's federated record: its card
    said '2 sites (150 + 150 rows), FedAvg ...' and its info a shared threshold fitted on the
    sites' summaries, while the threshold was refitted on the new held-out rows. The child
    records its own warm start; the parent (federated training) is named in its lineage."""
    import numpy as np
    import pandas as pd

    from hourglass import load
    from hourglass.detectors import AutoEncoder
    from hourglass.distributed.federated import run_federated

    rng = np.random.default_rng(0)
    sites = [pd.DataFrame({"bytes": rng.exponential(100, 150), "proto": rng.choice(["tcp", "udp"], 150)})
             for _ in range(2)]
    run_federated(sites, AutoEncoder(hidden=(4, 2), epochs=1, verbose=0), rounds=1, local_epochs=1,
                  held_out="summaries").save(tmp_path / "F")
    new = sites[0].head(100).assign(bytes=lambda d: d["bytes"] * 2)
    child = load(tmp_path / "F").warm_start(new, epochs=1)
    assert "federated" not in child.info and "federated" not in child.model_card()
    assert child.info["warm_start"]["parent"]["source"] == "federated training (rows stay at the sites)"
    assert child.model_card()["threshold fitted on"].startswith("held-out normal training rows")
    assert len(child.detector_.val_scores_) == 10
