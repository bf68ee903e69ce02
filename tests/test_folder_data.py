"""DATA as a folder: its files (rotated logs, a day of exports, a CloudTrail prefix) read one after
the other in name order, as one table: gzip or not, a repeated header line written once, a
CloudTrail ``Records`` file as its events; errors name the file and its own line."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner

FAST = ["--epochs", "2", "--hidden", "8,4", "-q"]


def _rows(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame({"bytes": rng.lognormal(6, 0.3, n).round(1), "port": rng.choice([80, 443], n),
                         "proto": rng.choice(["tcp", "udp"], n)})


@pytest.fixture()
def csv_folder(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    d = tmp_path / "flows"
    d.mkdir()
    _rows(rng, 100).to_csv(d / "a.csv", index=False)
    with gzip.open(d / "b.csv.gz", "wt") as fh:
        _rows(rng, 120).to_csv(fh, index=False)
    (d / "c.csv").write_text(_rows(rng, 80).to_csv(index=False).rstrip("\n"))  # no final newline
    (d / ".hidden.csv").write_text("not,read\n1,2\n")
    (d / "sub").mkdir()
    (d / "sub" / "d.csv").write_text("x\n1\n")
    return d


def test_a_folder_of_csv_files_is_one_table(csv_folder: Path, tmp_path: Path) -> None:
    model, out = tmp_path / "m", tmp_path / "s.csv"
    res = runner.invoke(app, ["train", str(csv_folder), *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    config = json.loads((model / "config.json").read_text())
    assert f"{csv_folder}/ (3 files)" in json.dumps(config)  # as the model card names the data
    res = runner.invoke(app, ["score", str(model), str(csv_folder), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) == 300  # 100 + 120 + 80: each header once, hidden and sub left out


def test_an_error_names_the_file_and_its_own_line(csv_folder: Path, tmp_path: Path) -> None:
    (csv_folder / "d.csv").write_text("bytes,port,proto\n1.0,80,tcp\n2.0,443,tcp,extra\n")
    one_line_error(["inspect", str(csv_folder)], f"{csv_folder / 'd.csv'}: line 3")


def test_a_folder_of_cloudtrail_files(tmp_path: Path) -> None:
    d = tmp_path / "trail"
    d.mkdir()
    rng = np.random.default_rng(1)
    for k in range(3):
        records = [{"eventVersion": "1.08", "eventTime": f"2026-01-01T00:{k:02d}:{i % 60:02d}Z",
                    "eventSource": "s3.amazonaws.com",
                    "eventName": str(rng.choice(["GetObject", "PutObject"])),
                    "sourceIPAddress": f"10.0.0.{rng.integers(2, 9)}", "eventID": f"{k}-{i}",
                    "userIdentity": {"type": "AssumedRole"}} for i in range(60)]
        with gzip.open(d / f"111122223333_CloudTrail_us-east-1_2026010{k}.json.gz", "wt") as fh:
            json.dump({"Records": records}, fh)
    res = runner.invoke(app, ["inspect", str(d)])
    assert res.exit_code == 0, res.output
    assert "format cloudtrail, 180 rows inspected" in res.output


def test_a_folder_of_zeek_logs(tmp_path: Path) -> None:
    d = tmp_path / "zeek"
    d.mkdir()
    head = ("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
            "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\torig_bytes\n"
            "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\n")
    for hour in range(2):
        rows = "".join(f"{1700000000 + hour * 3600 + i}.0\tC{hour}{i}\t10.0.0.5\t{40000 + i}\t"
                       f"10.0.0.1\t53\tudp\t{60 + i}\n" for i in range(50))
        with gzip.open(d / f"conn.{hour:02d}:00:00-{hour + 1:02d}:00:00.log.gz", "wt") as fh:
            fh.write(head + rows + "#close\t2023-11-14-23-00-00\n")
    res = runner.invoke(app, ["inspect", str(d)])
    assert res.exit_code == 0, res.output
    assert "format zeek-conn, 100 rows inspected" in res.output


def _usage_error(args: list[str], match: str, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> str:
    """The console script says a refused DATA in one line, exit code 2; the line is returned."""
    from hourglass.cli.app import main

    monkeypatch.setattr("sys.argv", ["hourglass", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert exit_.value.code == 2 and len(lines) == 1 and match in lines[0], lines
    return lines[0]


def test_folders_that_cannot_be_one_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    _usage_error(["inspect", str(empty)], "a folder without files", monkeypatch, capsys)
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    pd.DataFrame({"a": [1, 2]}).to_parquet(mixed / "a.parquet")
    (mixed / "b.csv").write_text("a\n3\n")
    _usage_error(["inspect", str(mixed)], "a.parquet is Parquet: a folder or a pattern is read as text files",
                 monkeypatch, capsys)
    trail = tmp_path / "trail"
    trail.mkdir()
    (trail / "a.json").write_text(json.dumps({"Records": [{"eventTime": "2026-01-01T00:00:00Z"}]}))
    (trail / "b.csv").write_text("a\n3\n")
    _usage_error(["inspect", str(trail)], "holds CloudTrail files and other files", monkeypatch, capsys)


def test_a_named_time_series_dataset_takes_one_file(tmp_path: Path) -> None:
    d = tmp_path / "valve1"
    d.mkdir()
    for k in range(2):
        (d / f"{k}.csv").write_text("datetime;A;anomaly;changepoint\n"
                                    + "".join(f"2020-01-01 00:00:{i:02d};{i};0.0;0.0\n" for i in range(40)))
    one_line_error(["train", str(d), "--dataset", "skab", "--model", "lstm-ae", "-o", str(tmp_path / "m")],
                   "--dataset skab: one series a file", tmp_path / "m")


def test_a_pattern_reads_the_matching_files_in_path_order(tmp_path: Path) -> None:
    """Zeek's archive: a folder a day, each with every log type; a pattern picks one type."""
    rng = np.random.default_rng(3)
    arch = tmp_path / "zeek"
    for day, n in (("2024-11-15", 90), ("2024-11-14", 110)):
        (arch / day).mkdir(parents=True)
        with gzip.open(arch / day / "conn.00:00:00-01:00:00.csv.gz", "wt") as fh:
            _rows(rng, n).assign(day=day).to_csv(fh, index=False)
        (arch / day / "dns.00:00:00-01:00:00.csv").write_text("query\nexample.com\n")
    model, out = tmp_path / "m", tmp_path / "s.csv"
    pattern = f"{arch}/*/conn.*.csv.gz"
    res = runner.invoke(app, ["train", pattern, *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    assert f"{pattern} (2 files)" in json.dumps(json.loads((model / "config.json").read_text()))
    res = runner.invoke(app, ["score", str(model), f"{arch}/**/conn.*", "--keep", "day", "-o", str(out)])
    assert res.exit_code == 0, res.output
    scored = pd.read_csv(out)
    assert len(scored) == 200 and list(scored["day"].iloc[[0, -1]]) == ["2024-11-14", "2024-11-15"]


def test_patterns_and_folders_of_folders_that_match_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _usage_error(["inspect", f"{tmp_path}/*/conn.*.log"], "no file matches this pattern", monkeypatch,
                 capsys)
    (tmp_path / "archive" / "2024-11-14").mkdir(parents=True)
    (tmp_path / "archive" / "2024-11-14" / "conn.log").write_text("a\n1\n")
    _usage_error(["inspect", str(tmp_path / "archive")],
                 f"give a pattern in quotes, e.g. '{tmp_path / 'archive'}/*/conn.*.log.gz'",
                 monkeypatch, capsys)
