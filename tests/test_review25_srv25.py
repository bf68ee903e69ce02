"""Review 25, fuzzing the scoring service (``hourglass serve``): what a client's odd request gets."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests._serve import AUTH, client_of

JSON = {**AUTH, "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def table_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small table autoencoder (columns ``bytes``, ``proto``)."""
    import numpy as np
    import pandas as pd

    from hourglass import AutoEncoder, Pipeline

    df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
    out = tmp_path_factory.mktemp("srv25_table") / "m"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df).save(out)
    return out


@pytest.fixture(scope="module")
def table(table_model: Path) -> Iterator[TestClient]:
    """The service of :func:`table_model`."""
    with client_of(table_model) as c:
        yield c


def test_a_second_content_encoding_field_is_read_too(table: TestClient) -> None:
    # What was wrong: only the first Content-Encoding header field was read, so a gzip body
    # sent with "Content-Encoding: identity" and then "Content-Encoding: gzip" (two fields, which
    # HTTP reads as the list "identity, gzip", itself a 415) was '400 body: not valid JSON',
    # not the 415 that names the compression. Every field is read now.
    raw = json.dumps({"rows": [{"bytes": 5, "proto": "tcp"}]}).encode()
    headers = [*JSON.items(), ("Content-Encoding", "identity"), ("Content-Encoding", "gzip")]
    r = table.post("/score", content=gzip.compress(raw), headers=headers)
    assert (r.status_code, r.json()) == (415, {
        "detail": "Content-Encoding: gzip is not supported; send the body uncompressed"})
    # identity, however often it is said, is no encoding: the body is scored
    headers = [*JSON.items(), ("Content-Encoding", "identity"), ("Content-Encoding", "identity, ")]
    r = table.post("/score", content=raw, headers=headers)
    assert r.status_code == 200, r.text


def _openmp_threads() -> Callable[[], int] | None:
    """``omp_get_max_threads`` of torch's OpenMP runtime (the count the calling thread's next
    parallel step would use; other packages load runtimes of their own), or ``None`` where
    none is found."""
    import ctypes

    import torch

    home = str(Path(torch.__file__).parent)
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            found = sorted({line.split()[-1] for line in maps
                            if ("gomp" in line or "iomp5" in line) and home in line})
    except OSError:
        return None
    return ctypes.CDLL(found[0]).omp_get_max_threads if found else None


@pytest.mark.skipif((os.cpu_count() or 1) < 2 or "OMP_NUM_THREADS" in os.environ,
                    reason="OpenMP's default is one thread here: nothing to tell apart")
def test_a_request_is_scored_on_the_torch_threads_set(table_model: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: 'hourglass --threads 1 serve' (or the CLI's idle-core rule, which picks 1
    # beside other jobs) set torch's thread count in the main thread only; a request was scored in
    # a worker thread, where torch applies its count lazily, so its matrix products ran on OpenMP's
    # default (every core): the same request's scores moved by a float32 step with the worker
    # thread it landed in (an NSL-KDD autoencoder's row: 0.80592507 from 'hourglass --threads 1
    # score', 0.80592501 from the service), and threads spun on cores other jobs held. Each
    # request now runs on the count set.
    import torch

    from hourglass.serve.app import HostedModel

    omp_threads = _openmp_threads()
    if omp_threads is None:
        pytest.skip("no OpenMP runtime found in this process")
    seen: list[int] = []
    score_body = HostedModel.score_body

    def recording(self: HostedModel, raw: bytes, media: str) -> tuple[int, dict[str, Any]]:
        seen.append(omp_threads())  # what this worker thread's torch work would run on
        return score_body(self, raw, media)

    monkeypatch.setattr(HostedModel, "score_body", recording)
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # as 'hourglass --threads 1 serve' does before the service starts
    try:
        body = {"rows": [{"bytes": 5, "proto": "tcp"}]}
        with client_of(table_model) as c, ThreadPoolExecutor(4) as pool:  # requests at once:
            codes = list(pool.map(  # several worker threads
                lambda _: c.post("/score", json=body, headers=AUTH).status_code, range(8)))
    finally:
        torch.set_num_threads(before)
    assert codes == [200] * 8
    assert seen and set(seen) == {1}, seen


def test_a_content_type_that_only_ends_in_json_is_refused(table: TestClient) -> None:
    # What was wrong: any Content-Type whose media type ended in 'json' was taken as JSON:
    # 'application/notjson' and a bare 'json' (no type at all) were scored, though the README
    # says another content type is a 415. JSON's own types (application/json, text/json,
    # x-json, a +json suffix) still are; a long refused one is cut in the message.
    body = json.dumps({"rows": [{"bytes": 5, "proto": "tcp"}]}).encode()
    for media in ("application/notjson", "json", "/json"):
        r = table.post("/score", content=body, headers={**AUTH, "Content-Type": media})
        assert (r.status_code, r.json()) == (415, {
            "detail": f"Content-Type: expected application/json, got {media}"}), media
    for media in ("application/json", "text/json", "application/vnd.api+json", "application/x-json",
                  "Application/JSON; charset=utf-8"):
        r = table.post("/score", content=body, headers={**AUTH, "Content-Type": media})
        assert r.status_code == 200, (media, r.text)
    r = table.post("/score", content=body, headers={**AUTH, "Content-Type": "text/" + "x" * 5000})
    assert r.status_code == 415 and len(r.json()["detail"]) < 200


def test_a_value_near_the_largest_float_scores_as_inf_does(tmp_path: Path) -> None:
    # What was wrong: a numeric value near float64's largest (1.79e308, a client's placeholder or
    # a corrupted counter) overflowed when scaled; numpy's 'overflow encountered in divide' went to
    # the server log as a RuntimeWarning with a source line ('hourglass score': a line of its own
    # that named no column or row), where an inf sent is scored without a word. It scores as
    # inf now, silently (a warning is an error in these tests: this was a 500 here).
    import numpy as np
    import pandas as pd

    from hourglass import AutoEncoder, Pipeline

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"rate": rng.random(60), "proto": ["tcp", "udp"] * 30})
    out = tmp_path / "m"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df).save(out)
    with client_of(out) as c:
        big = c.post("/score", json={"rows": [{"rate": 1.79e308, "proto": "tcp"}]}, headers=AUTH)
        inf = c.post("/score", content=b'{"rows": [{"rate": Infinity, "proto": "tcp"}]}', headers=JSON)
    assert big.status_code == 200, big.text
    assert big.json() == inf.json()


def test_a_grid_step_of_values_near_the_largest_float_is_inf_without_a_warning() -> None:
    # What was wrong: a time-series model's grid step (--freq) whose rows held values near
    # float64's largest (1e308, twice in one step) overflowed in pandas' mean, and numpy's
    # 'overflow encountered in reduceat' went to the service's log as a RuntimeWarning with a
    # source line ('hourglass score': a bare line naming nothing). The step is inf, silently,
    # and scored as a far outlier (a warning is an error in these tests).
    import numpy as np
    import pandas as pd

    from hourglass.features.timeseries import TimeSeriesPreprocessor

    ts = pd.date_range("2024-01-01", periods=60, freq="5s")
    df = pd.DataFrame({"ts": ts, "a": np.sin(np.arange(60.0))})
    pre = TimeSeriesPreprocessor(timestamp_col="ts", freq="10s").fit(df)
    sent = df.assign(a=[1e308, 1e308, *df["a"].iloc[2:]])  # the first 10 s step: both rows
    grid = pre.transform_frame(sent).to_numpy(dtype=float)
    assert grid[0, 0] >= 1e6 and np.isfinite(grid[1:]).all() and np.abs(grid[1:]).max() < 10
