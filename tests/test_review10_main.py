"""Regression tests: defects found and fixed after the tenth round of fixes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import AutoEncoder, Ensemble
from hourglass.errors import InputError
from tests._cli import one_line_error


def test_ensemble_names_the_member_whose_fit_fails() -> None:
    # a member's own held-out split cannot be carved: the error said so without saying which
    X = np.random.default_rng(0).normal(size=(30, 4))
    ens = Ensemble(detectors=("vae", AutoEncoder(validation_fraction=0.95, epochs=1)), epochs=1,
                   verbose=0, random_state=0)
    with pytest.raises(InputError, match=r"^detectors\[1\] \(autoencoder\): validation_fraction=0.95"):
        ens.fit(X)


def test_param_and_its_option_together_are_refused(tmp_path: Path) -> None:
    # --param epochs=3 --epochs 5 trained 3 epochs without a word: one value each, or an error
    data = tmp_path / "t.csv"
    pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 7}).to_csv(data, index=False)
    model = tmp_path / "m"
    one_line_error(["train", str(data), "-o", str(model), "-q", "--epochs", "5", "--param", "epochs=3"],
                   "--param epochs=... and --epochs both set epochs; give it once", model)
    one_line_error(["train", str(data), "-o", str(model), "-q", "--hidden", "4,2", "--param",
                    "hidden=[8, 4]"], "--hidden both set hidden", model)


def test_stream_reads_a_byte_order_mark_before_a_blank_line_as_blank() -> None:
    # the file readers skip it; stream took the mark for a record ("not a CEF record") or JSON
    from hourglass.cli.stream import _parse
    from hourglass.ingest.formats import line_format

    cef = b"CEF:0|Acme|FW|1|100|conn|5|src=10.0.0.1 dpt=443"
    for spec, line in ((line_format("cef"), cef), (None, b'{"a": 1}')):
        bad: list[int] = []
        rows, lines, problem = _parse([(1, b"\xef\xbb\xbf"), (2, line)], "<stdin>", "error", bad, spec)
        assert problem is None and lines == [2] and len(rows) == 1 and bad == []


def test_deeplog_and_live_sessions_take_integer_keys_of_any_array_kind() -> None:
    # next_event_scores refused integer keys in an object array (score() takes them); the live
    # sessions cut a float key 1.5 to key 1 and raised OverflowError past int64
    from hourglass.detectors import DeepLog
    from hourglass.features.sessions import LiveSessions

    dl = DeepLog(window=2, top_g=1, hidden=8, layers=1, epochs=1, verbose=0, random_state=0)
    dl.fit([np.array([1, 2, 3])] * 10)
    as_object = dl.next_event_scores(np.array([[1, 2]], dtype=object), [3])
    assert as_object["score"].tolist() == dl.next_event_scores(np.array([[1, 2]]), [3])["score"].tolist()
    for keys in ([1.5, 2.7], [2**64]):
        with pytest.raises(InputError, match=r"^LiveSessions.add: keys must hold integer keys"):
            LiveSessions(history=2).add(["s"] * len(keys), keys, list(range(len(keys))))


def test_labelled_event_ensemble_trains_on_one_normal_session() -> None:
    # one normal session trains it unlabelled; with a labelled anomaly beside it the tabular
    # rule (2 normal rows) refused it
    from hourglass.detectors import EventEnsemble

    long = np.tile(np.array([1, 2, 3, 4]), 30)
    ens = EventEnsemble(detectors=(("deeplog", {"hidden": 8, "layers": 1, "window": 2}),), epochs=1,
                        verbose=0, random_state=0)
    ens.fit([long, np.array([7, 7, 7])], np.array([0, 1]))
    assert ens.members_[0].vocab_.tolist() == [1, 2, 3, 4]


def test_session_window_errors_name_the_values_plainly() -> None:
    from hourglass.features.sessions import EventSessions

    for w, s, said in ((np.float64(-1.0), None, "got window=-1.0"),
                       (10**400, None, "need numbers of seconds"),
                       (60.0, 10**400, "need numbers of seconds"),
                       (10**5000, None, "got window=an integer past float range")):
        with pytest.raises(InputError, match=said):
            EventSessions(format="raw", window=w, step=s).fit_transform(["a 1", "b 2"])


def test_param_beside_a_commands_own_option_is_refused_and_a_bare_key_is_a_format_error() -> None:
    from hourglass.cli._common import model_params
    from hourglass.detectors import registry
    from hourglass.errors import HourglassError

    cls = registry.get("lstm-ae")
    common: dict[str, object] = {"seed": 0, "device": "cpu", "quiet": True, "batch_size": None,
                                 "lr": None, "hidden": None}
    with pytest.raises(HourglassError, match=r"--param window=\.\.\. and --window both set window"):
        model_params(cls, "lstm-ae", epochs=None, extra=["window=16"], window=8, **common)
    with pytest.raises(HourglassError, match="--param: expected KEY=VALUE, got 'epochs'"):
        model_params(cls, "lstm-ae", epochs=5, extra=["epochs"], **common)


def test_a_bad_date_in_a_test_part_keeps_its_error_type() -> None:
    # the row renumbering of a slice re-raised a DateOrderError as a plain InputError
    from hourglass._times import DateOrderError
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    ts = [f"{d:02d}/01/2024" for d in range(13, 31)]  # day first: 13/01 cannot be a month
    df = pd.DataFrame({"ts": ts, "v": np.arange(18.0)})
    pre = TimeSeriesPreprocessor(timestamp_col="ts", freq="rows").fit(df)
    bad = df.copy()
    bad.loc[12, "ts"] = "02/13/2024"  # month first: against the model's order
    with pytest.raises(DateOrderError, match="row 13"):
        pre.transform(bad)
    with pytest.raises(DateOrderError, match=r"row 13 \('02/13/2024'\)"):
        pre.transform(bad.iloc[5:])


def test_grouped_ecs_message_names_key_values_in_json_words() -> None:
    # a group without its key value read "from port=None", a flag "on=True", a port 443.0
    from hourglass.serve.ecs import AlertRule
    from hourglass.serve.grouping import group_to_ecs

    g = {"group_by": "src_ip,port,on", "src_ip": None, "port": 443.0, "on": np.True_, "count": 2,
         "first_row": 1, "last_row": 2, "max_score": 4.2, "severity": "high", "top_row": 2}
    doc = group_to_ecs(g, AlertRule("autoencoder", "3f9a", threshold=1.5))
    assert "from src_ip=null, port=443, on=true, rows 1-2" in doc["message"]


def test_stream_reads_gzip_from_standard_input(tmp_path: Path) -> None:
    # 'stream M < log.jsonl.gz' stopped at line 1 ("not valid JSON"); score - and --input read it
    import gzip

    from hourglass.cli import app
    from tests._cli import runner
    from tests.test_stream import _alerts, _flows, _jsonl

    _flows(200, 0).to_csv(tmp_path / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "-o", str(tmp_path / "M"), "--hidden",
                              "8,4", "--epochs", "1", "--label-col", "label", "--normal", "benign", "-q"])
    assert res.exit_code == 0, res.output
    text = _jsonl(_flows(40, 1, attacks=8), tmp_path / "t.jsonl").read_bytes()
    plain = runner.invoke(app, ["stream", str(tmp_path / "M"), "--all"], input=text)
    packed = runner.invoke(app, ["stream", str(tmp_path / "M"), "--all"], input=gzip.compress(text))
    assert plain.exit_code == packed.exit_code == 0, packed.output
    assert len(_alerts(plain.stdout)) == 40 and _alerts(packed.stdout) == _alerts(plain.stdout)
    cut = runner.invoke(app, ["stream", str(tmp_path / "M"), "--all"], input=gzip.compress(text)[:-12])
    assert cut.exit_code == 2 and "<stdin>: cannot read the gzip stream" in cut.stderr


def test_export_checks_parity_on_standard_input(tmp_path: Path) -> None:
    # '--check-data -' said "-: no such file", where every DATA argument reads standard input
    from hourglass.cli import app
    from tests._cli import runner

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120)})
    df.to_csv(tmp_path / "t.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "t.csv"), "-o", str(tmp_path / "M"), "--epochs", "1",
                              "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    onnx = tmp_path / "m.onnx"
    res = runner.invoke(app, ["export", str(tmp_path / "M"), "--onnx", str(onnx), "--check-data", "-",
                              "--check-rows", "30"], input=(tmp_path / "t.csv").read_bytes())
    assert res.exit_code == 0, res.output
    assert "parity on 30 rows of standard input" in res.stderr and onnx.stat().st_size > 0


def test_smd_reads_a_gzip_compressed_label_file(tmp_path: Path) -> None:
    # test_label/<entity>.txt.gz beside test/<entity>.txt.gz was not looked for: no label column
    import gzip

    from hourglass.ingest.timeseries import read_smd

    (tmp_path / "test").mkdir()
    (tmp_path / "test_label").mkdir()
    (tmp_path / "test" / "e.txt.gz").write_bytes(gzip.compress(b"0.1,0.2\n0.3,0.4\n0.5,0.6\n"))
    (tmp_path / "test_label" / "e.txt.gz").write_bytes(gzip.compress(b"0\n1\n0\n"))
    assert read_smd(tmp_path / "test" / "e.txt.gz")["label"].tolist() == [0, 1, 0]
    (tmp_path / "test_label" / "e.txt.gz").write_bytes(gzip.compress(b"0\n1\n0\n")[:-9])
    with pytest.raises(InputError, match=r"e\.txt\.gz: cannot read"):
        read_smd(tmp_path / "test" / "e.txt.gz")


@pytest.mark.parametrize("mu", ["x", None, True, float("nan"), -1.0])
def test_federated_server_names_a_bad_proximal_mu(mu: object) -> None:
    from hourglass.detectors import AutoEncoder
    from hourglass.distributed.federated import FederatedServer

    with pytest.raises(ValueError, match="proximal_mu must be a finite number >= 0"):
        FederatedServer(AutoEncoder(epochs=1, verbose=0), proximal_mu=mu)  # type: ignore[arg-type]


def test_zero_fill_of_an_all_missing_channel_warns_nothing() -> None:
    # numpy's "Mean of empty slice" RuntimeWarnings came out of fit (the channel is a constant 0)
    import warnings

    from hourglass.features.timeseries import TimeSeriesPreprocessor

    df = pd.DataFrame({"a": np.arange(30.0), "b": np.full(30, np.nan)})
    for scaler in ("standard", "minmax"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = TimeSeriesPreprocessor(fill="zero", scaler=scaler).fit(df).transform(df)
        assert np.isfinite(out).all() and (out[:, 1] == 0).all()


def test_report_groups_keep_a_class_named_like_the_rest() -> None:
    # a real class "other classes" among more than 8 was replaced by the catch-all group's rows
    from hourglass.evaluate.report import _groups

    classes = np.array(["other classes"] * 5 + [f"c{i}" for i in range(10) for _ in range(2)])
    groups = _groups(classes, (classes != "c0").astype(int), None, ["c0"])
    assert groups["other classes"].sum() == 5 and groups["(other classes)"].sum() == 6
    assert sum(int(g.sum()) for g in groups.values()) == len(classes)


def test_suppression_summary_shows_a_rule_names_control_characters_escaped() -> None:
    # a rule named "bk\u001b[2J" (a TOML escape) cleared the analyst's screen in the summary line
    from hourglass.cli._suppress import Silencer
    from hourglass.serve.suppress import Suppressions

    rules = Suppressions.parse('[[rule]]\nname = "bk\\u001b[2J"\nmatch = { ip = "10.0.0.5" }\n', "r.toml")
    s = Silencer(rules, "flows.csv")
    result = pd.DataFrame({"score": [9.0], "flag": [1]})
    s.frame(pd.DataFrame({"ip": ["10.0.0.5"]}), result)
    assert s.text() == "1 suppressed (bk\\x1b[2J: 1)"
