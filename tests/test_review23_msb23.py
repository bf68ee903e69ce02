"""Review 23 (msb23): a warm start from what is not a model, stream --idle-timeout's range, a
federated site's share above the threshold when it held out no row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests._cli import one_line_error


@pytest.mark.parametrize("frozen", [["--strict"], ["--window", "60"], ["--hidden", "8,4"]])
@pytest.mark.parametrize(("parent", "said"), [
    ("nope", "not a model directory (train one with 'hourglass train')"),
    ("plain", "not a hourglass model (missing config.json or weights.safetensors)")])
def test_a_warm_start_from_what_is_not_a_model_says_so_before_the_frozen_options(
        tmp_path: Path, frozen: list[str], parent: str, said: str) -> None:
    # what was wrong: 'train X.csv --warm-start nope/ --strict' (nope/ missing, or a folder that
    # holds no model) said "--strict: a warm start keeps nope's model, preprocessing and threshold
    # rule; leave it out", about an option, while the model it names does not exist
    data = tmp_path / "X.csv"
    data.write_text("a,b\n" + "".join(f"{i},{i % 7}\n" for i in range(40)))
    (tmp_path / "plain").mkdir()
    one_line_error(["train", str(data), "--warm-start", str(tmp_path / parent), *frozen,
                    "-o", str(tmp_path / "out")], f"{tmp_path / parent}: {said}", tmp_path / "out")


@pytest.fixture(scope="module")
def stream_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """``stream`` arguments of an entity-bucket, a log and a table model (with time-window
    groups): each kind that takes --idle-timeout."""
    from hourglass.cli import app
    from hourglass.detectors.deeplog import DeepLog
    from hourglass.features.sessions import EventSessions
    from hourglass.ingest.synthetic import port_scan_flows
    from hourglass.pipeline import Pipeline, save
    from tests._cli import runner

    d = tmp_path_factory.mktemp("idle")
    flows, _ = port_scan_flows(hosts=3, days=0.5, scan_flows=0, seed=1)
    flows.to_csv(d / "flows.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "flows.csv"), "--entity-col", "src_ip", "--timestamp-col",
                              "ts", "--bucket", "5min", "-o", str(d / "E"), "--epochs", "1",
                              "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    save(Pipeline(detector=DeepLog(window=2, top_g=1, epochs=1, verbose=0, random_state=0),
                  features=EventSessions(format="keys")).fit(["1 2 3"] * 20), d / "L")
    pd.DataFrame(np.random.default_rng(0).normal(size=(100, 2)), columns=["a", "b"]).to_csv(
        d / "t.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "t.csv"), "-o", str(d / "T"), "--epochs", "1",
                              "--hidden", "2", "-q"])
    assert res.exit_code == 0, res.output
    return {"entity": [str(d / "E")], "log": [str(d / "L")],
            "table": [str(d / "T"), "--group-by", "a", "--group-window", "10m", "--timestamp-col", "a"]}


@pytest.mark.parametrize("kind", ["entity", "log", "table"])
@pytest.mark.parametrize("value", ["-5", "0", "inf"])
def test_an_idle_timeout_not_above_0_is_one_message_for_every_model_kind(
        stream_models: dict[str, list[str]], tmp_path: Path, kind: str, value: str) -> None:
    # what was wrong: 'stream MODEL --idle-timeout -5' got typer's "Input should be greater than or
    # equal to 0" while 0 got "must be > 0 seconds" (entity), "must be > 0 seconds for a log
    # model" (log) or was taken (a table model's groups): three rules in three wordings
    out = tmp_path / "o.jsonl"
    one_line_error(["stream", *stream_models[kind], "--idle-timeout", value, "-o", str(out)],
                   f"--idle-timeout: must be a finite number of seconds > 0, got {value}", out)


@pytest.mark.parametrize("held_out", ["scores", "summaries"])
def test_a_site_that_held_out_no_row_has_no_share_above_the_threshold(held_out: str) -> None:
    # what was wrong: a 9-row site holds out no row (median None), yet info["federated"]
    # ["held_out"] gave it "flagged": 0.0, a share of no rows said as "none of its rows are above
    # the threshold"; a re-threshold (with_threshold) wrote 0.0 again
    from hourglass.detectors import AutoEncoder
    from hourglass.distributed.federated import FederatedServer, Site

    det = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, device="cpu", random_state=0)
    rng = np.random.default_rng(0)
    sites = [Site(pd.DataFrame({"a": rng.normal(size=n), "b": rng.exponential(2.0, n)}), det, name=name)
             for n, name in ((300, "big"), (9, "small"))]
    server = FederatedServer(det, rounds=1, held_out=held_out).run(sites)
    big, small = server.pipeline().info["federated"]["held_out"]
    assert small == {"rows": 0, "median": None, "flagged": None}
    assert big["rows"] == 30 and isinstance(big["flagged"], float)
    if held_out == "scores":  # (a summaries model keeps no score to re-threshold on)
        again = server.pipeline().with_threshold("percentile:80").info["federated"]["held_out"]
        assert again[1] == small and again[0]["flagged"] != big["flagged"]


def test_a_one_row_sites_share_from_its_summary_is_that_of_its_one_score() -> None:
    # what was wrong: with held_out="summaries" a site that held out one row (10 to 14 rows) sends
    # no calibration, and its share above the shared threshold was 0.0 even when its one score
    # (its median) was above it, where held_out="scores" said 1.0
    from hourglass.detectors import AutoEncoder
    from hourglass.distributed.federated import FederatedServer
    from hourglass.distributed.summaries import site_summary
    from hourglass.thresholds import Percentile

    threshold = Percentile(99).fit(np.arange(100.0))  # 98.01
    for score, share in ((99.5, 1.0), (50.0, 0.0)):
        server = FederatedServer(AutoEncoder(verbose=0), held_out="summaries")
        server.site_summaries_ = [site_summary(np.arange(40.0), Percentile(99)),
                                  site_summary(np.array([score]), Percentile(99))]
        server.site_names_ = ["a", "b"]
        assert [d["flagged"] for d in server._per_site(threshold, warn=False)] == [0.0, share]
