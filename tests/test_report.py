"""HTML report: every figure and table present, self-contained; CLI --report/--json, thresholds."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.evaluate import precision_at_k, threshold_curve
from hourglass.evaluate.report import FIGURES, TABLES, render_report

runner = CliRunner()
FAST = ["--epochs", "3", "--hidden", "8,4", "--batch-size", "64", "-q"]


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, str] = {}
        self.imgs: list[str] = []
        self.external: list[str] = []
        self.tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids[a["id"]] = tag
        if tag == "img":
            self.imgs.append(a.get("src") or "")
        if tag == "table":
            self.tables += 1
        for key in ("src", "href"):
            if (a.get(key) or "").startswith(("http:", "https:", "//")):
                self.external.append(a[key] or "")
        if tag in ("script", "link"):
            self.external.append(tag)


def _check_page(page: str) -> _Collect:
    p = _Collect()
    p.feed(page)
    for fid in FIGURES:
        assert p.ids.get(fid) == "figure", f"figure {fid} missing"
    for tid in TABLES:
        assert p.ids.get(tid) == "table", f"table {tid} missing"
    assert len(p.imgs) == len(FIGURES)
    assert all(src.startswith("data:image/png;base64,") and len(src) > 5000 for src in p.imgs)
    assert p.external == [], "the report must not load anything"
    return p


def test_report_has_every_figure_and_table() -> None:
    rng = np.random.default_rng(0)
    classes = np.array(["normal"] * 300 + ["smurf"] * 60 + ["nmap"] * 40)
    y = (classes != "normal").astype(int)
    s = np.where(y == 1, rng.lognormal(1, 1, 400), rng.lognormal(0, 0.5, 400))
    page, m = render_report(y_true=y, scores=s, y_pred=(s > 3).astype(int), threshold=3.0,
                            threshold_rule="POT risk q=0.001", classes=classes,
                            categories={"smurf": "DoS", "nmap": "Probe"}, events_per_day=86_400,
                            model_card={"model": "autoencoder <b>x</b>"},
                            event_metrics={"event F1": 0.5, "event F1 (PA)": 0.9})
    p = _check_page(page)
    assert p.ids.get("tbl-per-category") == "table" and p.ids.get("tbl-event-metrics") == "table"
    assert "autoencoder &lt;b&gt;x&lt;/b&gt;" in page  # user text is escaped
    assert m["alerts_per_day"] == pytest.approx(86_400 * float((s > 3).mean()))
    assert set(m["per_category"]) == {"DoS", "Probe", "normal"}


def test_threshold_curve_and_precision_at_k() -> None:
    y = np.r_[np.zeros(90, int), np.ones(10, int)]
    s = np.r_[np.linspace(0, 1, 90), np.linspace(2, 3, 10)]
    assert precision_at_k(y, s, 10) == 1.0 and precision_at_k(y, s, 20) == 0.5
    c = threshold_curve(y, s)
    assert np.all(np.diff(c["recall"]) <= 0) and np.all(np.diff(c["alert_share"]) <= 0)
    i = np.searchsorted(c["threshold"], 1.5)
    assert c["precision"][i] == 1.0 and c["recall"][i] == 1.0


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "ts": pd.date_range("2024-01-01", periods=n, freq="30s").astype(str),
        "proto": rng.choice(["tcp", "udp"], n),
        "bytes": rng.lognormal(5, 1, n).round(),
        "rate": rng.uniform(0, 1, n),
        "label": "benign",
    })
    bad = rng.permutation(n)[: n // 5]
    df.loc[bad, "bytes"] = rng.lognormal(12, 1, bad.size).round()
    df.loc[bad, "label"] = np.where(np.arange(bad.size) % 2, "exfil", "scan")
    return df


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("rep")
    _frame(1000, 0).to_csv(d / "train.csv", index=False)
    _frame(500, 1).to_csv(d / "test.csv", index=False)
    return {"dir": d, "train": d / "train.csv", "test": d / "test.csv"}


def _train(files: dict[str, Path], name: str, *extra: str) -> Path:
    model = files["dir"] / name
    res = runner.invoke(app, ["train", str(files["train"]), "-o", str(model), "--label-col", "label",
                              "--normal", "benign", "--timestamp-col", "ts", *FAST, *extra])
    assert res.exit_code == 0, res.output
    return model


def test_best_f1_carves_validation_from_the_training_file(files: dict[str, Path]) -> None:
    model = _train(files, "m_f1", "--threshold", "best-f1", "--val-fraction", "0.3")
    info = json.loads((model / "config.json").read_text())["info"]
    fit = info["threshold_fit"]
    assert fit["on"].startswith("labelled validation rows") and fit["source"] == str(files["train"])
    assert fit["rows"] == 300 and fit["anomalous"] > 0 and fit["normal"] > 0
    assert info["n_train_rows"] == 800 - fit["normal"]  # normal rows outside the slice only
    assert info["events_per_day"] == pytest.approx(1000 / (999 * 30 / 86400))


def test_evaluate_report_json_and_budget(files: dict[str, Path]) -> None:
    model = _train(files, "m_budget", "--threshold", "budget:100/day")
    html, js = files["dir"] / "r.html", files["dir"] / "r.json"
    res = runner.invoke(app, ["evaluate", str(model), str(files["test"]), "--report", str(html),
                              "--json", str(js), "-q"])
    assert res.exit_code == 0, res.output
    _check_page(html.read_text())
    m = json.loads(js.read_text())
    assert m["events_per_day"] == pytest.approx(500 / (499 * 30 / 86400))
    assert m["alerts_per_day"] == pytest.approx(m["alerts_per_10k"] / 1e4 * m["events_per_day"])
    assert {"exfil", "scan", "benign"} <= set(m["per_class"]) and "10" in m["precision_at_k"]
    assert m["roc_auc"] > 0.9 and m["threshold_fit"]["anomalous"] == 0
    out = files["dir"] / "s.csv"
    res = runner.invoke(app, ["score", str(model), str(files["test"]), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out)
    assert list(df.columns) == ["row", "score", "flag", "calibrated", "severity"]
    assert df["calibrated"].between(0, 1).all()
    assert set(df["severity"]) <= {"low", "medium", "high", "critical"}
    order = np.argsort(df["score"].to_numpy())
    assert np.all(np.diff(df["calibrated"].to_numpy()[order]) >= 0)  # monotone in the raw score


def test_threshold_bad_input_is_one_clean_line(files: dict[str, Path], tmp_path: Path) -> None:
    train = str(files["train"])
    cases = [
        (["--threshold", "pot:2"], "q (risk"),
        (["--threshold", "budget:50/day", "--timestamp-col", "nope"], "--timestamp-col"),
        (["--threshold", "budget:5000/day", "--events-per-day", "100"], "not below the event count"),
        (["--threshold", "best-f1", "--val-fraction", "1.5"], "--val-fraction"),
        (["--threshold", "budget:50/day"], "needs the event rate"),
    ]
    for extra, match in cases:
        res = runner.invoke(app, ["train", train, "-o", str(tmp_path / "m"), "--label-col", "label",
                                  "--normal", "benign", *FAST, *extra])
        assert res.exit_code == 2, res.output
        lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
        assert len(lines) == 1 and match in lines[0], res.stderr
        assert not (tmp_path / "m").exists()
    res = runner.invoke(app, ["train", train, "-o", str(tmp_path / "m"), "--threshold", "best-f1",
                              *FAST])
    assert res.exit_code == 2 and "labelled training file" in res.stderr


def test_pipeline_threshold_fit_records_and_realised_fpr() -> None:
    from hourglass import AutoEncoder, Pipeline
    from hourglass.errors import InputError
    from hourglass.thresholds import POT, BestF1

    rng = np.random.default_rng(0)

    def normal(n: int) -> pd.DataFrame:
        z = rng.normal(size=(n, 2))
        return pd.DataFrame(z @ np.array([[1.0, 0.5, -1.0, 2.0], [0.3, -1.0, 1.0, 0.0]]),
                            columns=list("abcd"))

    ae = AutoEncoder(hidden=(8, 2), epochs=15, batch_size=128, lr=3e-3, verbose=0,
                     validation_fraction=0.3)
    pipe = Pipeline(ae, threshold=POT(1e-2)).fit(normal(3000))
    assert pipe.info["threshold_fit"]["normal"] == 900
    realised = float(pipe.predict(normal(20_000)).mean())
    # (a 1% tail fitted on 900 held-out rows: its realised rate varies by about +-0.35% a fit,
    # and a model's last bits move it; 2.02% was seen. Within 2.5x of the target either way)
    assert 0.4e-2 <= realised <= 2.5e-2, realised
    p = pipe.calibrated_score(normal(50))
    assert ((p >= 0) & (p <= 1)).all()
    with pytest.raises(InputError, match="labelled validation rows"):
        Pipeline(ae, threshold=BestF1()).fit(normal(300))
    val = pd.concat([normal(200), normal(50) * 6], ignore_index=True)
    y_val = np.r_[np.zeros(200, int), np.ones(50, int)]
    sup = Pipeline(ae, threshold=BestF1()).fit(normal(1000), X_val=val, y_val=y_val)
    assert sup.info["threshold_fit"]["anomalous"] == 50 and sup.threshold_.best_score_ > 0.8


def test_timeseries_report_has_event_metrics(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    t = np.arange(700)
    df = pd.DataFrame({"datetime": (pd.Timestamp("2020-03-09") + pd.to_timedelta(t, unit="s"))
                       .strftime("%Y-%m-%d %H:%M:%S"),
                       "Pressure": np.sin(t / 5) + 0.05 * rng.normal(size=700),
                       "Current": np.cos(t / 5) + 0.05 * rng.normal(size=700),
                       "anomaly": (t >= 550).astype(float), "changepoint": 0.0})
    df.loc[df["anomaly"] == 1, "Pressure"] = 3.0
    path = tmp_path / "0.csv"
    df.to_csv(path, sep=";", index=False)
    model, html = tmp_path / "M", tmp_path / "r.html"
    res = runner.invoke(app, ["train", str(path), "--dataset", "skab", "--model", "lstm-ae", "-o",
                              str(model), "--window", "16", "--epochs", "4", "--param", "hidden=8", "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["evaluate", str(model), str(path), "--dataset", "skab", "--report",
                              str(html), "-q"])
    assert res.exit_code == 0, res.output
    page = html.read_text()
    p = _check_page(page)
    assert p.ids.get("tbl-event-metrics") == "table"
    assert "event recall" in page and "point-adjusted (PA" in page and "VUS-PR (TSB-AD)" in page


def test_time_col_is_a_hidden_deprecated_alias_of_timestamp_col(files: dict[str, Path],
                                                                 tmp_path: Path) -> None:
    for cmd in ("train", "evaluate"):
        help_text = runner.invoke(app, [cmd, "--help"]).output
        assert "--timestamp-col" in help_text and "--time-col" not in help_text
    base = ["train", str(files["train"]), "--label-col", "label", "--normal", "benign",
            "--threshold", "budget:100/day", *FAST]
    res = runner.invoke(app, [*base, "-o", str(tmp_path / "old"), "--time-col", "ts"])
    assert res.exit_code == 0, res.output
    assert "deprecated" in res.stderr and "--timestamp-col" in res.stderr
    old = json.loads((tmp_path / "old" / "config.json").read_text())["info"]
    assert old["events_per_day"] == pytest.approx(1000 / (999 * 30 / 86400))
    res = runner.invoke(app, [*base, "-o", str(tmp_path / "both"), "--time-col", "ts",
                              "--timestamp-col", "other"])
    assert res.exit_code == 2 and "give --timestamp-col only" in res.stderr
    assert not (tmp_path / "both").exists()
    res = runner.invoke(app, ["evaluate", str(tmp_path / "old"), str(files["test"]), "-q",
                              "--time-col", "ts", "--json", str(tmp_path / "m.json")])
    assert res.exit_code == 0, res.output
    m = json.loads((tmp_path / "m.json").read_text())
    assert m["events_per_day"] == pytest.approx(500 / (499 * 30 / 86400))
