"""Preprocessing for real flow data: roles, imputation + indicators, rare/unseen categories, hashing,
IP and port features, scalers, selection, JSON state, and a property test on hostile tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hourglass.errors import InputError
from hourglass.features import TabularPreprocessor


def _flows(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    bytes_ = rng.lognormal(7, 2, n).round()
    rate = bytes_ / rng.uniform(0.5, 5, n)
    rate[::50] = np.inf  # CICFlowMeter's division by a zero duration
    dur = rng.exponential(1.0, n)
    dur[::40] = np.nan
    proto = rng.choice(["tcp", "udp", "icmp"], n, p=[0.6, 0.35, 0.05])
    proto[:3] = "gre"  # rare: below min_frequency=5
    return pd.DataFrame({
        "Flow ID": [f"10.0.0.{i % 200}-8.8.8.8-{i}" for i in range(n)],
        "Timestamp": pd.date_range("2024-01-01", periods=n, freq="s").astype(str),
        "Src IP": rng.choice(["10.0.0.5", "192.168.1.9", "8.8.8.8", "2001:db8::1"], n),
        "Dst Port": rng.choice([80, 443, 53, 51515, 22], n, p=[0.4, 0.3, 0.2, 0.05, 0.05]),
        "proto": proto,
        "user_agent": [f"agent-{int(v)}" for v in rng.integers(0, 120, n)],
        "bytes": bytes_,
        "bytes_copy": bytes_ * 2.0,
        "rate": rate,
        "duration": dur,
        "const": 7.0,
    })


def test_roles_are_inferred_and_overridable() -> None:
    pre = TabularPreprocessor(min_frequency=5).fit(_flows())
    roles = pre.roles_
    assert roles["Flow ID"] == "drop" and roles["Timestamp"] == "drop"
    assert roles["Src IP"] == "ip" and roles["Dst Port"] == "port"
    assert roles["proto"] == "categorical" and roles["user_agent"] == "hash"
    assert roles["bytes"] == "numeric"
    assert pre.constant_ == ["const"] and pre.duplicates_ == {"bytes_copy": "bytes"}
    assert pre.other_ == {"proto": ["gre"]}
    assert "proto=<other>" in pre.feature_names_ and "proto=<unseen>" in pre.feature_names_
    assert {"Src IP:private", "Dst Port:well-known", "Dst Port=443"} <= set(pre.feature_names_)
    forced = TabularPreprocessor(roles={"Dst Port": "categorical", "user_agent": "drop"}).fit(_flows())
    assert forced.roles_["Dst Port"] == "categorical" and "user_agent#0" not in forced.feature_names_
    with pytest.raises(InputError, match=r"^roles: column 'bytes' has unknown role 'weird'") as info:
        TabularPreprocessor(roles={"bytes": "weird"}).fit(_flows())
    assert info.value.param == "roles"  # the Python API names the parameter; the CLI, --role


def test_min_frequency_as_a_fraction_of_the_training_rows() -> None:
    # 3 of 1,000 rows is below 1% and pools into <other>; the documented fraction is accepted
    flows = _flows()
    share = TabularPreprocessor(min_frequency=0.01).fit(flows)
    assert share.other_ == {"proto": ["gre"]}
    assert TabularPreprocessor(min_frequency=0.001).fit(flows).other_ == {}
    with pytest.raises(InputError, match=r"^min_frequency must be > 0"):
        TabularPreprocessor(min_frequency=0.0).fit(flows)


def test_missing_and_inf_are_imputed_with_indicators() -> None:
    df = _flows()
    pre = TabularPreprocessor().fit(df)
    assert set(pre.indicators_) == {"rate", "duration"}
    X = pre.transform(df)
    assert np.isfinite(X).all()
    ind = X[:, pre.feature_names_.index("rate:missing")]
    assert ind.sum() == np.isinf(df["rate"]).sum()
    j = pre.feature_names_.index("duration")
    med = np.nanmedian(df["duration"])
    row = int(np.flatnonzero(df["duration"].isna())[0])
    twin = df.iloc[[row]].assign(duration=med)
    assert X[row, j] == pytest.approx(pre.transform(twin)[0, j])


def test_inf_in_a_column_that_had_none_in_training_is_extreme_not_imputed() -> None:
    """"Infinity" in a field (bytes=Infinity in a crafted log line) must not pass for the median:
    in a column whose training rows were all finite it is the scale's extreme, as 1e300 is;
    NaN there is still imputed, and a column with inf in training (CICFlowMeter's rates) keeps
    imputing it beside its indicator."""
    df = _flows()
    pre = TabularPreprocessor(log1p="none").fit(df)
    new = df.iloc[:4].copy()
    new["bytes"] = [np.inf, -np.inf, np.nan, 1e300]
    new["rate"] = [np.inf, 1.0, 1.0, 1.0]
    X = pre.transform(new)
    assert np.isfinite(X).all()
    j = pre.feature_names_.index("bytes")
    big = X[3, j]
    assert big > 1e8 and X[0, j] == big and X[1, j] == -big
    med = pre.transform(new.iloc[[2]].assign(bytes=pre.impute_["bytes"]))[0, j]
    assert X[2, j] == pytest.approx(med)
    r = pre.feature_names_.index("rate")
    assert X[0, r] == pytest.approx(pre.transform(new.iloc[[0]].assign(rate=pre.impute_["rate"]))[0, r])
    assert X[0, pre.feature_names_.index("rate:missing")] == 1.0
    np.testing.assert_array_equal(pre.transform(pd.concat([new] * 600)[:2048])[:4], X)  # general road


def test_categories_rare_unseen_and_hashing_are_stable() -> None:
    pre = TabularPreprocessor(min_frequency=5).fit(_flows())
    new = _flows(4, seed=3).assign(proto=["tcp", "gre", "sctp", None], user_agent="agent-7")
    X = pre.transform(new)
    cols = [pre.feature_names_.index(f"proto={v}") for v in ("tcp", "<other>", "<unseen>")]
    assert X[:, cols].tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]]
    hashed = [i for i, f in enumerate(pre.feature_names_) if f.startswith("user_agent#")]
    assert len(hashed) == 16 and (X[:, hashed].sum(axis=1) == 1).all()
    assert len({tuple(r) for r in X[:, hashed]}) == 1  # same value → same bucket


def test_ip_and_port_features() -> None:
    df = pd.DataFrame({"src_ip": ["10.1.2.3", "8.8.8.8", "192.168.0.1", "fe80::1", "bogus"] * 20,
                       "dport": ["80", "0x01bb", "51000", "-", "3389"] * 20,
                       "x": np.arange(100.0)})
    pre = TabularPreprocessor().fit(df)
    X = pd.DataFrame(pre.transform(df.head(5)), columns=pre.feature_names_)
    assert X["src_ip:private"].tolist() == [1, 0, 1, 1, 0]
    assert X["src_ip:ipv6"].tolist() == [0, 0, 0, 1, 0]
    assert X["src_ip:missing"].tolist() == [0, 0, 0, 0, 1]
    assert X["dport:well-known"].tolist() == [1, 1, 0, 0, 0]  # 0x01bb = 443
    assert X["dport:ephemeral"].tolist() == [0, 0, 1, 0, 0]
    assert X["dport:missing"].tolist() == [0, 0, 0, 1, 0]
    assert X["dport=443"].tolist() == [0, 1, 0, 0, 0]


@pytest.mark.parametrize("scaler", ["minmax", "standard", "robust", "quantile", "none"])
def test_scalers_round_trip_through_json(scaler: str) -> None:
    df = _flows()
    pre = TabularPreprocessor(scaler=scaler).fit(df)
    X = pre.transform(df)
    num = X[:, : len(pre.numeric_)]
    if scaler == "quantile":
        assert num.min() >= 0 and num.max() <= 1
    if scaler == "robust":
        np.testing.assert_allclose(np.median(num, axis=0), 0.0, atol=1e-6)
    twin = TabularPreprocessor.from_dict(json.loads(json.dumps(pre.to_dict())))
    np.testing.assert_array_equal(twin.transform(df), X)


def test_log1p_auto_and_selection_options() -> None:
    df = _flows()
    pre = TabularPreprocessor().fit(df)
    assert "bytes" in pre.log1p_
    top = TabularPreprocessor(max_features=1, max_corr=None).fit(df)
    assert len(top.numeric_) == 1
    keep = TabularPreprocessor(max_corr=None).fit(df)
    assert "bytes_copy" in keep.numeric_
    assert [d["role"] for d in pre.describe()][:2] == ["drop", "drop"]


def test_text_in_numeric_column_is_an_error_but_empty_text_is_missing() -> None:
    df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
    pre = TabularPreprocessor().fit(df)
    text = df.head(3).astype({"a": object})
    text.loc[1, "a"] = ""
    assert np.isfinite(pre.transform(text)).all()
    text.loc[2, "a"] = "lots"
    with pytest.raises(InputError, match=r"'a'.*'lots'.*row 3"):
        pre.transform(text)


_cells = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64),
                   st.just(""), st.none(), st.sampled_from(["tcp", "udp", "zzz"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_cells, _cells, st.floats(allow_nan=True, allow_infinity=True),
                          st.sampled_from(["tcp", "udp", "", None, "x"])),
                min_size=1, max_size=30))
def test_hostile_tables_never_crash_the_fitted_pipeline(rows: list[tuple]) -> None:
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"mixed": rng.choice(["tcp", "udp"], 200),
                          "num": rng.lognormal(3, 2, 200),
                          "num2": rng.normal(size=200),
                          "cat": rng.choice(["tcp", "udp"], 200)})
    train.loc[::17, "num"] = np.nan
    pre = TabularPreprocessor().fit(train)
    df = pd.DataFrame(rows, columns=["mixed", "ignored", "num2", "cat"])
    df["num"] = [r[2] for r in rows]
    df["mixed"] = df["mixed"].map(lambda v: v if isinstance(v, str) or v is None else str(v))
    X = pre.transform(df)
    assert X.shape == (len(rows), len(pre.feature_names_)) and np.isfinite(X).all()


def test_nan_and_fractional_options_are_named() -> None:
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    df = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match=r"^min_frequency must be a finite number"):
        TabularPreprocessor(min_frequency=float("nan")).fit(df)
    with pytest.raises(InputError, match=r"^max_categories must be a whole number"):
        TabularPreprocessor(max_categories=2.5).fit(df)
    with pytest.raises(InputError, match=r"^fill_limit must be a finite number"):
        TimeSeriesPreprocessor(fill_limit=float("nan")).fit(df)


@pytest.mark.parametrize("scaler", ["minmax", "standard", "robust", "quantile", "none"])
def test_a_table_without_numeric_columns_transforms(scaler: str) -> None:
    """Every column categorical (or hashed): the numeric block is n × 0 (it was 0 × 0, and
    broadcasting failed whatever the scaler)."""
    df = pd.DataFrame({"proto": ["tcp", "udp"] * 20, "port": np.arange(40.0) % 5})
    X = TabularPreprocessor(categorical=("port",), scaler=scaler).fit_transform(df)
    assert X.shape == (40, 3 + 6) and (X.sum(axis=1) == 2).all()


def test_integer_codes_keep_their_category_when_a_chunk_has_an_empty_cell() -> None:
    # an integer column reads as floats once a cell is empty: 80 must stay the known "80"
    train = pd.DataFrame({"code": [80, 443, 80, 22] * 25, "x": np.arange(100.0)})
    pre = TabularPreprocessor(categorical=["code"]).fit(train)
    alone = pre.transform(pd.DataFrame({"code": [80], "x": [5.0]}))
    with_gap = pre.transform(pd.DataFrame({"code": [80, None], "x": [5.0, 6.0]}))
    np.testing.assert_array_equal(alone[0], with_gap[0])
    assert with_gap[0][pre.feature_names_.index("code=<unseen>")] == 0.0
    # trained on floats (an empty cell in training): the same categories as from integers
    gappy = train.astype({"code": "float64"})
    gappy.loc[0, "code"] = np.nan
    assert "code=80" in TabularPreprocessor(categorical=["code"]).fit(gappy).feature_names_


def test_categories_saved_with_a_trailing_point_zero_still_match() -> None:
    # artefacts written before whole-number floats lost their ".0" hold "80.0"
    train = pd.DataFrame({"code": [80, 443] * 50, "x": np.arange(100.0)})
    state = TabularPreprocessor(categorical=["code"]).fit(train).to_dict()
    state["categories"] = {"code": ["443.0", "80.0"]}
    state["feature_names"] = [n.replace("=80", "=80.0").replace("=443", "=443.0")
                              for n in state["feature_names"]]
    old = TabularPreprocessor.from_dict(state)
    got = old.transform(pd.DataFrame({"code": [80, None], "x": [1.0, 2.0]}))
    assert got[0][old.feature_names_.index("code=80.0")] == 1.0
    assert got[0][old.feature_names_.index("code=<unseen>")] == 0.0
