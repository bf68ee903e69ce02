"""Review 31, section 31: the same request, hostile vs friendly (the service's guards)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hourglass.serve.app import create_app
from hourglass.serve.security import KeyRedactor
from tests._serve import small_table_model

KEY = "sekrit+key/0123456789abcdef"  # '+' and '/': its URL-encoded form differs from it


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_table_model(tmp_path_factory.mktemp("m"))


def _access_line(path: str) -> str:
    """The line uvicorn's access log writes for ``POST path`` (its logger, its format), after the
    filters that logger has."""
    access = logging.getLogger("uvicorn.access")
    record = access.makeRecord("uvicorn.access", logging.INFO, "h11_impl.py", 0,
                               '%s - "%s %s HTTP/%s" %d', ("127.0.0.1:5000", "POST", path, "1.1", 401),
                               None)
    assert access.filter(record)
    return record.getMessage()


def test_key_in_url_is_not_written_to_the_access_log(model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: a client that put the key in the query string ('/score?api_key=KEY') was
    # refused (401), but uvicorn's access log wrote the request line with the key in clear,
    # though README promises the key is never logged; 'hourglass serve' now filters it out
    from typer.testing import CliRunner

    from hourglass.cli import serve as serve_cli
    from hourglass.cli.app import app as cli

    lines: list[str] = []

    def fake_run(app: Any, sockets: Any, **kw: Any) -> None:
        for path in (f"/score?api_key={KEY}", f"/score?api_key={quote(KEY, safe='')}", "/score?x=1"):
            lines.append(_access_line(path))

    monkeypatch.setattr(serve_cli, "run_server", fake_run)
    monkeypatch.setenv("HOURGLASS_API_KEY", KEY)
    res = CliRunner().invoke(cli, ["serve", str(model), "--port", "0", "-q"])
    assert res.exit_code == 0, res.output
    assert lines[0].endswith('"POST /score?api_key=*** HTTP/1.1" 401'), lines
    assert lines[1].endswith('"POST /score?api_key=*** HTTP/1.1" 401'), lines
    assert lines[2].endswith('"POST /score?x=1 HTTP/1.1" 401'), lines  # other queries as they were
    assert not any(isinstance(f, KeyRedactor) for f in logging.getLogger("uvicorn.access").filters)


def test_app_carries_the_redactor_for_a_server_of_ones_own(model: Path) -> None:
    # what was wrong: nothing kept the key out of uvicorn's access log; create_app now offers the
    # filter (app.state.key_redactor) that 'hourglass serve' puts on it, the same for every route
    app = create_app(model, api_key=KEY)
    access = logging.getLogger("uvicorn.access")
    access.addFilter(app.state.key_redactor)
    try:
        assert KEY not in _access_line(f"/metrics?token={KEY}&x=1")
        assert _access_line(f"/metrics?token={KEY}&x=1").endswith('/metrics?token=***&x=1 HTTP/1.1" 401')
    finally:
        access.removeFilter(app.state.key_redactor)


def test_key_in_query_string_is_401_like_no_key(model: Path) -> None:
    # pinned (no defect): the key is only read from the header; in the URL it is a 401 worded as
    # a missing key's, and the body never echoes it
    ok = {"rows": [{"a": 0.1, "b": 0.2}]}
    with TestClient(create_app(model, api_key=KEY), raise_server_exceptions=False) as c:
        assert c.post("/score", json=ok, headers={"X-API-Key": KEY}).status_code == 200
        missing = c.post("/score", json=ok)
        for res in (c.post(f"/score?api_key={quote(KEY, safe='')}", json=ok),
                    c.post("/score", json=ok, headers={"X-API-Key": KEY[:-1]}),
                    c.post("/score", json=ok, headers={"X-API-Key": ""}),
                    c.post("/score", json=ok, headers={"Authorization": f"Bearer {KEY}"})):
            assert res.status_code == 401 and res.json() == missing.json()
            assert KEY not in res.text
        metrics = c.get("/metrics", headers={"X-API-Key": KEY})
        assert metrics.status_code == 200 and KEY not in metrics.text


def test_oversized_config_is_refused_before_it_is_read(model: Path, tmp_path: Path) -> None:
    # what was wrong: load read config.json whole and parsed it, whatever its size: a 500 MB file
    # in a model folder cost over 1 GB of memory before it was found corrupt; now a config over
    # MAX_CONFIG_BYTES is refused by its size, unread (a sparse file here: no disk used)
    import shutil

    import hourglass
    from hourglass.errors import ArtefactError
    from hourglass.pipeline import artefact

    bad = tmp_path / "m"
    shutil.copytree(model, bad)
    with open(bad / "config.json", "r+b") as fh:
        fh.truncate(artefact.MAX_CONFIG_BYTES + 1)
    with pytest.raises(ArtefactError, match=r"config\.json: 268,435,457 bytes, over 256 MiB.*not read"):
        hourglass.load(bad)


def test_save_refuses_a_config_load_would_refuse(model: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: nothing (the new limit's other side): a model whose config.json would pass
    # the limit is not saved (no folder left), as load would refuse it
    import hourglass
    from hourglass.errors import InputError
    from hourglass.pipeline import artefact

    pipe = hourglass.load(model)
    monkeypatch.setattr(artefact, "MAX_CONFIG_BYTES", 1000)
    with pytest.raises(InputError, match=r"over 0 MiB.*not saved"):
        pipe.save(tmp_path / "out")
    assert not (tmp_path / "out").exists() and list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    pipe.save(tmp_path / "out")
    assert hourglass.load(tmp_path / "out").score(pd.DataFrame({"a": [0.0], "b": [1.0]})).shape == (1,)
