"""Features against an independent computation of what the README and docstrings say they are:
a series' grid steps, an event table's keys, and pins of the table, entity and session features
recomputed with plain pandas and NumPy."""

from __future__ import annotations

import ipaddress

import numpy as np
import pandas as pd

from hourglass.features import EntityWindows, EventSessions, TabularPreprocessor
from hourglass.features.timeseries import TimeSeriesPreprocessor


def _minutes(start: str, end: str) -> pd.DataFrame:
    t = pd.date_range(start, end, freq="1min")
    return pd.DataFrame({"ts": t.strftime("%Y-%m-%d %H:%M:%S"),
                         "cpu": np.random.default_rng(0).normal(size=len(t)).round(3)})


def test_a_series_scored_from_another_day_lies_on_the_same_grid() -> None:
    # what was wrong: the freq grid started at midnight of the first row's day (pandas' default
    # origin), so with a step that does not divide a day (7min) the tail of a series scored alone
    # lay on another grid than the whole series: no step in common, each value merged with others
    df = _minutes("2024-01-01 22:00", "2024-01-02 02:00")
    pre = TimeSeriesPreprocessor("ts", freq="7min", scaler="none").fit(df)
    whole = pre.transform_frame(df)
    tail = pre.transform_frame(df[df["ts"] >= "2024-01-02 00:30:00"])
    assert tail.index.isin(whole.index).all()
    # past the first (partial) step, the tail's steps hold the whole series' values
    pd.testing.assert_frame_equal(tail.iloc[1:], whole.loc[tail.index[1:]])


def test_grid_steps_are_epoch_multiples_and_hold_their_rows_mean() -> None:
    # what was wrong: as above; each step now starts at a multiple of freq from 1970-01-01 (as
    # entity buckets do) and holds the mean of the rows in [start, start + freq), recomputed here
    rng = np.random.default_rng(1)
    sec = np.sort(1_704_100_000 + rng.integers(0, 3_000, 200))
    df = pd.DataFrame({"ts": sec, "cpu": rng.normal(size=200)})
    for freq in ("13s", "7min", "7D"):
        step = int(pd.Timedelta(freq).total_seconds())
        got = TimeSeriesPreprocessor("ts", freq=freq, scaler="none", fill="ffill").fit(df).transform_frame(df)
        ref = df.groupby(sec // step * step)["cpu"].mean()
        starts = got.index.as_unit("s").asi8
        assert (starts % step == 0).all(), freq
        at = np.isin(starts, ref.index.to_numpy())
        np.testing.assert_allclose(got["cpu"].to_numpy()[at], ref.loc[starts[at]].to_numpy(), rtol=1e-6)


def test_a_step_that_divides_a_day_keeps_its_grid() -> None:
    # pin (held before the change too): for 5min the first row's midnight is an epoch multiple
    df = _minutes("2024-01-01 22:03", "2024-01-02 01:00")
    got = TimeSeriesPreprocessor("ts", freq="5min", scaler="none").fit(df).transform_frame(df)
    assert str(got.index[0]) == "2024-01-01 22:00:00"


def test_key_names_are_their_text_without_surrounding_spaces() -> None:
    # what was wrong: a key column's ' read ' (a CSV's 'login, read ') was a key of its own beside
    # 'read', so a model trained on 'read' scored ' read ' as the unknown key 0
    train = pd.DataFrame({"user": ["a", "a", "b"], "event": ["login", "read", "read"], "t": [1, 2, 3]})
    pre = EventSessions(session_column="user", key_column="event", time_column="t").fit(train)
    scored = pd.DataFrame({"user": ["a", "a"], "event": ["login", " read "], "t": [1, 2]})
    assert [s.tolist() for s in pre.transform(scored)] == [[1, 2]]
    both = pd.DataFrame({"user": ["a", "a"], "event": ["read", " read "], "t": [1, 2]})
    assert EventSessions(session_column="user", key_column="event").fit(both).templates() == {1: "read"}


def test_a_model_that_named_a_key_with_its_spaces_still_reads_it() -> None:
    # pin (held before, kept by the fix): a model saved while ' read ' was a name of its own
    # keeps reading that cell as that key
    train = pd.DataFrame({"user": ["a", "a"], "event": ["login", "read"]})
    pre = EventSessions(session_column="user", key_column="event").fit(train)
    pre.key_names_ = ["login", " read "]
    assert [s.tolist() for s in pre.transform(pd.DataFrame({"user": ["a"], "event": [" read "]}))] == [[2]]


def _flows(rng: np.random.Generator, n: int) -> pd.DataFrame:
    ips = [f"10.0.{rng.integers(0, 3)}.{rng.integers(1, 255)}" if rng.random() < .5 else
           f"2001:db8:{rng.integers(0, 4):x}::{rng.integers(1, 99)}" for _ in range(n)]
    return pd.DataFrame({"bytes": rng.lognormal(3, 2, n), "delta": rng.normal(0, 1e3, n),
                         "proto": rng.choice(["tcp", "udp", "icmp"], n), "src_ip": ips,
                         "dst_port": rng.choice([22, 80, 443, 8080, 50000], n).astype(float)})


def test_table_features_equal_a_recomputation() -> None:
    # pin (held before): minmax-scaled numbers (log1p where chosen), one-hot categories with
    # <unseen>, IP private/IPv6 flags and port buckets equal a plain recomputation, row by row
    # as for all rows at once
    rng = np.random.default_rng(3)
    tr, te = _flows(rng, 200), _flows(rng, 30)
    te.loc[0, "proto"], te.loc[1, "dst_port"], te.loc[2, "delta"] = "gre", 3389.0, -1e7
    pre = TabularPreprocessor().fit(tr)
    X = pre.transform(te)
    names = pre.feature_names_
    for c in ("bytes", "delta"):
        f = (lambda v: np.log1p(v)) if c in pre.log1p_ else (lambda v: v)
        t = f(tr[c].to_numpy())
        want = (f(te[c].to_numpy()) - t.min()) / (t.max() - t.min())
        np.testing.assert_allclose(X[:, names.index(c)], want, rtol=1e-5, atol=1e-6)
    for v in ("tcp", "udp", "icmp", "<unseen>"):
        want = (te["proto"] == v) if v != "<unseen>" else ~te["proto"].isin(tr["proto"])
        assert (X[:, names.index(f"proto={v}")] == want.to_numpy()).all()
    addr = [ipaddress.ip_address(a) for a in te["src_ip"]]
    assert (X[:, names.index("src_ip:ipv6")] == [a.version == 6 for a in addr]).all()
    port = te["dst_port"].to_numpy()
    assert (X[:, names.index("dst_port:well-known")] == (port < 1024)).all()
    assert (X[:, names.index("dst_port:registered")] == ((port >= 1024) & (port < 49152))).all()
    np.testing.assert_array_equal(np.vstack([pre.transform(te.iloc[[i]]) for i in range(len(te))]), X)


def test_entity_aggregates_equal_a_group_by() -> None:
    # pin (held before): per (entity, epoch-aligned bucket) the row count, sums, maxima and
    # distinct counts equal a pandas group-by, for a time on a bucket's boundary and times
    # written with an offset (read in UTC)
    rng = np.random.default_rng(4)
    n = 120
    sec = 1_700_000_100 + rng.integers(0, 1_800, n)
    sec[:10] = 1_700_000_100 - 1_700_000_100 % 300 + 300 * np.arange(10)  # on boundaries
    ts = [(pd.Timestamp(s, unit="s") + pd.Timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+02:00")
          for s in sec]
    df = pd.DataFrame({"src": rng.choice(["a", "b", " a"], n), "ts": ts, "bytes": rng.lognormal(4, 1, n),
                       "dport": rng.choice([22, 80, 443], n)})
    ew = EntityWindows("src", "ts", bucket="5min", numeric=["bytes"], categorical=["dport"], log1p="none")
    agg = ew.fit(df).aggregate(df)
    g = df.assign(src=df["src"].str.strip(), b=sec // 300 * 300).groupby(["src", "b"])
    ref = g.agg(rows=("bytes", "size"), s=("bytes", "sum"), m=("bytes", "max"), d=("dport", "nunique"))
    assert agg["entity"].tolist() == [e for e, _ in ref.index]
    starts = pd.DatetimeIndex(agg["bucket_start"]).tz_convert(None).as_unit("s").asi8
    assert starts.tolist() == [int(b) for _, b in ref.index]
    assert agg["rows"].tolist() == ref["rows"].tolist()
    np.testing.assert_allclose(agg["bytes:sum"], ref["s"], rtol=1e-12)
    np.testing.assert_allclose(agg["bytes:max"], ref["m"], rtol=0)
    np.testing.assert_array_equal(agg["dport:distinct"], ref["d"])


def test_an_ipv6_address_is_private_alike_on_every_python() -> None:
    # what was wrong: the src_ip:private feature of an IPv6 address was ipaddress' is_private,
    # which Python builds answer differently (3.11.7: 2002::1 public, 2001:20::1 private; a
    # patched 3.11.2 and 3.13 the reverse), so a model's features changed with the Python that
    # scored it; the table is now fixed (IANA's registry, as Python 3.13 reads it), and an
    # IPv4-mapped address is private as its IPv4 address is
    addrs = ["2002::1", "2001:20::1", "64:ff9b:1::1", "fd12::5", "fe80::1", "::1", "2001:db8::1",
             "2600::1", "::ffff:10.0.0.1", "::ffff:8.8.8.8", "::ffff:100.64.0.1"]
    want = [1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1]
    df = pd.DataFrame({"src_ip": addrs * 5, "x": np.arange(len(addrs) * 5.0)})
    pre = TabularPreprocessor(roles={"src_ip": "ip"}).fit(df)
    col = pre.feature_names_.index("src_ip:private")
    assert pre.transform(df.head(len(addrs)))[:, col].tolist() == want
    assert [pre.transform(df.iloc[[i]])[0, col] for i in range(len(addrs))] == want
