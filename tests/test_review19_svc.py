"""The scoring service: details that keep the whole message, and the guards' and answers' edges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests._serve import AUTH, client_of, small_entity_model

Entity = tuple[Path, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def entity(tmp_path_factory: pytest.TempPathFactory) -> Entity:
    return small_entity_model(tmp_path_factory.mktemp("entity"))


def test_a_key_with_a_line_break_keeps_the_rest_of_the_detail(entity: Entity) -> None:
    model, _ = entity
    with client_of(model) as client:
        r = client.post("/score", json={"rows": [{"a\nb": 1, "c\u2028d": 2}]}, headers=AUTH)
    assert r.status_code == 422
    detail = r.json()["detail"]
    # the columns the request has are listed whole: the text after the line break was cut off
    assert detail.endswith("(columns: a\\nb, c\\u2028d)"), detail
    assert "\n" not in detail and "\u2028" not in detail


@pytest.mark.parametrize(("sent", "words"), [(5, "a number"), (2.5, "a number"), ("x", "text")])
def test_a_wrong_item_is_named_in_jsons_words(sent: object, words: str) -> None:
    from pydantic import ValidationError

    from hourglass.serve.app import validation_message
    from hourglass.serve.schemas import BODIES, LinesRequest, SessionsRequest

    bodies = ((SessionsRequest, {"sessions": [[1], sent]}), (LinesRequest, {"lines": ["ok", sent]}))
    for request, body in bodies:
        if request is LinesRequest and isinstance(sent, str):
            continue  # text is a line
        try:
            request.model_validate(body)
        except ValidationError as exc:
            status, detail = validation_message(exc.errors(include_url=False), BODIES[request])
        else:
            raise AssertionError(f"{body} validated")
        # was 'got int', 'got float', 'got str': Python's names of the types
        assert status == 422 and detail.endswith(f", got {words}"), detail
        assert detail.startswith(("session 2: expected an array", "line 2: expected text")), detail


@pytest.mark.parametrize(("body", "detail"), [
    (b'{"rows": [{"a": 1}, "x"]}', "row 2: expected a JSON object {column: value, ...}, got text"),
    (b'{"rows": [null]}', "row 1: expected a JSON object {column: value, ...}, got null"),
    (b'{"rows": {"a": 1}}', "rows: expected an array, got an object"),
])
def test_a_row_or_rows_of_the_wrong_kind_say_what_came(entity: Entity, body: bytes, detail: str) -> None:
    model, _ = entity
    with client_of(model) as client:  # was pydantic's 'Input should be an object' (a valid array)
        r = client.post("/score", content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert (r.status_code, r.json()) == (422, {"detail": detail})
