"""Small items of review 51 (left51): benchmark result names, blank environment variables,
SKAB files without a header, the README's stated figures."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def test_a_result_name_ending_in_md_writes_that_file(bench_common: Any, tmp_path: Path) -> None:
    # What was wrong: `tabular.py --out /tmp/x.md` wrote /tmp/x.md.md (the name gained a second
    # .md); the trailing .md is now dropped, so the file is the one named.
    name = bench_common.result_name(str(tmp_path / "x.md"))
    assert name == str(tmp_path / "x")
    assert bench_common.result_file(name) == tmp_path / "x.md"
    assert bench_common.result_name("smoke") == "smoke"


def test_a_result_name_that_is_a_folder_is_refused(bench_common: Any, tmp_path: Path) -> None:
    # What was wrong: `--out /tmp` wrote /tmp.md and `--out DIR/` a hidden DIR/.md; both are
    # refused now in one line naming what to give.
    for text in (str(tmp_path), str(tmp_path) + "/"):
        with pytest.raises(argparse.ArgumentTypeError) as err:
            bench_common.result_name(text)
        assert str(err.value) == (f"{text!r} is a folder, not a result name: give a name in it, "
                                  f"e.g. {tmp_path}/NAME")
    assert list(tmp_path.iterdir()) == []


def test_a_benchmark_script_refuses_a_folder_out_with_exit_code_2(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, str(BENCH / "threshold_bound.py"), "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert f"argument --out: '{tmp_path}' is a folder, not a result name" in res.stderr


@pytest.mark.parametrize("blank", ["", "  ", "\t"])
def test_a_blank_hourglass_data_means_unset(blank: str) -> None:
    # What was wrong: HOURGLASS_DATA='  ' was taken as a folder named "  " ("HOURGLASS_DATA=  : no
    # KDDTrain+ ... there"), where an empty one means unset; a blank one means unset now too.
    from typer.testing import CliRunner

    from hourglass.cli.app import app

    res = CliRunner().invoke(app, ["benchmark", "--suite", "nsl-kdd"], env={"HOURGLASS_DATA": blank})
    assert res.exit_code == 2, res.output
    assert res.stderr.strip() == ("error: --suite nsl-kdd: give the folder holding KDDTrain+.txt.gz and "
                                  "KDDTest+.txt.gz with --data DIR or the HOURGLASS_DATA variable")


@pytest.mark.parametrize("blank", ["", "  ", "\t"])
def test_a_blank_hourglass_threads_means_the_default(blank: str) -> None:
    # What was wrong: HOURGLASS_THREADS='  ' was refused ("'  ' is not a whole number", exit code 2)
    # while an empty one meant the default; a blank one means the default now too.
    from typer.testing import CliRunner

    from hourglass.cli.app import app

    res = CliRunner().invoke(app, ["formats"], env={"HOURGLASS_THREADS": blank})
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["formats"], env={"HOURGLASS_THREADS": " x "})
    assert res.exit_code == 2  # (a value that is not blank is still read, and refused)


def test_the_readme_says_how_a_bucket_label_tie_goes() -> None:
    # What was wrong: the README said only "most frequent attack label" for an entity bucket's
    # class in `evaluate`; a tie goes to the label of the bucket's first row of them, as
    # _top_labels does (and its docstring says).
    import pandas as pd

    from hourglass.cli.entity import _top_labels

    bad = pd.DataFrame({"entity": ["a", "a", "a", "a"], "bucket_start": 0,
                        "label": ["scan", "dos", "dos", "scan"]})
    assert _top_labels(bad).to_dict() == {("a", 0): "scan"}
    assert _top_labels(bad.iloc[::-1]).to_dict() == {("a", 0): "scan"}
    assert _top_labels(bad.iloc[[1, 0, 2, 3]]).to_dict() == {("a", 0): "dos"}
    text = " ".join((ROOT / "README.md").read_text().split())
    assert ("of the class of its most frequent attack label (a tie goes to the label whose first row "
            "comes first in the file; it prints") in text


def _skab_rows(n: int) -> list[str]:
    return [f"2020-02-08 13:30:{i:02d};0.2;0.3;2.1;0.38;90.6;26.8;238.8;122.6;0.0;0.0" for i in range(n)]


SKAB_HEADER = ("datetime;Accelerometer1RMS;Accelerometer2RMS;Current;Pressure;Temperature;"
               "Thermocouple;Voltage;Volume Flow RateRMS;anomaly;changepoint")


def test_a_skab_file_without_its_header_is_its_error_alone(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a SKAB-layout file without its header line logged "read as
    # semicolon-separated" and "the header names '0.0' more than once ..." (of a fallback read
    # that is not used) before its clear error line; the error line comes alone now.
    import logging

    from hourglass.errors import InputError
    from hourglass.ingest.timeseries import read_skab

    path = tmp_path / "1.csv"
    path.write_text("\n".join(_skab_rows(30)) + "\n")
    with caplog.at_level(logging.INFO), pytest.raises(InputError) as err:
        read_skab(path)
    assert str(err.value).startswith(f"{path}: expected ';'-separated SKAB columns starting with "
                                     "'datetime', found 2020-02-08 13:30:00, 0.2, 0.3, 2.1")
    assert caplog.messages == []


def test_a_comma_separated_skab_copy_still_says_what_its_reading_found(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # the fallback read that is used still says what it found (here a header name twice)
    import logging

    from hourglass.ingest.timeseries import read_skab

    path = tmp_path / "2.csv"
    header = SKAB_HEADER.replace("Voltage", "Current")
    path.write_text("\n".join([header, *_skab_rows(30)]).replace(";", ",") + "\n")
    with caplog.at_level(logging.INFO):
        df = read_skab(path)
    assert df.shape == (30, 11) and "label" in df.columns
    assert any("the header names 'Current' more than once" in m for m in caplog.messages), caplog.messages


def test_the_readme_states_a_rank_ensembles_batch_difference() -> None:
    # What was wrong: the README put every model's one-row-vs-batch difference within 1.5e-6 of
    # max(|score|, threshold) (3e-6 for GANomaly); a rank-calibrated Ensemble differs by up to
    # 5.7e-6 (combine="mean") and 1.5e-5 ("max") on NSL-KDD slices and generated rows, and the
    # README now says so.
    text = " ".join((ROOT / "README.md").read_text().split())
    assert ("3e-6 for GANomaly's `z − ẑ`; an `Ensemble` with `calibration=\"rank\"` differs more, as "
            "past the held-out maximum it counts a member's score in held-out standard deviations"
            ) in text
    assert "up to 6e-6 with `combine=\"mean\"` and 1.5e-5 with `\"max\"`" in text


def test_a_rank_ensemble_one_row_and_a_batch_stay_within_the_stated_figure() -> None:
    # guard of the README's figure on small generated rows
    import numpy as np

    from hourglass.detectors import Ensemble

    rng = np.random.default_rng(1)
    X = (rng.normal(size=(600, 6)) * rng.uniform(0.1, 100, 6)).astype("float32")
    T = (np.vstack([rng.normal(size=(60, 6)), rng.normal(size=(60, 6)) * 5]) * 30).astype("float32")
    ens = Ensemble(detectors=(("autoencoder", {"hidden": (8, 4)}), ("deep-svdd", {"hidden": (8, 4)})),
                   calibration="rank", combine="max", epochs=3, verbose=0).fit(X)
    batch = ens.score(T)
    one = np.array([ens.score(T[i:i + 1])[0] for i in range(len(T))])
    rel = np.abs(one - batch) / np.maximum(np.abs(batch), ens.threshold_.value_)
    assert rel.max() <= 1.5e-5
