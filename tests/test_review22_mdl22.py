"""Regression tests: what explain says of a CLI-trained ensemble that gradients cannot explain."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hourglass import Pipeline
from hourglass.detectors import Ensemble
from hourglass.explain.tabular import explainable
from tests._cli import one_line_error, runner

from hourglass.cli import app  # isort: skip


def _flows(n: int = 160) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                         "label": ["normal"] * (n - 20) + ["attack"] * 20})


def test_explain_of_the_cli_default_ensemble_says_which_ensemble_explains(tmp_path: Path) -> None:
    # 'train --model ensemble' holds latent-iforest: explain refused it (no gradient) without
    # saying that an ensemble of members with gradients is explained, nor how to train one
    data = tmp_path / "flows.csv"
    _flows().to_csv(data, index=False)
    common = ["--label-col", "label", "--normal", "normal", "--model", "ensemble", "--epochs", "1",
              "--device", "cpu", "-q"]
    res = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "ens"), *common])
    assert res.exit_code == 0, res.output
    hint = "--param 'detectors=[\"autoencoder\", \"deep-svdd\"]'"
    one_line_error(["explain", str(tmp_path / "ens"), str(data)], hint)
    one_line_error(["explain", str(tmp_path / "ens"), str(data), "--method", "gradients"],
                   "member 2 (latent-iforest): its score comes from an isolation forest")
    # the ensemble the line names trains and explains
    res = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "ens2"), *common,
                              "--param", 'detectors=["autoencoder", "deep-svdd"]'])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["explain", str(tmp_path / "ens2"), str(data), "--top", "2"])
    assert res.exit_code == 0, res.output
    assert "integrated-gradients" in res.output


def test_the_ensemble_hint_names_the_members_that_have_gradients() -> None:
    # the members kept are the ensemble's own (a Deep SVDD alone here), registry names as
    # Python and the CLI take them; a member saved without a baseline gets no such hint
    X = pd.DataFrame(np.random.default_rng(1).normal(size=(120, 3)), columns=list("abc"))
    ens = Ensemble(detectors=(("deep-svdd", {"hidden": (4,)}),
                              ("latent-iforest", {"hidden": (4, 2), "n_estimators": 5})),
                   epochs=1, verbose=0, device="cpu")
    why = str(explainable(Pipeline(detector=ens).fit(X)))
    assert why.endswith("an ensemble of members with gradients is explained (detectors=('deep-svdd',); "
                        "in the CLI: train --model ensemble --param 'detectors=[\"deep-svdd\"]')")
    assert "\n" not in why
