"""Format drop columns, option clashes and refused refits of the feature builders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.errors import HourglassError

runner = CliRunner()


def _unsw(tmp_path: Path) -> Path:
    rows = ["id,proto,service,state,sbytes,dbytes,attack_cat,label"]
    rows += [f"{i},{'tcp' if i % 2 else 'udp'},-,FIN,{i * 3},{(i * 7) % 11},Normal,0" for i in range(1, 31)]
    rows += ["31,tcp,-,FIN,5,1,Exploits,1"]
    p = tmp_path / "unsw.csv"
    p.write_text("\n".join(rows) + "\n")
    return p


@pytest.mark.parametrize("cmd", ["train", "inspect"])
@pytest.mark.parametrize("opt", [["--categorical", "attack_cat"], ["--role", "attack_cat=categorical"]])
def test_a_formats_drop_column_is_never_made_a_feature(tmp_path: Path, cmd: str, opt: list[str]) -> None:
    # --categorical attack_cat made the attack category a feature: every attack lit attack_cat=<unseen>
    data = _unsw(tmp_path)
    extra = ["-o", str(tmp_path / "m")] if cmd == "train" else []
    res = runner.invoke(app, [cmd, str(data), "--format", "unsw-nb15", *opt, *extra])
    assert res.exit_code == 2, res.output
    assert "attack_cat" in res.output and "never makes it a feature" in res.output
    assert "Traceback" not in res.output and not (tmp_path / "m").exists()
    ok = runner.invoke(app, ["inspect", str(data), "--format", "unsw-nb15", "--role", "attack_cat=drop"])
    assert ok.exit_code == 0, ok.output


def test_preprocessor_for_refuses_a_formats_drop_column() -> None:
    from hourglass.cli._schema import preprocessor_for
    from hourglass.ingest.formats import get_format

    df = pd.DataFrame({"proto": ["tcp", "udp"] * 4, "service": ["-", "http"] * 4, "state": ["FIN"] * 8,
                       "sbytes": np.arange(8.0), "attack_cat": ["Normal"] * 8})
    with pytest.raises(HourglassError, match="--categorical attack_cat: the unsw-nb15 format never"):
        preprocessor_for(df, "u.csv", spec=get_format("unsw-nb15"), categorical=["attack_cat"], drop=[],
                         roles=None, scaler="minmax")
    pre = preprocessor_for(df, "u.csv", spec=get_format("unsw-nb15"), categorical=[], drop=[],
                           roles=None, scaler="minmax").fit(df)
    assert not any(f.startswith("attack_cat") for f in pre.feature_names_)


def _hosts() -> pd.DataFrame:
    return pd.DataFrame({"host": ["a", "b"] * 20, "ts": pd.date_range("2024-01-01", periods=40, freq="17min"),
                         "bytes": np.arange(40.0), "pkts": np.arange(40.0) % 7,
                         "proto": ["t", "u", "v", "t"] * 10})


@pytest.mark.parametrize("kw", [{"categorical": pd.Index(["proto"]), "numeric": ["bytes"]},
                                {"numeric": pd.Index(["bytes", "pkts"]), "categorical": np.array(["proto"])},
                                {"numeric": np.array(["bytes", "pkts"])}])
def test_entity_windows_take_an_index_or_array_of_names(kw: dict[str, object]) -> None:
    # pd.Index(['proto']) as categorical: 'The truth value of a Index is ambiguous'
    from hourglass.features.entity import EntityWindows

    ent = EntityWindows(entity_col="host", timestamp_col="ts", **kw).fit(_hosts())  # type: ignore[arg-type]
    listed = EntityWindows(entity_col="host", timestamp_col="ts",
                           **{k: list(v) for k, v in kw.items()}).fit(_hosts())  # type: ignore[call-overload]
    assert ent.feature_names_ == listed.feature_names_ and ent.feature_names_


def test_a_refused_entity_refit_leaves_the_earlier_fit() -> None:
    # a refit refused after columns_ and tabular_ were replaced: transform of good data then gave
    # 'column(s) the model needs are missing: other' or NotFittedError
    from hourglass.errors import InputError
    from hourglass.features.entity import EntityWindows

    good = _hosts()
    ent = EntityWindows(entity_col="host", timestamp_col="ts", bucket="1h",
                        numeric=["bytes", "pkts"]).fit(good)
    X0, names = ent.transform(good), list(ent.feature_names_)
    plain = EntityWindows(entity_col="host", timestamp_col="ts", bucket="1h").fit(good)
    P0 = plain.transform(good)
    bad = pd.DataFrame({"host": ["a"], "ts": [pd.Timestamp("2024-01-01")], "bytes": [1.0], "other": [5.0]})
    for model, before in ((ent, X0), (plain, P0)):
        with pytest.raises(InputError):
            model.fit(bad)
        np.testing.assert_allclose(model.transform(good), before)
    assert ent.feature_names_ == names and ent.columns_ == ["host", "ts", "bytes", "pkts"]
    fresh = EntityWindows(entity_col="host", timestamp_col="ts")
    with pytest.raises(InputError):
        fresh.fit(bad)
    assert not hasattr(fresh, "feature_names_") and not hasattr(fresh, "tabular_")  # unfitted still


def test_a_refused_pipeline_refit_leaves_the_earlier_fit() -> None:
    # features_ was replaced before its fit: after a refused refit, predict raised NotFittedError
    from hourglass import Pipeline
    from hourglass.detectors import AutoEncoder
    from hourglass.errors import InputError

    rng = np.random.default_rng(0)
    good = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60), "c": rng.choice(["x", "y"], 60)})
    pipe = Pipeline(detector=AutoEncoder(hidden=(4,), epochs=1, verbose=0)).fit(good)
    s0, info = pipe.score(good), dict(pipe.info)
    with pytest.raises(InputError, match="no usable feature column"):
        pipe.fit(pd.DataFrame({"a": [1.0, 1.0, 1.0]}))
    np.testing.assert_allclose(pipe.score(good), s0)
    assert pipe.info == info and len(pipe.predict(good)) == 60


@pytest.mark.parametrize("kw", [{"drop": ["x"], "roles": {"x": "numeric"}},
                                {"drop": ["proto"], "categorical": ["proto"]},
                                {"drop": ["proto"], "categorical": pd.Index(["proto"])}])
def test_a_column_in_drop_and_given_another_role_is_refused(kw: dict[str, object]) -> None:
    # the drop won without a word: drop=['x'] with roles={'x': 'numeric'} left x out
    from hourglass.errors import InputError
    from hourglass.features import TabularPreprocessor

    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "proto": ["a", "b", "a", "c"]})
    with pytest.raises(InputError, match=r"column '(x|proto)' .*drop; give it one role"):
        TabularPreprocessor(**kw).fit(df)  # type: ignore[arg-type]
    TabularPreprocessor(drop=["x"], roles={"x": "drop"}).fit(df)  # the same role twice: fine


@pytest.mark.parametrize("opt", [["--role", "x=numeric"], ["--categorical", "x"]])
def test_cli_drop_and_another_role_of_a_column_is_refused(tmp_path: Path, opt: list[str]) -> None:
    data = tmp_path / "t.csv"
    data.write_text("x,proto,y\n" + "".join(f"{i}.5,{'ab'[i % 2]},{i % 3}\n" for i in range(12)))
    for cmd in ("inspect", "train"):
        extra = ["-o", str(tmp_path / "m")] if cmd == "train" else []
        res = runner.invoke(app, [cmd, str(data), "--drop", "x", *opt, *extra])
        assert res.exit_code == 2, res.output
        assert f"--drop x and {opt[0]} {opt[1]}: give the column one role" in res.output
        assert "Traceback" not in res.output and not (tmp_path / "m").exists()


def _nsl_kdd(tmp_path: Path) -> Path:
    from hourglass.ingest.datasets import get_dataset

    cols = get_dataset("nsl-kdd").columns
    assert cols is not None
    rng = np.random.default_rng(1)
    lines = []
    for i in range(40):
        row: dict[str, object] = {c: f"{rng.random():.3f}" for c in cols}
        row.update(protocol_type=["tcp", "udp"][i % 2], service=["http", "ftp", "smtp"][i % 3],
                   flag=["SF", "S0"][i % 2], label="normal" if i < 36 else "neptune", difficulty=20)
        lines.append(",".join(str(row[c]) for c in cols))
    p = tmp_path / "kdd.txt"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_cli_drop_of_a_formats_categorical_column_still_works(tmp_path: Path) -> None:
    # --drop service with --format nsl-kdd (whose own categorical list has service): the format's
    # categorical and the user's drop must not clash
    data = _nsl_kdd(tmp_path)
    res = runner.invoke(app, ["inspect", str(data), "--format", "nsl-kdd", "--drop", "service"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(data), "--format", "nsl-kdd", "--drop", "service",
                              "--model", "autoencoder", "--epochs", "1", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    from hourglass.pipeline.artefact import load

    pipe = load(tmp_path / "m")
    assert not any(f.startswith("service") for f in pipe.features_.feature_names_)
    assert any(f.startswith("flag") for f in pipe.features_.feature_names_)


@pytest.mark.parametrize("refit", [False, True])
def test_a_bad_cell_is_named_in_its_own_column_not_a_dropped_one(refit: bool) -> None:
    # a lone surrogate in the dropped 'id' (row 1) and in 'proto' (row 5): the error named 'id'
    import json

    from hourglass.errors import InputError
    from hourglass.features import TabularPreprocessor

    lone = json.loads('"a\\ud800b"')
    df = pd.DataFrame({"id": [f"x{i}" for i in range(60)], "proto": ["tcp", "udp"] * 30,
                       "b": np.arange(60.0)}).astype({"id": object, "proto": object})
    df.loc[0, "id"] = lone
    df.loc[4, "proto"] = lone
    pre = TabularPreprocessor(roles={"id": "drop"})
    if refit:
        pre.fit(df.assign(id="x", proto="tcp"))
    with pytest.raises(InputError, match=r"column 'proto': .*row 5"):
        pre.fit(df)
