"""Options that cut the data or the output agree with the same cut made by hand, and the
summaries and JSON reports say what the option left."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.cli import app
from tests._cli import runner


def _table(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.normal(size=n), "c": rng.choice(["x", "y", "z"], n)})


def test_inspect_json_says_when_rows_follow_the_first_rows(tmp_path: Path) -> None:
    # what was wrong: 'inspect big.csv --rows 50 --json r.json' wrote rows_inspected 50 and
    # nothing else about the cut: the same report as for a file of 50 rows, while the screen
    # says 'only the first 50 rows (--rows) of a longer file'
    data = tmp_path / "f.csv"
    _table(300).to_csv(data, index=False)
    head = tmp_path / "head.csv"
    _table(300).head(50).to_csv(head, index=False)
    seen = {}
    for name, path, rows in (("cut", data, 50), ("exact", data, 300), ("more", data, 1000),
                             ("head", head, 50)):
        out = tmp_path / f"{name}.json"
        res = runner.invoke(app, ["inspect", str(path), "--rows", str(rows), "--json", str(out)])
        assert res.exit_code == 0, res.output
        seen[name] = json.loads(out.read_text())
    assert seen["cut"]["more_rows"] is True and seen["cut"]["rows_inspected"] == 50
    assert seen["exact"]["more_rows"] is False and seen["exact"]["rows_inspected"] == 300
    assert seen["more"]["more_rows"] is False and seen["more"]["rows_inspected"] == 300
    assert seen["head"]["more_rows"] is False
    # the first 50 rows by hand: the same columns, roles and features as --rows 50
    assert seen["head"]["columns"] == seen["cut"]["columns"]


def test_entity_score_summary_counts_with_thousands_separators(tmp_path: Path) -> None:
    # what was wrong: 'score m/ flows.csv -o b.csv' of an entity-bucket model said 'scored 2623
    # rows as 432 (entity, 5min bucket) rows', its counts without the separators every other
    # summary (its own drift line: 'over 1,663 buckets') and 'explain' of the same rows use
    from hourglass.ingest.synthetic import port_scan_flows

    flows, _ = port_scan_flows(hosts=3, days=0.5, scan_flows=0)
    data, model = tmp_path / "flows.csv", tmp_path / "m"
    flows.to_csv(data, index=False)
    res = runner.invoke(app, ["train", str(data), "--entity-col", "src_ip", "--timestamp-col", "ts",
                              "-o", str(model), "--epochs", "1", "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    full, flagged = tmp_path / "b.csv", tmp_path / "a.csv"
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(full), "-q"])
    assert res.exit_code == 0, res.output
    buckets = pd.read_csv(full)
    assert len(flows) >= 1000
    assert f"scored {len(flows):,} rows as {len(buckets):,} (entity, 5min bucket) rows" in res.stderr
    # --anomalies-only: the flagged buckets of the full output, as they are there (a pin)
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(flagged), "--anomalies-only",
                              "-q"])
    assert res.exit_code == 0, res.output
    alone = buckets[buckets["flag"] == 1].reset_index(drop=True)
    pd.testing.assert_frame_equal(pd.read_csv(flagged), alone)
    assert f"{len(alone):,} flagged" in res.stderr


def test_warm_start_card_records_the_sample_of_the_replayed_file(tmp_path: Path) -> None:
    # what was wrong: 'train new.csv --warm-start P --replay-data old.csv --memory-budget 0.01
    # --sample-rows 300' read a uniform sample of 300 of old.csv's 1,000 rows (and said so on
    # stderr), but the card's warm_start.replay kept no word of it: its 'of' (the sample's
    # rows) read as old.csv's whole count, while 'sampled' recorded new.csv's sample alone
    rng = np.random.default_rng(0)
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    for path in (old, new):
        pd.DataFrame(rng.random((1000, 2)), columns=["a", "b"]).to_csv(path, index=False)
    parent = tmp_path / "P"
    fast = ["--epochs", "1", "-q"]
    res = runner.invoke(app, ["train", str(old), "-o", str(parent), "--hidden", "4,2", *fast])
    assert res.exit_code == 0, res.output
    cards = {}
    for name, cut in (("whole", []), ("cut", ["--memory-budget", "0.01", "--sample-rows", "300"])):
        out = tmp_path / name
        res = runner.invoke(app, ["train", str(new), "--warm-start", str(parent), "--replay-data", str(old),
                                  "-o", str(out), *fast, *cut])
        assert res.exit_code == 0, res.output
        cards[name] = json.loads((out / "config.json").read_text())["info"]
    replay = cards["cut"]["warm_start"]["replay"]
    assert cards["cut"]["sampled"] == {"rows": 300, "of": 1000, "seed": 0}
    assert replay["sampled"] == {"rows": 300, "of": 1000, "seed": 0} and replay["of"] == 300
    assert cards["whole"]["warm_start"]["replay"]["sampled"] is None
    assert cards["whole"]["warm_start"]["replay"]["of"] == 1000


def test_stream_max_groups_counts_only_groups_cut_short(tmp_path: Path) -> None:
    # what was wrong: 'stream m/ -i rows.jsonl --group-by k --group-window 50 --max-groups 2'
    # wrote the very alerts 'score --group-by' writes, yet its summary said '10 written early
    # (--max-groups)': a group whose window the batch's later rows had already ended (due at
    # the batch's end) counted as cut short by the cap; with --batch 1 it said none
    from tests._cli import ab_model

    model = ab_model(tmp_path)
    rng = np.random.default_rng(1)
    rows = pd.DataFrame(rng.random((300, 2)), columns=["a", "b"])
    rows.loc[::7, "a"] = 6.0  # far from [0, 1]: flagged
    rows["k"] = np.where(np.arange(300) % 2 == 0, "x", "y")
    data, lines = tmp_path / "rows.csv", tmp_path / "rows.jsonl"
    rows.to_csv(data, index=False)
    lines.write_text(rows.to_json(orient="records", lines=True))
    group = ["--group-by", "k", "--group-window", "50"]
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / "s.jsonl"), *group, "-q"])
    assert res.exit_code == 0, res.output
    want = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert len(want) == 12  # two keys, six windows of 50 rows
    for batch in ("1024", "1"):
        out = tmp_path / f"t{batch}.jsonl"
        res = runner.invoke(app, ["stream", str(model), "--input", str(lines), "-o", str(out), *group,
                                  "--max-groups", "2", "--batch", batch])
        assert res.exit_code == 0, res.output
        got = [json.loads(line) for line in out.read_text().splitlines()]
        assert sorted(map(json.dumps, got)) == sorted(map(json.dumps, want))
        assert "written early" not in res.stderr, res.stderr
    # a cap of one group does cut groups short (the other key's rows come between): counted
    res = runner.invoke(app, ["stream", str(model), "--input", str(lines), "-o", str(tmp_path / "one.jsonl"),
                              *group, "--max-groups", "1"])
    assert res.exit_code == 0, res.output
    assert "written early (--max-groups)" in res.stderr


def test_entity_inspect_says_when_rows_follow_the_first_rows(tmp_path: Path) -> None:
    # what was wrong: 'inspect flows.csv --entity-col src_ip --timestamp-col ts --rows 500'
    # said '500 rows -> 168 (src_ip, 5min bucket) rows' and its --json 'rows': 500, with no word
    # (on screen or in the JSON) that the file goes on: the report of a 500-row file
    from hourglass.ingest.synthetic import port_scan_flows

    flows, _ = port_scan_flows(hosts=3, days=0.5, scan_flows=0)
    data = tmp_path / "flows.csv"
    flows.to_csv(data, index=False)
    entity = ["--entity-col", "src_ip", "--timestamp-col", "ts"]
    seen = {}
    for name, rows in (("cut", 500), ("all", len(flows))):
        out = tmp_path / f"{name}.json"
        res = runner.invoke(app, ["inspect", str(data), *entity, "--rows", str(rows), "--json", str(out)])
        assert res.exit_code == 0, res.output
        seen[name] = (json.loads(out.read_text()), res.stdout + res.stderr)
    assert seen["cut"][0]["more_rows"] is True and seen["cut"][0]["rows"] == 500
    assert "only the first 500 rows (--rows) of a longer file" in seen["cut"][1]
    assert seen["all"][0]["more_rows"] is False and "longer file" not in seen["all"][1]


def test_anomalies_only_and_explain_limit_equal_the_cut_by_hand(tmp_path: Path) -> None:
    # a pin (these held, untested as a whole): 'score --anomalies-only' writes the flagged rows
    # of the full output (rows, scores, --keep columns, order) in every output format, and
    # 'explain --limit N' shows the N highest scores of its -o file, ties by the earlier row
    import sqlite3

    from tests._cli import ab_model

    model = ab_model(tmp_path)
    rng = np.random.default_rng(2)
    base = pd.DataFrame(rng.random((6, 2)), columns=["a", "b"])
    base.loc[[1, 4], "a"] = [5.0, 8.0]  # flagged
    rows = pd.concat([base] * 20, ignore_index=True)  # repeated rows: tied scores
    rows["id"] = np.arange(len(rows))
    data = tmp_path / "rows.csv"
    rows.to_csv(data, index=False)

    def read(path: Path) -> pd.DataFrame:
        if path.suffix == ".sqlite":
            with sqlite3.connect(path) as con:
                return pd.read_sql("select * from alerts", con)
        if path.suffix == ".jsonl":
            return pd.read_json(path, lines=True)
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)

    for ext in ("csv", "jsonl", "parquet", "sqlite"):
        full, alone = tmp_path / f"full.{ext}", tmp_path / f"alone.{ext}"
        for out, cut in ((full, []), (alone, ["--anomalies-only"])):
            res = runner.invoke(app, ["score", str(model), str(data), "-o", str(out), "--keep", "id",
                                      "-q", *cut])
            assert res.exit_code == 0, res.output
        every = read(full)
        assert int(every["flag"].sum()) == 40
        pd.testing.assert_frame_equal(read(alone), every[every["flag"] == 1].reset_index(drop=True),
                                      check_dtype=False)
    why = tmp_path / "why.csv"
    res = runner.invoke(app, ["explain", str(model), str(data), "-o", str(why), "--limit", "0"])
    assert res.exit_code == 0, res.output
    ranked = pd.read_csv(why).sort_values(["score", "row"], ascending=[False, True], kind="stable")
    for limit in (1, 3, 25):
        res = runner.invoke(app, ["explain", str(model), str(data), "--limit", str(limit)],
                            env={"COLUMNS": "300"})
        assert res.exit_code == 0, res.output
        shown = [int(line.split("│")[1]) for line in res.stdout.splitlines()
                 if line.startswith("│") and line.split("│")[1].strip().isdigit()]
        assert shown == ranked["row"].tolist()[:limit]


def test_sample_rows_within_the_memory_budget_is_said_not_used(tmp_path: Path) -> None:
    # what was wrong: 'train flows.csv --sample-rows 100' on a file within --memory-budget
    # (default 1024 MB) trained on all 400 rows without a word: the option asked for a sample
    # of 100 and silently did nothing (the card's 'sampled' null, the summary 400 rows)
    data = tmp_path / "flows.csv"
    _table(400).drop(columns=["c"]).to_csv(data, index=False)
    fast = ["--epochs", "1", "--hidden", "4,2", "-q", "--force"]
    res = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m"), "--sample-rows", "100", *fast])
    assert res.exit_code == 0, res.output
    said = [line for line in res.stderr.splitlines() if "--sample-rows" in line]
    assert len(said) == 1 and "--sample-rows 100: not used" in said[0] and "--memory-budget" in said[0]
    assert json.loads((tmp_path / "m" / "config.json").read_text())["info"]["sampled"] is None
    # above the budget the sample is taken and said as before; a sample as large as the file: no word
    for cut, words in ((["--memory-budget", "0.001"], "training on a uniform sample of 100 of 400 rows"),
                       ([], None)):
        rows = "100" if cut else "400"
        res = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m"), "--sample-rows", rows,
                                  *cut, *fast])
        assert res.exit_code == 0, res.output
        assert "not used" not in res.stderr
        assert words is None or words in res.stderr
