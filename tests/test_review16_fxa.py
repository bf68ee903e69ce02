"""--suppress between and ECS alert times read a batch's numeric dates in one order; wide JSON
integers as times; explain --keep of 64-bit ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner, small_labelled_model
from tests.test_review16_alrt import day_first_rows, train_timed_model

KEY = "k" * 20
DECEMBER = '[[rule]]\nname = "patch"\nbetween = [2026-12-06T02:00:00Z, 2026-12-06T04:00:00Z]\n'
JUNE = '[[rule]]\nname = "june"\nbetween = [2026-06-12T02:00:00Z, 2026-06-12T04:00:00Z]\n'


@pytest.fixture(scope="module")
def timed_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_timed_model(tmp_path_factory.mktemp("fxa16_timed"))


def _client(model: Path, rules: Path | None) -> Any:
    from fastapi.testclient import TestClient

    from hourglass.serve.app import create_app
    from hourglass.serve.suppress import load_suppressions

    app_ = create_app(model, api_key=KEY, suppress=load_suppressions(rules) if rules else None)
    return TestClient(app_, raise_server_exceptions=False)


def test_a_time_no_float_holds_is_not_matched_by_between(timed_model: Path, tmp_path: Path) -> None:
    # a flagged row whose time is a JSON integer of 401 digits: pd.to_numeric raised an
    # OverflowError (serve: a 500; stream: a traceback, exit code 1)
    rules = tmp_path / "dec.toml"
    rules.write_text(DECEMBER)
    big = "1" + "0" * 400
    lines = (f'{{"ts": {big}, "bytes": 1e12, "pkts": 9000}}\n'
             '{"ts": "2026-12-06T02:00:00Z", "bytes": 100, "pkts": 8}\n')
    res = runner.invoke(app, ["stream", str(timed_model), "--suppress", str(rules), "--all"], input=lines)
    assert res.exit_code == 0, res.output
    got = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert [a["flag"] for a in got] == [1, 0] and got[0]["suppressed"] == ""
    body = ('{"rows": [{"ts": ' + big + ', "bytes": 1e12, "pkts": 9000}, '
            '{"ts": "2026-12-06T02:00:00Z", "bytes": 100, "pkts": 8}]}')
    answer = _client(timed_model, rules).post("/score", content=body, headers={
        "X-API-Key": KEY, "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["flags"] == [1, 0] and answer.json()["suppressed"] == ["", ""]


def test_a_date_valid_in_no_order_does_not_undo_the_batch_order(timed_model: Path, tmp_path: Path) -> None:
    # one unflagged row's '31/31/2026' (day and month above 12) made the whole chunk "show both
    # orders", and the flagged 06/12/2026 rows were read alone (12 June): 6 flagged, 0 suppressed
    rows = day_first_rows()
    rows.loc[1, "ts"] = "31/31/2026 00:00:00"
    data = tmp_path / "bad_day.csv"
    rows.to_csv(data, index=False)
    rules = tmp_path / "dec.toml"
    rules.write_text(DECEMBER)
    out = tmp_path / "scored.jsonl"
    res = runner.invoke(app, ["score", str(timed_model), str(data), "--suppress", str(rules), "-o", str(out)])
    assert res.exit_code == 0, res.output
    got = pd.read_json(out, lines=True)
    assert (got["suppressed"] == "patch").sum() == 6 and got["flag"].sum() == 0
    lines = "".join(json.dumps(r) + "\n" for r in rows.to_dict("records"))
    res = runner.invoke(app, ["stream", str(timed_model), "--suppress", str(rules), "--all"], input=lines)
    assert res.exit_code == 0, res.output
    streamed = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert sum(a["suppressed"] == "patch" for a in streamed) == 6 and sum(a["flag"] for a in streamed) == 0
    answer = _client(timed_model, rules).post("/score", json={"rows": rows.to_dict("records")},
                                              headers={"X-API-Key": KEY})
    assert answer.status_code == 200, answer.text
    assert answer.json()["suppressed"].count("patch") == 6 and sum(answer.json()["flags"]) == 0


def test_an_iso_request_does_not_read_the_date_order(timed_model: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # every request with a between rule had all its rows flattened again and their date order
    # inferred, though ISO 8601 times read alike in either order (+20-30% per 10k-row request)
    import hourglass._times as times
    from hourglass.serve.scoring import TableScorer
    from hourglass.serve.suppress import load_suppressions

    rules = tmp_path / "dec.toml"
    rules.write_text(DECEMBER)
    scorer = TableScorer(timed_model)
    scorer.suppress_with(load_suppressions(rules))
    calls: list[int] = []
    for name in ("chunk_dayfirst", "infer_dayfirst"):
        real = getattr(times, name)
        monkeypatch.setattr(times, name, lambda v, c, _real=real: calls.append(len(v)) or _real(v, c))
    rows = [{"ts": f"2026-12-0{1 + i % 9}T02:10:00Z", "bytes": 1e12 if i % 10 == 0 else 150.0,
             "pkts": 9000 if i % 10 == 0 else 8} for i in range(60)]
    rows[0]["ts"] = "2026-12-06T02:10:00Z"
    result = scorer.score(rows)
    assert result["suppressed"][0] == "patch" and result["flags"][0] == 0
    assert calls == []
    day_first = day_first_rows().to_dict("records")
    assert scorer.score(day_first)["suppressed"].count("patch") == 6 and calls  # read where it matters


@pytest.mark.parametrize("window", ["december", "june"])
def test_ecs_alert_times_read_the_dates_as_the_rules_do(timed_model: Path, tmp_path: Path,
                                                        window: str) -> None:
    # stream and serve stamped each ECS alert with its own row's date alone (06/12/2026: 12 June)
    # while --suppress read it in the batch's order (6 December): a 12 June window silenced none
    # of the alerts stamped 12 June, a 6 December window silenced alerts that never said so
    rows = day_first_rows()
    rules = tmp_path / f"{window}.toml"
    rules.write_text(DECEMBER if window == "december" else JUNE)
    name = "patch" if window == "december" else "june"
    silenced = 6 if window == "december" else 0
    data = tmp_path / "day_first.csv"
    rows.to_csv(data, index=False)
    out = tmp_path / "alerts.jsonl"
    res = runner.invoke(app, ["score", str(timed_model), str(data), "--suppress", str(rules),
                              "--alert-format", "ecs", "-o", str(out)])
    assert res.exit_code == 0, res.output
    scored = [json.loads(line) for line in out.read_text().splitlines()]
    lines = "".join(json.dumps(r) + "\n" for r in rows.to_dict("records"))
    res = runner.invoke(app, ["stream", str(timed_model), "--suppress", str(rules), "--alert-format", "ecs"],
                        input=lines)
    assert res.exit_code == 0, res.output
    assert f"{silenced} suppressed ({name}: {silenced})" in res.stderr
    streamed = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    client = _client(timed_model, rules)
    answer = client.post("/score", json={"rows": rows.to_dict("records"), "alert_format": "ecs"},
                         headers={"X-API-Key": KEY})
    assert answer.status_code == 200, answer.text
    served = answer.json()["alerts"]
    assert answer.json()["suppressed"] == ({name: silenced} if silenced else {})
    plain = client.post("/score", json={"rows": rows.to_dict("records")}, headers={"X-API-Key": KEY}).json()
    assert plain["suppressed"].count(name) == silenced  # serve's between reads the request's order
    for docs in (scored, streamed, served):
        assert len(docs) == 6 - silenced
        assert {d["@timestamp"] for d in docs} <= {"2026-12-06T02:10:00.000Z"}


def test_explain_keeps_64_bit_ids_with_a_missing_one_exact(tmp_path: Path) -> None:
    # explain --keep wrote such ids through floats: 9007199254740997 as 9.007199254740996e+15
    labelled = small_labelled_model(tmp_path)
    frame = labelled["frame"].drop(columns=["label"]).head(40).copy()
    frame["bytes"] = 1e9  # every row flagged, the one without an id among them
    ids = [str(2**53 + 1 + i) for i in range(len(frame))]
    ids[0] = ""
    frame["flow_id"] = ids
    data = tmp_path / "ids.csv"
    frame.to_csv(data, index=False)
    for suffix in ("csv", "jsonl", "parquet"):
        out = tmp_path / f"explained.{suffix}"
        res = runner.invoke(app, ["explain", str(labelled["model"]), str(data), "--keep", "flow_id", "-q",
                                  "-o", str(out)])
        assert res.exit_code == 0, res.output
        if suffix == "csv":
            got = pd.read_csv(out, dtype=str, keep_default_na=False)
            cells = dict(zip(got["row"].astype(int), got["flow_id"], strict=True))
        elif suffix == "parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(out)  # (pandas would read int64 with a null as floats)
            cells = dict(zip(table.column("row").to_pylist(), table.column("flow_id").to_pylist(),
                             strict=True))
        else:
            docs = [json.loads(line) for line in out.read_text().splitlines()]
            cells = {d["row"]: d["flow_id"] for d in docs}
        assert len(cells) == len(ids), "explain left out rows"
        for row, cell in cells.items():
            want = ids[row]
            assert pd.isna(cell) or cell == "" if want == "" else str(cell) == want, (suffix, row, cell)
