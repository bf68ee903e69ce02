"""The scoring service: a FastAPI app over one saved table model.

``GET /health`` (no key) says what the model expects; ``POST /score`` (header ``X-API-Key``)
scores JSON rows; ``GET /docs`` is the OpenAPI page. Every input error is a ``4xx`` with a
one-line ``detail``; anything unexpected is a ``500`` with a generic message, logged here.

No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations at
run time, and the key check's refers to a local.
"""

import logging
import os
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

import hourglass
from hourglass.errors import InputError
from hourglass.serve.scoring import TableScorer
from hourglass.serve.security import BodyLimit, check_api_key, key_matches

__all__ = ["DEFAULT_MAX_BODY_BYTES", "DEFAULT_MAX_ROWS", "HealthResponse", "ScoreRequest",
           "ScoreResponse", "create_app"]

logger = logging.getLogger(__name__)

DEFAULT_MAX_BODY_BYTES = 8 * 2**20
DEFAULT_MAX_ROWS = 100_000
KEY_HEADER = "X-API-Key"

Value = str | int | float | bool | None


class ScoreRequest(BaseModel):
    """Rows to score: one object per row, keyed by the model's column names."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"rows": [{"duration": 0, "protocol_type": "tcp", "src_bytes": 491}], "explain": 3}]})

    rows: list[dict[str, Value]] = Field(
        description="One object per row with every column the model needs (GET /health lists "
                    "them); null is a missing value, imputed as in training. Other keys are ignored.")
    explain: StrictInt | None = Field(
        default=None, ge=1, le=100,
        description="Name this many columns per row in 'why' (largest share of the reconstruction "
                    "error first); only for autoencoder-type models.")


class ScoreResponse(BaseModel):
    """One entry per input row, in order."""

    scores: list[float] = Field(description="Anomaly score, higher = more anomalous.")
    flags: list[int] = Field(description="1 = above the model's threshold, else 0.")
    calibrated: list[float] = Field(description="Anomaly probability in [0, 1] (rarity among "
                                                "held-out normal scores).")
    severity: list[str] = Field(description="low / medium / high / critical.")
    top_column: list[str] | None = Field(default=None, description="With 'explain': the column "
                                         "with the largest share of the row's error.")
    why: list[str] | None = Field(default=None, description="With 'explain': the top columns, "
                                  "their values and shares, e.g. 'src_bytes=54540 (71%)'.")


class Column(BaseModel):
    name: str
    role: str


class HealthResponse(BaseModel):
    """The model the service holds and the limits it enforces."""

    status: str
    model: str
    input: str
    threshold: str
    threshold_value: float
    columns: list[Column]
    explain: bool
    max_rows: int
    max_body_bytes: int
    hourglass: str


class _Detail(BaseModel):
    detail: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": _Detail, "description": text} for code, text in (
        (400, "Body is not valid JSON."), (401, "Missing or wrong API key."),
        (413, "Body or row count over the service's limit."),
        (415, "Body not sent as application/json."),
        (422, "Rows the model cannot score (missing column, text in a numeric column, ...)."),
        (500, "Unexpected server error (details in the server log)."))}


def _location(loc: tuple[Any, ...]) -> str:
    """``('body', 'rows', 2, 'bytes', 'str')`` → ``row 3, column 'bytes'``."""
    parts = [p for p in loc if p != "body"]
    if len(parts) >= 3 and parts[0] == "rows" and isinstance(parts[1], int):
        return f"row {parts[1] + 1}, column {str(parts[2])[:60]!r}"  # a client's key: bounded
    if len(parts) >= 2 and parts[0] == "rows" and isinstance(parts[1], int):
        return f"row {parts[1] + 1}"
    return ".".join(map(str, parts)) or "body"


def _json_type(value: object) -> str:
    return {dict: "an object", list: "an array"}.get(type(value), type(value).__name__)


def validation_message(errors: list[dict[str, Any]]) -> tuple[int, str]:
    """HTTP status and one line for pydantic's request errors (the first error; a value that fits
    none of a row's value types is one error, not one per type).

    Examples
    --------
    >>> validation_message([{"type": "string_type", "loc": ("rows", 2, "bytes", "str"),
    ...                      "msg": "Input should be a valid string", "input": [1]}])
    (422, "row 3, column 'bytes': expected a number, text, true/false or null, got an array")
    >>> validation_message([{"type": "json_invalid", "loc": (), "msg": "Invalid JSON",
    ...                      "ctx": {"error": "EOF while parsing a value at line 1 column 0"}}])
    (400, 'body: not valid JSON (EOF while parsing a value at line 1 column 0)')
    """
    first = errors[0]
    kind, loc = first.get("type", ""), tuple(first.get("loc", ()))
    if kind == "json_invalid":
        reason = (first.get("ctx") or {}).get("error", "cannot parse")
        return 400, f"body: not valid JSON ({reason})"
    where = _location(loc)
    if loc in ((), ("body",)) or (kind == "missing" and loc[-1:] == ("rows",)):
        return 422, 'body: expected a JSON object {"rows": [{column: value, ...}, ...]}'
    if where.startswith("row ") and ", column " in where:
        return 422, (f"{where}: expected a number, text, true/false or null, got "
                     f"{_json_type(first.get('input'))}")
    if kind == "extra_forbidden":
        return 422, f"{where}: unknown field; the body takes 'rows' and 'explain'"
    return 422, f"{where}: {first.get('msg', 'invalid')}"


def create_app(model_dir: str | os.PathLike[str], *, api_key: str,
               max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, max_rows: int = DEFAULT_MAX_ROWS) -> FastAPI:
    """The scoring service for the table model saved in ``model_dir``.

    Parameters
    ----------
    model_dir
        A model directory (``hourglass train -o``); loaded once, tampered artefacts refused.
    api_key
        The key clients send in the ``X-API-Key`` header (at least 16 characters).
    max_body_bytes
        Largest request body accepted (checked before parsing); larger is ``413``.
    max_rows
        Most rows per request; more is ``413``.

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd
    >>> from pathlib import Path
    >>> from fastapi.testclient import TestClient
    >>> from hourglass import Pipeline, AutoEncoder
    >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
    >>> out = Path(tempfile.mkdtemp()) / "model"
    >>> Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df).save(out)
    >>> client = TestClient(create_app(out, api_key="0123456789abcdef"))
    >>> r = client.post("/score", json={"rows": [{"bytes": 5, "proto": "tcp"}]},
    ...                 headers={"X-API-Key": "0123456789abcdef"})
    >>> r.status_code, sorted(r.json())
    (200, ['calibrated', 'flags', 'scores', 'severity'])
    >>> client.post("/score", json={"rows": []}).status_code     # no key
    401
    """
    key = check_api_key(api_key)
    for name, value in (("max_body_bytes", max_body_bytes), ("max_rows", max_rows)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    scorer = TableScorer(model_dir)
    logger.debug("serving %s (%s, %d columns)", model_dir, scorer.model_name, len(scorer.columns))

    app = FastAPI(title="hourglass scoring service", version=hourglass.__version__,
                  description=f"Anomaly scores from the table model {scorer.model_name}. "
                              f"POST /score needs the {KEY_HEADER} header.")
    app.state.scorer = scorer
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    header = APIKeyHeader(name=KEY_HEADER, auto_error=False,
                          description="The key the service was started with.")

    def require_key(given: Annotated[str | None, Depends(header)]) -> None:
        if not key_matches(given, key):
            raise HTTPException(401, f"missing or wrong API key (header {KEY_HEADER})")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, message = validation_message(list(exc.errors()))
        return JSONResponse({"detail": message}, status_code=status)

    @app.get("/health", response_model=HealthResponse)
    def health() -> dict[str, Any]:
        """The model this service holds, the columns each row needs, and the limits."""
        return {"status": "ok", **scorer.describe(), "max_rows": max_rows,
                "max_body_bytes": max_body_bytes, "hourglass": hourglass.__version__}

    def score_body(body: bytes, media: str) -> tuple[int, dict[str, Any]]:
        """(status, JSON content) for a request body: parsed and validated in one pass by
        pydantic (half the time of FastAPI's json.loads then validate), then scored."""
        if not media.endswith("json"):
            return 415, {"detail": f"Content-Type: expected application/json, got {media or 'none'}"}
        try:
            request = ScoreRequest.model_validate_json(body)
        except ValidationError as exc:
            status, message = validation_message(exc.errors(include_url=False))
            return status, {"detail": message}
        if len(request.rows) > max_rows:
            return 413, {"detail": f"too many rows ({len(request.rows):,}; the limit is "
                                   f"{max_rows:,}, --max-rows): split the request"}
        try:
            return 200, scorer.score(request.rows, explain=request.explain)
        except InputError as exc:
            return 422, {"detail": _one_line(exc)}
        except Exception:
            logger.exception("scoring %d row(s) failed", len(request.rows))
            return 500, {"detail": "internal error while scoring; the server log has the details"}

    @app.post("/score", response_model=ScoreResponse, response_model_exclude_none=True,
              dependencies=[Depends(require_key)], responses=_ERRORS,
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                  "schema": {"$ref": "#/components/schemas/ScoreRequest"}}}}})
    async def score(request: Request) -> Response:
        """Score the rows: score, flag, calibrated probability and severity per row, as
        ``hourglass score`` writes them; with ``explain`` also each row's top columns."""
        body = await request.body()  # at most max_body_bytes: BodyLimit has counted it
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        # parsing and scoring in the thread pool: neither blocks the event loop
        status, content = await run_in_threadpool(score_body, body, media)
        if status != 200:
            return JSONResponse(content, status_code=status)
        return Response(ScoreResponse.model_validate(content).model_dump_json(exclude_none=True),
                        media_type="application/json")

    def openapi() -> dict[str, Any]:
        """FastAPI's schema, plus the request body /score parses itself."""
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {})["ScoreRequest"] = \
                ScoreRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _one_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
