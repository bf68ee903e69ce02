"""Review 29 (typ29): the public annotations, as a user's type checker reads them (hourglass ships
py.typed), against what the code accepts and returns at run time."""

from __future__ import annotations

import collections.abc
import os
import typing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hourglass
from hourglass.detectors import AutoEncoder, DeepSVDD, Ensemble, TCNAutoEncoder
from hourglass.detectors.base import BaseDetector
from hourglass.detectors.windowed import WindowDetector
from hourglass.pipeline import Pipeline, artefact
from hourglass.thresholds import SPOT, Calibrator, Percentile, Threshold


def _returns(f: typing.Any) -> object:
    # artefact's Pipeline is imported for the checker only (the modules import each other)
    return typing.get_type_hints(f, localns={"Pipeline": Pipeline})["return"]


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"a": np.arange(60.0), "b": np.arange(60.0) % 7})


def test_load_is_annotated_pipeline_and_returns_one(tmp_path: Path) -> None:
    # hourglass.load (and load_read) were annotated "-> Any" and save took "pipe: Any": a user's
    # mypy read hourglass.load("model/").predict(df) as Any, unchecked
    assert _returns(artefact.load) is Pipeline
    assert _returns(artefact.load_read) is Pipeline
    assert typing.get_type_hints(artefact.save, localns={"Pipeline": Pipeline})["pipe"] is Pipeline
    df = _frame()
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    pipe.save(tmp_path / "m")  # str | os.PathLike[str]: a Path and a str
    for path in (tmp_path / "m", os.fspath(tmp_path / "m")):
        loaded = hourglass.load(path)
        assert isinstance(loaded, Pipeline)
        assert np.array_equal(loaded.score(df), pipe.score(df))


@pytest.mark.parametrize("method", [BaseDetector.fit, BaseDetector.set_params, BaseDetector.clone,
                                    BaseDetector.warm_start, BaseDetector.set_state,
                                    WindowDetector.fit, WindowDetector.warm_start, Threshold.fit,
                                    Calibrator.fit])
def test_chained_methods_return_self_type(method: typing.Any) -> None:
    # these returned the base class: AutoEncoder().fit(X) read as BaseDetector and
    # SPOT(...).fit(scores).update(...) as an error ("Threshold" has no attribute "update")
    assert _returns(method) is typing.Self


def test_chained_methods_return_the_instance_itself() -> None:
    # what -> Self promises at run time: fit and set_params return the object they were called on
    X = np.random.default_rng(0).normal(size=(120, 3)).astype("float32")
    ae = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)
    assert ae.set_params(epochs=1) is ae and ae.fit(X) is ae
    assert type(ae.clone()) is AutoEncoder and type(ae.warm_start(X, epochs=1)) is AutoEncoder
    spot = SPOT(1e-2)
    assert spot.fit(np.random.default_rng(1).exponential(size=500)) is spot
    rule = Percentile(99)
    assert rule.fit(np.arange(100.0)) is rule
    cal = Calibrator()
    assert cal.fit(np.arange(100.0)) is cal


@pytest.mark.parametrize(("cls", "name"), [(AutoEncoder, "hidden"), (DeepSVDD, "hidden"),
                                           (TCNAutoEncoder, "channels"), (Ensemble, "detectors")])
def test_layer_lists_are_annotated_as_sequences(cls: type, name: str) -> None:
    # hidden/channels/detectors were annotated tuple[...]: a user's mypy refused
    # AutoEncoder(hidden=[64, 32]) (the README's --param hidden=[64,32]), which fits as the tuple does
    hint = typing.get_type_hints(cls.__init__)[name]
    assert typing.get_origin(hint) is collections.abc.Sequence


def test_hidden_as_list_scores_as_the_tuple() -> None:
    # the run-time side of the Sequence annotation: a list fits the same model as its tuple
    X = np.random.default_rng(0).normal(size=(150, 4)).astype("float32")
    a = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(X).score(X)
    b = AutoEncoder(hidden=[4, 2], epochs=1, verbose=0).fit(X).score(X)
    assert np.array_equal(a, b)


def test_pipeline_returns_match_their_annotations() -> None:
    # a cheap annotation-consistency check of the README's main calls: each result is an
    # instance of what its annotation says (the README promises ndarray scores and 0/1 flags)
    df = _frame()
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    for name in ("transform", "score", "calibrated_score", "predict", "predict_proba"):
        hint = _returns(getattr(Pipeline, name))
        assert hint is np.ndarray
        assert isinstance(getattr(pipe, name)(df), np.ndarray)
    assert isinstance(pipe.model_card(), dict)
    assert isinstance(pipe.with_threshold("percentile:95"), Pipeline)
    assert isinstance(pipe.with_threshold(Percentile(95)), Pipeline)
    assert isinstance(pipe.threshold_, Threshold)


def _static_view(module: str) -> tuple[set[str], bool]:
    # what a type checker reads of a package: names bound outside ``if not TYPE_CHECKING``
    # (TYPE_CHECKING imports included), and whether it sees a module-level __getattr__
    import ast
    import importlib.util

    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    names: set[str] = set()
    sees_getattr = False

    def runtime_only(node: ast.AST) -> bool:
        return (isinstance(node, ast.If) and isinstance(node.test, ast.UnaryOp)
                and isinstance(node.test.op, ast.Not) and isinstance(node.test.operand, ast.Name)
                and node.test.operand.id == "TYPE_CHECKING")

    def walk(body: list[ast.stmt]) -> None:
        nonlocal sees_getattr
        for node in body:
            if runtime_only(node):
                continue
            if isinstance(node, ast.If):
                walk(node.body)
                walk(node.orelse)
            elif isinstance(node, ast.ImportFrom | ast.Import):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, ast.FunctionDef | ast.ClassDef):
                names.add(node.name)
                sees_getattr = sees_getattr or node.name == "__getattr__"
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))

    walk(tree.body)
    return names, sees_getattr


@pytest.mark.parametrize("module", ["hourglass", "hourglass.detectors", "hourglass.serve"])
def test_lazy_packages_hide_their_getattr_from_type_checkers(module: str) -> None:
    # the lazy packages' module-level __getattr__ (-> Any) was visible to type checkers, which
    # then took any name as Any: mypy passed "from hourglass import Pipline" and
    # "from hourglass.detectors import AutoEncodr" silently; now __getattr__ is defined for the
    # run time only and every public name is bound where a checker reads it
    import importlib

    names, sees_getattr = _static_view(module)
    assert not sees_getattr
    public = importlib.import_module(module).__all__
    assert sorted(set(public) - names) == []
    if module == "hourglass.serve":
        pytest.importorskip("fastapi")  # create_app is the 'serve' extra's
    for name in public:  # and the run time still provides each
        assert getattr(importlib.import_module(module), name) is not None
