"""Review 7, items earlier reviews left alone: the core CLI's outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner
from tests.test_review2_rv_alerts import timed_model

TS = pd.date_range("2026-12-06T01:00:00", periods=240, freq="30s")


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return timed_model(tmp_path_factory.mktemp("r7_main"), TS)


# ---- ungrouped JSON lines write a kept integer column with a missing cell as whole numbers -------

def test_score_jsonl_keeps_whole_numbers(tmp_path: Path, model: Path) -> None:
    data = tmp_path / "x.csv"
    ports = [22, None, 443, 8080.5] * 5
    pd.DataFrame({"ts": TS[:20].astype(str), "bytes": 1e6, "dst_port": ports}).to_csv(data, index=False)
    out = tmp_path / "s.jsonl"
    res = runner.invoke(app, ["score", str(model), str(data), "--keep", "dst_port", "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["dst_port"] for r in rows[:4]] == [22, None, 443, 8080.5]  # was 22.0, None, 443.0
    assert '"dst_port":22}' in out.read_text().splitlines()[0]
    assert all(isinstance(r["score"], float) for r in rows)  # the scores stay floats
    csv_out = tmp_path / "s.csv"  # CSV wrote 22 already; unchanged
    res = runner.invoke(app, ["score", str(model), str(data), "--keep", "dst_port", "-o", str(csv_out),
                              "-q"])
    assert res.exit_code == 0, res.output
    assert pd.read_csv(csv_out)["dst_port"].tolist()[:3][0] == 22


# ---- --group-by given twice groups by both columns (the last one alone used to win silently) ------

def test_group_by_repeated_adds_columns(tmp_path: Path, model: Path) -> None:
    data = tmp_path / "x.csv"
    pd.DataFrame({"ts": TS[:40].astype(str), "bytes": 1e6, "src": ["a", "b"] * 20,
                  "dst": ["x"] * 20 + ["y"] * 20}).to_csv(data, index=False)
    texts = []
    for opts in (["--group-by", "src", "--group-by", "dst"], ["--group-by", "src,dst"]):
        out = tmp_path / f"g{len(texts)}.jsonl"
        res = runner.invoke(app, ["score", str(model), str(data), *opts, "-o", str(out), "-q"])
        assert res.exit_code == 0, res.output
        texts.append([json.loads(line) for line in out.read_text().splitlines()])
    keys = {(a["src"], a["dst"]) for a in texts[0]}
    assert keys == {("a", "x"), ("b", "x"), ("a", "y"), ("b", "y")}  # was 2 groups, by dst only
    assert [(a["src"], a["dst"], a["count"]) for a in texts[0]] == \
        [(a["src"], a["dst"], a["count"]) for a in texts[1]]


# ---- a loaded model saved again keeps its training history -----------------------------------------

def test_resave_keeps_training_history(tmp_path: Path) -> None:
    import numpy as np

    from hourglass import AutoEncoder, Pipeline
    from hourglass.errors import HourglassError
    from hourglass.nn.training import TrainHistory
    from hourglass.pipeline import load

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=3, verbose=0)).fit(df)
    pipe.save(tmp_path / "m")
    again = load(tmp_path / "m")
    assert again.detector_.history_.to_dict() == pipe.detector_.history_.to_dict()  # was absent
    again.save(tmp_path / "m2")
    saved = json.loads((tmp_path / "m2" / "config.json").read_text())
    assert '"best_epoch"' in json.dumps(saved)  # was dropped from the re-saved model card
    with pytest.raises(ValueError, match="losses"):
        TrainHistory.from_dict({"train_loss": ["x"]})
    with pytest.raises(HourglassError):
        again.detector_._set_state({"history": {"best_epoch": "2"}}, again.detector_._get_state()[1])


# ---- an ensemble member's state edited away is one artefact error, not a KeyError ------------------

def test_ensemble_member_without_state_is_refused(tmp_path: Path) -> None:
    import numpy as np

    from hourglass import Pipeline
    from hourglass.detectors import Ensemble
    from hourglass.errors import ArtefactError
    from hourglass.pipeline import load
    from tests.test_review7_r7_export import _edited

    df = pd.DataFrame({"a": np.arange(80.0), "b": np.arange(80.0) % 7})
    Pipeline(Ensemble(detectors=(("autoencoder", {"hidden": (4, 2)}), "vae"), epochs=1, verbose=0,
                      random_state=0)).fit(df).save(tmp_path / "e")

    def drop(cfg: dict) -> None:
        cfg["detector"]["state"]["members"][0].pop("state")

    with pytest.raises(ArtefactError, match="ensemble member 0: its saved state is missing"):
        load(_edited(tmp_path / "e", tmp_path / "bad", drop))  # was a bare KeyError: 'state'


# ---- score of a series timed by a column called like an output column -----------------------------

@pytest.mark.parametrize("ts", ["score", "severity"])
def test_score_of_a_series_timed_by_an_output_name(tmp_path: Path, ts: str) -> None:
    import numpy as np

    from hourglass import Pipeline
    from hourglass.detectors import TCNAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    t = np.arange(120)
    df = pd.DataFrame({ts: pd.date_range("2024-01-01", periods=120, freq="min").astype(str),
                       "cpu": np.sin(t / 4), "mem": np.cos(t / 6)})
    Pipeline(TCNAutoEncoder(window=8, channels=(4,), code=2, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor(ts)).fit(df).save(tmp_path / "m")
    df.head(40).to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "s.csv"
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(tmp_path / "d.csv"), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output  # was 'cannot insert score, already exists'
    got = pd.read_csv(out)
    assert list(got.columns) == ["timestamp", "score", "flag", "calibrated", "severity"]
    assert got["timestamp"].iloc[0] == "2024-01-01T00:00:00" and len(got) == 40  # (ISO 8601)
    assert set(got["severity"]) <= {"low", "medium", "high", "critical"}


# ---- a series' missing-value error counts the column it names -------------------------------------

def test_missing_value_error_counts_the_named_column() -> None:
    import numpy as np

    from hourglass.errors import InputError
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    df = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=60, freq="min"),
                       "cpu": np.arange(60.0), "mem": np.arange(60.0)})
    df.loc[[10, 11, 12], "cpu"] = np.nan
    df.loc[[20, 21, 22], "mem"] = np.nan
    with pytest.raises(InputError, match=r"column 'cpu': 3 missing value\(s\) \(and 3 in other "
                                         r"columns\), first at timestamp 2024-01-01 00:10:00"):
        TimeSeriesPreprocessor("ts").fit(df)  # was "column 'cpu': 6 missing value(s)"


# ---- train --normal without a label column is refused (it was ignored: every row trained on) ------

@pytest.mark.parametrize("entity", [False, True])
def test_train_normal_without_label_col_is_refused(tmp_path: Path, entity: bool) -> None:
    data = tmp_path / "l.csv"
    pd.DataFrame({"ts": TS[:40].astype(str), "src": ["a", "b"] * 20, "bytes": range(40),
                  "label": ["ok"] * 30 + ["attack"] * 10}).to_csv(data, index=False)
    opts = ["--entity-col", "src", "--timestamp-col", "ts"] if entity else []
    res = runner.invoke(app, ["train", str(data), *opts, "--normal", "ok", "-o", str(tmp_path / "m"),
                              "--epochs", "1", "-q"])
    assert res.exit_code == 2, res.output
    assert "--normal ok: the normal values of a label column; name that column with --label-col" \
        in res.output
    assert not (tmp_path / "m").exists()


# ---- data values on the screen: escape sequences quoted in every table and message -----------------

def test_escape_sequences_of_the_data_are_quoted_on_screen(tmp_path: Path, model: Path) -> None:
    data = tmp_path / "x.csv"
    evil = "bad\x1b[2J\x1b[31m"
    pd.DataFrame({"ts": TS[:20].astype(str), "bytes": [1e6] * 10 + [100.0] * 10,
                  "label": [evil] * 10 + ["normal"] * 10}).to_csv(data, index=False)
    res = runner.invoke(app, ["evaluate", str(model), str(data), "--label-col", "label",
                              "--normal", "normal"])
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.output and "bad\\x1b[2J\\x1b[31m" in res.output  # the per-class table
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / "s.csv"), "--keep",
                              "no\x1b[2Jcol"])
    assert res.exit_code == 2
    assert "\x1b" not in res.output and "no\\x1b[2Jcol" in res.output  # the error line


# ---- a drift window too large to hold is refused, not "out of memory: train with ..." --------------

def test_huge_drift_window_is_refused(tmp_path: Path, model: Path) -> None:
    data = tmp_path / "x.csv"
    pd.DataFrame({"ts": TS[:20].astype(str), "bytes": 1e6}).to_csv(data, index=False)
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / "s.csv"),
                              "--drift-window", str(10**12)])
    assert res.exit_code == 2, res.output
    assert "--drift-window" in res.output and "1000000" in res.output
    assert "out of memory" not in res.output and not (tmp_path / "s.csv").exists()


# ---- score --on-bad-rows skip leaves out a row whose number is text, as stream does its line --------

def test_score_skips_rows_with_text_in_a_number_column(tmp_path: Path, model: Path) -> None:
    data = tmp_path / "x.csv"
    values = [str(100 + i) for i in range(300)]
    for i in (5, 6, 150, 299):
        values[i] = "oops"
    pd.DataFrame({"ts": TS[:240].append(TS[:60]).astype(str), "bytes": values}).to_csv(data, index=False)
    out = tmp_path / "s.csv"
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(out), "--on-bad-rows", "skip",
                              "--chunk-mb", "0.001", "--keep", "bytes"])
    assert res.exit_code == 0, res.output  # was: error: column 'bytes': expected numbers ... (row 6)
    assert "skipped 4 malformed row(s)" in res.output
    got = pd.read_csv(out)
    assert len(got) == 296 and "oops" not in set(got["bytes"].astype(str))
    # each row its data row, the skipped ones' numbers unused (review 24)
    assert got["row"].tolist() == [i for i in range(300) if i not in (5, 6, 150, 299)]
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / "e.csv"),
                              "--chunk-mb", "0.001"])
    # its line (the header line 1, data row 5 line 7), as stream and the skipped rows' lines name it
    assert res.exit_code == 2 and "expected numbers, found 'oops' (line 7)" in res.output
    labelled = tmp_path / "l.csv"  # evaluate drops the skipped rows' labels with them
    pd.read_csv(data).assign(label=["normal"] * 299 + ["attack"]).to_csv(labelled, index=False)
    res = runner.invoke(app, ["evaluate", str(model), str(labelled), "--label-col", "label", "--normal",
                              "normal", "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "skipped 4 malformed row(s)" in res.output


# ---- review of the merged work: a budget just below the event rate; a saved tanh Deep SVDD ---------

def test_share_count_is_exact_and_budget_near_the_rate_fits() -> None:
    import numpy as np

    from hourglass.thresholds import AlertBudget, Contamination
    from hourglass.thresholds.base import share_count

    assert share_count(0.29, 100) == 29 and share_count(0.4999999999, 2) == 0
    assert share_count(0.3, 3_333_333_333) == 999_999_999 and share_count(0.1, 10**10) == 10**9
    scores = np.random.default_rng(0).normal(size=1000)
    budget = AlertBudget(n=999, per="day", events_per_day=999.0000001).fit(scores)  # was IndexError
    assert int((scores > budget.value_).sum()) == 999
    assert int((np.array([1.0, 2.0]) > Contamination(0.4999999999).fit(np.array([1.0, 2.0])).value_
                ).sum()) == 0


def test_saved_tanh_deep_svdd_warm_starts(tmp_path: Path) -> None:
    import numpy as np

    from hourglass.detectors import DeepSVDD

    X = np.random.default_rng(0).normal(size=(200, 4)).astype("float32")
    with pytest.raises(ValueError, match="activation='tanh' is bounded"):
        DeepSVDD(hidden=(8, 4), activation="tanh", epochs=1, verbose=0).fit(X)  # a new network
    fitted = DeepSVDD(hidden=(8, 4), epochs=1, verbose=0, random_state=0).fit(X)
    # as a model saved before the refusal loads: its config says tanh, its network is built so
    old = DeepSVDD(hidden=(8, 4), activation="tanh", epochs=1, verbose=0, random_state=0)
    old.set_state(*fitted.get_state())
    warm = old.warm_start(X, epochs=1)  # was refused: its activation cannot change in a warm start
    assert warm.activation == "tanh" and np.isfinite(warm.score(X)).all()


# ---- review of the merged work: --group-by a twice; a warm start replaying the parent's own file ----

def test_group_by_same_column_twice_is_one(tmp_path: Path, model: Path) -> None:
    data = tmp_path / "x.csv"
    pd.DataFrame({"ts": TS[:40].astype(str), "bytes": 1e6, "src": ["a", "b"] * 20}).to_csv(data, index=False)
    res = runner.invoke(app, ["score", str(model), str(data), "--group-by", "src", "--group-by", "src",
                              "-o", str(tmp_path / "g.jsonl"), "-q"])
    assert res.exit_code == 0, res.output  # was: a column is named twice in 'src,src'
    assert {json.loads(line)["src"] for line in (tmp_path / "g.jsonl").read_text().splitlines()} == \
        {"a", "b"}


def test_warm_replay_of_the_parents_file_keeps_its_normal_values(tmp_path: Path) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120),
                  "label": ["ok"] * 110 + ["attack"] * 10}).to_csv(old, index=False)
    pd.DataFrame({"a": rng.normal(size=80), "b": rng.normal(size=80),
                  "verdict": ["benign"] * 75 + ["attack"] * 5}).to_csv(new, index=False)
    res = runner.invoke(app, ["train", str(old), "-o", str(tmp_path / "M"), "--label-col", "label",
                              "--normal", "ok", "--epochs", "1", "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(new), "--warm-start", str(tmp_path / "M"), "-o",
                              str(tmp_path / "W"), "--label-col", "verdict", "--normal", "benign",
                              "--replay-data", str(old), "--epochs", "1"])
    assert res.exit_code == 0, res.output  # was: old.csv: no rows with label in ['benign']
    assert "normal = ['ok']" in res.output


# ---- every row skipped for a bad value: the error names the first one -----------------------------

@pytest.mark.parametrize("command", ["score", "evaluate", "explain"])
def test_no_row_left_names_the_refused_value(tmp_path: Path, model: Path, command: str) -> None:
    data = tmp_path / "x.csv"
    pd.DataFrame({"ts": TS[:30].astype(str), "bytes": "oops", "label": "normal"}).to_csv(data, index=False)
    extra = {"score": ["-o", str(tmp_path / "s.csv")], "explain": ["-o", str(tmp_path / "s.csv")],
             "evaluate": ["--label-col", "label", "--normal", "normal"]}[command]
    res = runner.invoke(app, [command, str(model), str(data), *extra, "--on-bad-rows", "skip"])
    assert res.exit_code == 2, res.output
    assert "no data rows (30 malformed row(s) skipped; the first refused value: column 'bytes': " \
           "expected numbers, found 'oops' (line 2))" in res.output  # evaluate said "no data rows" alone
    bad = tmp_path / "b.csv"  # a row the reader skipped before: 'row N' would count the rows read
    bad.write_text("ts,bytes,label\n1,2,3,4\n" + "".join(f"{t},oops,normal\n" for t in TS[:5].astype(str)))
    res = runner.invoke(app, [command, str(model), str(bad), *extra, "--on-bad-rows", "skip"])
    # (its line, past the skipped line 2: line 3, not 'row 1')
    assert res.exit_code == 2 and "found 'oops' (line 3))" in res.output, res.output


def test_inspect_quotes_escape_sequences_of_the_data(tmp_path: Path) -> None:
    data = tmp_path / "x.csv"
    pd.DataFrame({"by\x1b[2Jtes": range(20), "label": ["ev\x1b[31mil"] * 5 + ["normal"] * 15}).to_csv(
        data, index=False)
    res = runner.invoke(app, ["inspect", str(data), "--label-col", "label", "--normal", "normal"])
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.output  # the label line and the schema table printed them raw
    assert "ev\\x1b[31mil" in res.output and "by\\x1b[2Jtes" in res.output


# ---- review of the merged work: a '-'-only site beside text sites counts its '-' as pooled -------

def test_dash_only_site_beside_text_sites_votes_as_pooled() -> None:
    import json as _json

    from hourglass.features import TabularPreprocessor
    from hourglass.features.statistics import merge_schema, site_schema

    params = {**TabularPreprocessor().get_params(), "max_categories": 3}
    a = pd.DataFrame({"c": ["a", "b", "c"] * 2, "n": range(6)})
    b = pd.DataFrame({"c": ["-"] * 6, "n": range(6)})
    schema = _json.loads(_json.dumps(merge_schema([site_schema(params, a), site_schema(params, b)],
                                                  max_categories=3)))
    pooled = TabularPreprocessor(**params).fit(pd.concat([a, b], ignore_index=True))
    assert schema["columns"]["c"]["role"] == pooled.roles_["c"] == "hash"  # was categorical, 4 > 3


# ---- review of the merged work: folder headers; a '-'-only site beside near-unique text -----------

def test_folder_with_a_one_line_first_file_or_spaced_names_is_read(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()  # a quiet hour: one line, no header (it was "b.log has another header line")
    (logs / "a.log").write_text("Nov 14 22:13:20 fw1 sshd[101]: Accepted password for root\n")
    (logs / "b.log").write_text("Nov 14 23:13:20 fw1 sshd[102]: Accepted password for root\n"
                                "Nov 14 23:14:20 fw1 sshd[103]: Accepted password for bob\n")
    res = runner.invoke(app, ["inspect", str(logs)])
    assert "another header line" not in res.output, res.output
    spaced = tmp_path / "spaced"
    spaced.mkdir()  # names with spaces, quoted or spaced otherwise: one header
    (spaced / "a.csv").write_text("src ip,dst ip,bytes sent\n10.0.0.1,10.0.0.2,5\n")
    (spaced / "b.csv").write_text('"src ip", "dst ip", "bytes sent"\n10.0.0.3,10.0.0.4,6\n')
    res = runner.invoke(app, ["inspect", str(spaced)])
    assert res.exit_code == 0, res.output
    assert "2 rows inspected" in res.output


def test_dash_only_site_beside_near_unique_text_is_dropped_as_pooled() -> None:
    from hourglass.features import TabularPreprocessor
    from hourglass.features.statistics import merge_schema, site_schema

    params = TabularPreprocessor().get_params()
    a = pd.DataFrame({"c": [f"user{i:04d}x" for i in range(400)], "n": range(400)})
    b = pd.DataFrame({"c": ["-"] * 400, "n": range(400)})
    merged = merge_schema([site_schema(params, a), site_schema(params, b)])  # was refused
    pooled = TabularPreprocessor(**params).fit(pd.concat([a, b], ignore_index=True))
    assert merged["columns"]["c"]["role"] == pooled.roles_["c"] == "drop"


def test_a_missing_label_is_named_as_such() -> None:
    import numpy as np

    from hourglass.errors import InputError
    from hourglass.features.validation import check_labels

    with pytest.raises(InputError, match=r"found a missing label \(row 3\)$"):  # was "found nan"
        check_labels(np.array([0, 1, None], dtype=object), 3)
    with pytest.raises(InputError, match=r"found 2$"):
        check_labels([0, 2, 1], 3)
