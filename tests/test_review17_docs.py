"""What the README and the commands' help say matches what the commands do."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests._cli import runner, small_labelled_model

from hourglass.cli import app

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
