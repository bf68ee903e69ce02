"""Regression tests of the review of today's merges: the JSON nesting limit and the symbolic
link loop rule in the places their changes missed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.errors import HourglassError, InputError
from tests._cli import one_line_error, runner


@pytest.fixture()
def flows(tmp_path: Path) -> Path:
    data = tmp_path / "flows.csv"
    frame = pd.DataFrame({"a": [float(i) for i in range(20)], "b": [i % 3 for i in range(20)]})
    frame.to_csv(data, index=False)
    return data


@pytest.fixture()
def loop(tmp_path: Path) -> Path:
    link = tmp_path / "loop"
    link.symlink_to("loop")
    return link


def test_a_param_nested_past_the_json_limit_is_one_line(flows: Path, tmp_path: Path) -> None:
    # --param's JSON was read by json.loads without the nesting limit: 3,000 nested arrays
    # stopped train with a RecursionError traceback (exit 1); an integer of 5,000 digits was
    # told to "use sys.set_int_max_str_digits()"
    model = tmp_path / "m"
    one_line_error(["train", str(flows), "-o", str(model), "-m", "autoencoder", "--epochs", "1",
                    "--param", "hidden=" + "[" * 3000 + "]" * 3000],
                   "--param hidden: JSON nested deeper than 400 levels", model)
    res_match = "--param hidden: Exceeds the limit (4300 digits)"
    one_line_error(["train", str(flows), "-o", str(model), "-m", "autoencoder", "--epochs", "1",
                    "--param", "hidden=" + "1" * 5000], res_match, model)


def test_a_param_nested_within_the_limit_still_reads() -> None:
    from hourglass.cli._common import parse_value

    assert parse_value("[[8, 4]]") == ([8, 4],)
    assert parse_value("[" * 400 + "]" * 400) is not None


def test_a_suppression_file_that_is_a_link_loop_is_named_so(loop: Path) -> None:
    # --suppress (score, stream, serve) read a symbolic link loop as 'no such file', where
    # the DATA, output and model arguments now name it a symbolic link loop
    from hourglass.cli._suppress import read_rules

    with pytest.raises(HourglassError, match=r"^--suppress .*loop: a symbolic link loop, which leads to "
                                             r"no file$"):
        read_rules(loop)
    with pytest.raises(HourglassError, match=r"--suppress .*none\.toml: no such file$"):
        read_rules(loop.with_name("none.toml"))


def test_serve_key_and_certificate_files_that_are_link_loops_are_named_so(loop: Path) -> None:
    # serve's --api-key-file said 'cannot read it (OSError)' and --tls-cert 'no such file' for a
    # symbolic link loop
    from hourglass.cli.serve import check_tls
    from hourglass.serve.security import read_api_key

    with pytest.raises(InputError, match=r"^--api-key-file .*loop: a symbolic link loop"):
        read_api_key(loop, {})
    with pytest.raises(InputError, match=r"^--api-key-file .*none: no such file$"):
        read_api_key(loop.with_name("none"), {})
    with pytest.raises(HourglassError, match=r"^--tls-cert .*loop: a symbolic link loop"):
        check_tls(loop, None)
    with pytest.raises(HourglassError, match=r"^--tls-cert .*none\.pem: no such file$"):
        check_tls(loop.with_name("none.pem"), None)


def test_the_service_and_stream_keep_64_bit_ids_beside_a_null_or_a_whole_float() -> None:
    # the service and stream built their rows' table with pandas' from_records, which made a
    # column of 64-bit ids with a null (or a 7.0) in it float64: 2**53 + 1 and 2**53 became one
    # id, where the same JSON lines read by score stay exact (ingest.tables._records_frame)
    from hourglass.serve.scoring import model_records

    rows = [{"id": 2**53 + 1, "a": 1}, {"id": None, "a": 2}, {"id": 2**53, "a": 3}]
    assert model_records(rows, ["id", "a"])["id"].tolist()[::2] == [2**53 + 1, 2**53]
    assert model_records([{"id": 2**53 + 1}, {"id": 7.0}], ["id"])["id"].tolist() == [2**53 + 1, 7]
    ordinary = [{"b": 1, "x": 2}, {"a": "q", "b": 2**60}]  # (no id past 2**53 beside a null: as read before)
    pd.testing.assert_frame_equal(model_records(ordinary, ["a", "b"]),
                                  pd.DataFrame.from_records(ordinary, columns=["a", "b"]))


@pytest.fixture(scope="module")
def id_entities(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An entity-bucket model whose entities are 64-bit ids, and rows of them as JSON lines with
    one row without its host."""
    folder = tmp_path_factory.mktemp("ids")
    rng = np.random.default_rng(0)
    n = 600
    hosts = [2**53, 2**53 + 1, 2**53 + 3]
    train = pd.DataFrame({"host": rng.choice(hosts, n),
                          "ts": pd.date_range("2024-01-01", periods=n, freq="10s").astype(str),
                          "bytes": rng.lognormal(5, 1, n).round(1)})
    train.to_csv(folder / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(folder / "train.csv"), "--entity-col", "host",
                              "--timestamp-col", "ts", "--bucket", "5min", "--epochs", "1",
                              "--hidden", "4,2", "-o", str(folder / "m"), "-q"])
    assert res.exit_code == 0, res.output
    with (folder / "test.jsonl").open("w") as f:
        for i, r in enumerate(train.head(30).to_dict("records")):
            f.write(json.dumps({**r, "host": None if i == 5 else int(r["host"])}) + "\n")
    return {"model": folder / "m", "jsonl": folder / "test.jsonl", "folder": folder}


def test_entity_ids_past_2_53_stay_apart_in_the_service_and_stream(id_entities: dict[str, Path]) -> None:
    # the ids 2**53 and 2**53 + 1 of rows with one null host were one entity
    # '9.007199254740992e+15' in the service and the stream, two in score's output
    from tests._serve import AUTH, client_of

    out = id_entities["folder"] / "scored.csv"
    res = runner.invoke(app, ["score", str(id_entities["model"]), str(id_entities["jsonl"]), "-o", str(out)])
    assert res.exit_code == 0, res.output
    scored = pd.read_csv(out, dtype={"entity": str}, keep_default_na=False)
    expected = sorted(scored["entity"].tolist())
    assert {"9007199254740992", "9007199254740993"} <= set(expected)
    lines = id_entities["jsonl"].read_text()
    rows = [json.loads(x) for x in lines.splitlines()]
    with client_of(id_entities["model"]) as c:
        r = c.post("/score", json={"rows": rows}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert sorted(b["entity"] for b in r.json()["buckets"]) == expected
    res = runner.invoke(app, ["stream", str(id_entities["model"]), "--all"], input=lines)
    assert res.exit_code == 0, res.output
    streamed = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    assert sorted(s["entity"] for s in streamed) == expected


def test_vus_takes_the_cli_buffer_of_a_short_series_without_a_period() -> None:
    # the new bound on vus_volumes' buffer, max(2 n, 100), refused the 125 steps that
    # tsb_sliding_window gives a series without an ACF peak: 'hourglass evaluate' of a time-series
    # model on a labelled series of 60 steps stopped with 'sliding_window: at most 120 steps'
    from hourglass.evaluate import timeseries_metrics, tsb_sliding_window, vus_volumes

    n = 60
    y = np.zeros(n, dtype=int)
    y[40:45] = 1
    scores = np.random.default_rng(0).random(n)
    window = tsb_sliding_window(np.linspace(-1.0, 1.0, n))  # a ramp: no period
    assert window == 125
    m = timeseries_metrics(y, scores, (scores > 0.9).astype(int), sliding_window=window)
    assert m["vus_pr"] is not None and m["vus_sliding_window"] == 125
    with pytest.raises(InputError, match=r"^sliding_window: at most 125 steps .* got 126$"):
        vus_volumes(y, scores, 126, 8)  # (a buffer past both still refused)
