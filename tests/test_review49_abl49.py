"""Explanations checked by ablation: the named column is what the score depends on, and it is
named with the value the row holds, alike on every path that reads the row."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.cli import app
from hourglass.detectors import AutoEncoder, DeepSVDD
from hourglass.explain import explain_rows
from hourglass.explain.timeseries import _value_text as step_value_text
from tests._cli import runner


def _flows(n: int = 900, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 2)) @ rng.normal(size=(2, 4)) + 0.05 * rng.normal(size=(n, 4))
    df = pd.DataFrame(z.round(4), columns=[f"f{i}" for i in range(4)])
    df["bytes"] = np.exp(rng.normal(6, 0.5, n)).round().astype(int)
    df["proto"] = rng.choice(["tcp", "udp", "icmp"], n, p=[0.6, 0.35, 0.05])
    return df


@pytest.fixture(scope="module")
def table_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    d = tmp_path_factory.mktemp("abl49")
    df = _flows()
    df.iloc[:800].to_csv(d / "train.csv", index=False)
    test = df.iloc[800:820].reset_index(drop=True)
    test.loc[0:2, "bytes"] = 50_000_000
    test.to_csv(d / "test.csv", index=False)
    test.to_json(d / "test.jsonl", orient="records", lines=True)
    r = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(d / "m"), "--epochs", "20", "-q"])
    assert r.exit_code == 0, r.output
    return d / "m", d / "test.csv", d / "test.jsonl"


def test_a_whole_number_is_quoted_alike_from_csv_and_json_lines(table_model: tuple[Path, Path, Path]
                                                                  ) -> None:
    # what was wrong: a CSV reads every number column as floats, and a whole float that 6 digits
    # put in exponent form was quoted so: `hourglass explain M test.csv` said 'bytes=5e+07 (90%)'
    # where the same row from test.jsonl (and `stream --explain`, the service) said
    # 'bytes=50000000 (90%)', the value the file holds
    model, csv, jsonl = table_model
    whys = []
    for data in (csv, jsonl):
        out = data.with_suffix(".why.jsonl")
        r = runner.invoke(app, ["explain", str(model), str(data), "--all", "--top", "6",
                                "-o", str(out), "-q"])
        assert r.exit_code == 0, r.output
        whys.append([json.loads(line)["why"] for line in out.read_text().splitlines()])
    assert whys[0] == whys[1]
    assert all("bytes=50000000 (" in w for w in whys[0][:3]), whys[0][:3]


def test_a_whole_number_is_given_in_full_in_a_step_too() -> None:
    # what was wrong: a series channel's 50000000 was quoted '5e+07' (1234567 was already in full)
    assert [step_value_text(v) for v in (5e7, 1234567.0, 123456.7, 2.5e-7, float("nan"))] == \
        ["50000000", "1234567", "1.2346e+05", "2.5e-07", "<missing>"]


@pytest.mark.parametrize("detector", ["autoencoder", "deep-svdd"])
def test_resetting_the_named_column_removes_more_score_than_resetting_a_low_one(detector: str) -> None:
    # pin (held, untested by ablation): for a row with one column pushed far off, the column
    # the explanation names first is that column, and giving it back its training median drops
    # the score by more than giving the last-named column its median
    df = _flows()
    train, test = df.iloc[:800], df.iloc[800:830].reset_index(drop=True).copy()
    test["f0"] = 40.0
    det = (AutoEncoder(hidden=(16, 2), epochs=30, verbose=0, random_state=0) if detector == "autoencoder"
           else DeepSVDD(hidden=(16, 4), epochs=30, verbose=0, random_state=0))
    pipe = Pipeline(detector=det).fit(train)
    why = explain_rows(pipe, test, top=6)
    assert (why["top_column"] == "f0").all()
    base = pipe.score(test)
    top = pipe.score(test.assign(f0=train["f0"].median()))
    lows = [w.split("; ")[-1].split("=")[0] for w in why["why"]]
    low = pipe.score(pd.concat([test.iloc[[i]].assign(**{c: train[c].median() if c != "proto"
                                                         else train[c].mode()[0]})
                                for i, c in enumerate(lows)], ignore_index=True))
    assert ((base - top) > (base - low)).all()
    assert (top < base).all()


def test_stream_quotes_a_row_as_explain_does(table_model: tuple[Path, Path, Path]) -> None:
    # what was wrong: `stream --explain 6 --all` of the JSON lines said 'bytes=50000000' where
    # `explain --all --top 6` of the same rows as a CSV said 'bytes=5e+07'; now every column,
    # value and share agree
    model, csv, jsonl = table_model
    ex, st = csv.with_suffix(".ex.jsonl"), jsonl.with_suffix(".st.jsonl")
    r = runner.invoke(app, ["explain", str(model), str(csv), "--all", "--top", "6", "-o", str(ex), "-q"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["stream", str(model), "--input", str(jsonl), "--explain", "6", "--all",
                            "-o", str(st), "-q"])
    assert r.exit_code == 0, r.output
    a = [json.loads(line) for line in ex.read_text().splitlines()]
    b = [json.loads(line) for line in st.read_text().splitlines()]
    assert [(x["top_column"], x["why"]) for x in a] == [(x["top_column"], x["why"]) for x in b]
    assert "bytes=50000000 (" in b[0]["why"]
