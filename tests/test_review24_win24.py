"""Windows events whose exports write one value two ways, in one training file: each test one
defect fixed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner

_GUID = "{54849625-5478-4994-A5BA-3E3B0328C30D}"
_MASK = -9214364837600034816  # 0x8020000000000000


def _event(i: int, *, hex_text: bool) -> dict[str, Any]:
    """Event ``i`` as an NXLog-era export writes it (a signed decimal mask, an upper-case GUID)
    or as a newer one does (hex text, lower case, no braces)."""
    rng = np.random.default_rng(i)
    return {"EventID": int(rng.choice([4624, 4688])), "Channel": "Security",
            "Keywords": f"0x{_MASK % (1 << 64):016x}" if hex_text else _MASK,
            "ProviderGuid": _GUID.lower().strip("{}") if hex_text else _GUID,
            "ObjectCount": int(rng.poisson(5))}


def _write(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A model trained on a file of both exports concatenated (OTRF/Mordor), and the same test
    events written each way."""
    d = tmp_path_factory.mktemp("win24")
    train = _write(d / "train.jsonl", [_event(i, hex_text=i % 2 == 0) for i in range(240)])
    model = d / "m"
    res = runner.invoke(app, ["train", str(train), "--format", "windows-json", "-o", str(model),
                              "--epochs", "2", "--param", "hidden=[8,4]", "--seed", "0"])
    assert res.exit_code == 0, res.output
    return {"model": model, "dir": d,
            "old": _write(d / "nxlog.jsonl", [_event(i, hex_text=False) for i in range(300, 330)]),
            "new": _write(d / "newer.jsonl", [_event(i, hex_text=True) for i in range(300, 330)])}


def _scores(model: Path, data: Path, out: Path) -> np.ndarray:
    res = runner.invoke(app, ["score", str(model), str(data), "--format", "windows-json", "-o", str(out)])
    assert res.exit_code == 0, res.output
    return pd.read_csv(out)["score"].to_numpy()


def test_a_training_file_with_both_spellings_learns_one_category_per_value(mixed: dict[str, Path]) -> None:
    # a Keywords mask in hex and in decimal, a GUID in both letter cases, were learnt as two
    # categories each: two one-hot features for one value, each trained on half its rows
    from hourglass.pipeline import load

    pipe = load(mixed["model"])
    cats = pipe.features_.categories_
    assert cats["Keywords"] == ["0x8020000000000000"]
    assert cats["ProviderGuid"] == ["{54849625-5478-4994-a5ba-3e3b0328c30d}"]
    assert pipe.info["windows_forms"] == "one"


def test_both_spellings_of_an_event_score_alike(mixed: dict[str, Path]) -> None:
    # the same events scored differently as one export or the other wrote them (each spelling
    # was a category of its own, learnt from half the training rows)
    d = mixed["dir"]
    old = _scores(mixed["model"], mixed["old"], d / "a.csv")
    new = _scores(mixed["model"], mixed["new"], d / "b.csv")
    np.testing.assert_allclose(new, old, rtol=1e-6)


def test_the_service_scores_both_spellings_alike(mixed: dict[str, Path]) -> None:
    # (as 'score' does: the service reads a row's values in the spelling the model learnt)
    from hourglass.serve.scoring import load_scorer

    scorer = load_scorer(mixed["model"])
    rows = [_event(i, hex_text=h) for i in range(300, 310) for h in (False, True)]
    scores = np.asarray(scorer.score(rows)["scores"])
    np.testing.assert_allclose(scores[1::2], scores[0::2], rtol=1e-6)


def test_a_hashed_guid_column_is_hashed_in_one_spelling(tmp_path: Path) -> None:
    # respelt for training, a GUID column the model hashes (no categories to map a scored value
    # to) was hashed as the scored file wrote it: another bucket for the other letter case
    train = _write(tmp_path / "train.jsonl", [_event(i, hex_text=i % 2 == 0) for i in range(240)])
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "--format", "windows-json", "-o", str(model),
                              "--epochs", "2", "--param", "hidden=[8,4]", "--role", "ProviderGuid=hash"])
    assert res.exit_code == 0, res.output
    old = _write(tmp_path / "old.jsonl", [_event(i, hex_text=False) for i in range(300, 320)])
    new = _write(tmp_path / "new.jsonl", [_event(i, hex_text=True) for i in range(300, 320)])
    np.testing.assert_allclose(_scores(model, new, tmp_path / "b.csv"),
                               _scores(model, old, tmp_path / "a.csv"), rtol=1e-6)


def test_a_model_saved_with_both_spellings_scores_as_before(tmp_path: Path) -> None:
    # a model trained before the respelling learnt each spelling as its own category: its rows
    # of either spelling must keep reading as the category they read as then
    from hourglass import AutoEncoder, Pipeline
    from hourglass.features.tabular import TabularPreprocessor
    from hourglass.ingest.evtx import EVTX_ROLES
    from hourglass.pipeline import load

    frame = pd.DataFrame([_event(i, hex_text=i % 2 == 0) for i in range(240)])
    pipe = Pipeline(AutoEncoder(hidden=(8, 4), epochs=2, verbose=0, random_state=0),
                    TabularPreprocessor(roles=EVTX_ROLES)).fit(frame)
    assert len(pipe.features_.categories_["Keywords"]) == 2  # both spellings, as saved before
    pipe.info["dataset"] = "windows-json"
    pipe.save(tmp_path / "old")
    loaded = load(tmp_path / "old")
    assert "windows_forms" not in loaded.info
    names = list(loaded.features_.feature_names_)
    decimal, hexa = names.index(f"Keywords={_MASK}"), names.index("Keywords=0x8020000000000000")
    rows = pd.DataFrame([_event(300, hex_text=False), _event(300, hex_text=True)])
    X = loaded.transform(rows)
    assert X[0, decimal] > X[0, hexa] and X[1, hexa] > X[1, decimal]
    np.testing.assert_allclose(loaded.score(rows), pipe.score(rows), rtol=1e-6)


def test_a_keywords_column_read_as_a_number_is_not_respelt(tmp_path: Path) -> None:
    # respelt as hex text for training, a Keywords mask the user reads as a number (--role
    # Keywords=numeric) stopped the training: "expected numbers, found '0x8020000000000000'"
    train = _write(tmp_path / "train.jsonl", [{**_event(i, hex_text=False), "ProviderGuid": _GUID.lower()}
                                              for i in range(240)])
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "--format", "windows-json", "-o", str(model),
                              "--epochs", "2", "--param", "hidden=[8,4]", "--role", "Keywords=numeric"])
    assert res.exit_code == 0, res.output
    scored = _write(tmp_path / "s.jsonl", [_event(i, hex_text=False) for i in range(300, 310)])
    assert np.isfinite(_scores(model, scored, tmp_path / "a.csv")).all()


def test_inspect_previews_one_category_per_value(mixed: dict[str, Path]) -> None:
    # inspect, the preview of what train makes, counted both spellings of a value as two
    # categories (three features) where train now learns one
    res = runner.invoke(app, ["inspect", str(mixed["dir"] / "train.jsonl"), "--format", "windows-json",
                              "--json", "-"])
    assert res.exit_code == 0, res.output
    columns = {c["column"]: c for c in json.loads(res.stdout)["columns"]}
    assert columns["Keywords"]["unique"] == 1 and columns["ProviderGuid"]["unique"] == 1
