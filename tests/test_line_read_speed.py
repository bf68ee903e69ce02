"""The faster reading of CEF, LEEF, key=value and PAN-OS files gives the frames the plain way gives:
each line through its format's per-line parser (as ``stream`` parses it), the rows into a table
by ``pd.DataFrame.from_records``, and each column that is no code typed by ``pd.to_numeric`` when
every present value converts. Generated files mix event classes and log types, leave fields out
of some lines, hold numeric-looking codes, empty values, quoted PAN-OS fields with commas, bad
lines (skipped), a byte order mark and blank lines, and are read in small chunks."""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.ingest import cef
from hourglass.ingest.cef import CEF, LEEF, _LineSpec, _numbers, parse_cef
from hourglass.ingest.kv import KV
from hourglass.ingest.panos import PANOS
from hourglass.ingest.tables import ReadStats

BOM = b"\xef\xbb\xbf"
# values that look like numbers in some ways and not in others
VALUES = ["0", "007", "12", "-4", "12.5", "1e3", "nan", "x", "", "99999999999999999999", "0x1F",
          "10.0.0.5", " 7", "inf", "3", "65535", "-0", "1,5"]


def _reference(spec: _LineSpec, path: Path, chunk_bytes: int) -> tuple[list[pd.DataFrame], ReadStats]:
    """The plain reading (lines skipped where they hold no record, as ``--on-bad-rows skip``)."""
    stats = ReadStats()
    frames: list[pd.DataFrame] = []
    text: set[str] = set()  # columns an earlier chunk had as text: text in the later ones too

    def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
        stats.rows += len(rows)
        df = pd.DataFrame.from_records(rows)
        for c in df.columns:
            if c in spec.text_columns or spec.roles.get(c) in ("categorical", "hash", "drop") or c in text:
                continue
            num = pd.to_numeric(df[c], errors="coerce")
            if num.notna().sum() == df[c].notna().sum() and df[c].notna().any():
                df[c] = num
            elif df[c].notna().any():
                text.add(c)
        return df

    rows: list[dict[str, Any]] = []
    size = 0
    for number, raw in enumerate(io.BytesIO(path.read_bytes()).readlines(), start=1):
        if not raw.strip():
            continue
        row = spec.parse(raw.removeprefix(BOM) if number == 1 else raw)
        if row is None:
            stats.skipped(number)
            continue
        rows.append(row)
        size += len(raw)
        if size >= chunk_bytes:
            frames.append(frame(rows))
            rows, size = [], 0
    if rows:
        frames.append(frame(rows))
    return frames, stats


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert list(got.dtypes) == list(want.dtypes)
    assert got.columns.dtype == want.columns.dtype and type(got.index) is type(want.index)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    for c in got.columns:  # None and NaN apart where a column holds Python objects
        if got[c].dtype == object:
            assert [repr(v) for v in got[c]] == [repr(v) for v in want[c]], c


def _check(spec: _LineSpec, path: Path, chunk_bytes: int) -> None:
    want, want_stats = _reference(spec, path, chunk_bytes)
    stats = ReadStats()
    got = list(spec.iter_chunks(path, on_bad_rows="skip", chunk_bytes=chunk_bytes, stats=stats))
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        _same(g, w)
    assert (stats.rows, stats.bad_rows, stats.bad_lines) == (
        want_stats.rows, want_stats.bad_rows, want_stats.bad_lines)


def _cef_lines(rng: random.Random, n: int) -> list[str]:
    lines = []
    for i in range(n):
        kind = rng.choice(["traffic", "ids", "proxy"])
        pairs = [f"src=10.0.{rng.randrange(4)}.{rng.randrange(250)}"]
        if rng.random() < 0.8:
            pairs.append(f"rt={1700000000000 + i}" if rng.random() < 0.9 else "rt=Mar 03 2025 09:14:07 GMT")
        if kind == "traffic":
            pairs += [f"spt={rng.randrange(65536)}", f"dpt={rng.choice(VALUES[:4])}",
                      f"in={rng.randrange(10**6)}", f"out={rng.choice(VALUES)}", "cs1Label=Rule",
                      f"cs1={rng.choice(['web', '0012', ''])}"]
        elif kind == "ids":
            pairs += [f"cnt={rng.choice(['5', '40', 'many', ''])}", "msg=GET /a?b\\=c done",
                      f"cn1={rng.choice(VALUES)}", f"fsize={rng.randrange(100)}"]
        else:
            pairs += [f"request=http://x/{i}", f"requestMethod={rng.choice(['GET', 'POST'])}",
                      f"cs2={rng.choice(['1', '2', '3'])}", f"act={rng.choice(['', 'allow'])}"]
        rng.shuffle(pairs)
        sig = rng.choice(["100", "007", "sig-7"])
        lines.append(f"<134>Nov 14 22:13:20 fw1 CEF:0|Acme|FW|2.{i % 3}|{sig}|{kind}|{rng.randrange(10)}|"
                     + " ".join(pairs))
    return lines


def _leef_lines(rng: random.Random, n: int) -> list[str]:
    lines = []
    for i in range(n):
        attrs = [f"src=10.0.0.{rng.randrange(250)}", f"srcPort={rng.choice(VALUES)}",
                 f"dstBytes={rng.randrange(10**5)}", f"devTime={1700000000000 + i}"]
        if rng.random() < 0.5:
            attrs.append(f"sev={rng.choice(VALUES)}")
        if rng.random() < 0.3:
            attrs.append(f"usrName={rng.choice(['joe', '', '42'])}")
        rng.shuffle(attrs)
        if rng.random() < 0.5:
            lines.append(f"LEEF:2.0|Acme|FW|1.0|{rng.choice(['41', '007'])}|^|" + "^".join(attrs))
        else:
            lines.append("<13>Jan 18 11:07:53 host LEEF:1.0|Acme|FW|1.0|41|" + "\t".join(attrs))
    return lines


def _kv_lines(rng: random.Random, n: int) -> list[str]:
    lines = []
    for i in range(n):
        if rng.random() < 0.6:
            extra = f' msg="said \\"hi\\" {i}"' if rng.random() < 0.3 else ""
            lines.append(f'date=2023-11-14 time=22:13:{i % 60:02d} devname="FGT-1" logid="0000000013" '
                         f"eventtime={1700000000123456789 + i} srcip=10.0.0.{i % 250} "
                         f"srcport={rng.choice(VALUES)} dstport={rng.randrange(65536)} proto=6 "
                         f'action="{rng.choice(["accept", "deny", ""])}" sentbyte={rng.choice(VALUES)}'
                         + extra)
        else:
            lines.append(f"Nov 14 22:13:20 gw kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.{i % 250} "
                         f"DST=10.0.0.5 LEN={rng.choice(VALUES)} TTL=52 DF PROTO=TCP "
                         f"SPT={rng.randrange(9999)} "
                         f"DPT={rng.choice(['22', '443', ''])} WINDOW=1024 RES=0x00 SYN URGP=0")
    return lines


def _panos_lines(rng: random.Random, n: int) -> list[str]:
    lines = []
    for i in range(n):
        t = f"2024/11/14 22:{i % 60:02d}:{i % 60:02d}"
        kind = rng.choice(["TRAFFIC", "TRAFFIC", "THREAT", "SYSTEM", "CONFIG", "HIPMATCH"])
        head = rng.choice(["<14>Nov 14 22:13:20 fw1 1,", "1,", ""])  # "": the first field stripped
        if kind in ("TRAFFIC", "THREAT"):
            rule = rng.choice(['"web, out"', "allow-web", "", '"say ""hi"", out"'])
            fields = [t, "0123456789", kind, "end", "2561", t, f"10.0.0.{i % 250}", "93.184.216.34",
                      rng.choice(["", "203.0.113.5"]), "", rule, rng.choice(["", "corp\\jdoe"]), "", "ssl",
                      "vsys1", "trust", "untrust", "ethernet1/2", "ethernet1/1", "fwd", t, str(81234 + i),
                      "1", str(rng.randrange(65536)), rng.choice(VALUES), "0", "0", "0x400053", "tcp",
                      rng.choice(["allow", "deny"])]
            more = [rng.choice(VALUES) for _ in range(rng.randrange(0, 40))]  # older/newer versions
            fields += more
        elif kind == "SYSTEM":
            fields = [t, "0123456789", kind, "general", "0", t, "", "general", "", "0", "0", "general",
                      "informational", '"User admin logged in, from 10.0.0.9"', str(i), "0x0"]
        elif kind == "CONFIG":
            fields = [t, "0123456789", kind, "0", "0", t, "10.0.0.9", "vsys1", "edit", "admin", "Web",
                      "Succeeded", rng.choice(["", "0", " deviceconfig"]), str(i)]
        else:
            fields = [t, "012", kind, "0", "1", t, "jdoe", rng.choice(VALUES)]
        lines.append(head + ",".join(fields))
    return lines


def _write(path: Path, lines: list[str], rng: random.Random, bad: list[str]) -> Path:
    out = []
    for line in lines:
        out.append(line)
        if rng.random() < 0.05:
            out.append(rng.choice(bad))
        if rng.random() < 0.03:
            out.append("")
    path.write_bytes(BOM + "\n".join(out).encode() + b"\n")
    return path


FORMATS = {"cef": (CEF, _cef_lines), "leef": (LEEF, _leef_lines), "kv": (KV, _kv_lines),
           "panos": (PANOS, _panos_lines)}
BAD = ["Nov 14 22:13:20 host sshd[1]: Accepted password", "a,b,c", "CEF:0|too|few", "x=1",
       "LEEF:1.0|only|three"]


@pytest.mark.parametrize("name", sorted(FORMATS))
@pytest.mark.parametrize("chunk_bytes", [1 << 20, 3000, 250])
def test_chunks_are_the_frames_of_the_plain_reading(name: str, chunk_bytes: int, tmp_path: Path) -> None:
    spec, lines = FORMATS[name]
    rng = random.Random(f"{name}{chunk_bytes}")
    path = _write(tmp_path / f"in.{name}", lines(rng, 600), rng, BAD)
    _check(spec, path, chunk_bytes)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_read_is_the_plain_reading(name: str, tmp_path: Path) -> None:
    spec, lines = FORMATS[name]
    rng = random.Random(name)
    path = tmp_path / f"in.{name}"
    path.write_bytes(BOM + "\n".join(lines(rng, 400)).encode() + b"\n")
    want, _ = _reference(spec, path, 1 << 30)
    _same(spec.read(path), want[0])


@pytest.mark.parametrize("values", [
    ["1", "2"], ["1", None], ["007", "-3"], ["1.5", "2"], ["a", "1"], ["1", "a"], [None, None],
    ["1e3", "2"], [" 1", "2"], ["99999999999999999999", "1"], ["-0", "5"], ["nan", "1"], ["1", "nan"],
    ["123456789012345", None], ["1234567890123456789", "1"], ["inf", "2"], ["0x10", "1"], ["+5", "1"]])
@pytest.mark.parametrize("dtype", ["str", object])
def test_numbers_as_to_numeric_reads_them(values: list[str | None], dtype: Any) -> None:
    col = pd.Series(values, dtype=dtype, name="c")
    num = pd.to_numeric(col, errors="coerce")
    want = num if num.notna().sum() == col.notna().sum() and col.notna().any() else None
    got = _numbers(col)
    if want is None:
        assert got is None
    else:
        assert got is not None and got.dtype == want.dtype
        pd.testing.assert_series_equal(got, want, check_exact=True)
        assert np.array_equal(got.isna().to_numpy(), want.isna().to_numpy())


KEY_CHARS = "abcs1L=\\ \t.[]_\u2003\x1c|\"x9"


def _old_keys(text: str) -> list[tuple[str, str]]:
    """Keys and stripped values as the look-behind split found them."""
    parts = cef._KEY.split(text)
    return [(parts[j], parts[j + 1].strip()) for j in range(1, len(parts) - 1, 2)]


def test_keys_split_finds_the_keys_the_look_behind_found() -> None:
    rng = random.Random(0)
    texts = ["", "a=1", " a=1", "a=1 b=2", "a= b=", "x a=1  b=2\tc=3", "a=b=c d=e", "a=1\u2003b=2",
             "a=1\x1cb=2", "[x]=1 .=2", "a\\=1 b=2", "=1 a=2"]
    texts += ["".join(rng.choice(KEY_CHARS) for _ in range(rng.randrange(30))) for _ in range(20000)]
    for text in texts:
        parts = cef._keys_split(text)
        got = [(parts[j], parts[j + 1].strip()) for j in range(1, len(parts) - 1, 2)]
        assert got == _old_keys(text), text


def test_custom_label_keys() -> None:
    keys = ["cs1Label", "cn2Label", "c6a3Label", "cfp1Label", "deviceCustomDate1Label", "flexString2Label",
            "flexNumber1Label", "cs1", "Label", "csLabel", "xcs1Label", "cs1Labelx", "cs1label", "cs12Label",
            "flexString2LabelLabel", "cs1LabelLabel"]
    for key in keys:
        old = key.endswith("Label") and cef._CUSTOM.fullmatch(key[:-5])
        assert bool(cef._CUSTOM_LABEL.fullmatch(key)) == bool(old)


def _old_parse_cef(line: bytes) -> dict[str, Any] | None:
    """parse_cef as it was before its keys were found without a look-behind."""
    start = cef._START.search(line)
    if start is None:
        return None
    parsed = cef._header(line[start.start() + 4:].decode("utf-8", "replace").rstrip("\r\n"))
    if parsed is None:
        return None
    fields, extension = parsed
    row: dict[str, Any] = dict(zip(cef.CEF_HEADER, fields, strict=True))
    parts = cef._KEY.split(extension)
    pairs = {parts[j]: (v.strip() if "\\" not in v else cef._value(v)) or None  # (empty: missing)
             for j in range(1, len(parts) - 1, 2) for v in (parts[j + 1],)}
    labelled = [k for k in pairs if k.endswith("Label") and cef._CUSTOM.fullmatch(k[:-5])] \
        if "Label=" in extension else []
    for key in labelled:
        label = pairs.pop(key)
        if key[:-5] in pairs and label and label not in row and label not in pairs:
            pairs[label] = pairs.pop(key[:-5])
    row.update(pairs)
    rt = row.get("rt")
    if isinstance(rt, str) and cef._MS.fullmatch(rt):
        row["rt"] = int(rt) / 1000.0
    return row


def test_parse_cef_as_before() -> None:
    rng = random.Random(1)
    lines = [line.encode() for line in _cef_lines(rng, 300)]
    bits = ["src=1", " cs1Label=Rule", " cs1=", "cs2Label=", " x\\=y", " a=b=c", "\t", "  ", "msg=a\\\\b",
            " rt=1700000000000", "\u2003k=v", " Label=1", " cs3Label=src", " src=2", " cn1Label=n cn1=5"]
    for _ in range(3000):
        ext = "".join(rng.choice(bits) for _ in range(rng.randrange(8)))
        lines.append(f"<1>x CEF:0|A|B\\|c|1|2|n|3|{ext}".encode())
    for line in lines:
        assert parse_cef(line) == _old_parse_cef(line), line
