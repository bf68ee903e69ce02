"""Explanations agree with the scores they explain, and with each other on every path: the
Python API, ``hourglass explain`` (CSV and JSON-lines input), ``hourglass stream --explain``,
the service's ``explain``, for table, log, time-series and entity-bucket models."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hourglass import Pipeline, load
from hourglass.cli import app
from hourglass.detectors import AutoEncoder
from hourglass.explain import explain_rows
from hourglass.serve.app import create_app
from tests._cli import runner

KEY = "k" * 24
SPELLINGS = ["N/A", "?", "null", "", "NaN", "None", "NULL"]


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _served(model: Path, body: dict[str, Any]) -> dict[str, Any]:
    with TestClient(create_app(model, api_key=KEY)) as client:
        res = client.post("/score", json=body, headers={"X-API-Key": KEY})
    assert res.status_code == 200, res.text
    return dict(res.json())


@pytest.fixture(scope="module")
def text_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An autoencoder of numbers ``x``, ``y`` and text columns of every role: ``user``
    (categorical), ``h`` (hashed), ``src_ip`` (IP), ``dst_port`` (port); training rows lack some
    text values, so each has a missing indicator or category."""
    d = tmp_path_factory.mktemp("text")
    rng = np.random.default_rng(3)
    n = 400
    x = rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "y": 2 * x + 0.05 * rng.normal(size=n),
                          "user": rng.choice(["alice", "bob", "carol"], n),
                          "h": [f"host{i}" for i in rng.integers(0, 200, n)],
                          "src_ip": [f"10.0.{a}.{b}" for a, b in rng.integers(0, 250, (n, 2))],
                          "dst_port": rng.choice([80, 443, 22, 53], n)})
    frame.loc[::40, ["user", "h", "src_ip", "dst_port"]] = None
    frame.to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--epochs", "2", "--hidden", "8,3",
                              "--role", "h=hash", "--role", "src_ip=ip", "--role", "dst_port=port",
                              "-o", str(d / "m"), "-q"])
    assert res.exit_code == 0, res.output
    return d


def _spelled_rows() -> list[dict[str, Any]]:
    base = {"x": 0.1, "y": 5.0, "user": "bob", "h": "host3", "src_ip": "10.0.1.1", "dst_port": 80}
    return [dict(base, **{col: s}) for col in ("user", "h", "src_ip", "dst_port") for s in SPELLINGS]


def test_a_missing_spelling_in_a_text_column_is_quoted_as_missing_on_every_path(text_model: Path) -> None:
    # what was wrong: a text cell the model reads as missing ('N/A', 'null', '?', '' ...) was
    # quoted as written when it came from JSON lines, the service or a stream ('user=N/A (80%)',
    # 'src_ip= (73%)'), where the same row of a CSV, read with that cell empty, said
    # 'user=<missing> (80%)': same score, two explanations (28 of 28 such rows here)
    rows = _spelled_rows()
    model = text_model / "m"
    pd.DataFrame(rows).to_csv(text_model / "spelled.csv", index=False)
    _jsonl(text_model / "spelled.jsonl", rows)
    whys = {}
    for name in ("spelled.csv", "spelled.jsonl"):
        out = text_model / f"why_{name}.csv"
        res = runner.invoke(app, ["explain", str(model), str(text_model / name), "--all", "--top", "6",
                                  "-o", str(out), "-q"])
        assert res.exit_code == 0, res.output
        whys[name] = pd.read_csv(out, keep_default_na=False)
    res = runner.invoke(app, ["stream", str(model), "--input", str(text_model / "spelled.jsonl"),
                              "--explain", "6", "--all", "-q"])
    assert res.exit_code == 0, res.output
    streamed = [json.loads(line)["why"] for line in res.stdout.splitlines() if line.strip()]
    served = _served(model, {"rows": rows, "explain": 6})["why"]
    csv = whys["spelled.csv"]
    assert whys["spelled.jsonl"]["score"].tolist() == pytest.approx(csv["score"].tolist(), rel=1e-6)
    for k, row in enumerate(rows):
        col = next(c for c in ("user", "h", "src_ip", "dst_port") if row[c] in SPELLINGS)
        assert f"{col}=<missing> (" in csv["why"][k], (row, csv["why"][k])
        assert whys["spelled.jsonl"]["why"][k] == streamed[k] == served[k] == csv["why"][k], row


def test_read_as_missing_keeps_a_spelling_training_held_as_a_value() -> None:
    # what was wrong: the other side of the fix above (a pin): a missing spelling that training
    # held as a category (a frame or JSON lines keep 'N/A' as text) is a value to the model, so it
    # is quoted as written, while one it never held, and an empty cell, are '<missing>'
    rng = np.random.default_rng(0)
    n = 300
    train = pd.DataFrame({"x": rng.normal(size=n), "kind": rng.choice(["a", "b", "N/A"], n)})
    pipe = Pipeline(detector=AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(train)
    # a fit reads 'N/A' as missing now (as the CSV reader): a model saved holding it as its
    # value, fitted before, is this state
    fe = pipe.features_
    assert fe.categories_["kind"] == ["<missing>", "a", "b"]
    fe.categories_["kind"] = ["N/A", "a", "b"]
    fe.feature_names_ = [("kind=N/A" if f == "kind=<missing>" else f) for f in fe.feature_names_]
    odd = pd.DataFrame({"x": [9.0, 9.0, 9.0, 9.0], "kind": ["N/A", "null", "", "b"]})
    assert pipe.features_.read_as_missing("kind", odd["kind"]).tolist() == [False, True, True, False]
    why = explain_rows(pipe, odd, top=2)["why"].tolist()
    assert [re.search(r"kind=([^ ]*) \(", w).group(1) for w in why] == [  # type: ignore[union-attr]
        "N/A", "<missing>", "<missing>", "b"]


def test_categorical_missing_spellings_explain_as_a_missing_cell_in_python() -> None:
    # what was wrong: explain_rows of a frame holding 'N/A' (or 'null', '') in a categorical
    # column quoted 'user=N/A' while the model read the cell as missing, as the same frame's row
    # with None, explained as 'user=<missing>', shows (same score)
    rng = np.random.default_rng(1)
    n = 300
    users = rng.choice(["alice", "bob"], n).astype(object)
    users[::30] = None
    train = pd.DataFrame({"x": rng.normal(size=n), "user": users})
    pipe = Pipeline(detector=AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(train)
    spelled = pd.DataFrame({"x": [0.0] * len(SPELLINGS), "user": SPELLINGS})
    empty = spelled.assign(user=None)
    assert pipe.score(spelled).tolist() == pytest.approx(pipe.score(empty).tolist())
    said = explain_rows(pipe, spelled, top=2)["why"].tolist()
    assert said == explain_rows(pipe, empty, top=2)["why"].tolist()


# -- pins: agreements that held ----------------------------------------------------------------
def test_table_explanations_agree_on_every_path_and_add_up_to_the_score(tmp_path: Path) -> None:
    # what was wrong: nothing (a pin): one row's why is the same from explain_rows, 'hourglass
    # explain' of a CSV and of JSON lines (reordered columns), 'stream --explain --all' and the
    # service; the reconstruction shares add up to 100% of the row's error, whose mean over the
    # features is its score; the row with one shifted column names that column first
    rng = np.random.default_rng(0)
    n = 600
    z = rng.normal(size=(n, 2))
    frame = pd.DataFrame(z @ rng.normal(size=(2, 4)) + 0.05 * rng.normal(size=(n, 4)),
                         columns=["a", "b", "c", "d"])
    frame["proto"] = rng.choice(["tcp", "udp", "icmp"], n)
    frame.to_csv(tmp_path / "train.csv", index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--epochs", "15", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    pipe = load(model)
    # (a near-duplicate column is dropped by the preprocessing: shift one that is kept)
    kept = [c for c in frame.columns if c in set(pipe.features_.feature_columns())]
    shifted = kept[0]
    test = frame.head(12).copy()
    test.loc[:3, shifted] += 10 * frame[shifted].std()
    test.loc[4, "proto"] = "sctp"
    test.to_csv(tmp_path / "test.csv", index=False)
    rows = test[test.columns[::-1]].to_dict("records")
    _jsonl(tmp_path / "test.jsonl", rows)
    api = explain_rows(pipe, test, top=3)
    out = tmp_path / "why.csv"
    res = runner.invoke(app, ["explain", str(model), str(tmp_path / "test.csv"), "--all", "--top", "3",
                              "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    csv = pd.read_csv(out)
    out_j = tmp_path / "why_j.jsonl"
    res = runner.invoke(app, ["explain", str(model), str(tmp_path / "test.jsonl"), "--all", "--top", "3",
                              "-o", str(out_j), "-q"])
    assert res.exit_code == 0, res.output
    jl = pd.read_json(out_j, lines=True)
    res = runner.invoke(app, ["stream", str(model), "--input", str(tmp_path / "test.jsonl"),
                              "--explain", "3", "--all", "-q"])
    assert res.exit_code == 0, res.output
    streamed = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    served = _served(model, {"rows": rows, "explain": 3})
    assert (api["why"].tolist() == csv["why"].tolist() == jl["why"].tolist()
            == [s["why"] for s in streamed] == served["why"])
    assert api["top_column"].tolist() == [s["top_column"] for s in streamed] == served["top_column"]
    assert csv["score"].tolist() == pytest.approx(served["scores"], rel=1e-6)
    assert set(api["top_column"][:4]) == {shifted}
    assert api["top_column"][4] == "proto" and "proto=sctp (" in api["why"][4]
    errors = pipe.detector_.score_features(pipe.transform(test))
    assert errors.mean(axis=1) == pytest.approx(csv["score"].to_numpy(), rel=1e-4)  # (float32 sums)
    full = explain_rows(pipe, test, top=len(kept) + 1)["why"]
    shares = [sum(int(p) for p in re.findall(r"\((\d+)%\)", w)) for w in full]
    assert all(abs(s - 100) <= len(kept) for s in shares), shares


def test_deeplog_first_unexpected_event_agrees_with_its_ranks_on_score_stream_and_service(
        tmp_path: Path) -> None:
    # what was wrong: nothing (a pin): a flagged session's unexpected event is the first whose
    # rank (from the model's own logits) is outside the top g, alike in 'score -o', 'stream' (its
    # first alert) and the service; an unseen key is named as never seen on all three
    train = [[5, 5, 22, 11, 9, 26]] * 150
    (tmp_path / "train.txt").write_text("".join(" ".join(map(str, s)) + "\n" for s in train))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(tmp_path / "train.txt"), "--format", "keys", "--model", "deeplog",
                              "--param", "top_g=1", "--param", "window=3", "--epochs", "40",
                              "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    test = [[5, 5, 22, 11, 9, 26], [5, 5, 77, 11, 9, 26], [5, 22, 5, 11, 9, 26]]
    (tmp_path / "test.txt").write_text("".join(" ".join(map(str, s)) + "\n" for s in test))
    res = runner.invoke(app, ["score", str(model), str(tmp_path / "test.txt"),
                              "-o", str(tmp_path / "a.jsonl"), "-q"])
    assert res.exit_code == 0, res.output
    scored = {str(a["session"]): a["unexpected"] for a in map(json.loads, open(tmp_path / "a.jsonl"))}
    res = runner.invoke(app, ["stream", str(model), "--input", str(tmp_path / "test.txt"), "-q"])
    assert res.exit_code == 0, res.output
    streamed: dict[str, Any] = {}
    for alert in (json.loads(line) for line in res.stdout.splitlines() if line.strip()):
        streamed.setdefault(str(alert["session"]), alert)
    served = {str(s["session"]): s["unexpected"]
              for s in _served(model, {"sessions": test, "explain": True})["sessions"] if s["flag"]}
    assert set(scored) == set(streamed) == set(served) == {"2", "3"}
    import torch

    det = load(model).detector_
    fields = ("position", "line", "key", "template", "seen_in_training", "rank")
    for sid, u in scored.items():
        seq = test[int(sid) - 1]
        dense = det._map_keys(np.asarray(seq))
        ranks = []
        for t in range(len(seq)):
            hist = [det.n_features_in_ + 2] * max(0, 3 - t) + dense[max(0, t - 3):t].tolist()
            with torch.no_grad():
                logits = det.module_.logits(torch.tensor([hist]))[0].numpy()
            ranks.append(len(seq) * 99 if dense[t] == det.n_features_in_
                         else int((logits > logits[dense[t]]).sum()) + 1)
        assert u["position"] == next(i for i, r in enumerate(ranks) if r > 1), (sid, ranks)
        assert {k: u[k] for k in fields} == {k: streamed[sid][k] for k in fields} \
            == {k: served[sid][k] for k in fields}
        assert [e["key"] for e in u["expected"]] == [e["key"] for e in streamed[sid]["expected"]] \
            == [e["key"] for e in served[sid]["expected"]]
    assert scored["2"]["key"] == 77 and scored["2"]["template"] == "<key never seen in training>"


def test_an_entity_bucket_counts_a_missing_spelling_as_the_missing_value(tmp_path: Path) -> None:
    # what was wrong: an entity model counted 'N/A', 'null', '?' ... (JSON lines, the service, a
    # stream) as a value apart from an empty cell, so a bucket mixing them had one more
    # 'distinct dst_ip' and another 'top dst_ip share' than the same rows of a CSV (read empty):
    # other scores (24 of 24 buckets of a test file) and 'top dst_ip=N/A' where the CSV said
    # 'top dst_ip=<missing>'
    from hourglass.explain.entity import explain_buckets
    from tests._serve import AUTH, client_of, small_entity_model

    model, rows = small_entity_model(tmp_path)
    pipe = load(model)
    assert "dst_ip" in pipe.features_.categorical_
    spelled = [dict(r, dst_ip=["N/A", None, "?", "null"][k % 4] if k % 3 else r["dst_ip"])
               for k, r in enumerate(rows)]
    empty = [dict(r, dst_ip=None if r["dst_ip"] in SPELLINGS else r["dst_ip"]) for r in spelled]
    a, b = pd.DataFrame(spelled), pd.DataFrame(empty)
    agg_a, agg_b = pipe.features_.aggregate(a), pipe.features_.aggregate(b)
    assert agg_a["dst_ip:distinct"].tolist() == agg_b["dst_ip:distinct"].tolist()
    assert agg_a["dst_ip:top_share"].tolist() == agg_b["dst_ip:top_share"].tolist()
    why_a, why_b = explain_buckets(pipe, a, top=30), explain_buckets(pipe, b, top=30)
    assert why_a["score"].tolist() == pytest.approx(why_b["score"].tolist())
    assert why_a["why"].tolist() == why_b["why"].tolist()
    assert not why_a["why"].str.contains("dst_ip=N/A|dst_ip=null|dst_ip=\\?").any()
    with client_of(model) as client:
        served = [client.post("/score", json={"rows": r, "explain": 30, "explain_all": True},
                              headers=AUTH).json() for r in (spelled, empty)]
    scores = [[x["score"] for x in s["buckets"]] for s in served]
    assert scores[0] == pytest.approx(scores[1])
    assert [x["why"] for x in served[0]["buckets"]] == [x["why"] for x in served[1]["buckets"]]


def test_series_explanations_agree_and_name_the_input_channels(tmp_path: Path) -> None:
    # what was wrong: nothing in the code (a pin; the README and 'stream --help' now say that
    # 'stream --all --explain' leaves a step not flagged unexplained, as an entity bucket, where a
    # table row is explained): 'hourglass explain' of a series, explain_steps and the service's
    # explain_all give each step the same why, the channels' parts add up to the step's score,
    # the shifted channel is named with the input's own name, and every streamed why is of a
    # flagged step, naming a channel of the input
    from hourglass.explain.timeseries import explain_steps, step_errors

    t = np.arange(420)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"when": pd.date_range("2024-01-01", periods=420, freq="1min").astype(str),
                          "CPU Load %": np.sin(t / 5) + 0.05 * rng.normal(size=420),
                          "mem.used": np.cos(t / 7) + 0.05 * rng.normal(size=420)})
    frame.iloc[:300].to_csv(tmp_path / "train.csv", index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--model", "lstm-ae", "--timestamp-col",
                              "when", "--epochs", "8", "--param", "window=8", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    test = frame.iloc[300:].reset_index(drop=True)
    test.loc[60:64, "mem.used"] += 4
    test = test[["mem.used", "when", "CPU Load %"]]  # the columns in another order
    test.to_csv(tmp_path / "test.csv", index=False)
    rows = test.to_dict("records")
    _jsonl(tmp_path / "test.jsonl", rows)
    out = tmp_path / "why.csv"
    res = runner.invoke(app, ["explain", str(model), str(tmp_path / "test.csv"), "--all", "--top", "2",
                              "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    csv = pd.read_csv(out)
    pipe = load(model)
    api = explain_steps(pipe, test, top=2)
    served = _served(model, {"rows": rows, "explain": 2, "explain_all": True})
    assert csv["why"].tolist() == api["why"].tolist() == served["why"]
    assert csv["score"].tolist() == pytest.approx(served["scores"])
    errors = step_errors(pipe, test)
    assert errors.parts.sum(axis=1) == pytest.approx(errors.scores, rel=1e-4)
    assert set(csv["top_channel"][60:65]) == {"mem.used"}
    res = runner.invoke(app, ["stream", str(model), "--input", str(tmp_path / "test.jsonl"),
                              "--explain", "2", "--all", "-q"])
    assert res.exit_code == 0, res.output
    streamed = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    assert any(s["flag"] for s in streamed) and not all(s["flag"] for s in streamed)
    for s in streamed:
        assert (s["why"] is None) == (s["flag"] == 0) == (s["top_channel"] is None), s
        if s["flag"]:
            assert s["top_channel"] in {"CPU Load %", "mem.used"}
            assert s["why"].startswith(s["top_channel"] + "=")


def test_a_missing_spelling_in_an_event_tables_message_column_is_no_message(tmp_path: Path) -> None:
    # what was wrong: an event table scored with --message-col read a message 'N/A' (or 'null')
    # from JSON lines as text, an unseen template: its session scored 7.0 and its alert named
    # '<template never seen in training>' with text 'N/A', where the same rows of a CSV (the
    # cell read empty, the row left out as an empty message) scored 3.0 and named 'logout'
    from tests.test_logs_stream import _table

    _table(60).to_csv(tmp_path / "train.csv", index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--session-col", "user", "--message-col",
                              "msg", "--timestamp-col", "ts", "--model", "deeplog", "-o", str(model),
                              "--epochs", "30", "--param", "window=3", "--param", "top_g=1", "--hidden", "16",
                              "--param", "layers=1", "--lr", "0.02", "-q"])
    assert res.exit_code == 0, res.output
    odd = pd.DataFrame({"user": ["x"] * 4 + ["y"] * 4, "event": "e", "ts": [1.0, 2.0, 3.0, 4.0] * 2,
                        "msg": ["session opened for user x", "N/A", "read 5 bytes", "logout",
                                "session opened for user y", "read 7 bytes", "null", "logout"]})
    odd.to_csv(tmp_path / "new.csv", index=False)
    _jsonl(tmp_path / "new.jsonl", odd.to_dict("records"))
    alerts = {}
    for ext in ("csv", "jsonl"):
        out = tmp_path / f"alerts_{ext}.jsonl"
        res = runner.invoke(app, ["score", str(model), str(tmp_path / f"new.{ext}"), "-o", str(out)])
        assert res.exit_code == 0, res.output
        assert "2 rows had an empty key or message" in res.stderr, res.stderr
        alerts[ext] = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(a["session"], a["score"], a["unexpected"]) for a in alerts["csv"]] == \
        [(a["session"], a["score"], a["unexpected"]) for a in alerts["jsonl"]]
    assert all(a["unexpected"]["template"] != "<template never seen in training>" for a in alerts["jsonl"])
