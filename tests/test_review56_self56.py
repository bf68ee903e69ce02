"""Review round 56 (self56): this round's own changes, reviewed as a pull request."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError


def test_a_model_saved_before_channels_were_respelt_keeps_the_channel_it_learnt() -> None:
    # What was wrong: 86a5417c made 'hourglass train' read a classic log's Channel in one
    # spelling ('security' -> 'Security'), and a model trained so (info windows_forms "one")
    # reads every scored value in that spelling; but a model saved before it, from a file
    # whose Channel was 'security', learnt 'security': each of its rows was then read as
    # 'Security', a value it never saw, which raised every score (mean 0.31 -> 1.12). A value
    # the model learnt as written is now left so; a new model still reads 'SECURITY' as it.
    from hourglass import Pipeline
    from hourglass.detectors import AutoEncoder

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"n": rng.normal(size=120), "Channel": ["security"] * 120})
    old = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(df)
    old.info.update(dataset="windows-json", windows_forms="one")
    rows = df.iloc[:20]
    assert old.with_windows_forms(rows)["Channel"].tolist() == ["security"] * 20
    as_learnt = old.score(rows)
    old.info["dataset"] = None  # (no respelling at all: the scores as the model was saved)
    np.testing.assert_allclose(as_learnt, old.score(rows))

    new = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(
        df.assign(Channel="Security"))
    new.info.update(dataset="windows-json", windows_forms="one")
    assert new.with_windows_forms(rows.assign(Channel="SECURITY"))["Channel"].tolist() == ["Security"] * 20


@pytest.mark.parametrize("table", [True, False])
def test_a_signaling_nan_in_an_object_column_is_refused_in_one_line(table: bool) -> None:
    # What was wrong: 5d5b59e5 reads a DataFrame's object column of numbers (a database's
    # Decimal) as numbers; a Decimal('sNaN') there (infer_dtype: "decimal") raised a bare
    # decimal.InvalidOperation traceback from pandas' missing-value test, where the same value
    # in an object array was an InputError; it is now an InputError naming the value and row.
    from decimal import Decimal

    from hourglass.features.validation import check_array

    X = pd.DataFrame({"a": [Decimal(1), Decimal("sNaN")], "b": [1.0, 2.0]}, dtype=object)
    with pytest.raises(InputError, match=r"^X: (value Decimal\('sNaN'\) at row 2 in column 'a'; "
                                         r"expected real numbers|expected an array of numbers)"):
        check_array(X if table else X.to_numpy())


def test_an_object_column_of_mixed_numbers_is_read_as_an_object_array_is() -> None:
    # What was wrong: 5d5b59e5 read a DataFrame's object column of numbers only when
    # pandas.infer_dtype gave it one kind: a column mixing a float and a boolean (the transpose
    # of a frame of a float and a bool column: infer_dtype "mixed") or a Decimal and a float
    # was still refused as "column 0 is not numeric (dtype object)", while the same values in
    # an object array were read as numbers; they are now read alike, and text still refused.
    from decimal import Decimal

    from hourglass.features.validation import check_array

    mixed = pd.DataFrame({"x": [1.5, 2.5], "flag": [True, False]}).T  # columns [1.5, True], ...
    np.testing.assert_array_equal(check_array(mixed), check_array(mixed.to_numpy()))
    money = pd.DataFrame({"a": [Decimal("1.5"), 2.0, 3], "b": [1.0, 2.0, 3.0]}, dtype=object)
    np.testing.assert_array_equal(check_array(money), [[1.5, 1.0], [2.0, 2.0], [3.0, 3.0]])
    with pytest.raises(InputError, match=r"^X: column 'a' is not numeric \(dtype object\)"):
        check_array(money.assign(a=[Decimal("1.5"), 2.0, "3"]))


def test_a_model_that_recorded_no_optional_fields_is_not_said_to_have_had_a_column_in_every_row(
        tmp_path) -> None:
    # What was wrong: 06d1c795 warns of a column "in every training row, in no row of" the
    # scored file, taking every model column not in info['optional_fields'] as one every
    # training row had; a model saved before optional_fields was recorded (0178ede4) has none,
    # so a windows-json model whose training rows had Image in a third of them, scoring a file
    # of Security events, was told "column(s) Image: in every training row ... raises every
    # score": untrue. A model that recorded no optional fields is not so warned.
    import json

    from typer.testing import CliRunner

    from hourglass.cli import app
    from tests._artefacts import rehashed

    def events(n: int, image: bool) -> str:
        rows = [{"EventID": [4624, 4688, 1][i % 3], "Channel": ["Security", "Security", "Sysmon"][i % 3],
                 "Hostname": "WS1", **({"Image": "cmd.exe"} if image and i % 3 == 2 else {})}
                for i in range(n)]
        return "\n".join(json.dumps(r) for r in rows) + "\n"

    runner = CliRunner()
    (tmp_path / "train.jsonl").write_text(events(120, True))
    res = runner.invoke(app, ["train", str(tmp_path / "train.jsonl"), "-o", str(tmp_path / "m"),
                              "--epochs", "1", "--format", "windows-json", "-q"])
    assert res.exit_code == 0, res.output
    rehashed(tmp_path / "m", tmp_path / "old", lambda config: config["info"].pop("optional_fields"))
    (tmp_path / "security.jsonl").write_text(events(9, False))
    for model in ("m", "old"):
        res = runner.invoke(app, ["score", str(tmp_path / model), str(tmp_path / "security.jsonl"),
                                  "-o", str(tmp_path / f"{model}.csv"), "-q"])
        assert res.exit_code == 0, res.output
        assert "in every training row" not in res.output, res.output


def test_the_readme_says_what_this_rounds_windows_changes_do() -> None:
    # What was wrong: 00519b63 and 20663c41 send a Windows event's forwarder ('host') to
    # observer.hostname where the event names its computer, and split a DOMAIN\name account
    # into user.name and user.domain, and 86a5417c reads a classic log's Channel in one
    # spelling; the README still said "`host`/`hostname` -> `host.name`" for every table row
    # and named only Keywords and GUIDs among the values read in one spelling. It now says
    # both, as the code does.
    from pathlib import Path

    from hourglass.serve.ecs import AlertRule, to_ecs

    readme = " ".join(Path(__file__).resolve().parents[1].joinpath("README.md").read_text().split())
    assert (
        "(`host`: a Windows Event Collector; a Winlogbeat document's `host.name`) is"
        " `observer.hostname`"
    ) in readme
    assert "`user.domain` `DOMAIN`" in readme
    assert "a classic log's `Channel` in any letter case" in readme
    doc = to_ecs({"row": 0, "score": 3.0}, AlertRule("autoencoder", "ab", data_format="evtx"),
                 fields={"Computer": "ws1", "host": "wec", "User": "CORP\\bob"})
    assert (doc["host"], doc["observer"], doc["user"]) == (
        {"name": "ws1"}, {"hostname": "wec"}, {"name": "bob", "domain": "CORP"})
