"""Declared dependency minimums are true: what the lowest allowed stack (torch 2.2, numpy 1.26,
pandas 2.1, ...) lacks is worked around, pinned here on the current stack by taking the newer
API away."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch
from torch import nn

from hourglass.detectors.autoencoder import AutoEncoder
from hourglass.nn import optim
from hourglass.nn.optim import Adam, FusedAdam, fused_adam_runs_on


def _no_cpu_fused_kernel(*args: object, **kwargs: object) -> None:
    # torch 2.2 and 2.3: the fused Adam kernel exists for CUDA only
    raise NotImplementedError("Could not run 'aten::_fused_adam_' with arguments from the 'CPU' backend.")


@pytest.fixture
def torch_2_2(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A torch without the CPU fused Adam kernel, as 2.2 and 2.3 are."""
    monkeypatch.setattr(torch, "_fused_adam_", _no_cpu_fused_kernel)
    fused_adam_runs_on.cache_clear()
    yield
    fused_adam_runs_on.cache_clear()


def test_the_fused_kernel_is_detected_per_device(torch_2_2: None) -> None:
    # what was wrong: the seed AutoEncoder always called torch._fused_adam_, which has no CPU
    # kernel before torch 2.4, while pyproject allows torch>=2.2
    assert fused_adam_runs_on("cpu") is False


def test_fused_adam_without_the_kernel_runs_the_foreach_update(torch_2_2: None) -> None:
    # what was wrong: FusedAdam.step raised NotImplementedError on torch 2.2/2.3 (CPU); it now
    # runs the foreach update, bit for bit Adam(fused=False)'s
    def net() -> nn.Module:
        torch.manual_seed(0)
        return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 4))

    a, b = net(), net()
    opt_a, opt_b = FusedAdam(list(a.parameters()), lr=1e-2), Adam(list(b.parameters()), lr=1e-2)
    assert opt_a.fused is False
    X = torch.randn(16, 4, generator=torch.Generator().manual_seed(1))
    for _ in range(5):
        for m, opt in ((a, opt_a), (b, opt_b)):
            opt.zero_grad()
            (m(X) - X).pow(2).mean().backward()
            opt.step()
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)


def test_the_autoencoder_trains_and_scores_on_a_torch_without_the_cpu_kernel(torch_2_2: None) -> None:
    # what was wrong: 'hourglass train' and 'hourglass demo' (the default AutoEncoder) stopped
    # with a NotImplementedError traceback on torch 2.2/2.3; the fit now completes
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5)).astype(np.float32)
    ae = AutoEncoder(hidden=(8, 4), epochs=2, batch_size=64, verbose=0).fit(X)
    scores = ae.decision_function(X)
    assert scores.shape == (200,) and np.isfinite(scores).all()


def test_the_kernel_is_used_where_torch_has_it() -> None:
    # the fallback only where the kernel is missing: on torch >= 2.4 (CPU) FusedAdam stays fused
    if not fused_adam_runs_on("cpu"):
        pytest.skip("this torch has no fused Adam on the CPU (< 2.4)")
    assert FusedAdam([nn.Parameter(torch.zeros(2))]).fused is True
    assert optim.fused_adam_runs_on is fused_adam_runs_on


def test_iso_text_of_a_time_column_without_numpy_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: the column-at-once ISO text of times with fractions or a zone (CSV, JSON
    # lines and SQLite outputs) called np.strings, which numpy 1.26 (allowed: numpy>=1.26) lacks:
    # an AttributeError traceback; it now calls np.char (np.strings' own functions on numpy 2)
    import pandas as pd

    from hourglass.ingest.readers import _iso_column

    monkeypatch.delattr(np, "strings", raising=False)
    t = pd.Series(pd.to_datetime(["2024-03-31T00:30:00.25", "2024-03-31T01:30:00.000000001", None],
                                 format="ISO8601"))
    assert _iso_column(t).tolist() == [v.isoformat() if v is not pd.NaT else None for v in t] == [
        "2024-03-31T00:30:00.250000", "2024-03-31T01:30:00.000000001", None]
    zoned = t.dt.tz_localize("UTC").dt.tz_convert("America/St_Johns")  # -02:30 in summer
    assert _iso_column(zoned).tolist()[:2] == [v.isoformat() for v in zoned[:2]]


def test_a_body_of_another_kind_is_named_so_in_either_error_order() -> None:
    # what was wrong: the service's message took pydantic's first error; pydantic 2.14.0
    # (allowed: pydantic>=2.14) lists an unknown field before the missing one, 2.14.4 after, so
    # {"rows": ...} sent to a log model read "rows: unknown field; ..." on the one and "body:
    # expected a JSON object {"lines": ...}; it has 'rows' but no 'lines'" on the other
    from hourglass.serve.app import BODIES, LinesRequest, validation_message

    missing = {"type": "missing", "loc": ("lines",), "input": {"rows": [{"a": 1}]}}
    extra = {"type": "extra_forbidden", "loc": ("rows",), "input": [{"a": 1}]}
    got = {validation_message(errors, BODIES[LinesRequest])
           for errors in ([missing, extra], [extra, missing])}
    assert len(got) == 1
    status, message = got.pop()
    assert status == 422 and message.startswith(
        'body: expected a JSON object {"lines": ["raw log line", ...]}; it has \'rows\' but no \'lines\'')
    # an unknown field beside the body's own is still named as such
    assert validation_message([{**extra, "loc": ("line",)}], BODIES[LinesRequest])[1].startswith(
        "line: unknown field")


def test_an_entity_column_of_blank_text_and_numbers_on_pandas_2_1(monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: EntityWindows read a numeric column holding text (blank, '-', a word) with
    # a nullable boolean's .to_numpy(), objects on pandas 2.1 (allowed: pandas>=2.1), and '&='
    # into a bool array raised a numpy casting error: a 500 from 'serve' for a blank 'bytes'
    # of an entity model; the values are now taken as bool
    import pandas as pd

    from hourglass.errors import InputError
    from hourglass.features.entity import EntityWindows

    for array in (pd.arrays.BooleanArray, pd.arrays.ArrowExtensionArray):  # text's comparisons
        plain = array.to_numpy

        def pandas_2_1(self, dtype=None, copy=False, na_value=pd.api.extensions.no_default,  # type: ignore[no-untyped-def]
                       plain=plain):
            return plain(self, dtype=object if dtype is None else dtype, copy=copy, na_value=na_value)

        monkeypatch.setattr(array, "to_numpy", pandas_2_1)
    got = EntityWindows._numbers(None, pd.Series(["5", "", "-", None], dtype=object), "bytes")  # type: ignore[arg-type]
    assert got[0] == 5 and np.isnan(got[1:]).all()
    with pytest.raises(InputError, match=r"column 'bytes': row 2 is not a number \('many'\)"):
        EntityWindows._numbers(None, pd.Series(["5", "many", ""], dtype=object), "bytes")  # type: ignore[arg-type]


def test_a_series_step_is_spelled_as_now_on_pandas_2_1(monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: a time series' step, saved in the model (config 'step') and named in its
    # messages, was pandas' freqstr: on pandas 2.1 (allowed: pandas>=2.1) '1T', '1500L', '2H',
    # on 2.2 on '1min', '1500ms', '2h'; it is now the latter on both
    import pandas as pd

    from hourglass.features import timeseries

    old = {pd.Timedelta("60s"): "T", pd.Timedelta("1500ms"): "1500L", pd.Timedelta("2h"): "2H",
           pd.Timedelta("90s"): "90S"}
    monkeypatch.setattr(timeseries, "to_offset", lambda step: type("Offset", (), {"freqstr": old[step]})())
    assert [timeseries._span(step) for step in old] == ["1min", "1500ms", "2h", "90s"]
