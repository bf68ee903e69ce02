"""Feature statistics, column roles and input checks: edge cases of valid and hostile input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.features import TabularPreprocessor
from hourglass.features.roles import port_numbers
from tests._federated import federated_preprocessor


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


def test_a_site_with_an_empty_text_column_leaves_its_role_to_the_others() -> None:
    # an empty CSV column reads as float NaN: the site read it as numbers, and merge_schema refused
    # "the sites read it differently (categorical at site 2; numeric at site 1)" where the pooled
    # fit one-hot encodes it (a site without a value has no say in a column's role)
    import io

    a = pd.read_csv(io.StringIO("service,y\n,1\n,2\n"))
    b = pd.read_csv(io.StringIO("service,y\nhttp,3\nftp,4\n"))
    params = TabularPreprocessor().get_params()
    fed = federated_preprocessor(params, [a, b])
    pooled = TabularPreprocessor().fit(pd.concat([a, b], ignore_index=True))
    assert fed.roles_["service"] == pooled.roles_["service"] == "categorical"
    assert fed.feature_names_ == pooled.feature_names_
    assert "service=<missing>" in fed.feature_names_
    # numbers at the other site: still numbers, the empty site's rows missing
    c = pd.DataFrame({"service": [5.0, 7.0], "y": [3.0, 4.0]})
    assert federated_preprocessor(params, [a, c]).feature_names_ == TabularPreprocessor().fit(
        pd.concat([a, c], ignore_index=True)).feature_names_


def test_text_near_unique_only_pooled_is_dropped_as_the_pooled_fit_drops_it() -> None:
    # 40 distinct session ids at each of two sites: categorical at each (40 <= 50), 80 distinct of
    # 80 rows pooled: the pooled fit drops the column as near-unique, the merged schema hashed it
    a = pd.DataFrame({"session": [f"a{i}" for i in range(40)], "y": np.arange(40.0)})
    b = pd.DataFrame({"session": [f"b{i}" for i in range(40)], "y": np.arange(40.0)})
    params = TabularPreprocessor().get_params()
    fed = federated_preprocessor(params, [a, b])
    pooled = TabularPreprocessor().fit(pd.concat([a, b], ignore_index=True))
    assert fed.roles_["session"] == pooled.roles_["session"] == "drop"
    assert fed.feature_names_ == pooled.feature_names_ == ["y"]
    # the same values repeated: not near-unique, hashed (80 distinct > max_categories) in both
    a2, b2 = pd.concat([a] * 2, ignore_index=True), pd.concat([b] * 2, ignore_index=True)
    assert federated_preprocessor(params, [a2, b2]).roles_["session"] == "hash"
    assert TabularPreprocessor().fit(pd.concat([a2, b2], ignore_index=True)).roles_["session"] == "hash"


def test_complex_labels_are_refused_not_cut_to_their_real_part() -> None:
    # astype(float64) dropped the imaginary part with a ComplexWarning: 1+1j passed as 1, 0.5j as 0
    from hourglass.errors import InputError
    from hourglass.features.validation import check_labels

    for y in (np.array([1 + 1j, 0.5j]), pd.Series([1 + 0j, 0j])):
        with pytest.raises(InputError, match="found complex numbers"):
            check_labels(y, 2)
    assert check_labels(np.array([1.0, 0.0]), 2).tolist() == [1, 0]
