"""Session ids' surrounding spaces, odd spellings of ports and IPv4 addresses, and the OpenAPI
schema of ``"explain"``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from hourglass.features.sessions import EventSessions
from hourglass.features.sessions.live import line_events

_ROWS = [(" a ", "login"), ("a", "read"), ("b", "login"), (" b", "exit"), ("a ", "exit")]


def _grouped(found) -> list[tuple[str, list[int]]]:
    return [(i, s.tolist()) for i, s in zip(found.ids, found.sequences, strict=True)]


# what was wrong: a session id ' a ' in JSON lines, Parquet or a DataFrame (so the service's rows
# too) was a session of its own beside 'a', where the same rows in a CSV (cells read stripped)
# were one session 'a'
def test_session_ids_spaces_alike_in_every_format(tmp_path: Path) -> None:
    df = pd.DataFrame(_ROWS, columns=["user", "event"])
    df.to_csv(tmp_path / "t.csv", index=False)
    df.to_parquet(tmp_path / "t.parquet")
    (tmp_path / "t.jsonl").write_text("".join(json.dumps({"user": u, "event": e}) + "\n"
                                              for u, e in _ROWS))
    pre = EventSessions(session_column="user", key_column="event").fit(df)
    want = _grouped(pre.sessions(tmp_path / "t.csv"))
    assert [i for i, _ in want] == ["a", "b"]
    for data in (df, tmp_path / "t.parquet", tmp_path / "t.jsonl"):
        assert _grouped(pre.sessions(data)) == want, data


# what was wrong: a raw log's header field holding ' a ' named session ' a ' in 'score' and in
# 'stream' (line_events); it is 'a' in both, as an event table's id is
def test_header_field_session_ids_stripped_in_batch_and_stream() -> None:
    ids = [(" a ", "open"), ("a", "read"), ("b", "open"), (" b", "close")]
    lines = [f"{u}|op {op} done" for u, op in ids]
    pre = EventSessions(format=r"(?P<user>[^|]*)\|(?P<content>.*)", session_column="user").fit(lines)
    assert pre.sessions(lines).ids == ["a", "b"]
    assert line_events(pre, lines, 1, {})["session"] == ["a", "a", "b", "b"]


# what was wrong: a port with a fraction, 80.7 (as a number or as text), was floored to port 80
# (the feature dport=80 lit), where ECS alerts already left such a port out: it is no port now,
# a missing value, as every other value that is no port
def test_port_with_a_fraction_is_no_port() -> None:
    import numpy as np

    from hourglass.features.roles import port_numbers
    from hourglass.serve.ecs import _ecs_value

    got = port_numbers(pd.Series([80.7, 80.0, 443.0]))
    assert np.isnan(got[0]) and got[1:].tolist() == [80.0, 443.0]
    assert np.isnan(port_numbers(pd.Series(["80.7", "80"], dtype=object))).tolist() == [True, False]
    assert _ecs_value("destination.port", 80.7) is None


# what was wrong: '010.001.002.003' was the address 10.1.2.3 to the features (private, in
# 10.1.2.0/24) but no address to a suppression rule (10.0.0.0/8 did not match it) nor to ECS
# alerts (source.ip left out): every path reads its octets as decimal now
def test_zero_padded_ipv4_read_as_decimal_on_every_path() -> None:
    import numpy as np

    from hourglass.features.roles import ip_parts
    from hourglass.serve.ecs import _ecs_value
    from hourglass.serve.suppress import Condition

    padded = pd.Series(["010.001.002.003", "10.1.2.3"])
    private, _, bucket, missing = ip_parts(padded, 16)
    assert private.tolist() == [True, True] and bucket[0] == bucket[1] and not missing.any()
    cells = np.array(["010.001.002.003", "008.001.002.003", "300.001.002.003"], dtype=object)
    assert Condition.of(["10.0.0.0/8"], "x").test(cells).tolist() == [True, False, False]
    assert Condition.of(["10.1.2.3"], "x").test(cells[:1]).tolist() == [True]
    assert _ecs_value("source.ip", "010.001.002.003") == "10.1.2.3"
    assert _ecs_value("source.ip", "300.001.002.003") is None
