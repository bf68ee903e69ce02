"""One table typed differently by its format (CSV text, JSON values, Parquet types) reads the
same: scores, explanations, kept fields and grouped alerts; and the Python API bounds a whole
number as the command line does."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.cli import app
from hourglass.detectors import AutoEncoder
from hourglass.errors import InputError
from hourglass.explain import explain_rows
from hourglass.features.tabular import TabularPreprocessor
from tests._cli import runner


def _flows(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    ts = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) * 60, unit="s")
    return pd.DataFrame({"is_tls": rng.random(n) < 0.5, "count": rng.integers(0, 20, n),
                         "rate": np.round(rng.normal(5, 1, n), 3),
                         "dst_port": rng.choice([80, 443, 22], n),
                         "proto": rng.choice(["tcp", "udp"], n), "ts": ts})


def _records(df: pd.DataFrame) -> list[dict]:
    return [{"is_tls": bool(r.is_tls), "count": int(r.count), "rate": float(r.rate),
             "dst_port": int(r.dst_port), "proto": str(r.proto),
             "ts": r.ts.strftime("%Y-%m-%dT%H:%M:%S")} for r in df.itertuples()]


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    """A model trained on a CSV of ``true``/``false`` and ISO times, and the same rows typed
    nine ways (with one missing boolean cell each: the CSV's column is then text)."""
    d = tmp_path_factory.mktemp("typed")
    df = _flows()
    recs = _records(df)
    recs[5]["is_tls"] = None
    seconds = (df["ts"] - pd.Timestamp("1970-01-01")) // pd.Timedelta("1s")

    def csv(name: str, true: str, false: str, times: pd.Series | None = None) -> Path:
        rows = ["is_tls,count,rate,dst_port,proto,ts"]
        for i, r in enumerate(recs):
            b = "" if r["is_tls"] is None else (true if r["is_tls"] else false)
            t = r["ts"] if times is None else times.iloc[i]
            rows.append(f"{b},{r['count']},{r['rate']},{r['dst_port']},{r['proto']},{t}")
        (d / name).write_text("\n".join(rows) + "\n")
        return d / name

    files = {
        "csv_lower": csv("lower.csv", "true", "false"),
        "csv_title": csv("title.csv", "True", "False"),
        "csv_epoch_ms": csv("epoch_ms.csv", "true", "false", seconds * 1000),
        "json": _jsonl(d / "native.jsonl", recs),
        "json_text": _jsonl(d / "text.jsonl", [
            dict(r, is_tls=None if r["is_tls"] is None else str(r["is_tls"]).lower(),
                 count=str(r["count"]), dst_port=str(r["dst_port"])) for r in recs]),
        "json_float": _jsonl(d / "float.jsonl", [dict(r, count=float(r["count"])) for r in recs]),
        "json_epoch_s": _jsonl(d / "epoch_s.jsonl",
                               [dict(r, ts=int(s)) for r, s in zip(recs, seconds, strict=True)]),
    }
    frame = pd.DataFrame(recs).assign(is_tls=lambda f: f["is_tls"].astype("boolean"),
                                      ts=df["ts"].dt.tz_localize("UTC"))
    frame.to_parquet(d / "utc.parquet", index=False)
    frame.assign(dst_port=frame["dst_port"].astype(str)).to_parquet(d / "text_port.parquet", index=False)
    files["parquet_utc"], files["parquet_text_port"] = d / "utc.parquet", d / "text_port.parquet"
    model = d / "m"
    res = runner.invoke(app, ["train", str(files["csv_lower"]), "-o", str(model), "--epochs", "1",
                              "--hidden", "4,2", "--timestamp-col", "ts", "-q"])
    assert res.exit_code == 0, res.output
    return model, files


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_explanations_quote_a_text_boolean_as_a_typed_one(variants, tmp_path):
    # what was wrong: `hourglass explain` quoted one boolean two ways by how the file typed it:
    # a CSV column of true/false with one empty cell (read as text) or JSON strings said
    # 'is_tls=false', a JSON boolean or a Parquet bool 'is_tls=False', for the value the model
    # reads as one (its category False): 6 of 26 typed variants disagreed
    model, files = variants
    why = {}
    for name, path in files.items():
        out = tmp_path / f"{name}.jsonl"
        res = runner.invoke(app, ["explain", str(model), str(path), "--all", "--top", "5", "-o",
                                  str(out), "-q"])
        assert res.exit_code == 0, res.output
        why[name] = [r["why"] for r in _rows(out)]
    assert any("is_tls=False" in w for w in why["csv_lower"])
    assert not any("is_tls=false" in w or "is_tls=true" in w for w in why["csv_lower"])
    for name in files:
        assert why[name] == why["csv_lower"], name
    streamed = tmp_path / "streamed.jsonl"  # the JSON strings, streamed: quoted alike
    res = runner.invoke(app, ["stream", str(model), "-i", str(files["json_text"]), "-o", str(streamed),
                              "--all", "--explain", "5", "-q"])
    assert res.exit_code == 0, res.output
    assert [r["why"] for r in _rows(streamed)] == why["csv_lower"]


def test_explain_rows_quotes_the_model_reading_of_categorical_text():
    # what was wrong: explain_rows quoted a categorical column's text as written ('true',
    # ' FALSE', '3.0') where the model reads True, False and 3, as it quotes a typed value
    df = _flows(80).drop(columns="ts").assign(count=lambda f: f["count"].astype(str))
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
                    features=TabularPreprocessor(categorical=["count"])).fit(df)
    typed = df.head(6).assign(is_tls=[True, False, True, False, True, False],
                              count=["3", "4", "5", "6", "7", "8"])
    text = typed.astype({"is_tls": object, "count": object}).assign(
        is_tls=["true", " FALSE", "True", "false", "TRUE", "False"],
        count=["3.0", "4", "5.00", "6", "7", "8.0"])
    a = explain_rows(pipe, typed, top=5)["why"].tolist()
    b = explain_rows(pipe, text, top=5)["why"].tolist()
    assert a == b and any("is_tls=" in w for w in a)


def test_scores_kept_fields_and_groups_agree_on_every_path(variants, tmp_path):
    # pin (held, untested): the same rows typed as CSV text, JSON values, epoch times or
    # Parquet types score identically with one model; `score`, `explain` and `stream` copy a
    # --keep field alike and group alike; grouped windows by epoch seconds or milliseconds
    # read as the ISO times (the copied field is the input's own value, as typed)
    model, files = variants
    base = None
    for name, path in files.items():
        out, grouped = tmp_path / f"{name}.jsonl", tmp_path / f"{name}.g.jsonl"
        res = runner.invoke(app, ["score", str(model), str(path), "-o", str(out), "-q",
                                  "--keep", "dst_port"])
        assert res.exit_code == 0, res.output
        res = runner.invoke(app, ["score", str(model), str(path), "-o", str(grouped), "-q",
                                  "--group-by", "proto", "--group-window", "30m",
                                  "--timestamp-col", "ts"])
        assert res.exit_code == 0, res.output
        scores = [r["score"] for r in _rows(out)]
        windows = [(g["proto"], g["count"], g["window_start"][:19]) for g in _rows(grouped)]
        if base is None:
            base = (scores, windows)
        assert (scores, windows) == base, name
        if path.suffix == ".jsonl":
            streamed = tmp_path / f"{name}.s.jsonl"
            res = runner.invoke(app, ["stream", str(model), "-i", str(path), "-o", str(streamed),
                                      "--all", "-q", "--keep", "dst_port"])
            assert res.exit_code == 0, res.output
            assert [(r["score"], r["dst_port"]) for r in _rows(streamed)] == \
                [(r["score"], r["dst_port"]) for r in _rows(out)], name


@pytest.mark.parametrize("params, name", [
    ({"epochs": 10**30}, "epochs"),
    ({"patience": 2**63}, "patience"),
    ({"batch_size": 10**30}, "batch_size"),  # (int | str: 'auto')
    ({"epochs": -(2**64)}, "epochs"),
])
def test_python_api_bounds_a_whole_number_as_the_command_line(params, name):
    # what was wrong: AutoEncoder(epochs=10**30).fit(X) (and Pipeline(AutoEncoder(...))) trained
    # on until early stopping ended it, where `hourglass train --epochs 1e30` and `--param
    # epochs=1e30` refuse a whole number past 2**63-1 in one line
    X = np.random.default_rng(0).normal(size=(40, 3))
    with pytest.raises(InputError, match=rf"^{name} must be at (most 2\*\*63-1|least -2\*\*63)") as info:
        Pipeline(AutoEncoder(hidden=(4, 2), verbose=0, **params)).fit(pd.DataFrame(X))
    assert info.value.param == name
    with pytest.raises(ValueError, match="got 1e\\+30" if params.get(name) == 10**30 else "got -?\\d+$"):
        AutoEncoder(hidden=(4, 2), verbose=0, **params).fit(X)


def test_python_api_takes_the_largest_whole_number_and_a_seed_past_it():
    # what was wrong: TabularPreprocessor(max_categories=10**30) was taken as well. Pin: 2**63-1
    # itself is taken (as by the command line), so is a seed to 2**64-1, and a saved model's
    # setting past the bound still loads (its kinds are read as saved)
    from hourglass._params import check_numeric_params, saved_kinds

    check_numeric_params(AutoEncoder(epochs=2**63 - 1, random_state=2**64 - 1), refuse_none=True)
    with saved_kinds():
        check_numeric_params(AutoEncoder(epochs=10**30), refuse_none=True)
    with pytest.raises(InputError, match="max_categories must be at most"):
        TabularPreprocessor(max_categories=10**30).fit(_flows(20))


def test_pipeline_warm_start_on_one_row_gives_the_way_on(tmp_path):
    # what was wrong: Pipeline.warm_start on one row said only "AutoEncoder: 1 training row;
    # fitting needs at least 2", where `hourglass train --warm-start` adds what to do; the command
    # line's own advice is unchanged (no Python words in it)
    df = _flows(60).drop(columns="ts")
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    with pytest.raises(InputError, match=r"needs at least 2; give the warm start more normal rows "
                                         r"\(or old ones too: concatenate them to the new ones\), "
                                         r"or fit a new Pipeline$"):
        pipe.warm_start(df.head(1))
    pipe.save(tmp_path / "m")
    df.head(1).to_csv(tmp_path / "one.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "one.csv"), "--warm-start", str(tmp_path / "m"),
                              "-o", str(tmp_path / "w"), "-q"])
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert res.exit_code == 2 and len(lines) == 1, res.output
    assert lines[0] == ("error: AutoEncoder: 1 training row; fitting needs at least 2; give the warm "
                        "start more normal rows (or old ones too: --replay-data OLD), or train a new "
                        "model ('hourglass train' without --warm-start)")
