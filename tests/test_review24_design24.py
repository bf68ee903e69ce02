"""Conformance to docs/DESIGN: layers, and what the serving layer may touch of a model."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd

import hourglass

PACKAGE = Path(hourglass.__file__).parent
# DESIGN.md's layer table, top to bottom: a package imports only from packages above it
LAYERS = ["ingest", "features", "nn", "thresholds", "detectors", "evaluate", "explain", "pipeline",
          "serve", "cli", "distributed"]


def _runtime_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, module) of each hourglass import that runs (those under ``if TYPE_CHECKING:`` are
    annotations only and left out)."""
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return [(line, m) for line, m in found if m.startswith("hourglass.")]


def test_no_package_imports_a_layer_below_it() -> None:
    # hourglass.ingest.evtx imported hourglass.features.roles (for windows_forms, which maps a
    # fitted model's categories, preprocessing work): the readers' layer reached down into
    # the features layer. windows_forms now lives in hourglass.features.spellings.
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) < 2 or parts[0] not in LAYERS:
            continue
        own = LAYERS.index(parts[0])
        for line, module in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            target = module.split(".")[1]
            if target in LAYERS and LAYERS.index(target) > own:
                wrong.append(f"{'/'.join(parts)}:{line} imports {module}")
    assert not wrong, "imports from a lower layer:\n" + "\n".join(wrong)


def test_shared_private_helpers_import_no_layer() -> None:
    # hourglass._times (the timestamp policy every layer shares; hourglass.ingest.logs imports
    # it) imported hourglass.ingest.logs for yymmdd_times: a cycle between a helper below every
    # layer and the readers' layer. yymmdd_times lives in hourglass._times now (ingest.logs
    # imports it from there, its name unchanged).
    wrong = []
    for path in sorted(PACKAGE.glob("_*.py")):
        if path.name in ("__init__.py", "__main__.py"):
            continue
        for line, module in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if module.split(".")[1] in LAYERS:
                wrong.append(f"{path.name}:{line} imports {module}")
    assert not wrong, "a shared helper imports a layer:\n" + "\n".join(wrong)


def test_yymmdd_times_moved_keeps_its_behaviour() -> None:
    # (the move above) HDFS's and MySQL's year-first dates read as before, from both names
    from hourglass._times import yymmdd_times
    from hourglass.ingest import logs

    assert logs.yymmdd_times is yymmdd_times
    six, secs = yymmdd_times(pd.Series(["081109 203615", "2008-11-09 20:36:15"]), first_only=True)
    assert six.tolist() == [True, False] and secs.tolist() == [1226262975.0]


def test_windows_forms_moved_keeps_its_behaviour() -> None:
    # (the move above) a Keywords mask in decimal and a GUID in capitals still read as the
    # spelling the model learnt
    from hourglass.features.spellings import windows_forms

    df = pd.DataFrame({"Keywords": [-9214364837600034816, 0],
                       "ProviderGuid": ["{5770385F-C22A-43E0-BF4C-06F5698FFBD9}", "x"]})
    seen = {"Keywords": ["0x8020000000000000"], "ProviderGuid": ["{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"]}
    out = windows_forms(df, seen)
    assert out["Keywords"].tolist() == ["0x8020000000000000", 0]
    assert out["ProviderGuid"].tolist()[0] == "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"


def test_serve_and_cli_do_not_reach_into_the_network() -> None:
    # hourglass.serve.series_stream read det.module_.error_scale (a torch buffer of the network)
    # to explain a streamed time step: DESIGN.md says the serving layer never does model
    # internals. The detector now says it: channel_error_scale().
    wrong = []
    for layer in ("serve", "cli"):
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr == "module_":
                    wrong.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not wrong, "the network reached from outside the detector: " + ", ".join(wrong)


def test_channel_error_scale_is_the_scale_score_channels_divides_by() -> None:
    # (the method above) with score_norm="channel" it is the network's per-channel scale; with
    # "none" there is none (the parts are plain errors)
    from hourglass.detectors import LSTMAutoEncoder

    t = np.arange(200)
    X = np.c_[np.sin(t / 5), np.cos(t / 5)].astype("float32")
    det = LSTMAutoEncoder(window=16, hidden=8, epochs=1, verbose=0).fit(X)
    scale = det.channel_error_scale()
    assert scale is not None and scale.dtype == np.float64
    np.testing.assert_array_equal(scale, det.module_.error_scale.detach().numpy().astype(np.float64))
    plain = LSTMAutoEncoder(window=16, hidden=8, epochs=1, verbose=0, score_norm="none").fit(X)
    assert plain.channel_error_scale() is None
