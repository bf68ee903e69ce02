"""EntityWindows' numpy aggregation against the pandas group-by code it replaced: the same
DataFrame (values, dtypes, columns, row order) and the same float bits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hourglass.features import EntityWindows
from hourglass.features import entity as entity_mod
from hourglass.features._grouped import LONG, Groups, _compensated, distinct_top, numeric_stats
from hourglass.features.roles import factorize_strings


def _reference_aggregate(self: EntityWindows, df: pd.DataFrame) -> pd.DataFrame:
    """The pandas group-by aggregation EntityWindows used before the numpy one (kept here as
    the reference the new code must equal bit for bit)."""
    td = entity_mod.parse_bucket(self.bucket)
    ts = entity_mod._times(df[self.timestamp_col], self.timestamp_col)
    ent_codes, ent_names = factorize_strings(df[self.entity_col].reset_index(drop=True))
    frame = pd.DataFrame({"_e": ent_codes, "_b": ts.floor(td)})
    for c in self.numeric_:
        frame[f"n:{c}"] = self._numbers(df[c].reset_index(drop=True), c)
    for c in self.categorical_:
        frame[f"c:{c}"] = factorize_strings(df[c].reset_index(drop=True))[0]
    g = frame.groupby(["_e", "_b"], sort=False)
    size = g.size()
    cols: dict[str, Any] = {"count": size.to_numpy(dtype=np.float64)}
    if self.numeric_:
        parts = {s: getattr(g[[f"n:{c}" for c in self.numeric_]], s)(
            **({"min_count": 1} if s == "sum" else {})) for s in self.stats}
        for c in self.numeric_:
            for s in self.stats:
                cols[f"{c}:{s}"] = parts[s][f"n:{c}"].reindex(size.index).to_numpy(np.float64)
    for c in self.categorical_:
        cols[f"{c}:distinct"] = g[f"c:{c}"].nunique().reindex(size.index).to_numpy(np.float64)
        if self.top_share:
            top = frame.groupby(["_e", "_b", f"c:{c}"], sort=False).size()
            top = top.groupby(level=[0, 1], sort=False).max().reindex(size.index)
            cols[f"{c}:top_share"] = top.to_numpy(np.float64) / cols["count"]
    keys = size.index.to_frame(index=False)
    start = pd.DatetimeIndex(keys["_b"])
    out = pd.DataFrame({"entity": ent_names[keys["_e"].to_numpy()], "bucket_start": start,
                        "bucket_end": start + td, "rows": size.to_numpy(dtype=np.int64)})
    order = np.lexsort((start.asi8, out["entity"].to_numpy(dtype=str)))
    values = pd.DataFrame(cols)
    if self.log1p != "none":
        keep = (":top_share",) if self.log1p == "all" else (":mean", ":max", ":top_share")
        for k in cols:
            if not k.endswith(keep):
                values[k] = entity_mod._symlog(values[k].to_numpy())
    return pd.concat([out, values], axis=1).iloc[order].reset_index(drop=True)


def assert_identical(new: pd.DataFrame, old: pd.DataFrame) -> None:
    """Same frame, and the same bits in every float column (-0.0 included). A NaN is a NaN: its
    sign bit, which numpy's ``sign * log1p`` sets or not by the element's place in its vector
    loops (the old code's row order), means nothing and is imputed the same."""
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    for c in old.columns:
        if old[c].dtype == np.float64:
            a, b = new[c].to_numpy(), old[c].to_numpy()
            assert np.array_equal(np.isnan(a), np.isnan(b)), c
            keep = ~np.isnan(b)
            assert np.array_equal(a[keep].view(np.int64), b[keep].view(np.int64)), c


def _check(ew: EntityWindows, df: pd.DataFrame) -> None:
    got = ew._aggregate(df)  # warning-free (RuntimeWarnings are errors here)
    with np.errstate(over="ignore", invalid="ignore"):  # pandas' own reduceat warns on overflow
        want = _reference_aggregate(ew, df)
    assert_identical(got, want)


def _columns(ew: EntityWindows, numeric: tuple[str, ...], categorical: tuple[str, ...]) -> EntityWindows:
    """The columns fit would set, without the tabular fit (keeps the property test fast)."""
    ew.numeric_, ew.categorical_ = list(numeric), list(categorical)
    return ew


_NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=False, width=64),
                     st.sampled_from([0.0, -0.0, 0.1, 0.2, 0.3, 1e16, -1e16, 1.0, 3.0, 1e300, -1e300,
                                      np.nan, 2.0**53 + 1]),
                     st.integers(-(2**40), 2**40).map(float))
_TEXT = st.sampled_from(["a", "b", "c", "", " ", " a", "80", "80.0", "443", None])


@st.composite
def frames(draw: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    n = draw(st.integers(1, 60))
    n_ent = draw(st.integers(1, 6))
    ents = draw(st.lists(st.sampled_from(["h1", "h2", "10.0.0.1", "", "x", None, "h1 "]),
                         min_size=n, max_size=n)) if n_ent > 1 else ["only"] * n
    span = draw(st.sampled_from([1, 50, 600, 7200]))
    ts = draw(st.lists(st.integers(0, span), min_size=n, max_size=n))
    tz = draw(st.sampled_from(["epoch", "naive", "utc", "+02:00"]))
    base = pd.Timestamp("2024-03-01 09:58:00")
    times: Any = [base + pd.Timedelta(seconds=t) for t in ts]
    if tz == "epoch":
        times = [1_709_287_080 + t + draw(st.sampled_from([0.0, 0.25])) for t in ts]
    elif tz == "utc":
        times = pd.DatetimeIndex(times).tz_localize("UTC")
    elif tz == "+02:00":
        times = [t.strftime("%Y-%m-%d %H:%M:%S") + "+02:00" for t in times]
    df = pd.DataFrame({"host": ents, "ts": times,
                       "bytes": draw(st.lists(_NUMBERS, min_size=n, max_size=n)),
                       "n": draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n)),
                       "port": draw(st.lists(_TEXT, min_size=n, max_size=n)),
                       "proto": draw(st.lists(st.sampled_from(["tcp", "udp"]), min_size=n, max_size=n))})
    params = {"bucket": draw(st.sampled_from(["1s", "30s", "5min", "1h"])),
              "log1p": draw(st.sampled_from(["counts", "all", "none"])),
              "stats": draw(st.sampled_from([("sum", "mean", "max"), ("max",), ("mean",), ("sum",)])),
              "top_share": draw(st.booleans())}
    return df, params


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_the_aggregation_equals_the_pandas_group_by_bit_for_bit(
        case: tuple[pd.DataFrame, dict[str, Any]]) -> None:
    df, params = case
    ew = _columns(EntityWindows("host", "ts", **params), ("bytes", "n"), ("port", "proto"))
    _check(ew, df)


def test_many_rows_per_group_big_values_and_long_groups() -> None:
    rng = np.random.default_rng(0)
    n = 20_000
    df = pd.DataFrame({
        "host": rng.choice(["a", "b", "c", "d", "e"], n, p=[0.6, 0.1, 0.1, 0.1, 0.1]),
        "ts": np.sort(rng.uniform(0, 3600 * 3, n)),
        # magnitudes that make a plain or pairwise sum differ from pandas' compensated one
        "bytes": rng.lognormal(10, 4, n) * rng.choice([1.0, -1.0], n),
        "dur": np.where(rng.random(n) < 0.1, np.nan, rng.normal(0, 1e-3, n) + 1e8),
        "port": rng.integers(0, 3000, n), "proto": rng.choice(["tcp", "udp", "icmp"], n)})
    df.loc[5, "bytes"], df.loc[7, "bytes"], df.loc[9, "dur"] = np.inf, -np.inf, 1.7e308
    df.loc[11, "dur"] = 1.7e308
    # a long group, in time order, whose compensated sum differs from a pairwise one
    z = np.resize([1.0, 1e16, 1.0, 1.0, -1e16], 2 * LONG + 3)
    df = pd.concat([df, pd.DataFrame({"host": "z", "ts": np.linspace(0, 100, len(z)), "dur": 1.0,
                                      "bytes": z, "port": 1, "proto": "tcp"})], ignore_index=True)
    ref = _reference_aggregate(_columns(EntityWindows("host", "ts", bucket="10min", log1p="none"),
                                        ("bytes",), ()), df)
    assert ref.loc[ref["entity"] == "z", "bytes:sum"].item() != np.add.reduceat(z, [0])[0]
    ew = EntityWindows("host", "ts", bucket="10min", numeric=("bytes", "dur"),
                       categorical=("port", "proto")).fit(df)
    agg = ew.aggregate(df)
    assert agg["rows"].max() > LONG  # some groups go to pandas, the rest through the recurrence
    assert (agg["rows"] <= LONG).any()
    _check(ew, df)
    for bucket in ("1s", "1min", "1D"):
        _check(EntityWindows("host", "ts", bucket=bucket, log1p="none").fit(df), df)


def test_inferred_columns_on_flows_match() -> None:
    from hourglass.ingest.synthetic import port_scan_flows

    flows, _ = port_scan_flows(hosts=5, days=0.5, seed=3)
    ew = EntityWindows("src_ip", "ts", bucket="5min").fit(flows)
    _check(ew, flows)
    _check(ew, flows.iloc[:1])
    _check(ew, flows.iloc[::-1])


@pytest.mark.parametrize("values", [[[0.1], [0.2], [0.3]], [[np.nan], [np.nan], [1.0]],
                                    [[-0.0], [0.0], [-0.0]]])
def test_the_reductions_equal_pandas_on_one_group(values: list[list[float]]) -> None:
    x = np.array(values)
    g = Groups(np.zeros(len(x), dtype=np.int64))
    ours = numeric_stats(g, x.T, ("sum", "mean", "max"))
    frame = pd.DataFrame(x).groupby(np.zeros(len(x), dtype=int))
    for stat, theirs in (("sum", frame.sum(min_count=1)), ("mean", frame.mean()), ("max", frame.max())):
        assert ours[stat].tobytes() == theirs.to_numpy(np.float64).T.tobytes()
    d, t = distinct_top(g, np.array([2, 2, 5]))
    assert (d.tolist(), t.tolist()) == ([2], [2])


def test_contiguous_groups_take_pandas_shortcut_and_others_the_compensated_sum() -> None:
    rng = np.random.default_rng(1)
    n = 3000
    values = rng.normal(0, 1, n) * 10.0 ** rng.integers(-5, 12, n)
    values[::50] = [1.0, 1e16, 1.0, 1.0, -1e16] * (n // 250)
    with_nan = values.copy()
    with_nan[::97] = np.nan
    df = pd.DataFrame({"host": "a", "ts": np.sort(rng.uniform(0, 1800, n)), "clean": values,
                       "holes": with_nan, "port": rng.integers(0, 5, n)})
    for frame in (df, df.sample(frac=1.0, random_state=0)):  # contiguous groups, then not
        for numeric in (("clean", "holes"), ("clean",), ("holes",)):
            ew = _columns(EntityWindows("host", "ts", bucket="5min", log1p="none"), numeric, ("port",))
            assert ew._aggregate(frame)["rows"].min() > LONG
            _check(ew, frame)
    # the two summations differ on these values, so the checks above tell them apart
    mixed = np.array([1.0, 1e16, 1.0, 1.0, -1e16])
    one = Groups(np.zeros(len(mixed), dtype=np.int64))
    assert (_compensated(one, mixed.reshape(1, -1))[0][0, 0], np.add.reduceat(mixed, [0])[0]) == (2.0, 1.0)



def test_a_sum_that_overflows_is_inf_as_in_pandas_without_a_warning() -> None:
    # found by the property test above: 42 zeros, 1e300 and 1.797e308 in one bucket overflow to
    # inf in ufunc.reduceat (pandas' shortcut), which pandas computes silently; a RuntimeWarning
    # is an error in this suite
    n = 44
    df = pd.DataFrame({"host": "only", "ts": pd.Timestamp("2024-03-01 09:58:00"),
                       "bytes": [0.0] * (n - 2) + [1e300, 1.7976931348623157e308], "n": 0,
                       "port": "a", "proto": "tcp"}, index=range(n))
    ew = _columns(EntityWindows("host", "ts", bucket="1s", log1p="counts", stats=("sum", "mean", "max"),
                                top_share=False), ("bytes", "n"), ("port", "proto"))
    _check(ew, df)
