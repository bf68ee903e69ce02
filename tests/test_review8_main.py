"""Review 8: defects found by the maintainers' own checks (header names, SIGTERM clean-up)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hourglass.ingest.readers import read_table
from hourglass.ingest.tables import dedupe_names


def test_dedupe_never_takes_another_columns_name() -> None:
    assert dedupe_names(["a", "a", "a.1"]) == ["a", "a.2", "a.1"]
    assert dedupe_names(["a", "a.1", "a"]) == ["a", "a.1", "a.2"]
    assert dedupe_names(["x", "x", "x"]) == ["x", "x.1", "x.2"]  # as before where nothing clashes


def test_header_repeat_clashing_with_a_column_reads(tmp_path: Path) -> None:
    # a headerless NSL-KDD file read with its first row as the header: '0' 18 times and a
    # column '0.17'; pyarrow was handed two columns named '0.17' (a KeyError traceback)
    path = tmp_path / "t.csv"
    path.write_text("a,a,a.1\n1,2,3\n4,5,6\n")
    df = read_table(path)
    assert list(df.columns) == ["a", "a.2", "a.1"]
    assert df["a.1"].tolist() == [3, 6] and df["a.2"].tolist() == [2, 5]


_RUN = """
import os, signal, sys
{patch}
from hourglass.cli.app import main
sys.argv = ["hourglass", *{argv!r}]
main()
"""


def _run_with_sigterm(tmp_path: Path, patch: str, argv: list[str], stdin: bytes = b"") -> Any:
    import hourglass

    env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"), OMP_NUM_THREADS="1",
               PYTHONPATH=str(Path(hourglass.__file__).resolve().parents[1]))  # this checkout's
    (tmp_path / "tmp").mkdir()
    script = _RUN.format(patch=textwrap.dedent(patch), argv=argv)
    return subprocess.run([sys.executable, "-c", script], input=stdin, capture_output=True,
                          env=env, cwd=tmp_path, timeout=120)


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="POSIX signals")
def test_sigterm_removes_the_copy_of_stdin(tmp_path: Path) -> None:
    # SIGTERM (timeout, docker stop) killed the process on the spot: the copy of standard
    # input stayed in $TMPDIR (hourglass-stdin-*) for ever
    patch = """
    import hourglass.cli._spool as spool
    _orig = spool._json_lines
    def _json_lines(*a):
        signal.raise_signal(signal.SIGTERM)
        return _orig(*a)
    spool._json_lines = _json_lines
    """
    res = _run_with_sigterm(tmp_path, patch, ["inspect", "-"], b"a,b\n1,2\n3,4\n")
    assert res.returncode == -signal.SIGTERM, res.stderr
    assert list((tmp_path / "tmp").iterdir()) == []
    assert b"stopped by SIGTERM before the command finished" in res.stderr
    assert b"Traceback" not in res.stderr


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_sigterm_removes_the_hidden_output(tmp_path: Path) -> None:
    # the output being written beside its final name (.report.json.XXXX.tmp) was left behind
    (tmp_path / "d.csv").write_text("a,b\n1,2\n3,4\n")
    patch = """
    _replace = os.replace
    def replace(src, dst, *a, **k):
        if str(src).endswith(".tmp"):
            signal.raise_signal(signal.SIGTERM)
        return _replace(src, dst, *a, **k)
    os.replace = replace
    """
    res = _run_with_sigterm(tmp_path, patch, ["inspect", "d.csv", "--json", "report.json"])
    assert res.returncode == -signal.SIGTERM, res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "tmp"]


@pytest.mark.parametrize("expected,n_ref", [(0.01, 2000), (0.3, 10), (0.001, 1), (0.9, 100000)])
def test_drift_monitor_critical_counts_are_scipys(expected: float, n_ref: int) -> None:
    # the beta-binomial critical counts are summed once instead of by scipy's bisection (23 s to
    # set up a 1,000,000-row drift window); they must stay scipy's counts exactly
    from scipy import stats

    from hourglass.thresholds.monitor import _betabinom_isf

    sizes = np.array([1, 2, 17, 250, 1000, 3001])
    a, b = expected * n_ref, (1 - expected) * n_ref
    fire, clear = _betabinom_isf(sizes, a, b, (1e-6, 1e-2))
    assert fire.tolist() == stats.betabinom(sizes, a, b).isf(1e-6).tolist()
    assert clear.tolist() == stats.betabinom(sizes, a, b).isf(1e-2).tolist()


def _cut_emoji(text: str) -> str:
    """``text`` (JSON) with its first ``"x"`` value a user agent cut inside an emoji."""
    return text.replace('"x"', '"x\\ud83d"', 1)


def test_json_lines_with_a_lone_surrogate_read(tmp_path: Path) -> None:
    # one field cut inside an emoji ("\ud83d", the sender controls it) refused the whole file
    # with "'utf-8' codec can't encode character", naming no file or line
    path = tmp_path / "e.jsonl"
    path.write_text(_cut_emoji('{"a": 1, "ua": "x"}\n{"a": 2, "ua": "y\\ud83d\\ude00"}\n'))
    df = read_table(path)
    assert df["ua"].tolist() == ["x\\ud83d", "y\U0001f600"]  # the escape as JSON writes it; a pair kept


def test_okta_page_with_a_lone_surrogate_and_deep_nesting(tmp_path: Path) -> None:
    import json

    from hourglass.errors import InputError
    from hourglass.ingest.formats import get_format
    from tests.test_identity_formats import OKTA_EVENTS

    events = [{**e, "actor": {**e["actor"], "displayName": "x"}} for e in OKTA_EVENTS]
    (tmp_path / "page.json").write_text(_cut_emoji(json.dumps(events, indent=1)))
    okta = get_format("okta")
    df = okta.read(tmp_path / "page.json")
    assert df["actor.displayName"].tolist() == ["x\\ud83d", "x", "x"]
    (tmp_path / "deep.json").write_text("[" * 5000 + "]" * 5000)  # a RecursionError traceback
    with pytest.raises(InputError, match=r"deep.json: line 1: JSON nested deeper than 400 levels$"):
        okta.read(tmp_path / "deep.json")


@pytest.mark.parametrize("name", ["a.jsonl", "a.csv", "a.sqlite"])
def test_outputs_of_kept_parquet_binary_decimal_duration(tmp_path: Path, name: str) -> None:
    # score --keep of a Parquet binary column: the JSON lines stopped with an OverflowError
    # traceback, the CSV with 'Invalid UTF8 payload', SQLite on a decimal with a traceback
    import decimal
    import json
    import sqlite3

    import pandas as pd

    from hourglass.ingest.writers import chunk_writer

    df = pd.DataFrame({"row": [0, 1], "blob": [b"ab\xff", None],
                       "amount": [decimal.Decimal("1.50"), None], "took": pd.to_timedelta(["90s", None])})
    with chunk_writer(tmp_path / name) as w:
        w.write(df)
    if name.endswith(".jsonl"):
        rows = [json.loads(x) for x in (tmp_path / name).read_text().splitlines()]
        # (a decimal is the number, as in the CSV, SQLite and ECS outputs: review 32 dtype32)
        assert rows[0] == {"row": 0, "blob": "ab\\xff", "amount": 1.5, "took": "0 days 00:01:30"}
        assert rows[1] == {"row": 1, "blob": None, "amount": None, "took": None}
    elif name.endswith(".csv"):
        back = pd.read_csv(tmp_path / name)
        assert back["blob"].tolist()[0] == "ab\\xff" and back["amount"].tolist()[0] == 1.5
        assert back["took"].tolist()[0] == "0 days 00:01:30"
    else:
        got = sqlite3.connect(tmp_path / name).execute("select blob, amount from alerts").fetchall()
        assert got[0][0] == b"ab\xff" and float(got[0][1]) == 1.5  # (a text column: '1.5')
        assert got[1] == (None, None)


def test_benchmark_split_of_few_rows_with_blank_labels() -> None:
    # the blank labels' own stratum needs 3 test rows: 10 rows at 0.2 were refused ('test_size = 2
    # should be greater or equal to the number of classes = 3'); split by normal/anomaly instead
    import pandas as pd

    from hourglass.pipeline.benchmark import split_labelled

    df = pd.DataFrame({"x": range(10), "y": ["ok"] * 6 + ["bad"] * 2 + [""] * 2})
    train, test = split_labelled(df, "y", ["ok"], test_fraction=0.2)
    assert len(train) == 8 and len(test) == 2


def test_main_runs_outside_the_main_thread(capsys: pytest.CaptureFixture[str]) -> None:
    # the SIGTERM handler is set from the main thread only: main() in a worker thread stopped
    # with "ValueError: signal only works in main thread"
    import threading

    from hourglass.cli.app import main

    got: list[object] = []

    def go() -> None:
        argv = sys.argv
        sys.argv = ["hourglass", "formats"]
        try:
            main()
        except SystemExit as exc:
            got.append(exc.code)
        except Exception as exc:
            got.append(exc)
        finally:
            sys.argv = argv

    t = threading.Thread(target=go)
    t.start()
    t.join(60)
    assert got == [0]


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_sigterm_during_a_streams_last_summary_says_no_false_line(tmp_path: Path) -> None:
    # the alerts were written; a SIGTERM during the final summary added "stopped by SIGTERM
    # before the command finished; no output was written"
    import json

    from hourglass.detectors import AutoEncoder
    from hourglass.features import TabularPreprocessor
    from hourglass.pipeline import Pipeline

    rng = np.random.default_rng(0)
    import pandas as pd

    df = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    Pipeline(detector=AutoEncoder(hidden=(4,), epochs=2, random_state=0, verbose=0),
             features=TabularPreprocessor()).fit(df).save(tmp_path / "m")
    rows = "".join(json.dumps(r) + "\n" for r in df.head(20).to_dict("records"))
    patch = """
    import hourglass.cli._drift as d
    _orig = d.DriftCheck.summary
    def summary(self, *a, **k):
        signal.raise_signal(signal.SIGTERM)
        return _orig(self, *a, **k)
    d.DriftCheck.summary = summary
    """
    res = _run_with_sigterm(tmp_path, patch, ["stream", str(tmp_path / "m")], rows.encode())
    assert res.returncode == -signal.SIGTERM, res.stderr
    assert b"streamed 20 rows" in res.stderr and b"no output was written" not in res.stderr


def test_legacy_flower_strategy_times_no_wait_for_sites(monkeypatch: pytest.MonkeyPatch) -> None:
    # configure_fit started the run's clock before client_manager.sample(), which waits for the
    # sites to connect: fit_seconds said 3600 for an hour's wait and no training time
    import types
    from types import SimpleNamespace

    import pandas as pd

    flwr = types.ModuleType("flwr")
    flwr.__version__ = "1.42.0"  # type: ignore[attr-defined]
    common = types.ModuleType("flwr.common")
    common.FitIns = lambda p, c: SimpleNamespace(parameters=p, config=c)  # type: ignore[attr-defined]
    common.ndarrays_to_parameters = list  # type: ignore[attr-defined]
    common.parameters_to_ndarrays = list  # type: ignore[attr-defined]
    flwr.common = common  # type: ignore[attr-defined]
    flwr.server = SimpleNamespace(strategy=SimpleNamespace(Strategy=object))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "flwr", flwr)
    monkeypatch.setitem(sys.modules, "flwr.common", common)
    from hourglass.detectors import AutoEncoder
    from hourglass.distributed import federated
    from hourglass.distributed.federated import FederatedServer, Site
    from hourglass.distributed.flower import flower_strategy

    clock = {"now": 0.0}
    monkeypatch.setattr(federated, "time", SimpleNamespace(perf_counter=lambda: clock["now"]))
    rng = np.random.default_rng(0)
    sites = [Site(pd.DataFrame({"a": rng.normal(size=40), "b": rng.exponential(size=40)}),
                  AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)) for _ in range(2)]
    server = FederatedServer(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0), rounds=1)
    strategy = flower_strategy(server, sites=2)

    class Clients:  # as Flower's SimpleClientManager: sample() waits for the sites (an hour)
        waited = False

        def sample(self, num_clients: int, min_num_clients: int) -> list[SimpleNamespace]:
            if not self.waited:
                clock["now"] += 3600.0
                self.waited = True
            return [SimpleNamespace(cid=str(i)) for i in range(2)]

    manager = Clients()
    for rnd in range(1, server.n_rounds + 1):
        ins = strategy.configure_fit(rnd, None, manager)
        replies = [(c, SimpleNamespace(**dict(zip(("parameters", "num_examples", "metrics"),
                                                  s.fit(i.parameters, i.config), strict=True))))
                   for (c, i), s in zip(ins, sites, strict=True)]
        strategy.aggregate_fit(rnd, replies, [])
    assert server.pipeline().info["fit_seconds"] == 0.0


def test_spark_output_schema_takes_a_numpy_array_of_pairs() -> None:
    from hourglass.distributed.spark import output_schema

    assert output_schema(keep=np.array([["flow_id", "bigint"]])).endswith("`flow_id` bigint")
    with pytest.raises(ValueError, match="expected the kept columns with their Spark types"):
        output_schema(keep=np.array(["ab"]))  # a name split into a column 'a' of type 'b'


def test_nab_series_with_an_empty_time_says_it_is_missing(tmp_path: Path) -> None:
    # 'timestamp NaT is no date and time': pandas' word for the empty cell
    import json

    from hourglass.errors import InputError
    from hourglass.ingest.timeseries import read_nab

    (tmp_path / "data" / "realX").mkdir(parents=True)
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "combined_windows.json").write_text(json.dumps({"realX/s.csv": []}))
    (tmp_path / "data" / "realX" / "s.csv").write_text(
        "timestamp,value\n2014-04-01 00:00:00,1\n,2\n2014-04-01 00:10:00,3\n")
    with pytest.raises(InputError, match=r"s.csv: data row 2: timestamp is missing$"):
        read_nab(tmp_path / "data" / "realX" / "s.csv")


def test_ensemble_rank_of_a_score_a_rounding_below_tied_held_out_scores() -> None:
    # held-out scores tied at their maximum (identical normal sessions): the same session scored
    # in another batch, a float32 rounding lower, ranked 0 instead of 1 (an EventEnsemble score of
    # 0.571 alone, 1.0 in a batch)
    from hourglass.detectors import Ensemble

    X = np.random.default_rng(0).normal(size=(200, 4)).astype("float32")
    ens = Ensemble(detectors=(("autoencoder", {"hidden": (4, 2), "epochs": 1}),), calibration="rank",
                   verbose=0).fit(X)
    v = np.float32(0.63775253)
    _, mean, std = ens.calibration_[0]
    ens.calibration_[0] = (np.full(50, v, dtype=np.float64), mean, std)
    ens.members_[0].score = lambda rows: np.array([v, np.nextafter(v, np.float32(0)), v * 0.9],
                                                  dtype=np.float64)
    ranks = ens.member_scores(X[:3])[0]
    assert ranks[0] == ranks[1] == 1.0 and ranks[2] == 0.0


def test_skipped_time_row_named_without_numpy_repr(caplog: pytest.LogCaptureFixture) -> None:
    # 'skipped 1 row(s) without a readable time ... (first: row 2, np.float64(nan))'
    import logging

    import pandas as pd

    from hourglass.cli.tables import skip_unreadable_times
    from hourglass.ingest import ReadStats

    df = pd.DataFrame({"ts": [1.7e9, float("nan"), 1.7e9 + 60], "x": [1, 2, 3]})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        out = skip_unreadable_times(df, "ts", None, "skip", ReadStats(), "d.csv")
    assert len(out) == 2 and "(first: row 2, empty)" in caplog.text and "np." not in caplog.text


def test_entity_score_skips_text_in_a_summed_column(tmp_path: Path) -> None:
    # score/explain of an entity model stopped at 'abc' in a summed column even with
    # --on-bad-rows skip, where stream skips the row
    import pandas as pd
    from typer.testing import CliRunner

    from hourglass.cli.app import app
    from hourglass.ingest.synthetic import port_scan_flows

    runner = CliRunner()
    train, _ = port_scan_flows(hosts=3, days=0.5, scan_flows=0, seed=1)
    train.to_csv(tmp_path / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--entity-col", "src_ip",
                              "--timestamp-col", "ts", "--bucket", "5min", "-o", str(tmp_path / "M"),
                              "--epochs", "2", "-q"])
    assert res.exit_code == 0, res.output
    test = pd.read_csv(tmp_path / "train.csv").head(300).astype({"bytes": object, "ts": object})
    test.loc[5, "bytes"] = "abc"
    test.loc[1, "ts"] = "garbage"  # skipped too: the text is still named by its row in the file
    test.to_csv(tmp_path / "test.csv", index=False)
    args = ["score", str(tmp_path / "M"), str(tmp_path / "test.csv"), "-o", str(tmp_path / "s.csv")]
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "line 3" in res.stderr  # the time, first (its line)
    res = runner.invoke(app, [*args, "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "skipped 1 row(s) whose summed column holds text that is no number (first: line 7" in res.stderr
    assert "skipped 1 row(s) without a readable time in column 'ts' (first: line 3, 'garbage')" in res.stderr
    assert "scored 298 rows" in res.stdout + res.stderr


def test_pot_bounded_and_unbounded_tails_on_a_thousand_scores() -> None:
    # the uniform-tail candidate must win on bounded scores of an ordinary held-out size (a
    # margin that grew as 200/n put 88 of 100 uniform thresholds above 1 at n = 1,000), and must
    # not win by a hair on unbounded ones (the threshold just below the largest training score)
    import logging
    import warnings

    from hourglass.thresholds import POT

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
        try:
            bounded = [POT(1e-4).fit(np.random.default_rng(s).random(1000)).value_ for s in range(10)]
            below = 0
            for s in range(20):
                x = np.abs(np.random.default_rng(s).normal(size=1000))
                below += POT(1e-4).fit(x).value_ < x.max()
        finally:
            logging.disable(logging.NOTSET)
    assert all(0.998 < v < 1.0 for v in bounded), bounded
    assert below <= 3


def test_lone_surrogate_in_deep_json_is_escaped_without_recursion() -> None:
    # the recursive walk stopped at ~500 levels (a RecursionError traceback from an Okta page)
    import json

    from hourglass.ingest.tables import no_lone_surrogates

    doc = json.loads('{"u\\ud83d": ' + "[" * 900 + '"x\\ud83d"' + "]" * 900 + "}")
    out = no_lone_surrogates(doc)
    inner = out["u\\ud83d"]
    for _ in range(900):
        inner = inner[0]
    assert inner == "x\\ud83d"


def test_cloudtrail_documents_longer_than_a_block(tmp_path: Path) -> None:
    # a document longer than a block is read on to the end of a plain file at once (parsed twice,
    # not at 4, 20 and 84 MB: one S3 file of 100,000 records read at half the speed), and grows
    # four times a try where the size is unknown (gzip, a pipe)
    import io
    import json

    from hourglass.ingest.cloudtrail import _documents

    docs = [{"Records": [{"eventID": f"{d}-{i}", "pad": "x" * 50} for i in range(40)]} for d in range(3)]
    raw = ("\n".join(json.dumps(d) for d in docs) + "\n").encode()
    (tmp_path / "t.json").write_bytes(raw)
    with open(tmp_path / "t.json", "rb") as fh:
        from_file = list(_documents(fh, block=512))
    from_stream = list(_documents(io.BytesIO(raw), block=512))
    assert from_file == from_stream == [(i + 1, d) for i, d in enumerate(docs)]
