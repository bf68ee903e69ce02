"""What a user pointing the CLI at real flow tables ran into: each check is one problem found by
running the commands on NSL-KDD, the ODDS sets and Windows events, fixed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from tests._cli import one_line_error

runner = CliRunner()


def _flows(n: int, seed: int, attacks: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.lognormal(6, 1, n).round(),
                       "flag": "SF", "label": "benign"})
    if attacks:  # attack rows carry a flag value and byte counts the normal rows never have
        idx = np.arange(0, n, 4)[:attacks]
        df.loc[idx, "flag"] = "S0"
        df.loc[idx, "bytes"] = 0.0
        df.loc[idx, "label"] = "attack"
    return df


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("dogfood")
    _flows(200, 0, attacks=40).to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(d / "model"), "--hidden", "8,4",
                              "--epochs", "2", "--label-col", "label", "--normal", "benign", "-q"])
    assert res.exit_code == 0, res.output
    test = _flows(20, 1)
    test.to_json(d / "test.jsonl", orient="records", lines=True)
    return {"dir": d, "model": d / "model", "train": d / "train.csv", "jsonl": d / "test.jsonl"}


def test_inspect_previews_the_features_train_builds_from_the_normal_rows(files: dict[str, Path]) -> None:
    from hourglass import load

    out = files["dir"] / "schema.json"
    res = runner.invoke(app, ["inspect", str(files["train"]), "--label-col", "label", "--normal", "benign",
                              "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "features fitted on the 160 normal rows, as train fits them" in res.output
    schema = json.loads(out.read_text())
    pipe = load(files["model"])
    assert schema["n_features"] == len(pipe.features_.feature_names_)  # 'flag' is constant in normal rows
    assert schema["fitted_on_normal_rows"] == 160
    res = runner.invoke(app, ["inspect", str(files["train"]), "--label-col", "label", "--normal", "nope"])
    assert res.exit_code == 0 and "no row has a normal label value (nope)" in res.output


def test_a_broken_json_line_names_the_column_where_it_breaks(files: dict[str, Path]) -> None:
    lines = files["jsonl"].read_text().splitlines()
    broken = files["dir"] / "broken.jsonl"
    broken.write_text("\n".join([lines[0], lines[1][:20], *lines[2:]]) + "\n")
    out = files["dir"] / "s.csv"
    one_line_error(["score", str(files["model"]), str(broken), "-o", str(out)],
                   "line 2: not valid JSON (Unterminated string starting at column", out)
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(broken)])  # + its summary
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    assert "line 2: not valid JSON (Unterminated string starting at column 16)" in res.stderr


def test_stream_reads_a_nested_value_as_its_fields_not_a_traceback(files: dict[str, Path]) -> None:
    row = json.loads(files["jsonl"].read_text().splitlines()[0])
    nested = files["dir"] / "nested.jsonl"
    nested.write_text(json.dumps({**row, "tags": {"name": "tcp"}}) + "\n")  # an extra column: ignored
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(nested), "--all"])
    assert res.exit_code == 0, res.output
    assert len([ln for ln in res.stdout.splitlines() if ln.strip()]) == 1
    nested.write_text(json.dumps({**row, "proto": {"name": "tcp"}}) + "\n")  # a model column
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(nested)])
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    assert "missing column 'proto': the row has 'proto' as a nested object, read as its fields " \
           "(proto.name)" in res.stderr.splitlines()[0]
    nested.write_text(json.dumps({**row, "bytes": [1, 2]}) + "\n")  # a numeric column: the usual error
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(nested)])
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    assert "column 'bytes': expected numbers, found '[1, 2]' (line 1)" in res.stderr.splitlines()[0]


def test_evaluate_takes_an_attack_capture_without_normal_rows(files: dict[str, Path]) -> None:
    attacks = _flows(200, 2, attacks=40)
    path, out = files["dir"] / "attacks.csv", files["dir"] / "attacks.json"
    attacks[attacks.label == "attack"].to_csv(path, index=False)
    res = runner.invoke(app, ["evaluate", str(files["model"]), str(path), "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "no row has label in ['benign'] (values seen: attack): every row counts as an anomaly" \
        in res.stderr
    metrics = json.loads(out.read_text())
    assert metrics["n"] == metrics["n_anomalies"] == 40 and metrics["roc_auc"] is None
    assert metrics["tp"] + metrics["fn"] == 40
    one_line_error(["evaluate", str(files["model"]), str(path), "--report", str(files["dir"] / "r.html")],
                   "needs both normal and anomalous rows", files["dir"] / "r.html")


def test_warm_start_on_a_file_without_the_parents_label_column_says_so(files: dict[str, Path]) -> None:
    path, out = files["dir"] / "unlabelled.csv", files["dir"] / "m2"
    _flows(120, 3).drop(columns=["label"]).to_csv(path, index=False)
    res = runner.invoke(app, ["train", str(path), "--warm-start", str(files["model"]), "-o", str(out),
                              "--epochs", "1"])
    assert res.exit_code == 0, res.output
    assert "no label column 'label' (the parent model's): every row is trained on as normal" in res.stderr


def test_inspect_says_when_a_dropped_column_keeps_its_missing_indicator(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    pd.DataFrame({"x": np.arange(50.0), "c": [np.nan] * 45 + [1.0] * 5}).to_csv(path, index=False)
    out = tmp_path / "s.json"
    res = runner.invoke(app, ["inspect", str(path), "--json", str(out)])
    assert res.exit_code == 0, res.output
    col = {d["column"]: d for d in json.loads(out.read_text())["columns"]}["c"]
    assert col["features"] == 1
    assert col["note"] == "dropped: constant in training (its missing indicator kept)"


def test_keep_a_json_field_that_first_chunks_lack(files: dict[str, Path], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import hourglass.ingest.tables as tables

    monkeypatch.setattr(tables, "_JSONL_CHUNK_ROWS", 10)  # chunks of 10 rows, as 50,000 in a big file
    rows = _flows(30, 4).drop(columns=["label"]).to_dict(orient="records")
    for i, row in enumerate(rows[20:]):
        row["src_ip"] = f"10.0.0.{i}"
    data = tmp_path / "flows.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    for name in ("s.parquet", "s.csv", "s.jsonl"):
        res = runner.invoke(app, ["score", str(files["model"]), str(data), "--keep", "src_ip",
                                  "-o", str(tmp_path / name), "-q"])
        assert res.exit_code == 0, res.output
    out = pd.read_parquet(tmp_path / "s.parquet")
    assert len(out) == 30 and out.src_ip.notna().sum() == 10 and out.src_ip.iloc[20] == "10.0.0.0"
    res = runner.invoke(app, ["explain", str(files["model"]), str(data), "--keep", "src_ip", "--all",
                              "-o", str(tmp_path / "why.csv"), "-q"])
    assert res.exit_code == 0, res.output
    assert pd.read_csv(tmp_path / "why.csv").src_ip.notna().sum() == 10


    def fails(keep: str, out: Path, match: str) -> None:  # one error line after the extra-column warning
        res = runner.invoke(app, ["score", str(files["model"]), str(data), "--keep", keep, "-o", str(out)])
        assert res.exit_code == 2 and "Traceback" not in res.stderr, res.output
        lines = [ln for ln in res.stderr.splitlines() if not ln.startswith("ignoring")]
        assert len(lines) == 1 and match in lines[0], res.stderr
        assert not out.exists()

    fails("dst_ip", tmp_path / "x.csv", "--keep: no column 'dst_ip' in")
    for i, row in enumerate(rows):  # numbers first, text later: one line, not an arrow traceback
        row["site"] = i if i < 10 else f"lab-{i}"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    fails("site", tmp_path / "y.parquet", "output column(s) site: values of another type than in the rows")


def test_a_json_lines_file_whose_first_chunks_lack_a_model_field(files: dict[str, Path], tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import hourglass.ingest.tables as tables

    train = tmp_path / "train.jsonl"
    rows = _flows(200, 5).drop(columns=["label"]).to_dict(orient="records")
    for i, row in enumerate(rows):
        row["app"] = ["web", "dns"][i % 2]
    train.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "-o", str(model), "--hidden", "8,4", "--epochs", "1",
                              "-q"])
    assert res.exit_code == 0, res.output
    test = tmp_path / "test.jsonl"
    shown = [{k: v for k, v in r.items() if k != "app" or i >= 20} for i, r in enumerate(rows[:30])]
    test.write_text("\n".join(json.dumps(r) for r in shown) + "\n")
    whole = tmp_path / "whole.csv"
    res = runner.invoke(app, ["score", str(model), str(test), "-o", str(whole), "-q"])
    assert res.exit_code == 0, res.output  # one chunk: 'app' is a column, missing in rows 0-19
    monkeypatch.setattr(tables, "_JSONL_CHUNK_ROWS", 10)  # chunks of 10 rows: the first two lack 'app'
    for args in (["score", str(model), str(test), "-o", str(tmp_path / "s.csv")],
                 ["explain", str(model), str(test), "--all", "-o", str(tmp_path / "why.csv")]):
        res = runner.invoke(app, [*args, "-q"])
        assert res.exit_code == 0, res.output
    assert np.allclose(pd.read_csv(tmp_path / "s.csv").score, pd.read_csv(whole).score, rtol=1e-5)
    test.write_text("\n".join(json.dumps({k: v for k, v in r.items() if k != "app"})
                               for r in rows[:30]) + "\n")
    one_line_error(["score", str(model), str(test), "-o", str(tmp_path / "x.csv")],
                   "column(s) the model needs are missing: app", tmp_path / "x.csv")


def test_zeek_json_lines_leave_unset_fields_out_and_still_stream(tmp_path: Path) -> None:
    rows = [{"ts": 1714557600 + i, "uid": f"C{i}", "id.orig_h": f"10.0.0.{i % 9}", "id.orig_p": 40000 + i,
             "id.resp_h": "192.168.1.1", "id.resp_p": [53, 443][i % 2], "proto": ["udp", "tcp"][i % 2],
             "conn_state": "SF", "orig_pkts": 1 + i % 5, **({"service": "dns"} if i % 2 == 0 else {}),
             **({"duration": 0.01 * (i % 7)} if i % 3 else {})} for i in range(120)]
    data = tmp_path / "conn.log"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "-o", str(model), "--hidden", "8,4", "--epochs", "1",
                              "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["stream", str(model), "--input", str(data), "--all",
                              "-o", str(tmp_path / "a.jsonl")])
    assert res.exit_code == 0, res.output  # every other line has no 'service', a third no 'duration'
    assert len((tmp_path / "a.jsonl").read_text().splitlines()) == 120


@pytest.mark.parametrize("name,text", [("h.csv", "proto,bytes,flag,label\n"), ("b.jsonl", "\n\n")])
def test_score_and_explain_of_a_file_without_data_rows_fail_cleanly(files: dict[str, Path], name: str,
                                                                    text: str) -> None:
    data, out = files["dir"] / name, files["dir"] / "out.csv"
    data.write_text(text)  # was: an empty output and exit 0 (score, explain), or 'columns missing'
    one_line_error(["score", str(files["model"]), str(data), "-o", str(out)], f"{name}: no data rows", out)
    one_line_error(["explain", str(files["model"]), str(data), "-o", str(out)], f"{name}: no data rows", out)


def test_a_text_column_given_as_timestamp_is_one_line_without_pandas_hint(files: dict[str, Path]) -> None:
    out = files["dir"] / "mt"
    one_line_error(["train", str(files["train"]), "--label-col", "label", "--normal", "benign",
                    "--timestamp-col", "proto", "-o", str(out)],
                   "column 'proto': line 2 is not a timestamp", out)  # was preceded by pandas' warning


def test_pot_with_too_few_peaks_warns_once(files: dict[str, Path]) -> None:
    res = runner.invoke(app, ["train", str(files["train"]), "--label-col", "label", "--normal", "benign",
                              "--threshold", "pot:1e-4", "--hidden", "8,4", "--epochs", "1",
                              "-o", str(files["dir"] / "mp")])
    assert res.exit_code == 0, res.output
    assert [ln for ln in res.stderr.splitlines() if "POT:" in ln] == [
        "POT: only 1 peak above the 0.98 quantile of 16 scores (need 10); used the empirical quantile "
        "instead of a GPD tail fit"]


@pytest.mark.parametrize("args,match", [
    (["stream", "{model}", "--input", "{jsonl}", "--max-sessions", "5"], "--max-sessions: not used by table"),
    (["stream", "{model}", "--input", "{jsonl}", "--idle-timeout", "3"], "--idle-timeout: not used by table"),
    (["train", "{train}", "--label-col", "label", "--normal", "benign", "--val-fraction", "0.3",
      "-o", "{dir}/mv"], "--val-fraction: only a labelled threshold"),
])
def test_options_that_would_be_ignored_are_refused(files: dict[str, Path], args: list[str],
                                                   match: str) -> None:
    given = {k: str(v) for k, v in files.items()}
    one_line_error([a.format(**given) for a in args], match, files["dir"] / "mv")


def test_models_and_formats_never_cut_a_name_in_a_narrow_pipe() -> None:
    from hourglass.detectors import registry

    wanted = (("models", list(registry.entries())), ("formats", ["windows-json", "cicflowmeter"]))
    for command, names in wanted:
        res = runner.invoke(app, [command], env={"COLUMNS": "80"})
        assert res.exit_code == 0, res.output
        assert "…" not in res.stdout
        shown = {ln.split("│")[1].strip() for ln in res.stdout.splitlines() if ln.startswith("│")}
        assert set(names) <= shown, set(names) - shown


def test_a_log_given_to_a_table_model_is_called_a_log(files: dict[str, Path]) -> None:
    log = files["dir"] / "hdfs.log"
    log.write_text("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block "
                   "blk_38865049064139660 terminating\n" * 3)
    one_line_error(["score", str(files["model"]), str(log), "-o", str(files["dir"] / "log.csv")],
                   "the data reads as one text column (first line '081109 203615 148 INFO",
                   files["dir"] / "log.csv")
