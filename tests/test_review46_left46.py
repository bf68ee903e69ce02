"""Small items told one way for one model kind and another way for the next: evaluate's --json
keys, a warm start's summary, the rule comparison's footnote, and the sample-size bound."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hourglass.cli import app
from hourglass.ingest.synthetic import port_scan_flows
from tests._cli import runner
from tests.test_logs import hdfs_log


def _ok(args: list[str]) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return res.output


def _series(path: Path, n: int) -> Path:
    rng = np.random.default_rng(0)
    lines = ["ts,cpu,mem,label"]
    lines += [f"2024-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z,{rng.random():.4f},"
              f"{rng.random() + (5 if 150 <= i < 155 else 0):.4f},{int(150 <= i < 155)}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list[str]]]:
    """A log, an entity-bucket and a series model, each with the evaluate arguments of its test data."""
    d = tmp_path_factory.mktemp("left46")
    (d / "train.log").write_text("\n".join(hdfs_log(40)) + "\n")
    _ok(["train", str(d / "train.log"), "--format", "hdfs", "--session-regex", r"blk_-?\d+",
         "--model", "deeplog", "-o", str(d / "L"), "--epochs", "2", "--param", "window=3", "--hidden", "8",
         "-q"])
    (d / "new.log").write_text("\n".join(hdfs_log(12, seed=4, anomalous=(3, 7))) + "\n")
    rows = [f"blk_{'-' if j % 2 else ''}{1000 + j},{'Anomaly' if j in (3, 7) else 'Normal'}"
            for j in range(12)]
    (d / "labels.csv").write_text("BlockId,Label\n" + "\n".join(rows) + "\n")
    train, _ = port_scan_flows(days=1, scan_flows=0, seed=1)
    train["label"] = "normal"
    train.to_csv(d / "etrain.csv", index=False)
    test, scan = port_scan_flows(days=0.5, scan_flows=60, seed=2)
    test["label"] = ["scan" if v else "normal" for v in scan["is_scan"]]
    test.to_csv(d / "etest.csv", index=False)
    _ok(["train", str(d / "etrain.csv"), "--entity-col", "src_ip", "--timestamp-col", "ts",
         "--bucket", "5min", "--label-col", "label", "--normal", "normal", "-o", str(d / "E"),
         "--epochs", "2", "-q"])
    _series(d / "s.csv", 200)
    _ok(["train", str(d / "s.csv"), "--timestamp-col", "ts", "--label-col", "label", "--model", "lstm-ae",
         "--window", "4", "--epochs", "1", "-o", str(d / "S"), "-q"])
    return {"log": (d / "L", [str(d / "new.log"), "--labels", str(d / "labels.csv")]),
            "entity": (d / "E", [str(d / "etest.csv"), "--label-col", "label"]),
            "series": (d / "S", [str(d / "s.csv"), "--label-col", "label"])}


# what was wrong: the README says `evaluate --json` holds `severity_counts` and `threshold_fit`,
# but only a table model's did; a log (DeepLog), entity-bucket or series model's had neither,
# though `score` writes each session's, bucket's or step's severity and the model records its fit
@pytest.mark.parametrize("kind", ["log", "entity", "series"])
def test_evaluate_json_has_severity_counts_and_threshold_fit(models: dict[str, tuple[Path, list[str]]],
                                                            tmp_path: Path, kind: str) -> None:
    model, args = models[kind]
    js = tmp_path / "m.json"
    _ok(["evaluate", str(model), *args, "--json", str(js)])
    m = json.loads(js.read_text())
    config = json.loads((model / "config.json").read_text())
    assert m["threshold_fit"] == config["info"]["threshold_fit"] and m["threshold_fit"]
    counts = m["severity_counts"]
    assert sum(counts.values()) == m["tp"] + m["fp"]  # the flagged ones, each with one severity
    assert set(counts) <= {"low", "medium", "high", "critical"}


def _normal_series(path: Path, source: Path) -> Path:
    """The first 140 steps of ``source`` (before its anomaly), without the label column."""
    lines = source.read_text().splitlines()
    path.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines[:141]) + "\n")
    return path


# what was wrong: a warm start where no epoch beat the parent's held-out loss summed up
# '(1 epoch, best 0; ...)' (table, log, entity-bucket and series models alike), leaving the user to
# know that epoch 0 is the parent's own weights, kept; a series model's also said '1 epochs'
@pytest.mark.parametrize("kind", ["table", "log", "entity", "series"])
def test_warm_start_keeping_the_parent_says_so(models: dict[str, tuple[Path, list[str]]], tmp_path: Path,
                                               kind: str) -> None:
    from safetensors.numpy import load_file

    from tests._cli import small_labelled_model

    if kind == "table":
        made = small_labelled_model(tmp_path)
        model, args = made["model"], [str(made["data"]), "--label-col", "label", "--normal", "normal"]
    else:
        model = models[kind][0]
        args = [str({"log": model.parent / "train.log", "entity": model.parent / "etrain.csv",
                     "series": _normal_series(tmp_path / "n.csv", model.parent / "s.csv")}[kind])]
    out: dict[str, str] = {}
    for lr in ("1e-12", "0.001"):  # no step can move the weights / one that does
        res = runner.invoke(app, ["train", *args, "--warm-start", str(model), "--epochs", "1", "--lr", lr,
                                  "-o", str(tmp_path / lr)])
        assert res.exit_code == 0, res.output
        out[lr] = " ".join(res.stderr.split())
    assert ("1 epoch, none better than the parent on the held-out loss: the parent's weights kept; "
            in out["1e-12"]), out["1e-12"]
    assert "best 0" not in out["1e-12"]
    assert "1 epoch, best 1;" in out["0.001"] and "epochs" not in out["0.001"], out["0.001"]
    kept = tmp_path / "1e-12"
    assert json.loads((kept / "config.json").read_text())["info"]["warm_start"]["best_epoch"] == 0
    parent, child = load_file(model / "weights.safetensors"), load_file(kept / "weights.safetensors")
    # the network's weights are the parent's (a series' per-channel error scale is refitted, as its
    # threshold is)
    weights = [k for k in parent if ".module." in k and not k.endswith("error_scale")]
    assert weights and all(np.array_equal(parent[k], child[k]) for k in weights)


# what was wrong: nothing (a pin, and the README now says it): with --threshold the comparison
# holds the rules given alone, and the model's own rule and cut-off are said beneath the table;
# --json carries the same in `current`, and marks a rule given that is the model's own
def test_threshold_given_rules_leave_the_current_one_to_the_footnote(
        models: dict[str, tuple[Path, list[str]]], tmp_path: Path) -> None:
    model = models["entity"][0]
    js = tmp_path / "t.json"
    res = runner.invoke(app, ["threshold", str(model), "--threshold", "percentile:95", "--json", str(js)])
    assert res.exit_code == 0, res.output
    doc = json.loads(js.read_text())
    assert [r["spec"] for r in doc["rules"]] == ["percentile:95"] and not doc["rules"][0]["current"]
    said = " ".join(res.output.split())
    assert f"The model's current rule: {doc['current']['rule']} = {doc['current']['value']:.6g}." in said
    res = runner.invoke(app, ["threshold", str(model), "--threshold", doc["current"]["rule"].split(" of ")[0]
                              .replace("percentile ", "percentile:"), "--json", str(js)])
    assert res.exit_code == 0, res.output
    rows = json.loads(js.read_text())["rules"]
    assert len(rows) == 1 and rows[0]["current"] and rows[0]["value"] == doc["current"]["value"]
    assert "* the model's current rule." in " ".join(res.output.split())


# what was wrong: nothing (a pin): where the decimals typed meet the bound exactly
# ((1 - alpha) ** n == 1 - confidence, e.g. fpr:0.7@0.91), min_normal_scores asks one score more
# than decimal arithmetic would, because the floats do (1 - 0.7 is a hair above 0.3); the count it
# gives is the one the fit needs (it fits with that many scores and refuses one fewer), so the
# refusal's 'that needs at least N' stays true; exact decimals would promise a count that the fit refuses
@pytest.mark.parametrize(("alpha", "n"), [(0.7, 2), (0.7, 4), (0.9, 4), (0.6, 3), (0.95, 2), (0.99, 2),
                                          (0.75, 2), (0.5, 3)])
def test_min_normal_scores_is_the_fits_count_at_an_exact_boundary(alpha: float, n: int) -> None:
    from fractions import Fraction

    from hourglass.thresholds import FalseAlarmBound
    from hourglass.thresholds.bound import min_normal_scores

    confidence = float(1 - (1 - Fraction(str(alpha))) ** n)
    need = min_normal_scores(alpha, confidence)
    q, t = 1 - Fraction(alpha), 1 - Fraction(confidence)  # the floats' exact values
    assert need == next(m for m in range(1, 10) if q ** m <= t)
    FalseAlarmBound(alpha=alpha, confidence=confidence).fit(np.arange(need, dtype=float))
    with pytest.raises(ValueError, match="cannot bound"):
        FalseAlarmBound(alpha=alpha, confidence=confidence).fit(np.arange(need - 1, dtype=float))
