"""The same table as a CSV and as JSON lines whose missing cells are spelt as text ('N/A', 'null',
'?' ...) or as JSON null: the same roles, categories, scaling, weights and scores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.features.tabular import TabularPreprocessor
from tests._cli import runner

SPELLINGS = ["N/A", "null", "?", "NA", "None", "", "NaN", "#N/A", " n/a "]


def _tables(n: int = 240, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(as a CSV reads it, as JSON lines with the missing cells spelt as text, as JSON null)."""
    rng = np.random.default_rng(seed)
    full = pd.DataFrame({
        "bytes": rng.exponential(100, n).round(),
        "proto": rng.choice(["tcp", "udp", "icmp"], n),
        "user": [f"u{i}" for i in rng.integers(0, 60, n)],  # > max_categories: hashed
        "sess": [f"s{i}" for i in range(n)],  # near-unique: dropped
        "src_ip": [f"10.0.{i % 4}.{i % 250}" for i in range(n)],
        "dst_port": rng.choice([22, 53, 80, 443], n).astype(float),
        "blank": [None] * n,
    })
    miss = {c: rng.random(n) < 0.15 for c in full}
    miss["sess"] = rng.random(n) < 0.6  # more missing than present: near-unique only if read so
    miss["blank"] = np.ones(n, dtype=bool)
    csv, text = full.copy(), full.astype(object)
    for c in full:
        csv[c] = full[c].where(~miss[c])
        text[c] = [SPELLINGS[i % len(SPELLINGS)] if m else v
                   for i, (m, v) in enumerate(zip(miss[c], full[c], strict=True))]
    return csv, text, csv.astype(object).where(csv.notna(), None)


def test_a_fit_on_missing_spellings_as_text_equals_the_fit_on_the_csv() -> None:
    # what was wrong: 'N/A', 'null', '?' ... from JSON lines (or a frame, Parquet text) were read
    # as missing when scoring but as values when fitting: a categorical 'proto' learnt each
    # spelling as a category of its own (3 values became 12), a hashed column recorded them as
    # text (hash_nulls), a column of ids 60% 'N/A' was hashed where the CSV's is dropped as
    # near-unique, and a column of nothing but 'N/A' one-hot encoded: another model of the same rows
    csv, text, null = _tables()
    want = TabularPreprocessor().fit(csv)
    assert want.roles_ == {"bytes": "numeric", "proto": "categorical", "user": "hash", "sess": "drop",
                           "src_ip": "ip", "dst_port": "port", "blank": "numeric"}
    for frame in (text, null):
        got = TabularPreprocessor().fit(frame)
        assert got.roles_ == want.roles_
        assert got.feature_names_ == want.feature_names_
        assert got.categories_ == want.categories_ == {"proto": ["<missing>", "icmp", "tcp", "udp"]}
        assert got.hash_nulls_ == want.hash_nulls_ == {"user": []}
        np.testing.assert_array_equal(got.offset_, want.offset_)
        np.testing.assert_array_equal(got.scale_, want.scale_)
        assert got.indicators_ == want.indicators_
        for c in want.profile_:  # missing shares and distinct counts (dtype as read)
            assert {k: v for k, v in got.profile_[c].items() if k != "dtype"} == \
                {k: v for k, v in want.profile_[c].items() if k != "dtype"}, c
        np.testing.assert_array_equal(got.transform(frame), want.transform(csv))
        np.testing.assert_array_equal(got.transform(csv.iloc[:5]), want.transform(frame.iloc[:5]))
    # the frame itself is left as it was
    assert (text["proto"] == "N/A").any()


def test_a_near_unique_column_half_missing_spellings_is_dropped_as_its_csv_is() -> None:
    # what was wrong: infer_role counted 'N/A' cells as present values: ids 'N/A' in 60% of the
    # rows read as 100 distinct of 240 (hashed), where the CSV's 96 of 96 is near-unique (dropped)
    from hourglass.features.roles import infer_role

    ids = pd.Series([f"s{i}" if i % 5 < 2 else "N/A" for i in range(240)])
    assert infer_role("sess", ids, max_categories=50) == infer_role(
        "sess", ids.mask(ids == "N/A"), max_categories=50) == ("drop", "near-unique text (96 distinct of 96)")
    assert infer_role("note", pd.Series(["N/A", "null", " ? "] * 4), max_categories=50) == \
        ("numeric", "no values (all missing)")


def _train(data: Path, out: Path) -> dict[str, Any]:
    res = runner.invoke(app, ["--threads", "1", "train", str(data), "--label-col", "label",
                              "--normal", "normal", "--epochs", "2", "--hidden", "8,4", "--seed", "3",
                              "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return json.loads((out / "config.json").read_text())


def test_train_on_json_lines_with_missing_spellings_gives_the_csv_model(tmp_path: Path) -> None:
    # what was wrong: `hourglass train flows.jsonl` of the same rows as flows.csv, the missing
    # cells spelt 'N/A', 'null' ..., built 75 features for the CSV's 48 (each spelling a category)
    # and another threshold; the same rows now give the same model, weights and scores
    csv, text, null = _tables(seed=1)
    csv, text, null = (f.drop(columns="blank") for f in (csv, text, null))
    label = ["normal"] * (len(csv) - 20) + ["attack"] * 20
    csv.assign(label=label).to_csv(tmp_path / "t.csv", index=False)
    for name, frame in (("text", text), ("null", null)):
        with open(tmp_path / f"t.{name}.jsonl", "w") as fh:
            for row in frame.assign(label=label).to_dict(orient="records"):
                fh.write(json.dumps(row) + "\n")
    want = _train(tmp_path / "t.csv", tmp_path / "m_csv")
    weights = (tmp_path / "m_csv" / "weights.safetensors").read_bytes()
    for name in ("text", "null"):
        got = _train(tmp_path / f"t.{name}.jsonl", tmp_path / f"m_{name}")
        assert got["features"]["feature_names"] == want["features"]["feature_names"]
        assert got["features"]["categories"] == want["features"]["categories"]
        assert got["features"]["offset"] == want["features"]["offset"]
        assert (tmp_path / f"m_{name}" / "weights.safetensors").read_bytes() == weights
        assert got["detector"]["state"]["threshold"] == want["detector"]["state"]["threshold"]
    scores = {}
    for model in ("csv", "text"):
        for data in ("t.csv", "t.text.jsonl", "t.null.jsonl"):
            out = tmp_path / f"s_{model}_{data}.csv"
            res = runner.invoke(app, ["--threads", "1", "score", str(tmp_path / f"m_{model}"),
                                      str(tmp_path / data), "-o", str(out), "-q"])
            assert res.exit_code == 0, res.output
            scores[model, data] = pd.read_csv(out)["score"].to_numpy()
    first = scores["csv", "t.csv"]
    for key, got_scores in scores.items():
        np.testing.assert_allclose(got_scores, first, rtol=1e-6, err_msg=str(key))


@pytest.mark.parametrize("spelled", ["N/A", "?", ""])
def test_a_forced_categorical_column_reads_a_missing_spelling_as_its_csv(spelled: str) -> None:
    # what was wrong: the same as above for a column given by categorical=[...] (read as text as
    # written): its 'N/A' or '?' was a category of its own ('' was read as missing already: a pin)
    rng = np.random.default_rng(2)
    codes = rng.choice([6.0, 17.0, np.nan], 120)
    frame = pd.DataFrame({"x": rng.normal(size=120), "code": codes})
    spelt = frame.assign(code=[spelled if np.isnan(v) else str(int(v)) for v in codes])
    want = TabularPreprocessor(categorical=["code"]).fit(frame)
    got = TabularPreprocessor(categorical=["code"]).fit(spelt)
    assert got.categories_ == want.categories_ == {"code": ["17", "6", "<missing>"]}
    np.testing.assert_array_equal(got.transform(spelt), want.transform(frame))


def test_keep_copies_a_missing_spelling_as_the_input_holds_it_in_score_and_stream(tmp_path: Path) -> None:
    # no defect: a pin of the documented choice that --keep quotes the input: a JSON "N/A" is
    # copied as "N/A" and a JSON null as null, by score and stream alike (the model reads both
    # as missing, the same score), a CSV's 'N/A' cell, missing to the reader, as null
    from tests._cli import ab_model

    model = ab_model(tmp_path)
    lines = [{"a": 0.5, "b": "N/A", "host": "N/A"}, {"a": 0.5, "b": None, "host": None},
             {"a": 0.5, "b": 0.25, "host": "?"}]
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in lines))
    (tmp_path / "rows.csv").write_text("a,b,host\n0.5,N/A,N/A\n0.5,,\n0.5,0.25,?\n")
    kept = {}
    for name in ("rows.jsonl", "rows.csv"):
        out = tmp_path / f"{name}.out.jsonl"
        res = runner.invoke(app, ["--threads", "1", "score", str(model), str(tmp_path / name),
                                  "-o", str(out), "--keep", "b", "--keep", "host", "-q"])
        assert res.exit_code == 0, res.output
        kept[name] = [json.loads(x) for x in out.read_text().splitlines()]
    res = runner.invoke(app, ["--threads", "1", "stream", str(model), "--input", str(data), "--all",
                              "--keep", "b", "--keep", "host", "-q"])
    assert res.exit_code == 0, res.output
    streamed = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    assert [(r["b"], r["host"]) for r in streamed] == [(r["b"], r["host"]) for r in kept["rows.jsonl"]] \
        == [("N/A", "N/A"), (None, None), (0.25, "?")]
    assert [(r["b"], r["host"]) for r in kept["rows.csv"]] == [(None, None), (None, None), (0.25, None)]
    assert [r["score"] for r in streamed] == pytest.approx([r["score"] for r in kept["rows.jsonl"]])
    assert [r["score"] for r in kept["rows.csv"]] == pytest.approx([r["score"] for r in kept["rows.jsonl"]])
