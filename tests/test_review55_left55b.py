"""Review round 55 (left55b): items this round's reviewers noticed and left alone, decided on
evidence."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd


def test_json_outputs_write_text_as_utf8_not_u_escapes(tmp_path: Path) -> None:
    # What was wrong: the JSON lines of 'score', 'explain' (-o x.jsonl) and 'stream' escaped
    # every non-ASCII character ('1.84\u00d7 normal', 'Jos\u00e9') where the service sends raw
    # UTF-8 and the README's stream example shows a literal '×': 'grep José alerts.jsonl' found
    # nothing. Both shared writers now write text as it is; a lone surrogate, which has no
    # UTF-8, is still escaped (the line stays valid UTF-8 JSON).
    from hourglass.ingest import write_table
    from hourglass.serve.sinks import JsonLinesSink, json_line

    alert = {"row": 1, "why": "disk=80 (1.84× normal)", "user": "José", "odd": "a\ud800b"}
    buf = io.BytesIO()
    JsonLinesSink(buf).write([alert])
    data = buf.getvalue()
    assert "1.84× normal".encode() in data and "José".encode() in data, data
    assert b"\\ud800" in data and json.loads(data) == alert
    assert json_line({"ué": float("nan")}) == '{"ué":null}'
    for df in (pd.DataFrame({"user": ["José"], "score": [1.5]}), pd.DataFrame({"user": ["José"]}),
               pd.DataFrame({"é": [1.5], "why": ["3× normal"]})):
        out = tmp_path / "alerts.jsonl"
        write_table(df, out)
        raw = out.read_bytes()
        assert b"\\u" not in raw and raw.decode("utf-8").isascii() is False, raw
        assert [json.loads(x) for x in raw.splitlines()] == df.to_dict("records")


def test_session_alerts_of_another_kind_names_the_function_that_works() -> None:
    # What was wrong: session_alerts given a table or time-series detector said 'AutoEncoder
    # cannot explain its alerts', where explain_rows (explain_steps for a series model) explains
    # them: the one refusal of the explain functions that did not name the way that works
    # (explain_rows, explain_steps and explain_buckets do, through the_way_for).
    import numpy as np
    import pytest

    from hourglass.detectors import AutoEncoder, LSTMAutoEncoder
    from hourglass.errors import InputError
    from hourglass.explain import session_alerts
    from hourglass.features.sessions import Sessions

    s = Sessions(["x"], [np.array([1, 2])], [np.arange(2)])
    one, flag = np.array([1.0]), np.array([1])
    table = AutoEncoder(epochs=1, verbose=0).fit(np.random.default_rng(0).normal(size=(64, 3)))
    with pytest.raises(InputError, match=r"\(AutoEncoder\) reads tabular data; explain its rows "
                                         r"with hourglass\.explain\.explain_rows"):
        session_alerts(table, s, one, flag)
    series = LSTMAutoEncoder(window=4, epochs=1, verbose=0).fit(
        np.random.default_rng(0).normal(size=(64, 2)))
    with pytest.raises(InputError, match=r"\(LSTMAutoEncoder\) reads timeseries data; explain its "
                                         r"time steps with hourglass\.explain\.explain_steps"):
        session_alerts(series, s, one, flag)


def _series_model(folder: Path) -> tuple[Path, Path]:
    """A 120-step series of two channels and an lstm-ae trained on it (one epoch) in ``folder``."""
    import numpy as np

    from hourglass.cli import app
    from tests._cli import runner

    rng = np.random.default_rng(0)
    data = folder / "ts.csv"
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=120, freq="min"),
                  "a": rng.normal(size=120), "b": rng.normal(size=120)}).to_csv(data, index=False)
    model = folder / "m"
    res = runner.invoke(app, ["train", str(data), "--timestamp-col", "ts", "--model", "lstm-ae",
                              "--window", "8", "--epochs", "1", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    return data, model


def test_chunk_mb_of_a_kind_that_reads_no_chunks_is_refused_as_not_used(tmp_path: Path) -> None:
    # What was wrong: 'score' and 'explain' of a time-series (or entity) model refused
    # '--chunk-mb 0' (or inf) with '--chunk-mb: must be > 0 and finite', and '--chunk-mb 4' with
    # '--chunk-mb: not used by time-series models; leave it out': the user who fixed the value
    # was refused again. --format and --on-bad-rows, unused too, say 'not used' whatever their
    # value; --chunk-mb is now checked once the model's kind has not refused it.
    from tests._cli import one_line_error

    data, model = _series_model(tmp_path)
    out = tmp_path / "out.jsonl"
    for command in ("score", "explain"):
        for value in ("0", "inf", "4"):
            one_line_error([command, str(model), str(data), "-o", str(out), "--chunk-mb", value],
                           "--chunk-mb: not used by time-series models (lstm-ae); leave it out", out)


def test_fitted_models_hold_no_gradients() -> None:
    # What was wrong: the training loop left the last step's gradient on every parameter
    # ('.grad', as large as the weights) for the life of the fitted model: a model in the
    # service, a federated site or a notebook held twice its weights' memory for nothing. They
    # are now freed at the end of training (the weights are the same, bit for bit).
    import numpy as np

    from hourglass import Pipeline
    from hourglass.detectors import AutoEncoder, GANomaly

    X = np.random.default_rng(0).normal(size=(200, 5)).astype("float32")
    for det in (AutoEncoder(epochs=2, verbose=0), GANomaly(epochs=1, verbose=0)):  # (GAN: phases)
        det.fit(X)
        assert all(p.grad is None for p in det.module_.parameters()), type(det).__name__
    df = pd.DataFrame(X, columns=list("abcde"))
    pipe = Pipeline(detector=AutoEncoder(epochs=1, verbose=0)).fit(df).warm_start(df, epochs=1)
    assert all(p.grad is None for p in pipe.detector_.module_.parameters())


def test_flower_client_app_lets_go_of_a_site_after_its_runs_last_round(monkeypatch) -> None:
    # What was wrong: flower_client_app kept every (run, node)'s Site (its rows, their
    # preprocessed copy and its model) in a dict for the life of the process: a notebook running
    # one simulation after another with the same app held every run's sites. A site is now let go
    # after its run's last round ('scores') or a failed round; a rebuilt one resumes as before.
    import gc
    import sys
    import types
    import weakref

    import numpy as np

    from hourglass.detectors import AutoEncoder
    from hourglass.distributed.federated import FederatedServer, Site
    from hourglass.distributed.flower import flower_client_app

    class ClientApp:
        def train(self):
            def keep(fn):
                self.fn = fn
                return fn
            return keep

    def arrays(values):
        kept = [np.asarray(a) for a in values]
        return types.SimpleNamespace(to_numpy_ndarrays=lambda: list(kept))

    flwr = types.ModuleType("flwr")
    flwr.clientapp = types.SimpleNamespace(ClientApp=ClientApp)  # type: ignore[attr-defined]
    app = types.ModuleType("flwr.app")
    for name, value in (("ArrayRecord", arrays), ("ConfigRecord", dict), ("MetricRecord", dict),
                        ("RecordDict", dict),
                        ("Message", lambda content, reply_to: types.SimpleNamespace(content=content))):
        setattr(app, name, value)
    monkeypatch.setitem(sys.modules, "flwr", flwr)
    monkeypatch.setitem(sys.modules, "flwr.app", app)
    rng = np.random.default_rng(0)
    frames = [pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)}) for _ in range(2)]
    made: list[weakref.ref[Site]] = []

    def make_site(context):
        site = Site(frames[context.node_config["partition-id"]],
                    AutoEncoder(hidden=(4, 2), epochs=1, verbose=0))
        made.append(weakref.ref(site))
        return site

    client = flower_client_app(make_site)
    for run in (1, 2):
        server = FederatedServer(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0), rounds=1)
        contexts = [types.SimpleNamespace(run_id=run, node_id=10 + k, node_config={"partition-id": k},
                                          state={}) for k in range(2)]
        for rnd in range(1, server.n_rounds + 1):
            parameters, config = server.configure(rnd)
            msg = types.SimpleNamespace(content={"arrays": arrays(parameters), "config": config})
            replies = [client.fn(msg, c).content for c in contexts]
            server.aggregate(rnd, [(r["arrays"].to_numpy_ndarrays(), r["metrics"]["num-examples"],
                                    dict(r["metrics"])) for r in replies])
        assert server.pipeline().score(frames[0]).shape == (60,)
    gc.collect()
    assert len(made) == 4 and all(ref() is None for ref in made)  # one site a node a run, let go


def test_session_alerts_given_the_pipeline_says_to_give_its_detector() -> None:
    # What was wrong: session_alerts(pipe, ...) (the Pipeline where its detector is asked for,
    # as every other explain function takes the Pipeline) said 'Pipeline cannot explain its
    # alerts', of a log model that explains them. It now says to give pipe.detector_ (and, for
    # another kind of model, the function that explains it).
    import numpy as np
    import pytest

    from hourglass import Pipeline
    from hourglass.detectors import AutoEncoder, EventCountAutoEncoder
    from hourglass.errors import InputError
    from hourglass.explain import session_alerts
    from hourglass.features import EventSessions
    from hourglass.features.sessions import Sessions

    ops = ["open", "read", "close"]
    logs = pd.DataFrame({"session": [f"s{i // 3}" for i in range(90)],
                         "message": [ops[i % 3] for i in range(90)]})
    pipe = Pipeline(features=EventSessions(session_column="session", message_column="message"),
                    detector=EventCountAutoEncoder(epochs=1, verbose=0)).fit(logs)
    s = Sessions(["x"], [np.array([1, 2])], [np.arange(2)])
    with pytest.raises(InputError, match=r"^session_alerts takes the pipeline's detector "
                                         r"\(pipe\.detector_\), not the Pipeline$"):
        session_alerts(pipe, s, np.array([1.0]), np.array([1]))
    assert session_alerts(pipe.detector_, s, np.array([1.0]), np.array([1]))[0]["session"] == "x"
    table = Pipeline(detector=AutoEncoder(epochs=1, verbose=0)).fit(
        pd.DataFrame(np.random.default_rng(0).normal(size=(64, 2)), columns=["a", "b"]))
    with pytest.raises(InputError, match=r"not the Pipeline; this model reads tabular data; explain "
                                         r"its rows with hourglass\.explain\.explain_rows"):
        session_alerts(table, s, np.array([1.0]), np.array([1]))


def test_keep_of_an_output_column_name_for_a_kind_without_keep_is_refused_as_not_used(
        tmp_path: Path) -> None:
    # What was wrong: 'score' and 'explain' of a time-series model (and 'stream' of an entity
    # or log model) refused '--keep row' (or score, flag ...) with "the output has its own 'row'
    # column; rename the input column to keep it": such an output has no 'row' column, and a
    # renamed column was then refused as '--keep: not available for time-series models'. The
    # names are now checked against the output columns only where the model's kind takes --keep.
    import numpy as np

    from hourglass.cli import app
    from tests._cli import one_line_error, runner

    rng = np.random.default_rng(0)
    data, model = _series_model(tmp_path)
    out = tmp_path / "out.jsonl"
    for name in ("row", "score"):
        one_line_error(["score", str(model), str(data), "-o", str(out), "--keep", name],
                       "--keep: not available for time-series models", out)
        one_line_error(["explain", str(model), str(data), "-o", str(out), "--keep", name],
                       "--keep: not used by time-series models (lstm-ae); leave it out", out)
    flows = tmp_path / "flows.csv"  # an entity model's stream: its alerts have no 'row' either
    n = 600
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="20s").astype(str),
                  "src_ip": [f"10.0.0.{i % 4}" for i in range(n)], "bytes": rng.integers(1, 999, n),
                  "row": range(n)}).to_csv(flows, index=False)
    res = runner.invoke(app, ["train", str(flows), "--entity-col", "src_ip", "--timestamp-col", "ts",
                              "--bucket", "5min", "--epochs", "1", "-o", str(tmp_path / "e"), "-q"])
    assert res.exit_code == 0, res.output
    one_line_error(["stream", str(tmp_path / "e"), "--input", str(flows), "-o", str(out),
                    "--keep", "row"], "--keep: not available for entity-bucket models", out)
    table = tmp_path / "t.csv"  # a table model still refuses a kept name its output has
    pd.DataFrame({"a": rng.normal(size=200), "score": rng.normal(size=200)}).to_csv(table, index=False)
    res = runner.invoke(app, ["train", str(table), "--epochs", "1", "-o", str(tmp_path / "t"), "-q"])
    assert res.exit_code == 0, res.output
    for command in ("score", "explain"):
        one_line_error([command, str(tmp_path / "t"), str(table), "-o", str(out), "--keep", "score"],
                       "--keep score: the output has its own 'score' column", out)
    one_line_error(["stream", str(tmp_path / "t"), "--input", str(table), "-o", str(out), "--keep",
                    "score"], "--keep score: the output has its own 'score' column", out)


def test_events_per_day_of_a_kind_that_takes_none_is_refused_as_not_used(tmp_path: Path) -> None:
    # What was wrong: 'evaluate' of a time-series (or entity, or log) model refused
    # '--events-per-day 0' (or inf) with '--events-per-day: must be > 0 and finite', and
    # '--events-per-day 5' with 'not used by time-series models; leave it out': the user who
    # fixed the value was refused again (as --chunk-mb of score). It is now checked once the
    # model's kind has not refused it.
    from tests._cli import one_line_error

    data, model = _series_model(tmp_path)
    out = tmp_path / "m.json"
    for value in ("0", "inf", "5"):
        one_line_error(["evaluate", str(model), str(data), "--json", str(out), "--events-per-day",
                        value], "--events-per-day: not used by time-series models (lstm-ae)", out)


def test_train_options_a_kind_takes_not_are_refused_as_not_used_whatever_their_value(
        tmp_path: Path) -> None:
    # What was wrong: 'train' of a time-series or entity model refused '--events-per-day 0',
    # '--memory-budget -1' and '--sample-rows 0' with 'must be > 0', and any valid value with
    # 'not used by time-series models; leave it out' (as --chunk-mb of score); so did a warm
    # start of a series model ('not for a time-series model'). Their values are now checked once
    # the model's kind has not refused them; a table model's as before.
    import numpy as np

    from tests._cli import one_line_error

    rng = np.random.default_rng(0)
    data = tmp_path / "ts.csv"
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=60, freq="min"),
                  "a": rng.normal(size=60)}).to_csv(data, index=False)
    out = tmp_path / "m"
    for option, value in (("--events-per-day", "0"), ("--memory-budget", "-1"), ("--sample-rows", "0")):
        one_line_error(["train", str(data), "--timestamp-col", "ts", "--model", "lstm-ae", "-o",
                        str(out), option, value], f"{option}: not used by time-series models", out)
        one_line_error(["train", str(data), "-o", str(out), option, value],
                       f"{option}: must be > 0", out)  # a table model: used, and refused so
    (tmp_path / "s").mkdir()
    _, series = _series_model(tmp_path / "s")  # a warm start of a series model: 'not for' it, too
    for option, value in (("--memory-budget", "-1"), ("--sample-rows", "0")):
        one_line_error(["train", str(data), "--warm-start", str(series), "-o", str(out), option,
                        value], "--memory-budget/--sample-rows: not for a time-series model", out)
