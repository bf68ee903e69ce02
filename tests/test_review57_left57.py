"""Review round 57 (left57): regression tests for the small items the last round left alone."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.errors import InputError


def test_a_bytes_device_is_refused_before_training() -> None:
    # What was wrong: torch.device(b"cpu") is the CPU, so check_device and fit took device=b"cpu";
    # the model trained and then Pipeline.save refused it ("cannot save parameter value b'cpu' of
    # type bytes"). A device given as bytes is now an unknown device, before any training.
    from hourglass import AutoEncoder
    from hourglass.nn.device import check_device, resolve_device

    for check in (check_device, resolve_device):
        with pytest.raises(InputError, match=r"device: unknown device b'cpu'"):
            check(b"cpu")
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(InputError, match="unknown device b'cpu'"):
        AutoEncoder(device=b"cpu", epochs=1).fit(X)


def test_a_signalling_nan_decimal_in_a_table_is_an_input_error() -> None:
    # What was wrong: a Decimal('sNaN') in an object column given to Pipeline.fit or score (the
    # table path) raised decimal.InvalidOperation from inside pandas (which cannot even test it
    # for a missing value), where a detector's own array check names the cell as an InputError.
    from decimal import Decimal

    import pandas as pd

    from hourglass import AutoEncoder, Pipeline

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40)})
    bad = df.head(3).astype(object)
    bad.iloc[1, 0] = Decimal("sNaN")
    pipe = Pipeline(AutoEncoder(hidden=(2,), epochs=1, verbose=0)).fit(df)
    expected = r"^column 'a': value Decimal\('sNaN'\) at row 2; expected real numbers"
    with pytest.raises(InputError, match=expected):
        pipe.score(bad)
    with pytest.raises(InputError, match=r"^column 'a': value Decimal\('sNaN'\) at row 402;"):
        pipe.score(pd.concat([df.astype(object)] * 10 + [bad], ignore_index=True))  # not small
    with pytest.raises(InputError, match=r"^column 'a': value Decimal\('sNaN'\) at row 42;"):
        Pipeline(AutoEncoder(hidden=(2,), epochs=1, verbose=0)).fit(
            pd.concat([df.astype(object), bad], ignore_index=True))
    # a quiet NaN Decimal is still a missing value, as before
    bad.iloc[1, 0] = Decimal("NaN")
    assert np.isfinite(pipe.score(bad)).all()
