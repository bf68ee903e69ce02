"""Review: Spark's thread option and the Flower server app's handling of a reply without its count."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import FederatedServer
from hourglass.errors import InputError


@pytest.mark.parametrize("threads", ["2", 1.5, True, 0])
def test_score_partitions_refuses_a_thread_count_that_is_no_positive_integer(threads: object) -> None:
    from hourglass.distributed.spark import score_partitions

    with pytest.raises(ValueError, match=r"^threads: expected an integer >= 1 or None"):
        score_partitions("unused", threads=threads, check=False)  # type: ignore[arg-type]


def test_score_partitions_takes_a_numpy_integer_thread_count() -> None:
    from hourglass.distributed.spark import score_partitions

    assert score_partitions("unused", threads=np.int64(2), check=False).threads == 2  # type: ignore[arg-type]


@pytest.mark.parametrize("metrics", [{}, {"num-examples": "12"}, {"num-examples": -1}, None])
def test_the_flower_server_app_names_the_node_whose_reply_lacks_its_row_count(
        monkeypatch: pytest.MonkeyPatch, metrics: dict | None) -> None:
    from tests.test_review3_fx_misc import FakeReply as _Msg
    from tests.test_review3_fx_misc import install_fake_flwr

    class _Arrays:
        def to_numpy_ndarrays(self) -> list[np.ndarray]:
            return [np.zeros(1)]

    def reply(src: int) -> _Msg:
        content = {"arrays": _Arrays()} | ({} if metrics is None else {"metrics": metrics})
        return _Msg(content=content, src=src)

    class _Grid:
        def get_node_ids(self) -> list[int]:
            return [1, 2]

        def send_and_receive(self, msgs, timeout=None):  # type: ignore[no-untyped-def]
            return [reply(1), reply(2)]

    install_fake_flwr(monkeypatch, _Msg)
    from hourglass.distributed.flower import flower_server_app

    server = FederatedServer(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0), rounds=1)
    server_app = flower_server_app(server, sites=2)
    want = "has no 'metrics' record" if metrics is None else "has no usable 'num-examples' metric"
    with pytest.raises(InputError, match=rf"^federated round 1: node 1's reply {want}"):
        server_app.fn(_Grid(), types.SimpleNamespace(run_config={}))


def test_training_says_when_min_steps_runs_more_epochs_than_asked(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    import torch

    from hourglass.nn.training import TrainConfig, train_module
    from tests.test_training import Linear, _data

    with caplog.at_level(logging.INFO, logger="hourglass.nn.training"):
        train_module(Linear(), _data(40), None,
                     TrainConfig(epochs=1, batch_size=64, verbose=0, min_steps=5, patience=None),
                     description="tiny", generator=torch.Generator().manual_seed(0))
    assert ("tiny: up to 5 epochs, not 1: 40 rows make 1 optimiser step per epoch and min_steps asks "
            "for 5") in caplog.text


def test_zeek_header_read_stops_at_the_first_data_line_without_holding_it(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import hourglass.ingest.flows as flows
    monkeypatch.setattr(flows, "MAX_LINE_BYTES", 64)
    path = tmp_path / "conn.log"
    header = "#separator \\x09\n#fields\tts\tid.orig_h\tid.resp_h\n#types\ttime\taddr\taddr\n"
    path.write_text(header + "1.0\t" + "a" * 1000)  # a data line with no line break
    spec = flows.ZEEK_CONN
    assert spec._tsv_header(path)[:2] == (3, ["ts", "id.orig_h", "id.resp_h"])
    path.write_text("#separator \\x09\n#fields\t" + "x\t" * 100 + "\n")
    with pytest.raises(InputError, match=r"conn.log: line 2: a header line longer than 0 MiB"):
        spec._tsv_header(path)


def test_score_reads_past_a_column_the_model_ignores_turning_to_text(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hourglass.cli import app
    from tests._cli import runner

    rng = np.random.default_rng(0)
    train = tmp_path / "train.csv"
    train.write_text("x,y\n" + "".join(f"{a:.4f},{b:.4f}\n" for a, b in rng.normal(size=(300, 2))))
    model = tmp_path / "model"
    res = runner.invoke(app, ["train", str(train), "-o", str(model), "--epochs", "1", "--quiet"])
    assert res.exit_code == 0, res.output
    data = tmp_path / "new.csv"  # past the first 1 MiB block, 'user' turns from numbers to text
    rows = [f"{a:.4f},{b:.4f},{i % 50}\n" for i, (a, b) in enumerate(rng.normal(size=(90_000, 2)))]
    rows[-1] = "0.1,0.2,admin\n"
    data.write_text("x,y,user\n" + "".join(rows))
    out = tmp_path / "scores.csv"
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(out), "--chunk-mb", "0.25"])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) == 90_000
    out.unlink()  # a column the output keeps turns to text too, copied as the file read whole has it
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(out), "--chunk-mb", "0.25",
                              "--keep", "user"])
    assert res.exit_code == 0, res.output
    kept = pd.read_csv(out, dtype={"user": str})["user"]
    assert kept.iloc[0] == "0" and kept.iloc[-1] == "admin"
    # (a Parquet output, typed by its first chunk, refuses the change of type by name)
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / "s.parquet"),
                              "--chunk-mb", "0.25", "--keep", "user"])
    assert res.exit_code == 2 and "output column(s) user: values of another type" in res.output
    assert not (tmp_path / "s.parquet").exists()


class _FakeLogScorer:
    """A whole-session log scorer: ``feed`` opens sessions, ``finish`` closes them as alerts."""

    mode = "session"
    features = types.SimpleNamespace(format="hdfs")

    def __init__(self) -> None:
        self.open: list[int] = []

    def counts(self) -> dict[str, int]:
        return {"lines": len(self.open), "parsed": len(self.open), "blank": 0, "events": 0,
                "sessions": 0, "alerts": 0}

    def first_bad_line(self, lines: list[tuple[int, str]]) -> tuple[int, str] | None:
        bad = [i for i, (_, text) in enumerate(lines) if text.startswith("junk")]
        return (bad[0], f"line {lines[bad[0]][0]}: junk") if bad else None

    def feed(self, lines: list[tuple[int, str]]) -> list[dict]:  # type: ignore[type-arg]
        self.open += [n for n, _ in lines]
        return []

    def tick(self) -> list[dict]:  # type: ignore[type-arg]
        return []

    def finish(self) -> list[dict]:  # type: ignore[type-arg]
        out, self.open = [{"session": str(n)} for n in self.open], []
        return out

    def take_closed_flags(self) -> np.ndarray:  # (the stream takes them each batch)
        return np.zeros(0, np.int8)


@pytest.mark.parametrize("stop", ["ctrl-c", "bad line"])
def test_a_log_stream_stopped_early_scores_its_open_sessions(monkeypatch: pytest.MonkeyPatch,
                                                              stop: str) -> None:
    import typer

    import hourglass.cli.stream as stream_mod
    from hourglass.cli.stream_logs import run

    def batches(read, size, max_delay, idle_tick=None):  # type: ignore[no-untyped-def]
        yield [(1, b"a"), (2, b"b")] + ([(3, b"junk")] if stop == "bad line" else [])
        raise KeyboardInterrupt

    written: list[dict] = []  # type: ignore[type-arg]
    sink = types.SimpleNamespace(write=written.extend, close=lambda: None)
    monkeypatch.setattr(stream_mod, "LineBatcher", batches)
    with pytest.raises(typer.Exit) as stopped:
        run(_FakeLogScorer(), lambda n: b"", sink, where="<stdin>", batch=10, max_delay=0.1,
            on_bad_rows="error", output=None)
    assert stopped.value.exit_code == (130 if stop == "ctrl-c" else 2)
    assert written == [{"session": "1"}, {"session": "2"}]  # their lines came before the stop


def test_a_sample_of_chunks_never_mixes_ints_and_text_in_one_column() -> None:
    from hourglass.ingest.sampling import reservoir_sample

    big = 2**60 + 1
    chunks = [pd.DataFrame({"id": np.arange(5), "big": pd.array([big, None] * 2 + [big], "Int64")}),
              pd.DataFrame({"id": ["x", "y"], "big": [1.0, np.nan]})]
    sample, seen = reservoir_sample(iter(chunks), 10)
    assert seen == 7 and sample["id"].tolist() == ["0", "1", "2", "3", "4", "x", "y"]
    assert sample["big"].dtype == "Int64" and sample["big"].iloc[0] == big


def test_default_mode_reads_the_umask_without_opening_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from hourglass.ingest.readers import default_mode

    old = os.umask(0o027)
    try:
        calls: list[int] = []
        real = os.umask
        monkeypatch.setattr(os, "umask", lambda m: calls.append(m) or real(m))
        assert default_mode(directory=False) == 0o640 and default_mode(directory=True) == 0o750
        assert 0 not in calls  # never a moment with no mask, whatever the system
    finally:
        os.umask(old)


def test_warm_start_warns_of_a_label_column_trained_on_as_normal(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hourglass.cli import app
    from tests._cli import runner

    rng = np.random.default_rng(0)
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    pd.DataFrame({"x": rng.normal(size=200), "y": rng.normal(size=200)}).to_csv(old, index=False)
    pd.DataFrame({"x": rng.normal(size=200), "y": rng.normal(size=200),
                  "label": ["normal", "attack"] * 100}).to_csv(new, index=False)
    res = runner.invoke(app, ["train", str(old), "-o", str(tmp_path / "m"), "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    args = ["train", str(new), "--warm-start", str(tmp_path / "m"), "--epochs", "1", "-q"]
    res = runner.invoke(app, [*args, "-o", str(tmp_path / "w")])
    assert res.exit_code == 0 and "column 'label' looks like a label, and without --label-col every row " \
        "(attacks included) is trained on as normal" in " ".join(res.output.split()), res.output
    res = runner.invoke(app, [*args, "-o", str(tmp_path / "w2"), "--label-col", "label",
                              "--normal", "normal"])
    assert res.exit_code == 0 and "looks like a label" not in res.output, res.output


def test_health_answers_a_head_probe(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from hourglass import AutoEncoder, Pipeline
    from hourglass.serve import create_app, create_models_app

    rng = np.random.default_rng(0)
    out = tmp_path / "model"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(
        pd.DataFrame({"a": rng.normal(size=80), "b": rng.normal(size=80)})).save(out)
    key = "0123456789abcdef-head"
    import warnings

    with TestClient(create_app(out, api_key=key)) as one:
        assert one.head("/health").status_code == 200 and one.get("/health").status_code == 200
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no duplicate operation in the schema /docs shows
            assert "get" in one.get("/openapi.json").json()["paths"]["/health"]
    with TestClient(create_models_app({"m": out}, api_key=key)) as many:
        assert many.head("/models/m/health").status_code == 200
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert list(many.get("/openapi.json").json()["paths"]["/models/m/health"]) == ["get"]


def test_a_body_trickled_past_the_timeout_is_408() -> None:
    import asyncio

    from hourglass.serve.security import BodyLimit

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        raise AssertionError("the app never sees a body that did not arrive")

    async def trickle() -> dict:  # type: ignore[type-arg]
        await asyncio.sleep(0.05)
        return {"type": "http.request", "body": b"{", "more_body": True}

    sent: list[dict] = []  # type: ignore[type-arg]

    async def send(message) -> None:  # type: ignore[no-untyped-def]
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/score", "headers": []}
    asyncio.run(BodyLimit(app, max_bytes=1 << 20, timeout=0.3)(scope, trickle, send))
    assert sent[0]["status"] == 408
    assert b"request body not received within 0.3 s" in sent[1]["body"]
    assert BodyLimit(app, max_bytes=8 << 20).timeout == 64.0  # 1 s per 128 KiB, at least 60 s


class _PlainFormat:
    """A format of register_format's protocol, without iter_chunks' optional ``used=``."""

    name, description, label_col, normal, drop = "plain-review5", "a table", None, (), ()
    categorical, categories, roles, fmt, time_col, columns = (), {}, {}, "csv", None, None

    def iter_chunks(self, path, *, on_bad_rows="error", chunk_bytes=1 << 26, stats=None):  # type: ignore[no-untyped-def]
        from hourglass.ingest.readers import read_table

        yield read_table(path, on_bad_rows=on_bad_rows, stats=stats)

    def read(self, path, *, on_bad_rows="error", stats=None):  # type: ignore[no-untyped-def]
        from hourglass.ingest.readers import read_table

        return read_table(path, on_bad_rows=on_bad_rows, stats=stats)

    def sniff(self, head: bytes) -> bool:
        return False


def test_a_registered_format_without_the_used_keyword_still_scores(tmp_path,  # type: ignore[no-untyped-def]
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from hourglass.cli import app
    from hourglass.ingest import formats
    from tests._cli import runner

    monkeypatch.setitem(formats.FORMATS, "plain-review5", _PlainFormat())
    rng = np.random.default_rng(0)
    data = tmp_path / "t.csv"
    pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120)}).to_csv(data, index=False)
    args = ["--format", "plain-review5"]
    res = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m"), "--epochs", "1", "-q", *args])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(data), "-o", str(tmp_path / "s.csv"), *args])
    assert res.exit_code == 0 and len(pd.read_csv(tmp_path / "s.csv")) == 120, res.output


def test_pages_of_events_count_their_events_against_max_rows(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from hourglass import AutoEncoder, Pipeline
    from hourglass.serve import create_app

    rng = np.random.default_rng(0)
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(
        pd.DataFrame({"a": rng.normal(size=80), "b": rng.normal(size=80)}))
    pipe.info["dataset"] = "entra-signin"  # rows may be Graph pages: {"value": [events]}
    pipe.save(tmp_path / "m")
    key, row = "k" * 24, {"a": 0.1, "b": 0.2}
    with TestClient(create_app(tmp_path / "m", api_key=key, max_rows=2)) as c:
        ok = c.post("/score", json={"rows": [{"value": [row]}, {"value": []}, {"value": []}]},
                    headers={"X-API-Key": key})
        assert ok.status_code == 200 and len(ok.json()["scores"]) == 1, ok.json()
        many = c.post("/score", json={"rows": [{"value": [row, row]}, {"value": [row]}]},
                      headers={"X-API-Key": key})
        assert (many.status_code, many.json()["detail"]) == (
            413, "too many rows (3; the limit is 2, --max-rows): split the request")


def test_a_folder_whose_copy_cannot_be_written_names_the_copy_not_a_file(  # type: ignore[no-untyped-def]
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins
    import errno

    import typer

    from hourglass.cli import _spool

    folder = tmp_path / "logs"
    folder.mkdir()
    for name in ("a.csv", "b.csv"):
        (folder / name).write_text("x,y\n1,2\n")

    class _Full:
        def __init__(self, path, mode):  # type: ignore[no-untyped-def]
            self.fh = builtins.open(path, mode)

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(self.fh, name)

        def __enter__(self):  # type: ignore[no-untyped-def]
            return self

        def __exit__(self, *exc) -> None:  # type: ignore[no-untyped-def]
            self.fh.close()

    monkeypatch.setattr(_spool, "open", lambda path, mode="r", *a, **k: _Full(path, mode)  # the copy
                        if mode == "wb" else builtins.open(path, mode, *a, **k), raising=False)
    with pytest.raises(typer.BadParameter) as err:
        _spool._files_as_file(sorted(folder.iterdir()), str(folder), "logs ")
    assert str(err.value).startswith(f"{folder}: cannot write its copy in ")
    assert "No space left on device" in str(err.value) and "a.csv" not in str(err.value)
    _spool.remove_spooled()


def test_a_lone_surrogate_in_a_streamed_field_does_not_stop_the_stream(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from hourglass.cli import app
    from tests._cli import runner

    rng = np.random.default_rng(0)
    data = tmp_path / "t.csv"
    pd.DataFrame({"x": rng.normal(size=200),
                  "ua": rng.choice(["curl", "firefox"], 200)}).to_csv(data, index=False)
    res = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m"), "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    lines = [json.dumps({"x": 0.1, "ua": "curl"}), '{"x": 0.2, "ua": "a\\ud800b"}',
             json.dumps({"x": 0.3, "ua": "\U0001f600"})]
    out = tmp_path / "alerts.sqlite"
    res = runner.invoke(app, ["stream", str(tmp_path / "m"), "--all", "--keep", "ua", "-o", str(out)],
                        input="\n".join(lines) + "\n")
    assert res.exit_code == 0, res.output
    import sqlite3

    with sqlite3.connect(out) as db:
        kept = [r[0] for r in db.execute("SELECT ua FROM alerts ORDER BY row")]
    assert kept == ["curl", "a\\ud800b", "\U0001f600"]


def test_port_and_ip_fields_unset_in_training_are_optional() -> None:
    from hourglass import AutoEncoder, Pipeline

    n = 200
    df = pd.DataFrame({"bytes": np.arange(n) % 50 + 100.0,
                       "port": [str(80 + i % 3) if i % 4 else "-" for i in range(n)],
                       "src_ip": [f"10.0.0.{i % 9}" if i % 5 else "-" for i in range(n)]})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(df)
    assert pipe.features_.roles_["port"] == "port" and pipe.features_.roles_["src_ip"] == "ip"
    assert set(pipe.info["optional_fields"]) == {"port", "src_ip"}
    row = df.iloc[[1]]  # an unset field reads as '-' does: the same score
    assert pipe.score(row.assign(port=None, src_ip=None)) == pytest.approx(
        pipe.score(row.assign(port="-", src_ip="-")))


def test_a_grouped_alert_keeps_a_csv_integer_field_as_a_whole_number(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from hourglass.cli import app
    from tests._cli import runner

    rng = np.random.default_rng(0)
    data = tmp_path / "flows.csv"  # dst_port has a missing cell: read as floats
    ports = rng.choice([22.0, 80.0, 443.0], 300)
    ports[5] = np.nan
    pd.DataFrame({"x": rng.normal(size=300), "src": rng.choice(["a", "b"], 300),
                  "dst_port": ports}).to_csv(data, index=False)
    res = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m"), "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "alerts.jsonl"
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(data), "--group-by", "src", "--group-window",
                              "100", "--keep", "dst_port", "-o", str(out)])
    assert res.exit_code == 0, res.output
    kept = [json.loads(line)["dst_port"] for line in out.read_text().splitlines()]
    assert kept and all(isinstance(p, int) for p in kept if p is not None), kept
