"""Hostile and malformed input through the CLI, found by a systematic sweep: each case was a
traceback, a misleading message, an overwritten input or a silently wrong result before."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.pipeline.artefact import _content_hash
from hourglass.thresholds import events_per_day
from tests.test_cli import _fails_cleanly
from tests.test_logs import hdfs_log

runner = CliRunner()
TAB = ["--epochs", "1", "--hidden", "8,4", "-q"]
TS = ["--window", "8", "--epochs", "1", "--param", "hidden=8", "-q"]
LABELS = ["--label-col", "label", "--normal", "benign"]


def _frame(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.lognormal(5, 1, n).round(),
                         "rate": rng.uniform(0, 1, n), "label": "benign"})


def _series(n: int = 120) -> pd.DataFrame:
    t = np.arange(n)
    ts = pd.Timestamp("2020-03-09 10:00:00") + pd.to_timedelta(t, unit="s")
    return pd.DataFrame({"ts": ts.strftime("%Y-%m-%d %H:%M:%S"), "a": np.sin(t / 5), "b": np.cos(t / 5)})


def _ok(args: list[str]) -> str:
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.stderr


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("robust")
    _frame().to_csv(d / "flows.csv", index=False)
    _series().to_csv(d / "series.csv", index=False)
    (d / "hdfs.log").write_text("\n".join(hdfs_log(30)) + "\n")
    _ok(["train", d / "flows.csv", *LABELS, "-o", d / "tab", *TAB])
    _ok(["train", d / "series.csv", "--timestamp-col", "ts", "--model", "lstm-ae", "-o", d / "ts", *TS])
    _ok(["train", d / "hdfs.log", "--format", "hdfs", "--session-regex", r"blk_-?\d+", "--model",
         "deeplog", "--epochs", "1", "--param", "top_g=2", "-o", d / "log", "-q"])
    return {"dir": d, "flows": d / "flows.csv", "series": d / "series.csv", "log": d / "hdfs.log",
            "tab": d / "tab", "ts": d / "ts", "logm": d / "log"}


CSV = _frame().to_csv(index=False).encode()
ROWS = CSV.splitlines(keepends=True)
GZ = gzip.compress(CSV, mtime=0)     # a fixed header: the same bytes in every process


DAMAGED = [
    ("corrupt.csv.gz", GZ[:20] + b"\xff" * 40 + GZ[60:], "cannot read"),      # was zlib.error traceback
    ("gz.csv", GZ, "gzip-compressed data in a file not named .gz"),           # said 'UTF-16?'
    ("plain.csv.gz", CSV, "not gzip-compressed, though its name ends in .gz"),
    ("utf16.csv", CSV.decode().encode("utf-16"), "UTF-16 text; save it as UTF-8"),
    ("garbage.csv", bytes(np.random.default_rng(0).integers(1, 256, 4000, dtype=np.uint8)),
     "binary data"),                                                          # printed a traceback
    ("ragged_latin1.csv", b"".join(ROWS[:11]) + b"tc\xffp,1\n" + b"".join(ROWS[11:]),
     "line 12: undecodable bytes"),                                           # printed a traceback
    ("long.csv", b"".join(ROWS[:4]) + b"tcp," + b"9" * (1 << 21) + b",0.5,benign\n" + b"".join(ROWS[4:]),
     "line 5 is longer than 1,048,576 bytes"),                                # pyarrow's 'straddling'
]


# test ids name the file, not its bytes (megabytes of them in the ids otherwise)
@pytest.mark.parametrize(("name", "content", "match"), DAMAGED, ids=[case[0] for case in DAMAGED])
@pytest.mark.parametrize("command", ["train", "score"])
def test_damaged_table_files_fail_in_one_line(kit: dict[str, Path], tmp_path: Path, name: str,
                                             content: bytes, match: str, command: str) -> None:
    data = tmp_path / name
    data.write_bytes(content)
    out = tmp_path / ("m" if command == "train" else "s.csv")
    args = ([command, str(data), *LABELS, "-o", str(out), *TAB] if command == "train"
            else [command, str(kit["tab"]), str(data), "-o", str(out)])
    _fails_cleanly(args, match, out)


def test_skip_mode_skips_an_undecodable_malformed_row(kit: dict[str, Path], tmp_path: Path) -> None:
    data = tmp_path / "x.csv"
    data.write_bytes(b"".join(ROWS[:11]) + b"tc\xffp,1\n" + b"".join(ROWS[11:]))
    err = _ok(["score", kit["tab"], data, "-o", tmp_path / "s.csv", "--on-bad-rows", "skip"])
    assert "skipped 1 malformed row(s)" in err and "Traceback" not in err
    assert len(pd.read_csv(tmp_path / "s.csv")) == len(ROWS) - 1


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl"])
def test_a_utf8_bom_is_not_part_of_the_first_column_name(kit: dict[str, Path], tmp_path: Path,
                                                         fmt: str) -> None:
    f = _frame()
    text = (f.to_json(orient="records", lines=True) if fmt == "jsonl"
            else f.to_csv(index=False, sep="\t" if fmt == "tsv" else ","))
    data = tmp_path / f"bom.{fmt}"
    data.write_bytes(b"\xef\xbb\xbf" + text.encode())
    _ok(["score", kit["tab"], data, "-o", tmp_path / "s.csv", "-q"])  # the model needs 'proto'


def test_an_empty_header_cell_gets_a_name(tmp_path: Path) -> None:
    data = tmp_path / "x.csv"
    data.write_text("proto,,rate\n" + "".join(f"tcp,{i},0.{i}\n" for i in range(20)))
    res = runner.invoke(app, ["inspect", str(data)])
    assert res.exit_code == 0 and "Unnamed: 1" in res.stdout, res.output


def test_nested_parquet_lists_become_text_and_structs_columns(tmp_path: Path) -> None:
    f = _frame()
    pq.write_table(pa.table({**{c: f[c] for c in f.columns}, "lst": pa.array([[1, 2]] * len(f)),
                             "st": pa.array([{"x": 1}] * len(f)),
                             "when": pa.array(pd.date_range("2020-01-01", periods=len(f), freq="s",
                                                            tz="UTC"))}), tmp_path / "n.parquet")
    _ok(["train", tmp_path / "n.parquet", *LABELS, "-o", tmp_path / "m", *TAB])  # was TypeError
    schema = json.loads(_ok_json(tmp_path / "n.parquet", tmp_path / "i.json"))
    roles = {c["column"]: c["role"] for c in schema["columns"]}
    assert roles["lst"] == "categorical" and roles["when"] == "drop" and "st" not in roles
    assert "st.x" in roles  # a struct's fields are columns, as nested JSON objects are


def _ok_json(data: Path, out: Path) -> str:
    _ok(["inspect", data, "--json", out])
    return out.read_text()


@pytest.mark.parametrize("case", ["score-table", "score-series", "score-log", "score-into-model",
                                  "evaluate-json", "evaluate-report", "inspect-json"])
def test_an_output_never_replaces_an_input(kit: dict[str, Path], tmp_path: Path, case: str) -> None:
    src = {"score-series": kit["series"], "score-log": kit["log"]}.get(case, kit["flows"])
    data = tmp_path / src.name
    shutil.copy(src, data)
    model = tmp_path / "model"
    shutil.copytree({"score-series": kit["ts"], "score-log": kit["logm"]}.get(case, kit["tab"]), model)
    before = {p: p.read_bytes() for p in (data, model / "config.json")}
    args = {"score-table": ["score", model, data, "-o", data],
            "score-series": ["score", model, data, "-o", data],
            "score-log": ["score", model, data, "-o", data],
            "score-into-model": ["score", model, data, "-o", model / "config.json"],
            "evaluate-json": ["evaluate", model, data, *LABELS, "--json", data],
            "evaluate-report": ["evaluate", model, data, *LABELS, "--report", data],
            "inspect-json": ["inspect", data, "--json", data]}[case]
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 2 and "choose another path" in res.stderr, res.output
    assert all(p.read_bytes() == b for p, b in before.items()), "an input was overwritten"


def _edit(cfg: dict, path: str, value: object) -> None:
    *head, last = path.split(".")
    for k in head:
        cfg = cfg[k]
    cfg[last] = value


@pytest.mark.parametrize(("path", "value", "match"), [
    ("detector.params", "oops", "'detector.params' must be an object, found str"),
    ("detector.name", 5, "'detector.name' must be a string, found int"),
    ("features", [1, 2], "'features' must be an object, found list"),
    ("info", [1], "'info' must be an object"),
    ("versions", "x", "'versions' must be an object"),
    ("detector.params.hidden", "abc", "artefact config is incomplete or invalid"),
    ("detector.state.threshold.value", float("nan"), "the saved value is NaN"),  # flagged nothing
    ("features.offset", [1.0], "offset/scale: 2 finite values expected"),       # scored wrongly
    # the saved arrays are checked against it before the module's weights
    ("detector.state.n_features_in", 7, "array 'gradient_baseline' has shape (5,), expected (7,)"),
])
def test_a_hand_edited_config_with_a_fixed_hash_is_refused(kit: dict[str, Path], tmp_path: Path,
                                                          path: str, value: object, match: str) -> None:
    model = tmp_path / "model"
    shutil.copytree(kit["tab"], model)
    cfg = json.loads((model / "config.json").read_text())
    _edit(cfg, path, value)
    cfg["content_hash"] = _content_hash(cfg, (model / "weights.safetensors").read_bytes())
    (model / "config.json").write_text(json.dumps(cfg))
    out = tmp_path / "s.csv"
    _fails_cleanly(["score", str(model), str(kit["flows"]), "-o", str(out)], match, out)


def test_corrupt_weights_with_a_fixed_hash_are_named(kit: dict[str, Path], tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(kit["tab"], model)
    (model / "weights.safetensors").write_bytes(b"\x10" + b"\x00" * 7 + b"{garbage}")
    cfg = json.loads((model / "config.json").read_text())
    cfg["content_hash"] = _content_hash(cfg, (model / "weights.safetensors").read_bytes())
    (model / "config.json").write_text(json.dumps(cfg))
    _fails_cleanly(["score", str(model), str(kit["flows"]), "-o", str(tmp_path / "s.csv")],
                   "weights.safetensors: corrupt")


def test_rows_without_a_label_are_counted_and_left_out(kit: dict[str, Path], tmp_path: Path) -> None:
    f = _frame()
    f.loc[:11, "label"] = "attack"
    f.loc[f.index % 5 == 4, "label"] = None  # 24 unlabelled rows: they used to count as attacks
    f.to_csv(tmp_path / "x.csv", index=False)
    err = _ok(["evaluate", kit["tab"], tmp_path / "x.csv", *LABELS, "--json", tmp_path / "m.json"])
    assert "24 row(s) have no value in label column 'label'" in err
    m = json.loads((tmp_path / "m.json").read_text())
    assert m["n"] == 96 and m["n_anomalies"] == 10
    err = _ok(["train", tmp_path / "x.csv", *LABELS, "-o", tmp_path / "m", *TAB[:-1]])
    assert "not trained on" in err and "on 77 rows (+9 held out)" in err


@pytest.mark.parametrize("command", ["evaluate", "inspect"])
def test_a_header_only_file_says_no_data_rows(kit: dict[str, Path], tmp_path: Path,
                                              command: str) -> None:
    data = tmp_path / "h.csv"
    data.write_text("proto,bytes,rate,label\n")  # was 'No objects to concatenate'
    args = (["evaluate", str(kit["tab"]), str(data), *LABELS] if command == "evaluate"
            else ["inspect", str(data)])
    _fails_cleanly(args, "no data rows")


def test_degenerate_training_tables(tmp_path: Path) -> None:
    one = tmp_path / "one.csv"
    _frame(1).to_csv(one, index=False)  # was 'could not broadcast input array'
    _fails_cleanly(["train", str(one), *LABELS, "-o", str(tmp_path / "m"), *TAB],
                   "1 training row; fitting needs at least 2", tmp_path / "m")
    flat = tmp_path / "flat.csv"  # every numeric column constant, the text column not
    _frame(40).assign(bytes=5.0, rate=0.5).to_csv(flat, index=False)
    _ok(["train", flat, *LABELS, "-o", tmp_path / "m", *TAB])


def test_huge_values(kit: dict[str, Path], tmp_path: Path) -> None:
    huge = tmp_path / "huge.csv"
    _frame().assign(rate=lambda f: np.where(f.index % 2, 1e308, -1e308)).to_csv(huge, index=False)
    _fails_cleanly(["train", str(huge), *LABELS, "-o", str(tmp_path / "m"), *TAB],
                   "column 'rate': values from -1e+308 to 1e+308 are too large to scale", tmp_path / "m")
    _ok(["score", kit["tab"], huge, "-o", tmp_path / "s.csv", "-q"])  # an outlier is scored, flagged
    assert pd.read_csv(tmp_path / "s.csv")["flag"].all()
    series = tmp_path / "s.csv"
    _series().assign(a=lambda f: np.where(f.index % 2, 1e308, -1e308)).to_csv(series, index=False)
    _fails_cleanly(["train", str(series), "--timestamp-col", "ts", "--model", "lstm-ae", "-o",
                    str(tmp_path / "m"), *TS], "column 'a': values from -1e+308", tmp_path / "m")
    err = _ok(["score", kit["ts"], series, "-o", tmp_path / "o.csv"])  # was 'non-finite', 4 lines
    assert "overflow" not in err and np.isfinite(pd.read_csv(tmp_path / "o.csv")["score"]).all()


@pytest.mark.parametrize(("edit", "match"), [
    (lambda s: s.assign(ts=[f"{v}+00:00" if i < 60 else v for i, v in enumerate(s.ts)]),
     "line 62 ('2020-03-09 10:01:00') has no UTC offset but line 2"),  # said 'not a timestamp'
    (lambda s: s.assign(ts=[f"{v}+05:00" if i < 60 else f"{v}+00:00" for i, v in enumerate(s.ts)]),
     "irregular (step 1s but 18001s after 2020-03-09 05:00:59+00:00); set --freq, e.g. '1s'"),
    (lambda s: s.assign(ts="2020-01-01 00:00:00"), "all 120 rows have the same timestamp"),
    (lambda s: s.astype({"a": object}).assign(a=lambda f: f.a.where(f.index != 5, "abc")),
     "column 'a': expected numbers, found 'abc' (line 7)"),          # was a channel dropped quietly
])
def test_bad_time_series_input(tmp_path: Path, edit: object, match: str) -> None:
    data = tmp_path / "s.csv"
    edit(_series()).to_csv(data, index=False)  # type: ignore[operator]
    _fails_cleanly(["train", str(data), "--timestamp-col", "ts", "--model", "lstm-ae", "-o",
                    str(tmp_path / "m"), *TS], match, tmp_path / "m")


def test_epoch_second_timestamps_are_seconds(kit: dict[str, Path], tmp_path: Path) -> None:
    data = tmp_path / "s.csv"
    _series().assign(ts=lambda f: 1_600_000_000 + np.arange(len(f))).to_csv(data, index=False)
    _ok(["score", kit["ts"], data, "-o", tmp_path / "o.csv", "-q"])
    assert pd.read_csv(tmp_path / "o.csv")["ts"].iloc[0] == "2020-09-13T12:26:40"  # not 1970 + ns
    assert events_per_day(np.arange(0, 2 * 86400 + 1, 60)) == pytest.approx(2881 / 2)


@pytest.mark.parametrize("dataset", ["skab", "asd"])
def test_a_truncated_gzip_dataset_file(tmp_path: Path, dataset: str) -> None:
    data = tmp_path / "0.csv.gz"
    data.write_bytes(gzip.compress(_series().to_csv(index=False, sep=";").encode())[:100])
    _fails_cleanly(["train", str(data), "--dataset", dataset, "--model", "lstm-ae", "-o",
                    str(tmp_path / "m"), *TS], "cannot read")  # was 'Aborted.', exit 1


def test_log_files_in_other_encodings_and_wrappings(kit: dict[str, Path], tmp_path: Path) -> None:
    text = "\n".join(hdfs_log(30))
    for name, content in (("u16.log", text.encode("utf-16")), ("bom.log", b"\xef\xbb\xbf" + text.encode()),
                          ("packed.log", gzip.compress(text.encode()))):
        (tmp_path / name).write_bytes(content)
        err = _ok(["score", kit["logm"], tmp_path / name, "-o", tmp_path / "a.jsonl"])
        assert "matched no header" not in err and "bad encoding" not in err, (name, err)
    g = gzip.compress(text.encode())
    (tmp_path / "bad.log.gz").write_bytes(g[:20] + b"\xff" * 40 + g[60:])
    _fails_cleanly(["score", str(kit["logm"]), str(tmp_path / "bad.log.gz"), "-o",
                    str(tmp_path / "b.jsonl"), "-q"], "cannot read", tmp_path / "b.jsonl")


def test_log_times_out_of_range_and_huge_keys(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text("".join(f"{'9' * 40} event {i % 3}\n" for i in range(30)))
    _fails_cleanly(["train", str(log), "--format", r"^(?P<timestamp>\d+) (?P<content>.*)$",
                    "--window", "60", "--model", "deeplog", "-o", str(tmp_path / "m"), "-q"],
                   "no event has a readable time stamp")  # was 'Out of bounds timestamp 1e+40'
    keys = tmp_path / "k.txt"
    keys.write_text("1 2 3 4\n99999999999999999999 5 6\n" * 20)  # was an OverflowError traceback
    err = _ok(["train", keys, "--format", "keys", "--model", "deeplog", "--epochs", "1", "-o",
               tmp_path / "m"])
    assert "20 line(s) were not integer key sequences" in err


def test_event_rows_without_session_or_key_are_counted(tmp_path: Path) -> None:
    data = tmp_path / "e.csv"
    pd.DataFrame({"user": ["a", "b", None, "a"] * 25, "event": [1.0, 2.0, 3.0, np.nan] * 25}
                 ).to_csv(data, index=False)
    err = _ok(["train", data, "--session-col", "user", "--key-col", "event", "--model", "deeplog",
               "--epochs", "1", "-o", tmp_path / "m"])
    assert "25 row(s) had an empty key (--key-col) (first: row 4); left out" in err
    assert "25 event(s) had no session id; left out" in err


def test_numbers_with_separators_are_not_dropped_quietly(tmp_path: Path) -> None:
    data = tmp_path / "x.csv"
    _frame().assign(bytes=lambda f: f.bytes.map(lambda v: f"{v * 1000:,.0f}")).to_csv(data, index=False)
    err = _ok(["train", data, *LABELS, "-o", tmp_path / "m", *TAB[:-1]])
    assert "column 'bytes' holds numbers with separators" in err


@pytest.mark.parametrize(("extra", "match"), [
    (["--keep", "score"], "--keep score: the output has its own 'score' column"),  # was overwritten
    (["--keep", "row"], "--keep row: the output has its own 'row' column"),
])
def test_keep_never_replaces_an_output_column(kit: dict[str, Path], tmp_path: Path, extra: list[str],
                                              match: str) -> None:
    data = tmp_path / "x.csv"
    _frame().assign(score="mine", row="r").to_csv(data, index=False)
    out = tmp_path / "s.csv"
    _fails_cleanly(["score", str(kit["tab"]), str(data), "-o", str(out), *extra], match, out)


def test_an_output_of_unknown_type_is_refused(kit: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "s.xlsx"  # used to get CSV text
    _fails_cleanly(["score", str(kit["tab"]), str(kit["flows"]), "-o", str(out)],
                   "unknown file type '.xlsx'", out)


def test_a_parquet_file_with_a_repeated_column_name(tmp_path: Path) -> None:
    f = _frame()
    pq.write_table(pa.table([f.proto, f.bytes, f.rate, f.label, f.rate],
                            names=["proto", "bytes", "rate", "label", "rate"]), tmp_path / "d.parquet")
    _ok(["train", tmp_path / "d.parquet", *LABELS, "-o", tmp_path / "m", *TAB])  # was AttributeError


@pytest.mark.parametrize("bad", ["oops", None, 2])
def test_time_series_labels_are_0_or_1_in_every_row(kit: dict[str, Path], tmp_path: Path,
                                                    bad: object) -> None:
    data = tmp_path / "s.csv"
    _series().assign(label=lambda f: [bad if i % 7 == 3 else 0 for i in f.index]).to_csv(data, index=False)
    # text was "could not convert string to float", a missing label silently normal
    _fails_cleanly(["evaluate", str(kit["ts"]), str(data), "--label-col", "label"],
                   "label column 'label': line 5 holds")


def test_a_time_stamp_far_off_does_not_build_a_huge_grid(tmp_path: Path) -> None:
    data = tmp_path / "s.csv"
    s = _series()
    s.loc[len(s) - 1, "ts"] = "2031-01-01 00:00:00"  # a 1 s grid of 340 million steps
    s.to_csv(data, index=False)
    _fails_cleanly(["train", str(data), "--timestamp-col", "ts", "--freq", "1s", "--fill", "ffill",
                    "--model", "lstm-ae", "-o", str(tmp_path / "m"), *TS], "steps for 120 rows",
                   tmp_path / "m")


def test_a_device_is_not_read_as_an_empty_table(tmp_path: Path) -> None:
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null")
    _fails_cleanly(["train", "/dev/null", "-o", str(tmp_path / "m"), *TAB],  # said 'empty file'
                   "not a regular file (a pipe or a device)", tmp_path / "m")


@pytest.mark.parametrize("kind", ["log", "series"])
def test_a_missing_output_folder_is_named_before_any_scoring(kit: dict[str, Path], tmp_path: Path,
                                                             kind: str) -> None:
    data = tmp_path / "unreadable.txt"  # would fail to parse: the output check must come first
    data.write_text("nothing a model can read\n")
    model = kit["logm"] if kind == "log" else kit["ts"]
    _fails_cleanly(["score", str(model), str(data), "-o", str(tmp_path / "no" / "a.jsonl")],
                   "output folder")


def test_a_file_with_no_key_sequence_says_so(tmp_path: Path) -> None:
    keys = tmp_path / "k.txt"
    keys.write_text("1,2,3\n4,5,6\n" * 10)  # was 'every line was skipped or had no session id'
    _fails_cleanly(["train", str(keys), "--format", "keys", "--model", "deeplog", "-o",
                    str(tmp_path / "m"), "-q"], "no line is a key sequence", tmp_path / "m")


def test_a_truncated_gzip_labels_file(kit: dict[str, Path], tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv.gz"
    labels.write_bytes(gzip.compress(b"BlockId,Label\n" + b"blk_1000,Normal\n" * 40)[:40])
    _fails_cleanly(["evaluate", str(kit["logm"]), str(kit["log"]), "--labels", str(labels)],
                   "--labels")  # was 'Aborted.', exit 1


def test_a_bad_extra_normal_file_is_the_one_named(kit: dict[str, Path], tmp_path: Path) -> None:
    extra = tmp_path / "extra.csv"
    _series().astype({"a": object}).assign(a=lambda f: f.a.where(f.index != 3, "zz")).to_csv(
        extra, index=False)
    _fails_cleanly(["train", str(kit["series"]), "--timestamp-col", "ts", "--model", "lstm-ae",
                    "--extra-normal", str(extra), "-o", str(tmp_path / "m"), *TS],
                   f"--extra-normal {extra}: column 'a': expected numbers", tmp_path / "m")


@pytest.mark.parametrize(("error", "match"), [
    ("cuda", "GPU out of memory (CUDA out of memory. Tried to allocate 2.00 GiB): train with a lower "
             "--batch-size, or use --device cpu"),
    ("cpu", "out of memory: train with a lower --batch-size, or on a sample"),
])
def test_running_out_of_memory_is_one_line_and_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      error: str, match: str) -> None:
    import torch

    import hourglass.detectors.base as base_mod

    def boom(*args: object, **kwargs: object) -> None:
        if error == "cuda":
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB\nmore")
        raise MemoryError

    monkeypatch.setattr(base_mod, "train_module", boom)
    data, out = tmp_path / "flows.csv", tmp_path / "m"
    _frame().to_csv(data, index=False)
    res = runner.invoke(app, ["train", str(data), *LABELS, "-o", str(out), *TAB])
    assert res.exit_code == 1, res.output
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in res.stderr and match in lines[0], res.stderr
    assert not out.exists()


def test_user_text_is_printed_as_written_not_read_as_rich_markup(tmp_path: Path) -> None:
    # a column named '[/x]' stopped inspect with rich's MarkupError (a traceback, exit 1), and a
    # file named 'a[bold]b.jsonl' was printed as 'ab.jsonl'
    data = tmp_path / "a[bold]b.csv"
    data.write_text("a,[/x],c\n1,2,x\n3,5,y\n5,6,x\n7,9,y\n")
    res = CliRunner().invoke(app, ["inspect", str(data)])
    assert res.exit_code == 0, res.output
    assert "[/x]" in res.stdout and "a[bold]b.csv: format csv" in res.stdout
