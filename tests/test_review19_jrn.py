"""One model, one set of rows: the same scores, flags and severities whichever way they are scored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner
from tests._skab import train_skab_model


@pytest.fixture(scope="module")
def skab_model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("skab")
    return train_skab_model(folder, folder / "0.csv")


def _scored(model: Path, data: Path, out: Path) -> pd.DataFrame:
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return pd.read_csv(out)


@pytest.mark.parametrize("kind", ["parquet", "jsonl", "comma"])
def test_a_skab_model_scores_its_rows_in_any_table_format(skab_model: dict[str, Path], tmp_path: Path,
                                                           kind: str) -> None:
    """A model trained with --dataset skab scores the same rows given as Parquet, JSON lines or a
    ','-separated CSV as it scores SKAB's own ';' file (and as /score and stream take them as JSON
    rows): 'score' refused them ('expected ';'-separated SKAB columns', 'not a SKAB file')."""
    frame = pd.read_csv(skab_model["data"], sep=";")
    copy = tmp_path / {"parquet": "s.parquet", "jsonl": "s.jsonl", "comma": "s.csv"}[kind]
    if kind == "parquet":
        frame.to_parquet(copy, index=False)
    elif kind == "jsonl":
        frame.to_json(copy, orient="records", lines=True)
    else:
        frame.to_csv(copy, index=False)
    want = _scored(skab_model["model"], skab_model["data"], tmp_path / "a.csv")
    got = _scored(skab_model["model"], copy, tmp_path / "b.csv")
    assert got.columns.tolist() == want.columns.tolist()
    assert got["datetime"].tolist() == want["datetime"].tolist()
    np.testing.assert_allclose(got["score"], want["score"], rtol=1e-6)
    assert got["flag"].tolist() == want["flag"].tolist()
    assert got["severity"].tolist() == want["severity"].tolist()


def _series_rows(stamps: list) -> list[dict]:
    """Steps of the SKAB-like sensors, B far off its training level (every step flagged)."""
    rng = np.random.default_rng(3)
    return [{"datetime": t, "A": float(np.sin(i / 6) + rng.normal(0, 0.05)), "B": float(rng.normal() + 40)}
            for i, t in enumerate(stamps)]


@pytest.mark.parametrize("form", ["epoch", "offset"])
def test_a_series_stream_writes_each_steps_time_as_score_does(skab_model: dict[str, Path], tmp_path: Path,
                                                               form: str) -> None:
    """The series stream's alerts carried the timestamp as sent (an epoch number 1583746216, a
    local time with its offset) where 'score' writes the same step's time as ISO 8601 (UTC for an
    offset); its ECS documents' hourglass.timestamp and message likewise. Now both write it alike."""
    import json

    start = pd.Timestamp("2020-03-09 10:00:00")
    times = [start + pd.Timedelta(seconds=i) for i in range(30)]
    stamps = ([int((t - pd.Timestamp("1970-01-01")) / pd.Timedelta("1s")) for t in times] if form == "epoch"
              else [t.tz_localize("UTC").tz_convert("Europe/Paris").isoformat() for t in times])
    data = tmp_path / "s.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in _series_rows(stamps)))
    model = str(skab_model["model"])
    scored = tmp_path / "scored.jsonl"
    res = runner.invoke(app, ["score", model, str(data), "-o", str(scored), "-q"])
    assert res.exit_code == 0, res.output
    want = {i: json.loads(line)["datetime"] for i, line in enumerate(scored.read_text().splitlines())}
    streamed = tmp_path / "streamed.jsonl"
    res = runner.invoke(app, ["stream", model, "-i", str(data), "-o", str(streamed), "--all", "-q"])
    assert res.exit_code == 0, res.output
    alerts = [json.loads(line) for line in streamed.read_text().splitlines()]
    assert alerts
    assert all(a["timestamp"] == want[a["row"]] for a in alerts), (alerts[0], want[alerts[0]["row"]])
    ecs_score, ecs_stream = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for cmd, out in ((["score", model, str(data)], ecs_score),
                     (["stream", model, "-i", str(data)], ecs_stream)):
        res = runner.invoke(app, [*cmd, "-o", str(out), "--alert-format", "ecs", "-q"])
        assert res.exit_code == 0, res.output
    by_time = {d["@timestamp"]: d for d in map(json.loads, ecs_score.read_text().splitlines())}
    docs = [json.loads(line) for line in ecs_stream.read_text().splitlines()]
    common = [d for d in docs if d["@timestamp"] in by_time]  # flagged by both (stream: causal)
    assert common
    for doc in docs:
        assert doc["hourglass"]["timestamp"] == doc["@timestamp"]
        assert f"time step {doc['@timestamp']} " in doc["message"]
    for doc in common:
        assert doc["hourglass"]["timestamp"] == by_time[doc["@timestamp"]]["hourglass"]["timestamp"]


def test_log_alerts_carry_the_sessions_score_unrounded(tmp_path: Path) -> None:
    """'score -o alerts.jsonl' (and the ECS and SQLite alerts, a session model's stream) rounded a
    session's score to 6 decimals, where the CSV of every session and the service give it whole:
    for an event-count autoencoder, whose scores are small, 1e-5 apart and more, and an alert's
    score could even fall below its own threshold. They now carry the same number."""
    import json

    rng = np.random.default_rng(0)
    normal = [[1, 2, 3, 4, 5] * int(rng.integers(1, 4)) + [6] for _ in range(150)]
    odd = [[3] * 40, [2] * 25 + [6], [1, 2, 9, 9, 9, 9, 9, 6], [5] * 12, [1, 6] * 20]
    train, test = tmp_path / "train.txt", tmp_path / "test.txt"
    train.write_text("".join(" ".join(map(str, s)) + "\n" for s in normal))
    test.write_text("".join(" ".join(map(str, s)) + "\n" for s in normal[:20] + odd))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "-o", str(model), "--model", "event-count-autoencoder",
                              "--format", "keys", "--epochs", "5", "-q"])
    assert res.exit_code == 0, res.output
    table = tmp_path / "all.csv"
    alerts = tmp_path / "alerts.jsonl"
    for out in (table, alerts):
        res = runner.invoke(app, ["score", str(model), str(test), "-o", str(out), "-q"])
        assert res.exit_code == 0, res.output
    every = pd.read_csv(table, dtype={"session": str}).set_index("session")
    docs = [json.loads(line) for line in alerts.read_text().splitlines()]
    assert docs and len(docs) == int(every["flag"].sum())
    for doc in docs:
        assert doc["score"] == every.loc[str(doc["session"]), "score"]
        assert doc["score"] > doc["threshold"]


def test_an_entity_streams_ecs_alerts_are_scores(tmp_path: Path) -> None:
    """stream's ECS alerts of an entity-bucket model carried hourglass.flag, which score's and the
    service's ECS alerts of the same buckets have not (every document is an alert): now the
    documents hold the same fields whichever command wrote them."""
    import json

    from tests._serve import small_entity_model

    model, rows = small_entity_model(tmp_path)
    for r in rows[::3]:
        r["bytes"] = 10 ** 9  # some buckets far off: flagged on either path
    data = tmp_path / "flows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    docs = {}
    for cmd in (["score", str(model), str(data)], ["stream", str(model), "-i", str(data)]):
        out = tmp_path / f"{cmd[0]}.jsonl"
        res = runner.invoke(app, [*cmd, "-o", str(out), "--alert-format", "ecs", "-q"])
        assert res.exit_code == 0, res.output
        docs[cmd[0]] = {(d["hourglass"]["entity"], d["event"]["start"]): d
                        for d in map(json.loads, out.read_text().splitlines())}
    assert docs["score"] and docs["score"].keys() == docs["stream"].keys()
    for key, doc in docs["score"].items():
        twin = docs["stream"][key]
        assert set(twin["hourglass"]) == set(doc["hourglass"]), key
        assert twin["hourglass"]["score"] == pytest.approx(doc["hourglass"]["score"], rel=1e-6)
