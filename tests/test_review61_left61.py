"""Review round 61 (left61): items earlier reviews noticed and left alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hourglass
from hourglass.errors import InputError


def _fitted() -> hourglass.Pipeline:
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(40, 3)), columns=list("abc"))
    return hourglass.Pipeline(hourglass.AutoEncoder(hidden=(2,), epochs=1, verbose=0)).fit(X)


def test_a_path_holding_a_nul_is_said_to_be_no_path(tmp_path):
    # What was wrong: hourglass.load("/tmp/a\0b") said "/tmp/a<NUL>b: not a model directory
    # (train one with 'hourglass train')", the NUL raw in the message, Pipeline.save of such a
    # path raised Python's bare ValueError "embedded null byte" (naming no path) and
    # read_table said "no such file": pathlib's exists() answers False for a NUL, so
    # errors.path_exists never told it as the name no system can look up it documents it as.
    from hourglass.ingest import read_table

    bad = str(tmp_path / "a\0b")
    for call in (lambda: hourglass.load(bad), lambda: _fitted().save(bad), lambda: read_table(bad)):
        with pytest.raises(InputError) as info:
            call()
        assert str(info.value) == f"{bad!r}: not a file's path (it holds a NUL character)"
    assert list(tmp_path.iterdir()) == []


def test_an_unfitted_preprocessor_raises_scikit_learns_not_fitted_error():
    # What was wrong: TabularPreprocessor().transform(df) (TimeSeriesPreprocessor, EntityWindows,
    # EventSessions alike) raised hourglass.errors.NotFittedError alone, where a detector and a
    # Pipeline raise scikit-learn's NotFittedError too: `except
    # sklearn.exceptions.NotFittedError` written for them let "TabularPreprocessor is not
    # fitted; call fit(df) first" through
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError

    from hourglass.errors import NotFittedError
    from hourglass.features import EntityWindows, EventSessions, TabularPreprocessor
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    df = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=3, freq="1min"), "ip": ["a"] * 3,
                       "x": [1.0, 2.0, 3.0]})
    for pre, name in ((TabularPreprocessor(), "TabularPreprocessor"),
                      (TimeSeriesPreprocessor("ts"), "TimeSeriesPreprocessor"),
                      (EntityWindows("ip", "ts"), "EntityWindows")):
        with pytest.raises(SklearnNotFittedError, match=f"^{name} is not fitted") as info:
            pre.transform(df)
        assert isinstance(info.value, NotFittedError)
    with pytest.raises(SklearnNotFittedError, match=r"^EventSessions is not fitted"):
        EventSessions(format="hdfs").transform(["081109 203615 148 INFO dfs.DataNode: x"])


def _labelled_rows(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"bytes": rng.exponential(500.0, n), "proto": rng.choice(["tcp", "udp"], n),
                         "label": np.where(np.arange(n) % 10 == 0, "attack", "normal"),
                         "attack_cat": np.where(np.arange(n) % 10 == 0, "DoS", "-")})


def test_pipeline_fit_without_y_warns_of_columns_named_like_labels(caplog):
    # What was wrong: Pipeline().fit(df) of a frame still holding its 'label' and 'attack_cat'
    # columns trained them as features (feature_names_ 'label=attack', 'label=normal', ...) with
    # no word, where 'hourglass train' of the same file warns "column 'label' looks like a
    # label, and without --label-col it is a feature"; a model that reads the verdicts flags
    # them, not the traffic
    import logging
    import warnings

    from hourglass.features.timeseries import TimeSeriesPreprocessor
    from hourglass.pipeline.benchmark import Benchmark

    df = _labelled_rows()
    ae = hourglass.AutoEncoder(hidden=(2,), epochs=1, verbose=0)
    with pytest.warns(hourglass.errors.HourglassWarning) as seen:
        hourglass.Pipeline(ae).fit(df)
    said = [str(w.message) for w in seen if "like" in str(w.message)]
    assert said == ["Pipeline.fit: columns 'label', 'attack_cat' look like labels, and without y "
                    "they are features: the model learns every row's value (an attack's too) as "
                    "normal and scores by it; train on the normal rows without them "
                    "(df[df['label'] == NORMAL].drop(columns=['label', 'attack_cat']))"]
    series = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=120, freq="1min"),
                           "cpu": np.sin(np.arange(120) / 5.0),
                           "anomaly": (np.arange(120) % 50 == 0).astype(int)})
    lstm = hourglass.detectors.get("lstm-ae")(window=8, epochs=1, verbose=0)
    with pytest.warns(hourglass.errors.HourglassWarning, match=r"column 'anomaly' looks like a label"):
        hourglass.Pipeline(lstm, TimeSeriesPreprocessor("ts")).fit(series)
    with warnings.catch_warnings():  # the same rows without them, or with y: no such word
        warnings.simplefilter("error", hourglass.errors.HourglassWarning)
        warnings.filterwarnings("ignore", message="percentile")
        hourglass.Pipeline(ae).fit(df.drop(columns=["label", "attack_cat"]))
    # a Benchmark names them once itself ('looks like a label too'), not again for each fit
    with warnings.catch_warnings(record=True) as seen, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        list(Benchmark(df, df, label_col="label", normal="normal", models=("autoencoder",),
                  baselines=(), params={"epochs": 1, "hidden": (2,)}).runs())
    assert not [w for w in seen if "look" in str(w.message)]
    assert "column 'attack_cat' looks like a label too" in caplog.text


def test_hourglass_train_says_a_label_column_once(tmp_path):
    # What was wrong (with the warning above): 'hourglass train' of a file with an 'is_attack'
    # column said it twice, in Pipeline.fit's words (df.drop(...)) before its own
    # (--label-col, --drop)
    from hourglass.cli import app
    from tests._cli import runner

    df = _labelled_rows().drop(columns=["label", "attack_cat"])
    df["is_attack"] = np.where(np.arange(120) % 10 == 0, "yes", "no")
    df.to_csv(tmp_path / "t.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "t.csv"), "-o", str(tmp_path / "m"),
                              "--param", "epochs=1"])
    assert res.exit_code == 0, res.output
    assert [ln for ln in res.stderr.splitlines() if "like a label" in ln] == [
        f"{tmp_path / 't.csv'}: column 'is_attack' looks like a label, and without --label-col it "
        "is a feature, and every row (attacks included) is trained on; give --label-col is_attack "
        "--normal VALUE to train on the normal rows only, or --drop is_attack"]


def test_ecs_alerts_carry_an_endpoint_events_process_and_file_fields():
    # What was wrong: an ECS alert of a row from an endpoint agent's ECS document (Elastic
    # Defend, Winlogbeat's copies) put --keep process.name, process.pid, process.hash.sha256 ...
    # under hourglass.fields, and without --keep left them out, where source.ip and host.name
    # of the same row went to their ECS fields: a SIEM rule on process.name matched no alert
    from hourglass.serve.ecs import AlertRule, ecs_named, to_ecs

    row = {"process.name": "rundll32.exe", "process.pid": 4242.0, "process.parent.pid": "x1",
           "process.command_line": "rundll32.exe a.dll,Run", "process.parent.name": "winword.exe",
           "file.path": "C:\\Users\\a\\a.dll", "file.hash.sha256": "ab" * 32, "bytes": 3.0}
    named = ecs_named(row)
    assert set(named) == {"process.name", "process.pid", "process.command_line",
                          "process.parent.name", "file.path", "file.hash.sha256"}  # (pid 'x1': none)
    doc = to_ecs({"row": 1, "score": 2.0, "severity": "high", "calibrated": 0.9},
                 AlertRule("autoencoder", "f" * 64), fields=row)
    assert doc["process"] == {"name": "rundll32.exe", "pid": 4242, "command_line": "rundll32.exe a.dll,Run",
                              "parent": {"name": "winword.exe"}}
    assert doc["file"] == {"path": "C:\\Users\\a\\a.dll", "hash": {"sha256": "ab" * 32}}
    assert doc["related"]["hash"] == ["ab" * 32]
    assert doc["hourglass"]["fields"] == {"process.parent.pid": "x1", "bytes": 3.0}


def test_a_path_with_its_line_break_or_a_tilde_says_what_is_there(tmp_path, monkeypatch):
    # What was wrong: a path read from a file with its line break (open('current.txt').readline())
    # made hourglass.load say "m\n: not a model directory (train one with 'hourglass train')",
    # the line break raw in the message, of a model that is there, and read_table "this is text
    # of 1 line(s), not a file's path"; a path given with '~' (a shell's home, which pandas
    # expands) said "~/t.csv: no such file" of a file that is there
    from hourglass.errors import ArtefactError
    from hourglass.ingest import read_table

    _fitted().save(tmp_path / "m")
    (tmp_path / "t.csv").write_text("a,b\n1,2\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    model, table = str(tmp_path / "m"), str(tmp_path / "t.csv")
    with pytest.raises(ArtefactError) as info:
        hourglass.load(model + "\n")
    assert str(info.value) == (f"{model + chr(10)!r}: not a model directory (it has a line break at "
                               f"its end: {model!r} without it is there)")
    with pytest.raises(InputError) as info:
        read_table(table + "\n")
    assert str(info.value) == (f"{table + chr(10)!r}: no such file (it has a line break at its end: "
                               f"{table!r} without it is there)")
    with pytest.raises(InputError) as info:
        read_table("~/t.csv")
    assert str(info.value) == ("'~/t.csv': no such file ('~' is no home folder here: give the path "
                               f"as a shell expands it, {table}, which is there)")
    with pytest.raises(ArtefactError, match=r"^nope: not a model directory \(train one with"):
        hourglass.load("nope")  # (nothing there either way: as before)
    with pytest.raises(InputError, match=r"this is text of 1 line\(s\), not a file's path"):
        read_table(str(tmp_path / "nope.csv") + "\n")


def test_ecs_alerts_of_a_windows_event_carry_its_process_fields():
    # What was wrong: an ECS alert of a Sysmon process creation (windows-json, evtx) or a
    # Security 4688 put its Image, CommandLine, ParentImage and NewProcessName nowhere without
    # --keep, and under hourglass.fields with it, where Winlogbeat's Sysmon and Security modules
    # map them to process.executable, process.command_line, process.parent.executable: its
    # IpAddress and User went to their ECS fields, the process that ran did not
    from hourglass.serve.ecs import AlertRule, ecs_named, to_ecs

    sysmon = {"EventID": 1, "Image": "C:\\Users\\a\\evil.exe", "CommandLine": "evil.exe -x",
              "ParentImage": "C:\\Windows\\explorer.exe", "CurrentDirectory": "C:\\Users\\a\\",
              "User": "CORP\\bob"}
    alert = {"row": 0, "score": 2.0, "severity": "high", "calibrated": 0.9}
    for fmt in ("windows-json", "evtx"):
        rule = AlertRule("autoencoder", "f" * 64, data_format=fmt)
        doc = to_ecs(alert, rule, fields=ecs_named(sysmon, fmt))
        assert doc["process"] == {"executable": "C:\\Users\\a\\evil.exe", "command_line": "evil.exe -x",
                                  "parent": {"executable": "C:\\Windows\\explorer.exe"},
                                  "working_directory": "C:\\Users\\a\\"}
        assert doc["user"] == {"domain": "CORP", "name": "bob"}
    beat = {"winlog.event_id": 4688, "winlog.event_data.NewProcessName": "C:\\x.exe",
            "winlog.event_data.ParentProcessName": "C:\\y.exe"}
    doc = to_ecs(alert, AlertRule("autoencoder", "f" * 64, data_format="winlogbeat"),
                 fields=ecs_named(beat, "winlogbeat"))
    assert doc["process"] == {"executable": "C:\\x.exe", "parent": {"executable": "C:\\y.exe"}}
    # another format's 'Image' (a container's) is no Windows process
    assert ecs_named({"Image": "nginx:1.25"}, "k8s-audit") == {}


def test_batch_size_auto_on_the_option_says_how_to_ask_for_it(tmp_path, capsys, monkeypatch):
    # What was wrong: 'hourglass train --batch-size auto' (the autoencoder's default, the value
    # the option's help names) was refused with "'auto' is not a whole number" alone, nothing
    # of --param batch_size=auto, which asks for it
    from tests._cli import console_refusal

    (tmp_path / "t.csv").write_text("a,b\n1,2\n3,4\n")
    said = console_refusal(["train", str(tmp_path / "t.csv"), "-o", str(tmp_path / "m"),
                            "--batch-size", "auto"], capsys, monkeypatch)
    assert ("--batch-size': 'auto' is not a whole number; --param batch_size=auto asks for the "
            "batch picked from the table size, of a model that takes it (the autoencoder's "
            "default: leave --batch-size out)") in said
    said = console_refusal(["train", str(tmp_path / "t.csv"), "-o", str(tmp_path / "m"),
                            "--batch-size", "many"], capsys, monkeypatch)
    assert "--batch-size': 'many' is not a whole number (see " in said
    assert not (tmp_path / "m").exists()


def test_ecs_alerts_of_a_sysmon_event_carry_its_hashes_and_event_code():
    # What was wrong: a Sysmon event's Hashes ('SHA1=...,MD5=...,SHA256=...,IMPHASH=...') went
    # under hourglass.fields as one text (with --keep; else nowhere), and its EventID nowhere,
    # where Winlogbeat maps them to process.hash.* (a process creation) or file.hash.* (an image
    # loaded, a file created) and event.code: a hash matched against threat intelligence, or a
    # rule on event.code, found no hourglass alert
    from hourglass.serve.ecs import AlertRule, ecs_named, to_ecs

    alert = {"row": 0, "score": 2.0, "severity": "high", "calibrated": 0.9}
    hashes = f"SHA1={'A' * 40},MD5={'B' * 32},SHA256={'C' * 64},IMPHASH={'D' * 32}"
    created = {"EventID": 1, "Image": "C:\\x.exe", "Hashes": hashes, "bytes": 3.0}
    doc = to_ecs(alert, AlertRule("autoencoder", "f" * 64, data_format="windows-json"),
                 fields=ecs_named(created, "windows-json"))
    assert doc["event"]["code"] == "1" and "file" not in doc
    assert doc["process"] == {"executable": "C:\\x.exe",
                              "hash": {"sha1": "a" * 40, "md5": "b" * 32, "sha256": "c" * 64}}
    assert doc["related"]["hash"] == ["a" * 40, "b" * 32, "c" * 64]
    loaded = {"winlog.event_id": 7.0, "winlog.event_data.Hashes": f"SHA256={'E' * 64}"}
    doc = to_ecs(alert, AlertRule("autoencoder", "f" * 64, data_format="winlogbeat"),
                 fields=ecs_named(loaded, "winlogbeat"))
    assert doc["event"]["code"] == "7" and doc["file"] == {"hash": {"sha256": "e" * 64}}
    # no hash in it: kept as written; another format's 'Hashes' is no Sysmon field
    doc = to_ecs(alert, AlertRule("autoencoder", "f" * 64, data_format="evtx"),
                 fields={"EventID": 7, "Hashes": "none"})
    assert "file" not in doc and doc["hourglass"]["fields"] == {"Hashes": "none"}
    assert ecs_named({"Hashes": f"SHA256={'E' * 64}"}, "cef") == {}
