"""Review 26 (art26): a saved table or entity model's settings of the wrong kind refused at
load; a model folder given where data goes named as a model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.errors import InputError

runner = CliRunner()


def _table_state() -> dict[str, Any]:
    from hourglass.features.tabular import TabularPreprocessor

    df = pd.DataFrame({"a": [1.0, 2.0, 4.0, 8.0], "p": ["t", "u", "t", "t"]})
    return TabularPreprocessor(scaler="robust", impute="error").fit(df).to_dict()


def _entity_state() -> dict[str, Any]:
    from hourglass.features.entity import EntityWindows

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"host": rng.choice(["a", "b"], 40), "ts": np.arange(40) * 60,
                       "n": rng.normal(size=40)})
    return EntityWindows("host", "ts").fit(df).to_dict()


@pytest.mark.parametrize(("edit", "says"), [
    (lambda p: [], "features.params must be an object, got list"),
    (lambda p: {**p, "scaler": 5}, "features.params.scaler must be text, got 5"),
    (lambda p: {k: v for k, v in p.items() if k != "scaler"}, "features.params.scaler is missing"),
    (lambda p: {**p, "impute": 5}, "features.params.impute must be text, got 5"),
    (lambda p: {**p, "roles": ["a"]}, "features.params.roles must be an object or null"),
])
def test_a_table_models_settings_of_the_wrong_kind_are_refused_at_load(edit: Any, says: str) -> None:
    # a hand-edited config.json's params [] loaded as the defaults (a model fitted with
    # impute='error' then imputed missing values, scaler 'robust' read as 'minmax'), an impute or
    # scaler of 5 loaded, roles a list was a bare ValueError of dict()
    from hourglass.features.tabular import TabularPreprocessor

    state = _table_state()
    with pytest.raises(InputError, match="preprocessing state is malformed") as info:
        TabularPreprocessor.from_dict({**state, "params": edit(state["params"])})
    assert says in str(info.value)
    loaded = TabularPreprocessor.from_dict(state)  # as saved: loads
    assert (loaded.scaler, loaded.impute) == ("robust", "error")


def test_a_table_model_saved_before_impute_and_roles_existed_still_loads() -> None:
    # the first table models saved only categorical, log1p, scaler and drop: they keep loading
    from hourglass.features.tabular import TabularPreprocessor

    state = _table_state()
    old = {k: state["params"][k] for k in ("categorical", "log1p", "scaler", "drop")}
    assert TabularPreprocessor.from_dict({**state, "params": old}).scaler == "robust"


@pytest.mark.parametrize(("edit", "says"), [
    (lambda p: [], "features.params must be an object, got list"),
    (lambda p: {**p, "entity_col": []}, "features.params.entity_col must be text, got []"),
    (lambda p: {**p, "scaler": 5}, "features.params.scaler must be text, got 5"),
    (lambda p: {**p, "bucket": 300}, "features.params.bucket must be text, got 300"),
    (lambda p: {**p, "top_share": 5}, "features.params.top_share must be true or false, got 5"),
    (lambda p: {**p, "roles": ["n"]}, "features.params.roles must be an object or null"),
    (lambda p: {**p, "entity_case": 1}, "features.params.entity_case must be text, got 1"),
])
def test_an_entity_models_settings_of_the_wrong_kind_are_refused_at_load(edit: Any, says: str) -> None:
    # params [] was blamed on the user ('entity_col: give the column holding the entity'), a
    # scaler of 5 or top_share 5 loaded, roles a list was a bare AttributeError of .items()
    from hourglass.features.entity import EntityWindows

    state = _entity_state()
    with pytest.raises(InputError, match="entity feature state is malformed") as info:
        EntityWindows.from_dict({**state, "params": edit(state["params"])})
    assert says in str(info.value)
    assert EntityWindows.from_dict(state).entity_col == "host"  # as saved: loads
    old = {k: v for k, v in state["params"].items() if k not in ("roles", "entity_case", "dayfirst")}
    assert EntityWindows.from_dict({**state, "params": old}).entity_col == "host"  # saved before


def test_score_names_a_table_models_bad_setting_and_exits_2(tmp_path: Path) -> None:
    # the CLI: a table model whose params were edited to [] (hash recomputed) scored with defaults
    from tests._artefacts import rehashed, small_saved_model, small_table

    table = small_table()
    model = small_saved_model(table, tmp_path)
    data = tmp_path / "new.csv"
    table.to_csv(data, index=False)
    bad = rehashed(model, tmp_path / "bad", lambda c: c["features"].__setitem__("params", []))
    res = runner.invoke(app, ["score", str(bad), str(data), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"{bad}: preprocessing state is malformed (features.params must be an object" in res.stderr
    assert not (tmp_path / "o.csv").exists()


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests._artefacts import small_saved_model, small_table

    return small_saved_model(small_table(), tmp_path_factory.mktemp("art26"))


def _one_line(args: list[str], monkeypatch: pytest.MonkeyPatch,
              capsys: pytest.CaptureFixture[str]) -> str:
    """``hourglass ARGS`` run as the console script: exit code 2 and one stderr line, returned."""
    from hourglass.cli.app import main

    monkeypatch.setattr("sys.argv", ["hourglass", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert exit_.value.code == 2 and len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("name", ["weights.safetensors", "config.json"])
@pytest.mark.parametrize("command", [
    ["inspect", "DATA"], ["score", "MODEL", "DATA", "-o", "OUT"], ["train", "DATA", "-o", "OUT"],
    ["evaluate", "MODEL", "DATA", "--label-col", "a"], ["explain", "MODEL", "DATA"],
])
def test_a_models_file_given_as_data_is_named_as_the_model(
        saved_model: Path, tmp_path: Path, name: str, command: list[str],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # a model's weights.safetensors given where DATA goes was refused as 'binary data (NUL
    # bytes) ... (a UTF-16 text file?)', its config.json as 'pretty-printed JSON ... (jq -c .)'
    out = tmp_path / "out"
    given = {"MODEL": str(saved_model), "DATA": str(saved_model / name), "OUT": str(out)}
    line = _one_line([given.get(a, a) for a in command], monkeypatch, capsys)
    assert (f"{saved_model / name}: a file of the saved hourglass model folder {saved_model}, not "
            "data: give the folder as MODEL") in line
    assert not out.exists()


def test_a_model_folder_given_as_data_says_give_it_as_model(
        saved_model: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # the folder itself was named as a model, without what to do with it
    line = _one_line(["inspect", str(saved_model)], monkeypatch, capsys)
    assert f"{saved_model}: a saved hourglass model folder, not data: give it as MODEL" in line


@pytest.mark.parametrize("name", ["", "weights.safetensors", "config.json"])
def test_stream_input_of_a_model_is_named_as_the_model(saved_model: Path, name: str) -> None:
    # stream --input MODEL/weights.safetensors: 'not valid JSON ... the input is binary data';
    # the folder: 'is a directory, expected a file of JSON lines'
    given = saved_model / name if name else saved_model
    res = runner.invoke(app, ["stream", str(saved_model), "--input", str(given)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    said = "a saved hourglass model folder, not data: give it as MODEL" if not name else \
        f"a file of the saved hourglass model folder {saved_model}, not data: give the folder as MODEL"
    assert f"--input {given}: {said}" in res.stderr


def test_a_data_file_named_config_json_beside_no_model_is_still_read(tmp_path: Path) -> None:
    # only a hourglass model's own files are refused: a data file of that name is data
    from hourglass.cli._spool import model_as_data

    (tmp_path / "config.json").write_text('{"a": 1}\n{"a": 2}\n')
    assert model_as_data(tmp_path / "config.json") is None
    assert model_as_data(tmp_path) is None
