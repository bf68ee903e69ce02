"""A scoring service of several models in one process: one model per data source, the way a SOC
runs it (Zeek flows, Linux audit events, Okta sign-ins, ...), on one port and one API key.

Each model answers on its own routes: ``POST /models/{name}/score`` and ``GET
/models/{name}/health`` are a one-model service's ``/score`` and ``/health``
(:func:`~hourglass.serve.app.create_app`), each with its own scorer, drift check and
suppression rules. ``GET /models`` lists them, ``GET /health`` is the service's state with a
line per model, ``GET /metrics`` labels every series of a model with ``model="name"``. The API
key and the body, row and rate limits are the service's.

No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations at
run time.
"""

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field

import hourglass
from hourglass.errors import HourglassError, InputError, first_line
from hourglass.serve.app import (
    _LINE_BREAKS,
    _METRICS_TYPE,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_ROWS,
    KEY_HEADER,
    METRICS_OPENAPI,
    METRICS_RESPONSES,
    HostedModel,
    add_error_handlers,
    add_guards,
    add_model_routes,
    check_limits,
    check_name,
    key_dependency,
    metrics_key_refusal,
    set_openapi,
)
from hourglass.serve.metrics import ModelsMetrics
from hourglass.serve.schemas import BODIES, ScoreRequest
from hourglass.serve.security import check_api_key
from hourglass.serve.suppress import SuppressionError

if TYPE_CHECKING:
    from hourglass.serve.suppress import Suppressions

__all__ = ["ModelLoadError", "create_models_app"]


class ModelLoadError(InputError):
    """A model of the service could not be loaded; the message names it.

    Examples
    --------
    >>> from hourglass.errors import InputError
    >>> issubclass(ModelLoadError, InputError)
    True
    >>> create_models_app({"ids": "/nowhere/model"}, api_key="k" * 32)     # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hourglass.serve.multi.ModelLoadError: model ids (/nowhere/model): ...
    """


class ModelState(BaseModel):
    """One model in the service's ``GET /health``."""

    name: str
    model: str
    input: str
    drift_warning: bool | None = Field(default=None, description="True while the model's flag rate "
                                       "is far above the promised one; absent: no drift check.")


class ServiceHealth(BaseModel):
    """The state of a service of several models (each model's own: ``/models/{name}/health``)."""

    status: str
    hourglass: str
    models: list[ModelState]


def create_models_app(models: Mapping[str, str | os.PathLike[str]], *, api_key: str,
                      max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, max_rows: int = DEFAULT_MAX_ROWS,
                      drift_window: int = 1000, rate_limit: float = 0.0,
                      suppress: "Mapping[str, Suppressions] | None" = None) -> FastAPI:
    """The scoring service of several saved models, each on ``/models/{name}/...``.

    Parameters
    ----------
    models
        Name → model directory (``hourglass train -o``), at least one; the names are those of
        the routes (letters, digits, ``.``, ``_``, ``-``). Every model is loaded and checked
        here: a missing or tampered one raises :class:`ModelLoadError` naming it; a value that
        is not a path (a fitted Pipeline) raises ``TypeError`` naming its entry (``models['a']``).
    api_key, max_body_bytes, max_rows, drift_window, rate_limit
        As :func:`~hourglass.serve.app.create_app`; the key and the limits are the service's,
        the drift check runs per model.
    suppress
        Name → suppression rules of that model (table and entity-bucket models).

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd
    >>> from pathlib import Path
    >>> from fastapi.testclient import TestClient
    >>> from hourglass import Pipeline, AutoEncoder
    >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
    >>> d = Path(tempfile.mkdtemp())
    >>> for name in ("zeek", "vpc"):
    ...     Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df).save(d / name)
    >>> client = TestClient(create_models_app({"zeek": d / "zeek", "vpc": d / "vpc"},
    ...                                       api_key="0123456789abcdef"))
    >>> [m["name"] for m in client.get("/models").json()["models"]]
    ['zeek', 'vpc']
    >>> r = client.post("/models/zeek/score", json={"rows": [{"bytes": 5, "proto": "tcp"}]},
    ...                 headers={"X-API-Key": "0123456789abcdef"})
    >>> r.status_code, sorted(r.json())
    (200, ['calibrated', 'flags', 'scores', 'severity'])
    >>> client.get("/models/okta/health").json()["detail"]
    "no model 'okta' here; the models are: zeek, vpc (GET /models)"
    """
    key = check_api_key(api_key)
    check_limits(max_body_bytes, max_rows, rate_limit)
    if not models:
        raise InputError("no model to serve")
    suppress = dict(suppress or {})
    unknown = sorted(set(suppress) - set(models))
    if unknown:
        raise InputError(f"suppression rules for {', '.join(unknown)}: no such model (the models: "
                         f"{', '.join(models)})")
    from hourglass.pipeline.artefact import _model_path

    hosted: dict[str, HostedModel] = {}
    for name, model_dir in models.items():
        check_name(name)
        _model_path(model_dir, f"models[{name!r}]")  # a fitted Pipeline: named by its entry, not 'path'
        try:
            hosted[name] = HostedModel(model_dir, name=name, max_rows=max_rows,
                                       drift_window=drift_window, suppress=suppress.get(name),
                                       named_in_log=True)
        except SuppressionError as exc:  # the CLI's --suppress NAME=FILE
            raise SuppressionError(f"{name}={exc}") from None
        except (HourglassError, ValueError, OSError) as exc:
            # the folder said once, in the prefix; then the first line, a line break in the
            # folder's name escaped (a newline or U+2028 in it cut the line there, the reason lost)
            text = str(exc).strip().removeprefix(f"{model_dir}: ")
            text = text.replace(str(model_dir), str(model_dir).translate(_LINE_BREAKS))
            text = first_line(text, type(exc).__name__)
            raise ModelLoadError(f"model {name} ({model_dir}): {text}") from exc
    metrics = ModelsMetrics({name: h.metrics for name, h in hosted.items()})
    listed = ", ".join(f"{name} ({h.kind_text} model {h.scorer.model_name})" for name, h in hosted.items())
    app = FastAPI(title="hourglass scoring service", version=hourglass.__version__,
                  description=f"Anomaly scores from {len(hosted)} models: {listed}. POST "
                              f"/models/{{name}}/score scores what that model takes and needs the "
                              f"{KEY_HEADER} header; GET /models/{{name}}/health says what it expects, "
                              "GET /models lists the models.")
    app.state.hosted = hosted
    app.state.metrics = metrics
    add_guards(app, key=key, paths=[f"/models/{name}/score" for name in hosted],
               max_body_bytes=max_body_bytes, rate_limit=rate_limit, metrics=metrics)
    require_key = key_dependency(key)
    add_error_handlers(app, BODIES[ScoreRequest])
    limits = {"max_rows": max_rows, "max_body_bytes": max_body_bytes,
              "rate_limit_per_minute": rate_limit or None}

    @app.get("/health", response_model=ServiceHealth, response_model_exclude_none=True)
    async def health() -> dict[str, Any]:
        """The service is up, and the models it holds, each with its drift warning (each
        model's columns, limits and drift check: ``GET /models/{name}/health``)."""
        states = []
        for name, h in hosted.items():
            drift = h.drift_state()
            states.append({"name": name, "model": h.scorer.model_name, "input": h.scorer.kind,
                           "drift_warning": None if drift is None else bool(drift.get("warning"))})
        return {"status": "ok", "hourglass": hourglass.__version__, "models": states}

    # HEAD too (load balancers' probes), as a one-model service's /health; out of the schema
    app.add_api_route("/health", health, methods=["HEAD"], include_in_schema=False)

    @app.get("/metrics", response_class=PlainTextResponse, responses=METRICS_RESPONSES,
             openapi_extra=METRICS_OPENAPI)
    async def metrics_text(request: Request) -> Response:
        """The service's counters in Prometheus' text format: requests by path, model and
        status; per model (label ``model``) items scored and flagged, scoring time (a histogram)
        and the drift check's state. Needs the key, as the ``X-API-Key`` header or
        ``Authorization: Bearer <key>``."""
        refusal = metrics_key_refusal(request, key)
        if refusal is not None:
            return refusal
        return PlainTextResponse(metrics.render({name: h.drift_state() for name, h in hosted.items()}),
                                 media_type=_METRICS_TYPE)

    names = ", ".join(hosted)

    async def no_single_route(request: Request) -> JSONResponse:
        # a client of a one-model service still on its /score: name the routes, not a bare 404
        return JSONResponse({"detail": f"no /score here: each model answers on its own route, "
                                       f"POST /models/NAME/score (the models: {names}; GET /models)",
                             "models": list(hosted)}, status_code=404)

    app.add_api_route("/score", no_single_route, methods=["GET", "POST", "PUT", "PATCH", "DELETE",
                                                           "HEAD"], include_in_schema=False)
    add_model_routes(app, hosted, limits, require_key)
    set_openapi(app, list(dict.fromkeys(h.request_model for h in hosted.values())))
    return app
