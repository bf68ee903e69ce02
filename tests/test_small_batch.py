"""The small-batch transform (features/small_batch.py) gives the general transform's matrix bit
for bit, and its errors word for word, on frames with every edge case the preprocessing knows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hourglass.errors import InputError
from hourglass.features import TabularPreprocessor
from hourglass.features import small_batch as sb

_NUM = [0.0, 1.5, -2.0, 1e6, 3e300, np.nan, np.inf, -np.inf, 7.0]
_PROTO = ["tcp", "udp", " tcp ", "TCP", "", "  ", None, "icmp", "é", "gre", "٨٠.0", "80.0", "x\x1f"]
_CODE = [80.0, 443.0, 22.0, np.nan, 8080.0, 80.5]
_USER = [f"u{i}" for i in range(12)] + ["", None]
_IP = ["10.0.0.1", "192.168.1.7", "8.8.8.8", "300.1.1.1", "::1", "2001:db8::7", "junk", None, ""]
_PORT = [80, 443, 22, 53, 50000, 70000, "0x1bb", "http", None, ""]


def _train(seed: int = 0, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pick = lambda pool, p=None: [pool[i] for i in rng.choice(len(pool), n, p=p)]  # noqa: E731
    return pd.DataFrame({
        "num": rng.normal(size=n) * np.where(rng.random(n) < 0.05, np.nan, 1.0),
        "cnt": rng.geometric(0.05, n),  # heavy-tailed: log1p with log1p="auto"
        "txtnum": [None if v < 0.05 else f" {v * 100:.1f} " for v in rng.random(n)],
        "proto": pick(["tcp", "udp", "icmp", "gre", " tcp ", None, "80.0"],
                      [0.4, 0.3, 0.2, 0.01, 0.04, 0.03, 0.02]),
        "code": pick(_CODE[:4]),
        "user": pick(_USER[:10]),
        "srcip": pick(_IP[:6]),
        "dport": pick([80, 443, 22, 53, 50000, None]),
        "flag": rng.random(n) < 0.3,
        "const": np.ones(n),
    })


_PARAMS = [
    {},
    {"scaler": "standard", "min_frequency": 5, "log1p": "none"},
    {"scaler": "quantile", "impute": "constant", "fill_value": -1.0},
    {"scaler": "robust", "max_corr": None, "log1p": ["cnt"]},
    {"impute": "error", "scaler": "none"},
]


@pytest.fixture(scope="module")
def fitted() -> list[TabularPreprocessor]:
    out = []
    for params in _PARAMS:
        train = _train()
        if params.get("impute") == "error":
            train = train.assign(num=train["num"].fillna(0.0), txtnum=train["txtnum"].fillna("1"))
        out.append(TabularPreprocessor(categorical=["code"], max_categories=6, hash_buckets=4,
                                       **params).fit(train))
    return out


def _outcome(fn, df: pd.DataFrame) -> tuple[str, object]:
    try:
        return "ok", fn(df)
    except Exception as exc:  # whatever the general code raises, the small-batch road must too
        return "error", f"{type(exc).__name__}: {exc}"


def _same(pre: TabularPreprocessor, df: pd.DataFrame) -> None:
    fast, general = _outcome(pre.transform, df), _outcome(pre._transform_general, df)
    assert fast[0] == general[0], (fast, general)
    if fast[0] == "error":
        assert fast[1] == general[1]
    else:
        a, b = fast[1], general[1]
        assert a.dtype == b.dtype == np.float32 and a.shape == b.shape
        assert a.tobytes() == b.tobytes()  # bit for bit, the sign of zeros and NaN payloads too


_cell = {
    "num": st.sampled_from(_NUM) | st.floats(allow_nan=True, allow_infinity=True),
    "cnt": st.integers(0, 10**6),
    "txtnum": st.sampled_from(["1", " 2.5 ", "", None, "1e3", "abc", "-0"]),
    "proto": st.sampled_from(_PROTO) | st.text(max_size=4),
    "code": st.sampled_from(_CODE),
    "user": st.sampled_from(_USER) | st.text(max_size=3),
    "srcip": st.sampled_from(_IP),
    "dport": st.sampled_from(_PORT),
    "flag": st.booleans(),
    "const": st.sampled_from([1.0, 2.0]),
}
_row = st.fixed_dictionaries(_cell)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_row, min_size=1, max_size=12), which=st.integers(0, len(_PARAMS) - 1),
       as_object=st.booleans())
def test_small_batches_match_the_general_transform(fitted, rows, which, as_object) -> None:
    pre = fitted[which]
    df = pd.DataFrame.from_records(rows)  # as the scoring service builds it from JSON
    if as_object:
        df = df.astype(object)
    for part in (df, df.iloc[:1], df.iloc[1:]):
        if len(part):
            _same(pre, part)


def test_the_small_batch_road_is_taken(fitted, monkeypatch) -> None:
    pre = fitted[0]
    df = _train(seed=1, n=40)
    expected = pre._transform_general(df)
    monkeypatch.setattr(TabularPreprocessor, "_transform_general",
                        lambda self, df: pytest.fail("the general transform ran"))
    assert pre.transform(df).tobytes() == expected.tobytes()
    assert pre.transform(df.iloc[[3]]).tobytes() == expected[[3]].tobytes()


@pytest.mark.parametrize("n", [1, 7, 300, sb.SMALL_ROWS, sb.SMALL_ROWS + 1])
def test_read_from_a_file_and_in_every_size(fitted, n) -> None:
    df = _train(seed=2, n=n)
    df = df.assign(proto=df["proto"].astype("str"))  # pyarrow-backed strings, as read_csv gives
    for pre in fitted:
        _same(pre, df)


def test_a_column_with_more_distinct_values_than_few_goes_to_the_general_code(fitted) -> None:
    df = _train(seed=3, n=600)
    df["user"] = [f"{i}.0" for i in range(600)]  # > roles._FEW distinct: canonicalised by pandas
    df["proto"] = [f"٨{i}.0" for i in range(600)]
    for pre in fitted:
        _same(pre, df)


def test_labels_that_are_not_plain_unique_strings(fitted) -> None:
    pre = TabularPreprocessor().fit(pd.DataFrame({0: [1.0, 2.0, 3.0], "p": ["a", "b", "a"]}))
    df = pd.DataFrame({0: [5.0], "p": ["b"]})
    _same(pre, df)
    _same(pre, pd.DataFrame([[5.0, "b", 1.0]], columns=[0, "p", "p"]))
    _same(fitted[0], _train(seed=4, n=3).drop(columns=["proto"]))  # the missing-column error


def test_errors_are_the_general_codes(fitted) -> None:
    df = _train(seed=5, n=5)
    df.loc[3, "txtnum"] = "12 kB"
    _same(fitted[0], df)
    df = _train(seed=5, n=5)
    df.loc[2, "num"] = np.nan
    _same(fitted[4], df)  # impute="error"
    with pytest.raises(InputError, match=r"column .num.: .* missing or infinite value"):
        fitted[4].transform(df)


def test_a_refit_forgets_the_memo() -> None:
    pre = TabularPreprocessor().fit(pd.DataFrame({"p": ["a", "b", "a"], "x": [1.0, 2.0, 3.0]}))
    one = pd.DataFrame({"p": ["c"], "x": [1.0]})
    assert pre.transform(one).tolist() == [[0.0, 0.0, 0.0, 1.0]]  # c: unseen
    pre.fit(pd.DataFrame({"p": ["c", "b", "c"], "x": [1.0, 2.0, 3.0]}))
    assert pre.transform(one).tolist() == [[0.0, 0.0, 1.0, 0.0]]  # c: known now
    _same(pre, one)
    state = TabularPreprocessor.from_dict(pre.to_dict())
    assert state.transform(one).tobytes() == pre.transform(one).tobytes()


def test_the_memo_stays_bounded(monkeypatch, fitted) -> None:
    monkeypatch.setattr(sb, "_MEMO_LIMIT", 5)
    pre = TabularPreprocessor(max_categories=3, hash_buckets=4).fit(_train())
    df = _train(seed=6, n=40).assign(user=[f"v{i}" for i in range(40)])
    _same(pre, df)
    assert all(len(m) <= 5 for m in pre.__dict__["_small_batch"].hash_memo.values())
    _same(pre, df)
