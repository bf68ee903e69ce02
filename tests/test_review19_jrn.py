"""One model, one set of rows: the same scores, flags and severities whichever way they are scored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner


def _skab_file(path: Path, n: int = 460, seed: int = 0) -> pd.DataFrame:
    """A small SKAB-like file: ';'-separated, 1 Hz, two sensors, anomaly and changepoint."""
    rng = np.random.default_rng(seed)
    t = pd.date_range("2020-03-09 10:00:00", periods=n, freq="1s")
    df = pd.DataFrame({"datetime": t.strftime("%Y-%m-%d %H:%M:%S"),
                       "A": np.sin(np.arange(n) / 6) + rng.normal(0, 0.05, n),
                       "B": rng.normal(0, 1, n)})
    df["anomaly"] = 0.0
    df.loc[430:445, "anomaly"] = 1.0
    df["changepoint"] = 0.0
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, sep=";", index=False)
    return df


@pytest.fixture(scope="module")
def skab_model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("skab")
    data = folder / "0.csv"
    _skab_file(data)
    model = folder / "m"
    res = runner.invoke(app, ["train", str(data), "--dataset", "skab", "--model", "lstm-ae",
                              "--epochs", "1", "--window", "8", "--hidden", "4", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    return {"data": data, "model": model, "folder": folder}


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
