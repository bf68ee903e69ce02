"""Feature statistics, column roles and input checks: edge cases of valid and hostile input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.features import TabularPreprocessor
from hourglass.features.roles import port_numbers


def test_a_huge_hex_port_reads_as_no_port_not_an_overflow() -> None:
    # '0x' and 300 hex digits raised OverflowError (int too large to convert to float) from
    # transform, a traceback from `hourglass score`; '0x1_0' read as port 16
    ports = port_numbers(pd.Series(["0x" + "f" * 300, "0x50", "0x1_0", "0xffff", "0x10000"]))
    assert np.isnan(ports[0]) and ports[1] == 80 and np.isnan(ports[2])
    assert ports[3] == 65535 and np.isnan(ports[4])
    train = pd.DataFrame({"dst_port": ["0x50", "0x1bb", "0x50"], "b": [1.0, 2.0, 3.0]})
    pre = TabularPreprocessor().fit(train)
    X = pre.transform(pd.DataFrame({"dst_port": ["0x" + "f" * 300], "b": [1.0]}))
    port_block = [j for j, f in enumerate(pre.feature_names_) if f.startswith("dst_port")]
    assert port_block and not X[0, port_block].any()  # as any other text that is no port


def test_an_int_past_the_float_range_in_a_list_is_an_input_error() -> None:
    # np.asarray(X, float32) raised a bare OverflowError (int too large to convert to float)
    from hourglass.errors import InputError
    from hourglass.features.validation import check_array

    with pytest.raises(InputError, match="integer past the float range"):
        check_array([[10**400, 1]])
    with pytest.raises(InputError, match="too large for float32"):  # within float64: as before
        check_array([[2**200, 1]])
