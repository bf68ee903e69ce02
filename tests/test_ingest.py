"""Readers: chunked tables, bad-row policy, named formats and their quirks, sniffing, writers."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.ingest import (
    ReadStats,
    get_format,
    iter_table,
    label_strings,
    read_table,
    register_format,
    reservoir_sample,
    sniff_format,
)
from hourglass.ingest.datasets import NSL_KDD_FEATURES
from hourglass.ingest.flows import UNSW_RAW_COLUMNS
from hourglass.ingest.formats import FORMATS
from hourglass.ingest.writers import chunk_writer


def _nsl_line(i: int, label: str = "normal") -> str:
    values = ["0", "tcp", "http", "SF", str(200 + i), "5000", *["0"] * 35, label, "21"]
    return ",".join(values)


def test_chunked_csv_fixes_types_from_the_first_block(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    lines = ["a,b,c"] + [f"{i},{i % 3},x{i % 5}" for i in range(3000)] + ["3000,1.5,"]
    p.write_text("\n".join(lines) + "\n")
    chunks = list(iter_table(p, fmt="csv", chunk_bytes=4096))
    assert len(chunks) > 3
    df = pd.concat(chunks, ignore_index=True)
    assert len(df) == 3001 and df["b"].dtype == np.float64 and df["b"].iloc[-1] == 1.5
    assert pd.isna(df["c"].iloc[-1])  # an empty field is missing, not ""


def test_bad_rows_error_names_file_and_line_or_are_skipped(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_bytes(b"a,b,c\n1,2,x\n2,3\n3,4,\xff\xfe\n4,5,y\n")
    with pytest.raises(InputError, match=r"bad\.csv: line 3: expected 3 fields, found 2"):
        read_table(p)
    stats = ReadStats()
    df = read_table(p, on_bad_rows="skip", stats=stats)
    assert df["a"].tolist() == [1, 4] and stats.bad_rows == 2
    p.write_bytes(b"a,b,c\n1,2,x\n3,4,\xff\xfe\n")
    with pytest.raises(InputError, match=r"line 3: undecodable bytes"):
        read_table(p)
    with pytest.raises(InputError, match="on_bad_rows: expected one of") as info:  # (the CLI: --on-bad-rows)
        read_table(p, on_bad_rows="ignore")
    assert info.value.param == "on_bad_rows"


def test_jsonl_bad_line_and_skip(tmp_path: Path) -> None:
    p = tmp_path / "e.jsonl.gz"
    with gzip.open(p, "wt") as fh:
        fh.write('{"a": 1}\n{"a": \n[1]\n{"a": 2}\n')
    with pytest.raises(InputError, match="line 2: not valid JSON"):
        read_table(p)
    stats = ReadStats()
    assert read_table(p, on_bad_rows="skip", stats=stats)["a"].tolist() == [1, 2]
    assert stats.bad_rows == 2 and stats.bad_lines == [2, 3]


def test_nsl_kdd_layout_and_wrong_layout(tmp_path: Path) -> None:
    p = tmp_path / "kdd.txt"
    p.write_text("\n".join(_nsl_line(i, "neptune" if i % 4 == 0 else "normal")
                           for i in range(40)) + "\n")
    assert sniff_format(p).name == "nsl-kdd"
    df = get_format("nsl-kdd").read(p)
    assert list(df.columns) == [*NSL_KDD_FEATURES, "label", "difficulty"]
    assert (df["label"] == "neptune").sum() == 10
    short = tmp_path / "short.txt"
    short.write_text("0,tcp,http\n1,udp,dns\n")
    with pytest.raises(InputError, match="line 1: expected 43 fields, found 3"):
        get_format("nsl-kdd").read(short)


def test_unsw_partitioned_and_raw(tmp_path: Path) -> None:
    part = tmp_path / "UNSW_NB15_training-set.csv"
    part.write_text("id,dur,proto,service,state,sbytes,dbytes,attack_cat,label\n"
                    "1,0.1,tcp,-,FIN,100,200,Normal,0\n2,0.2,udp,dns,CON,50,60,Exploits,1\n")
    assert sniff_format(part).name == "unsw-nb15"
    df = get_format("unsw-nb15").read(part)
    assert label_strings(df["label"]).tolist() == ["0", "1"]
    raw = tmp_path / "UNSW-NB15_1.csv"
    row = ["59.166.0.0", "0x000b", "149.171.126.6", "53", "udp", "CON", *["1"] * 41, "", "0"]
    bad = [*row[:-2], " Fuzzers ", "1"]
    raw.write_text(",".join(row) + "\n" + ",".join(bad) + "\n")
    assert len(UNSW_RAW_COLUMNS) == 49
    assert sniff_format(raw).name == "unsw-nb15"
    df = get_format("unsw-nb15").read(raw)
    assert list(df.columns) == list(UNSW_RAW_COLUMNS)
    assert df["attack_cat"].tolist() == ["Normal", "Fuzzers"]


def test_cicflowmeter_quirks(tmp_path: Path) -> None:
    p = tmp_path / "Tuesday-WorkingHours.pcap_ISCX.csv"
    p.write_text(" Destination Port, Flow Duration, Fwd Header Length, Flow Bytes/s,"
                 " Fwd Header Length, Label\n"
                 "80,100,20,Infinity,20,BENIGN\n443,50,40,NaN,40,BENIGN\n22,5,10,1.5,10,SSH-Patator\n")
    spec = sniff_format(p)
    assert spec.name == "cicflowmeter" and spec.label_col == "Label"
    df = spec.read(p)
    assert list(df.columns) == ["Destination Port", "Flow Duration", "Fwd Header Length",
                                "Flow Bytes/s", "Fwd Header Length.1", "Label"]
    assert np.isinf(df["Flow Bytes/s"].iloc[0]) and np.isnan(df["Flow Bytes/s"].iloc[1])


ZEEK_TSV = """#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tconn
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes
#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount
1331901000.0\tCabc\t192.168.1.5\t51234\t8.8.8.8\t53\tudp\tdns\t0.01\t40
1331901001.0\tCdef\t192.168.1.6\t51235\t10.0.0.1\t22\ttcp\t-\t-\t-
#close\t2012-03-16-12-00-00
"""


def test_zeek_tsv_and_json(tmp_path: Path) -> None:
    p = tmp_path / "conn.log"
    p.write_text(ZEEK_TSV)
    assert sniff_format(p).name == "zeek-conn"
    df = get_format("zeek-conn").read(p)
    assert len(df) == 2 and df["id.resp_p"].tolist() == [53, 22]
    assert pd.isna(df["service"].iloc[1]) and np.isnan(df["orig_bytes"].iloc[1])
    js = tmp_path / "conn.json"
    js.write_text("\n".join(json.dumps({"ts": 1.0 + i, "uid": f"C{i}", "id.orig_h": "10.0.0.1",
                                        "id.orig_p": 4000 + i, "id.resp_h": "1.1.1.1",
                                        "id.resp_p": 443, "proto": "tcp"}) for i in range(3)))
    assert sniff_format(js).name == "zeek-conn"
    assert len(get_format("zeek-conn").read(js)) == 3
    other = tmp_path / "x.jsonl"
    other.write_text('{"a": 1}\n')
    assert sniff_format(other).name == "jsonl"
    with pytest.raises(InputError, match="is this a Zeek log"):
        get_format("zeek-conn").read(other)


def test_format_registry_takes_new_formats() -> None:
    spec = get_format("csv")
    with pytest.raises(ValueError, match="already registered"):
        register_format(get_format("zeek-conn"))
    with pytest.raises(InputError, match="unknown format 'nope'"):
        get_format("nope")
    assert spec.label_col is None and "nsl-kdd" in [*FORMATS, "nsl-kdd"]


def test_reservoir_sample_is_uniform_and_bounded() -> None:
    chunks = (pd.DataFrame({"x": np.arange(i, i + 1000)}) for i in range(0, 20_000, 1000))
    sample, seen = reservoir_sample(chunks, 2000, seed=1)
    assert seen == 20_000 and len(sample) == 2000 and sample["x"].is_unique
    # Uniform: each tenth of the stream holds about a tenth of the sample.
    share = np.bincount(sample["x"].to_numpy() // 2000, minlength=10) / 2000
    assert np.abs(share - 0.1).max() < 0.03


@pytest.mark.parametrize("name", ["out.csv", "out.csv.gz", "out.parquet", "out.jsonl"])
def test_chunk_writer_round_trip_and_no_partial_output(tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    with chunk_writer(target) as w:
        for i in range(3):
            w.write(pd.DataFrame({"row": [2 * i, 2 * i + 1], "score": [0.5, 1.5]}))
    assert read_table(target)["row"].tolist() == list(range(6))
    failed = tmp_path / f"failed-{name}"
    with pytest.raises(RuntimeError), chunk_writer(failed) as w:
        w.write(pd.DataFrame({"row": [0], "score": [0.5]}))
        raise RuntimeError("boom")
    assert not failed.exists() and not list(tmp_path.glob(f".failed-{name}*"))


def _gzip_fname(path: Path) -> str | None:
    """The FNAME field of a gzip header (RFC 1952), or None when the header has none."""
    head = path.read_bytes()[:4096]
    assert head[:2] == b"\x1f\x8b", f"{path.name}: not gzip"
    at = 10
    if head[3] & 4:  # FEXTRA
        at += 2 + int.from_bytes(head[at:at + 2], "little")
    return head[at:head.index(b"\0", at)].decode("latin-1") if head[3] & 8 else None


@pytest.mark.parametrize("name", ["out.jsonl.gz", "out.csv.gz", "out.tsv.gz"])
def test_gzip_outputs_name_the_final_file_not_the_temporary_one(tmp_path: Path, name: str) -> None:
    from hourglass.ingest import write_table
    from hourglass.ingest.writers import chunk_writer

    df = pd.DataFrame({"row": [0, 1], "score": [0.5, 2.0]})
    one, chunks, empty = tmp_path / name, tmp_path / f"c-{name}", tmp_path / f"e-{name}"
    write_table(df, one)
    with chunk_writer(chunks) as w:
        w.write(df)
    with chunk_writer(empty):
        pass
    for path in (one, chunks, empty):
        assert _gzip_fname(path) in (None, path.name[:-3]), path.name  # was '.out.jsonl.gz.x.tmp'
    assert _gzip_fname(one) == name[:-3]  # the gzip tool's convention: the name less .gz
    reader = pd.read_json if "jsonl" in name else (lambda p, **k: pd.read_csv(p, sep="\t" if "tsv" in name
                                                                                 else ","))
    for path in (one, chunks):
        got = reader(path, lines=True) if "jsonl" in name else reader(path)
        pd.testing.assert_frame_equal(got, df)
    assert not list(tmp_path.glob(".*")), "no temporary file left behind"
