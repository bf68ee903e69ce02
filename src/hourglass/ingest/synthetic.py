"""A small synthetic flow table with a port scan hidden in it (tests, benchmarks, examples).

Normal traffic: ``hosts`` internal clients, each opening flows at a rate that follows a daily
rhythm (quiet at night, busy in the afternoon): mostly web, DNS and file-share flows to a few
servers, and a share of short "misc" flows to random ports anywhere in 1-65535 (peer-to-peer,
ephemeral replies); now and then (``bursts``: share of a host's buckets) a burst of many flows to
one service of one server (a page load, a file copy, an update), so that volume alone is not
suspicious. The scan: one host, in one bucket, opens ``scan_flows`` short flows to
distinct random ports of one server, each drawn exactly like a normal "misc" flow: no single
row gives it away; only their number and the spread of ports per (host, bucket) do.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["port_scan_flows"]

_SERVICES = ((443, "tcp", 0.45, 8.0), (80, "tcp", 0.15, 7.5), (53, "udp", 0.15, 4.8),
             (445, "tcp", 0.07, 9.0), (22, "tcp", 0.03, 8.5))  # port, proto, share, log-bytes mean
_MISC = 1.0 - sum(s[2] for s in _SERVICES)


def _flows(rng: np.random.Generator, n: int, host: str, start: np.ndarray, *,
           kind: int | None = None, server: str | None = None) -> pd.DataFrame:
    kinds = (np.full(n, kind) if kind is not None else
             rng.choice(len(_SERVICES) + 1, size=n, p=[*(s[2] for s in _SERVICES), _MISC]))
    misc = kinds == len(_SERVICES)
    port = np.array([s[0] for s in _SERVICES] + [0])[kinds]
    port[misc] = rng.integers(1, 65536, int(misc.sum()))
    proto = np.array([s[1] for s in _SERVICES] + ["tcp"], dtype=object)[kinds]
    mu = np.array([s[3] for s in _SERVICES] + [4.5])[kinds]
    sent = np.round(np.exp(rng.normal(mu, 0.6))).astype(np.int64) + 40
    dst = (np.full(n, server, dtype=object) if server is not None else
           np.array([f"10.0.1.{k}" for k in range(1, 9)], dtype=object)[rng.integers(0, 8, n)])
    return pd.DataFrame({
        "ts": start, "src_ip": host, "dst_ip": dst, "dst_port": port, "proto": proto,
        "bytes": sent, "packets": np.maximum(1, sent // 600 + rng.integers(0, 3, n)),
        "duration": np.round(rng.exponential(np.where(misc, 0.05, 2.0)), 3)})


def port_scan_flows(*, hosts: int = 8, days: float = 2.0, bucket_s: int = 300,
                    flows_per_bucket: float = 6.0, bursts: float = 0.01, burst_flows: float = 50.0,
                    scan_flows: int = 60, scan_day: float | None = None, seed: int = 0,
                    ) -> tuple[pd.DataFrame, dict[str, object]]:
    """(flows, scan): a flow table over ``days`` days and where its port scan is.

    ``ts`` is epoch seconds from 2024-01-01 00:00 UTC; the scan (when ``scan_flows`` > 0) is
    on the last day (``scan_day``: which day, 0-based) at 14:00-14:05 by host ``10.0.0.3``.
    ``scan`` holds ``host``, ``start`` (epoch seconds of the bucket start), ``rows`` and the
    0/1 array ``is_scan`` per flow. A host's flows per bucket are Poisson with mean
    ``flows_per_bucket`` times a daily rhythm (0.25 at 02:00, 1.75 at 14:00); a share ``bursts``
    of its buckets also hold a burst of Poisson(``burst_flows``) flows to port 443 or 445 of one
    server.

    Examples
    --------
    >>> flows, scan = port_scan_flows(hosts=3, days=0.5, scan_flows=0)
    >>> sorted(flows["src_ip"].unique()), int(scan["is_scan"].sum())
    (['10.0.0.1', '10.0.0.2', '10.0.0.3'], 0)
    """
    rng = np.random.default_rng(seed)
    t0 = 1_704_067_200  # 2024-01-01 00:00:00 UTC
    starts = np.arange(0, int(days * 86400), bucket_s)
    hour = (starts % 86400) / 3600.0
    rhythm = 1.0 + 0.75 * np.cos(2 * np.pi * (hour - 14.0) / 24.0)
    parts = []
    for h in range(1, hosts + 1):
        counts = rng.poisson(flows_per_bucket * rhythm * rng.uniform(0.7, 1.3))
        start = np.repeat(t0 + starts, counts) + rng.uniform(0, bucket_s, int(counts.sum())).round(3)
        parts.append(_flows(rng, len(start), f"10.0.0.{h}", start))
        for b in np.flatnonzero(rng.random(len(starts)) < bursts):
            n = int(rng.poisson(burst_flows))
            ts = t0 + starts[b] + np.sort(rng.uniform(0, bucket_s, n)).round(3)
            server = f"10.0.1.{int(rng.integers(1, 9))}"
            parts.append(_flows(rng, n, f"10.0.0.{h}", ts, kind=int(rng.choice([0, 3])), server=server))
    flows = pd.concat(parts, ignore_index=True)
    flows["is_scan"] = 0
    day = int(np.ceil(days) - 1) if scan_day is None else int(scan_day)
    scan_start = t0 + day * 86400 + 14 * 3600
    if scan_flows > 0:
        ts = scan_start + np.sort(rng.uniform(0, min(bucket_s, 300), scan_flows)).round(3)
        scan = _flows(rng, scan_flows, "10.0.0.3", ts, kind=len(_SERVICES), server="10.0.1.5")
        scan["dst_port"] = rng.choice(np.arange(1, 65536), scan_flows, replace=False)
        scan["is_scan"] = 1
        flows = pd.concat([flows, scan], ignore_index=True)
    flows = flows.sort_values("ts", kind="stable").reset_index(drop=True)
    is_scan = flows.pop("is_scan").to_numpy()
    return flows, {"host": "10.0.0.3", "start": scan_start, "rows": int(is_scan.sum()),
                   "is_scan": is_scan}
