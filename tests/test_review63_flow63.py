"""Review 63 (flow63): packet-derived flow records as nfdump, SiLK, Argus, pmacct and YAF write them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features.roles import infer_role, table_tells


def _nfdump(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "ts": ["2019-03-13 09:00:00"] * n, "td": rng.uniform(0, 5, n).round(3),
        "sa": [f"192.168.1.{i % 30 + 10}" for i in range(n)], "da": ["104.16.207.165"] * n,
        "sp": rng.integers(32768, 61000, n).astype(float), "dp": rng.choice([443.0, 53.0, 22.0], n),
        "pr": rng.choice([6.0, 17.0, 47.0], n), "flg": [".AP.SF"] * n,
        "ipkt": rng.integers(1, 40, n).astype(float), "ibyt": rng.integers(60, 50000, n).astype(float),
        "in": rng.choice([2.0, 3.0], n), "out": rng.choice([4.0, 7.0], n),
        "sas": rng.choice([0.0, 15169.0, 13335.0], n), "das": rng.choice([0.0, 16509.0], n)})


def test_nfdump_and_silk_short_names_are_ports_and_codes() -> None:
    # What was wrong: nfdump's '-o csv' (sa,da,sp,dp,pr,...) had its ports sp and dp min-max scaled
    # as magnitudes (a port scan's new ports 'near' the usual ones), as were its interface indexes
    # and AS numbers; SiLK's rwcut protocol 'pro' and pmacct's port_src/port_dst were numbers too.
    df = _nfdump()
    tells = table_tells(df.columns)
    roles = {c: infer_role(c, df[c], max_categories=50, columns=tells)[0] for c in df.columns}
    assert roles["sp"] == roles["dp"] == "port"
    assert roles["pr"] == roles["in"] == roles["out"] == roles["sas"] == roles["das"] == "categorical"
    assert roles["ipkt"] == roles["ibyt"] == roles["td"] == "numeric"
    # the same names in a table without nfdump's addresses and ports are read as before
    alone = df[["sp", "in", "ibyt"]]
    assert infer_role("sp", alone["sp"], max_categories=50, columns=alone.columns)[0] == "numeric"
    assert infer_role("in", alone["in"], max_categories=50, columns=alone.columns)[0] == "numeric"
    silk = pd.DataFrame({"sIP": ["10.0.0.1"] * 4, "dIP": ["10.0.0.2"] * 4, "sPort": [5000.0] * 4,
                         "dPort": [443.0] * 4, "pro": [6.0, 17.0, 6.0, 1.0]})
    assert infer_role("pro", silk["pro"], max_categories=50, columns=silk.columns)[0] == "categorical"
    ports = pd.Series(np.random.default_rng(1).integers(1024, 65535, 300))
    assert infer_role("port_src", ports, max_categories=50)[0] == "port"
    assert infer_role("port_dst", ports, max_categories=50)[0] == "port"
