"""Review of what happens to alerts after scoring: suppression rules, grouping, drift, sinks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.serve import create_app
from hourglass.serve.suppress import Suppressions, load_suppressions
from tests._cli import runner

FAST = ["--epochs", "20", "--hidden", "16,8", "-q"]


# ---- a rule on the entity column of a model that folds entity names ---------------------------

def test_fold_rule_values_match_folded_entities() -> None:
    rules = Suppressions.parse('[[rule]]\nname = "svc"\nmatch = { user = "Alice" }\n'
                               '[[rule]]\nname = "g"\nmatch = { user = "SVC-*" }\n', "r.toml")
    keys = pd.DataFrame({"entity": ["alice", "svc-backup", "bob"],
                         "bucket_start": pd.to_datetime(["2026-01-01"] * 3)})
    flags, names = rules.for_buckets("user", "m", "fold").apply_buckets(keys, [1, 1, 1])
    assert flags.tolist() == [0, 0, 1] and names.tolist() == ["svc", "g", ""]
    # a model that compares names as written keeps comparing rule values as written
    flags, names = rules.for_buckets("user", "m").apply_buckets(keys, [1, 1, 1])
    assert flags.tolist() == [1, 1, 1] and names.tolist() == ["", "", ""]


def _signins(rng: np.random.Generator, hours: int, spellings: dict[str, list[str]]) -> pd.DataFrame:
    rows = []
    start = pd.Timestamp("2026-01-05T00:00:00")
    for h in range(hours):
        for names in spellings.values():
            for k in range(4):
                rows.append({"user": names[(h + k) % len(names)],
                             "ts": (start + pd.Timedelta(hours=h, minutes=10 * k)).isoformat(),
                             "bytes": float(rng.normal(100, 5))})
    return pd.DataFrame(rows)


def test_score_fold_model_rule_written_capitalised(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    spell = {"alice": ["alice", "Alice", "ALICE"], "bob": ["bob", "Bob"]}
    _signins(rng, 48, spell).to_csv(tmp_path / "train.csv", index=False)
    test = _signins(rng, 6, spell)
    test.loc[test["user"].str.lower() == "alice", "bytes"] = 1e6  # every alice bucket an alert
    test.to_csv(tmp_path / "test.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--entity-col", "user",
                              "--timestamp-col", "ts", "--bucket", "1h", "--entity-case", "fold",
                              "-o", str(tmp_path / "M"), *FAST])
    assert res.exit_code == 0, res.output
    (tmp_path / "r.toml").write_text('[[rule]]\nname = "alice ok"\nmatch = { user = "Alice" }\n')
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["score", str(tmp_path / "M"), str(tmp_path / "test.csv"), "-o", str(out),
                              "--suppress", str(tmp_path / "r.toml"), "-q"])
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out, keep_default_na=False)
    alice = got[got["entity"] == "alice"]
    assert len(alice) == 6 and (alice["suppressed"] == "alice ok").all() and (alice["flag"] == 0).all()
    assert (got.loc[got["entity"] != "alice", "suppressed"] == "").all()
    # the service: the same rule silences the folded entity's buckets
    rules = load_suppressions(tmp_path / "r.toml")
    key = "review-alerts-key-0123456789"
    with TestClient(create_app(tmp_path / "M", api_key=key, suppress=rules)) as c:
        body = c.post("/score", json={"rows": test.to_dict("records")}, headers={"X-API-Key": key}).json()
    alice_buckets = [b for b in body["buckets"] if b["entity"] == "alice"]
    assert alice_buckets and all((b["suppressed"], b["flag"]) == ("alice ok", 0) for b in alice_buckets)


# ---- true/false: a TOML boolean or its text, whichever way the column was read ----------------

@pytest.mark.parametrize("value", ["true", '"true"', '"TRUE"'])
def test_bool_rule_matches_bool_and_text_cells(value: str) -> None:
    rules = Suppressions.parse(f'[[rule]]\nname = "ok"\nmatch = {{ ok = {value} }}\n', "r.toml")
    as_bool = pd.DataFrame({"ok": [True, False]})                  # a column of only true/false
    as_text = pd.DataFrame({"ok": ["true", "false", "unknown", "True"]})  # one with other values
    assert rules.names(as_bool).tolist() == ["ok", ""]
    assert rules.names(as_text).tolist() == ["ok", "", "", "ok"]
    no = Suppressions.parse('[[rule]]\nname = "no"\nmatch = { ok = false }\n', "r.toml")
    assert no.names(as_bool).tolist() == ["", "no"] and no.names(as_text).tolist() == ["", "no", "", ""]


# ---- grouped JSON-lines alerts with a kept date-time field --------------------------------------

TS = pd.date_range("2026-01-01", periods=400, freq="s")


def timed_model(d: Path, times: pd.DatetimeIndex) -> Path:
    """A model of one number column with its event time (``ts``), trained under ``d`` on rows at
    ``times`` (its training file ``d / 't.csv'``)."""
    rng = np.random.default_rng(1)
    pd.DataFrame({"ts": times.astype(str), "bytes": rng.normal(100, 5, len(times))}).to_csv(
        d / "t.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "t.csv"), "--timestamp-col", "ts",
                              "-o", str(d / "M"), "--epochs", "3", "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    return d / "M"


@pytest.fixture(scope="module")
def table_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return timed_model(tmp_path_factory.mktemp("rv_alerts"), TS)


@pytest.mark.parametrize("unit", ["us", "ns"])  # a nanosecond time was kept as an integer
def test_grouped_jsonl_keeps_a_parquet_time_column_as_iso_text(tmp_path: Path, table_model: Path,
                                                               unit: str) -> None:
    test = pd.DataFrame({"ts": TS[:50].as_unit(unit), "bytes": 1e6, "host": "h1"})
    test.to_parquet(tmp_path / "x.parquet")
    out = tmp_path / "g.jsonl"
    res = runner.invoke(app, ["score", str(table_model), str(tmp_path / "x.parquet"), "--group-by",
                              "host", "--keep", "ts", "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output  # was a TypeError traceback (datetime not serialisable)
    groups = pd.read_json(out, lines=True, dtype=False)
    assert groups["count"].tolist() == [50] and groups["ts"].tolist() == ["2026-01-01T00:00:00"]


@pytest.mark.parametrize("fmt", ["hourglass", "ecs"])
def test_grouped_jsonl_keeps_missing_nullable_and_time_values_as_null(tmp_path: Path, table_model: Path,
                                                                      fmt: str) -> None:
    # kept as Python values, a missing Int64 cell was pd.NA (a TypeError traceback) and a
    # missing time NaT (written "NaT"; with --alert-format ecs the run stopped)
    n = 50
    test = pd.DataFrame({"ts": TS[:n], "bytes": 1e6, "host": ["h1", "h2"] * (n // 2),
                         "pkts": pd.array([None] * n, dtype="Int64"),
                         "seen": pd.Series([pd.NaT] * n, dtype="datetime64[ns]")})
    test.to_parquet(tmp_path / "x.parquet")
    out = tmp_path / "g.jsonl"
    res = runner.invoke(app, ["score", str(table_model), str(tmp_path / "x.parquet"), "--group-by", "host",
                              "--keep", "pkts", "--keep", "seen", "--alert-format", fmt, "-o", str(out),
                              "-q"])
    assert res.exit_code == 0, res.output
    docs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(docs) == 2
    for doc in docs:
        kept = doc["hourglass"]["fields"] if fmt == "ecs" else doc
        assert kept["pkts"] is None and kept["seen"] is None, doc


# ---- stream --group-by a field whose values are JSON arrays --------------------------------------

def test_stream_groups_by_an_array_field_as_its_json_text(tmp_path: Path, table_model: Path) -> None:
    rows = [{"ts": str(t), "bytes": 1e6, "tags": ["a", "b"] if i % 2 else ["c"]}
            for i, t in enumerate(TS[:20])]
    text = "".join(json.dumps(r) + "\n" for r in rows)
    (tmp_path / "x.jsonl").write_text(text)
    res = runner.invoke(app, ["stream", str(table_model), "--group-by", "tags", "-q"], input=text)
    assert res.exit_code == 0, res.output  # was a TypeError traceback (unhashable type: 'list')
    got = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    assert [(g["tags"], g["count"]) for g in got] == [('["c"]', 10), ('["a", "b"]', 10)]
    # the same keys as score reads the file with
    out = tmp_path / "g.jsonl"
    res = runner.invoke(app, ["score", str(table_model), str(tmp_path / "x.jsonl"), "--group-by", "tags",
                              "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert [json.loads(line)["tags"] for line in out.read_text().splitlines()] == ['["c"]', '["a", "b"]']


# ---- a rules path that is no rules file: refused at a size, not read whole ----------------------

def test_rules_file_over_the_size_limit_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    table_model: Path) -> None:
    import hourglass.serve.suppress as sup

    big = tmp_path / "flows.csv"
    big.write_text("ts,bytes\n" + "2026-01-01T00:00:00,1\n" * 200)
    monkeypatch.setattr(sup, "MAX_RULES_BYTES", 1024)
    with pytest.raises(InputError, match="larger than 0 MiB"):
        sup.load_suppressions(big)
    small = tmp_path / "r.toml"
    small.write_text('[[rule]]\nname = "x"\nmatch = { bytes = 1 }\n')
    assert sup.load_suppressions(small).names_in_force == ["x"]
    if Path("/dev/zero").exists():  # an endless file: one line, exit code 2, at once
        monkeypatch.setattr(sup, "MAX_RULES_BYTES", 2**20)
        data = tmp_path / "d.csv"
        data.write_text("ts,bytes\n2026-01-01T00:00:00,1\n")
        res = runner.invoke(app, ["score", str(table_model), str(data), "--suppress", "/dev/zero",
                                  "-o", str(tmp_path / "o.csv")])
        assert res.exit_code == 2 and "--suppress /dev/zero: larger than 1 MiB" in res.output
        assert not (tmp_path / "o.csv").exists()
