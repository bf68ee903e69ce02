"""What the README and the commands' help say matches what the commands do."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hourglass.cli import app
from tests._cli import runner, small_labelled_model

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return small_labelled_model(tmp_path_factory.mktemp("labelled"))


def test_the_keys_the_readme_says_evaluate_json_holds_are_there(labelled: dict[str, Path],
                                                               tmp_path: Path) -> None:
    sentence = re.search(r"`--json` holds the numbers.*?\.\n", TEXT, re.S)
    assert sentence is not None
    named = set(re.findall(r"`([a-z_0-9]+)`", sentence.group(0)))
    assert {"roc_auc", "per_class", "alerts_per_10k", "threshold_fit"} <= named
    out = tmp_path / "m.json"
    res = runner.invoke(app, ["evaluate", str(labelled["model"]), str(labelled["data"]), "--label-col",
                              "label", "--normal", "normal", "--json", str(out)])
    assert res.exit_code == 0, res.output
    keys = set(json.loads(out.read_text()))
    assert named - {"per_category"} <= keys, named - keys  # categories: nsl-kdd's only


def test_severity_is_rarity_and_the_readme_no_longer_says_it_agrees_with_the_flag() -> None:
    import collections

    import numpy as np
    import pandas as pd

    from hourglass import Pipeline, thresholds
    from hourglass.detectors import AutoEncoder

    assert "flag and severity agree as for the other models" not in TEXT
    assert "they need not agree" in TEXT
    rng = np.random.default_rng(0)
    train = pd.DataFrame(rng.normal(size=(600, 4)), columns=list("abcd"))
    new = pd.DataFrame(rng.normal(size=(3000, 4)) * 1.3, columns=list("abcd"))
    seen = collections.Counter()
    for rule in (thresholds.Percentile(99), thresholds.FalseAlarmBound(0.05)):
        det = AutoEncoder(hidden=(4, 2), epochs=2, random_state=0)
        pipe = Pipeline(detector=det, threshold=rule).fit(train)
        severity = pipe.detector_.calibrator_.severity(pipe.score(new)).tolist()
        seen.update(zip(pipe.predict(new).tolist(), severity, strict=True))
    assert seen[(1, "low")] > 0  # flagged just above a 99th percentile of 60 scores: rarer than 1 in 60
    assert seen[(0, "medium")] > 0  # below a higher cut, yet rarer than 1 in 100


def test_a_flag_parameter_takes_true_false_and_numpy_bools_and_refuses_other_numbers(
        tmp_path: Path, labelled: dict[str, Path]) -> None:
    import numpy as np
    import pandas as pd

    import hourglass
    from hourglass import Pipeline
    from hourglass.detectors import AutoEncoder
    from tests._cli import one_line_error

    # the README: "a value of the wrong kind is an error naming the parameter"
    one_line_error(["train", str(labelled["data"]), "--label-col", "label", "--normal", "normal",
                    "--param", "standardize=3", "-o", str(tmp_path / "m3")],
                   "standardize must be true or false, got 3", out=tmp_path / "m3")
    X = np.random.default_rng(0).normal(size=(64, 3))
    with pytest.raises(ValueError, match="batch_norm must be true or false"):
        AutoEncoder(epochs=1, batch_norm=np.int64(2)).fit(X)
    # a grid's np.array([True, False]) hands numpy bools: fitted and saved as the bools they are
    pipe = Pipeline(detector=AutoEncoder(epochs=1, hidden=(4, 2), standardize=np.False_)).fit(
        pd.DataFrame(X, columns=list("abc")))
    pipe.save(tmp_path / "np")
    assert hourglass.load(tmp_path / "np").detector_.get_params()["standardize"] is False
