"""The public API's docstrings against the code: every item has a numpydoc Examples section,
a Parameters section names exactly the signature's parameters, and the serving models' JSON
schema keeps their doctests out of the API description."""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest

PACKAGES = ("hourglass", "hourglass.detectors", "hourglass.thresholds", "hourglass.evaluate",
            "hourglass.explain", "hourglass.features", "hourglass.ingest", "hourglass.pipeline",
            "hourglass.distributed", "hourglass.serve", "hourglass.nn")

# the user-facing items of submodule __all__ lists that had no Examples section (with their
# classes' own public methods)
SUBMODULE_ITEMS = (
    "hourglass.thresholds.evt:GPDFit", "hourglass.thresholds.monitor:ExpectedRate",
    "hourglass.nn.training:TrainingDiverged",
    "hourglass.evaluate.plots:confusion_figure", "hourglass.evaluate.plots:histogram_figure",
    "hourglass.evaluate.plots:pr_figure", "hourglass.evaluate.plots:roc_figure",
    "hourglass.evaluate.plots:threshold_figure",
    "hourglass.explain.gradients:Attributions",
    "hourglass.ingest.timeseries:read_nab", "hourglass.ingest.timeseries:TimeSeriesDataset",
    "hourglass.pipeline.export:OnnxExport", "hourglass.pipeline.export:ParityError",
    "hourglass.distributed.spark:PartitionScorer",
    "hourglass.distributed.federated:FederatedServer", "hourglass.distributed.federated:Site",
    "hourglass.distributed.federated:encode", "hourglass.distributed.federated:decode",
    "hourglass.distributed.federated:check_federated_detector",
    "hourglass.explain.timeseries:StepErrors", "hourglass.features.sessions.grouping:Sessions",
    "hourglass.features.registry:features_from_dict", "hourglass.serve.suppress:Rule",
    "hourglass.serve.suppress:SuppressionError", "hourglass.serve.multi:ModelLoadError",
    "hourglass.nn.device:threads_here", "hourglass.features.timeseries:TimeSeriesPreprocessor",
    "hourglass.ingest.logs:LogParser", "hourglass.ingest.logs:ParseStats",
    "hourglass.serve.suppress:Suppressions", "hourglass.pipeline.benchmark:Benchmark",
    "hourglass.distributed.flower:flower_client", "hourglass.distributed.flower:flower_strategy",
    "hourglass.distributed.flower:flower_client_app", "hourglass.distributed.flower:flower_server_app",
    *(f"hourglass.serve.schemas:{name}" for name in (
        "BodyShape", "BucketScore", "Column", "EcsResponse", "EntityRequest", "EntityResponse",
        "EventRowsRequest", "HealthResponse", "LinesRequest", "LogResponse", "RecordLinesRequest",
        "ScoreRequest", "ScoreResponse", "SeriesRequest", "SeriesResponse", "SessionScore",
        "SessionsRequest")),
)

_SECTION = re.compile(r"^(\w[\w ]*)\n-{3,}\s*$", re.M)


def _sections(doc: str) -> dict[str, str]:
    """A cleaned docstring's numpydoc sections by heading."""
    heads = list(_SECTION.finditer(doc))
    return {m.group(1): doc[m.end():heads[i + 1].start() if i + 1 < len(heads) else len(doc)]
            for i, m in enumerate(heads)}


def _documented(section: str) -> list[str]:
    """The names a Parameters section documents (``a, b`` entries split)."""
    lines = [line for line in section.splitlines() if line.strip()]
    if not lines:
        return []
    base = min(len(line) - len(line.lstrip()) for line in lines)
    names: list[str] = []
    for line in lines:
        if len(line) - len(line.lstrip()) == base:
            names += [n.strip().lstrip("*") for n in line.split(" : ")[0].split(",")]
    return names


def _public() -> Iterator[tuple[str, Any]]:
    """Every callable of the package-level ``__all__`` lists, the public methods their classes
    define, and :data:`SUBMODULE_ITEMS`."""
    seen: set[int] = set()

    def visit(name: str, obj: Any) -> Iterator[tuple[str, Any]]:
        if id(obj) in seen or inspect.ismodule(obj) or not callable(obj):
            return
        seen.add(id(obj))
        yield name, obj

    def with_methods(name: str, obj: Any) -> Iterator[tuple[str, Any]]:
        yield from visit(name, obj)
        if inspect.isclass(obj):  # its own public methods (fit, score, save, ...), not inherited
            for attr, member in vars(obj).items():
                function = getattr(member, "__func__", member)
                if (not attr.startswith("_") and inspect.isfunction(function)
                        and function.__module__.startswith("hourglass")):
                    yield from visit(f"{name}.{attr}", function)

    for package in PACKAGES:
        module = importlib.import_module(package)
        for item in module.__all__:
            yield from with_methods(f"{package}.{item}", getattr(module, item))
    for spec in SUBMODULE_ITEMS:
        module_name, _, path = spec.partition(":")
        obj: Any = importlib.import_module(module_name)
        for part in path.split("."):
            obj = getattr(obj, part)
        yield from with_methods(spec, obj)


@pytest.fixture(scope="module")
def public() -> list[tuple[str, Any]]:
    return list(_public())


def test_every_public_item_has_an_examples_section(public: list[tuple[str, Any]]) -> None:
    # what was wrong: the user-facing items of submodule __all__ lists (FederatedServer, Site,
    # flower_*, PartitionScorer, the evaluate.plots figures, Attributions, read_nab,
    # TimeSeriesDataset, OnnxExport, ParityError, the serve.schemas models, ExpectedRate,
    # GPDFit, TrainingDiverged) and 53 methods of the package-level classes (the serve scorers'
    # score/describe/frame, EventSessions.sessions, EntityWindows.aggregate, DatasetSpec.read,
    # the nn modules' forward ...) had no numpydoc Examples section; the package-level items
    # had one already (pinned here too)
    missing = [name for name, obj in public if "Examples" not in _sections(inspect.getdoc(obj) or "")]
    assert not missing, missing
    assert len(public) > 320  # the package-level items and their methods were all found


def test_a_parameters_section_names_exactly_the_signatures_parameters(
        public: list[tuple[str, Any]]) -> None:
    # what was wrong: Benchmark's Parameters left out label_col, normal, categories, train_name
    # and test_name, ServiceMetrics' left out buckets, and iter_table's had a paragraph of
    # prose after its last parameter (read by numpydoc as four more parameters)
    from hourglass.pipeline.benchmark import Benchmark
    from hourglass.serve.metrics import ServiceMetrics

    items = [*public, ("Benchmark", Benchmark), ("ServiceMetrics", ServiceMetrics)]
    classes = [obj for _, obj in items if inspect.isclass(obj)]
    methods = [(f"{c.__module__}.{c.__qualname__}.{n}", getattr(c, n)) for c in classes
               for n, v in vars(c).items()
               if not n.startswith("_") and inspect.isfunction(getattr(v, "__func__", v))]
    wrong = []
    checked = 0
    for name, obj in [*items, *methods]:
        params = _sections(inspect.getdoc(obj) or "").get("Parameters")
        if params is None:
            continue
        try:
            signature = inspect.signature(obj)
        except (TypeError, ValueError):
            continue
        documented = _documented(params)
        given = [n for n in signature.parameters if n != "self"]
        if given[:1] == ["cls"] and "." in getattr(obj, "__qualname__", ""):  # a classmethod's class
            given.remove("cls")
        checked += 1
        extra = sorted(set(documented) - set(given))
        absent = sorted(set(given) - set(documented))
        if extra or absent:
            wrong.append(f"{name}: documented, not taken {extra}; taken, not documented {absent}")
    assert not wrong, "\n".join(wrong)
    assert checked > 120


def test_the_serving_models_json_schema_keeps_their_examples_out() -> None:
    # what was wrong: SessionScore, BucketScore and Column had no docstring, so /docs described
    # them not at all; and a guard: pydantic describes a model on /docs and /openapi.json by its
    # whole docstring, and the request and answer models now carry doctests, so the description
    # must be the text before the first numpydoc section
    from hourglass.serve import schemas

    models = [getattr(schemas, n) for n in schemas.__all__
              if inspect.isclass(getattr(schemas, n)) and issubclass(getattr(schemas, n), schemas.BaseModel)]
    assert len(models) == 16
    for model in models:
        described = model.model_json_schema()
        texts = [described.get("description", ""),
                 *(d.get("description", "") for d in described.get("$defs", {}).values())]
        assert all(">>>" not in t and "Examples" not in t for t in texts), model.__name__
        assert described["description"] == (inspect.getdoc(model) or "").split("\n\nExamples")[0]


def test_each_request_models_own_example_is_a_valid_request() -> None:
    # what was wrong: nothing, a pin: the example /docs shows for each request model validates
    # against that model, and BODIES names exactly its fields
    from hourglass.serve import schemas

    for model, shape in schemas.BODIES.items():
        examples = (model.model_config.get("json_schema_extra") or {}).get("examples", [])
        assert examples, model.__name__
        for example in examples:
            model.model_validate(example)
        assert shape.fields == tuple(model.model_fields), model.__name__
