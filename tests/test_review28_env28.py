"""Review 28 (env28): the machine's environment (time zone, locale, stdio encoding, umask, HOME,
caches) must not change what a command does or writes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest


def _ascii_stdio(monkeypatch: pytest.MonkeyPatch) -> tuple[io.BytesIO, io.BytesIO]:
    """Standard output and error as ``PYTHONIOENCODING=ascii`` makes them (stdout strict)."""
    out, err = io.BytesIO(), io.BytesIO()
    monkeypatch.setattr("sys.stdout", io.TextIOWrapper(out, encoding="ascii", errors="strict"))
    monkeypatch.setattr("sys.stderr", io.TextIOWrapper(err, encoding="ascii", errors="strict"))
    return out, err


def test_inspect_under_an_ascii_stdout_escapes_what_it_cannot_encode(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: under PYTHONIOENCODING=ascii (or any narrow stdout encoding) 'inspect' ended
    # in a UnicodeEncodeError traceback, on its own '→' and on a value such as 'josé' (so did
    # 'explain' and 'evaluate' printing a non-ASCII value or class); now what the encoding lacks is
    # written as an escape (\u2192, \xe9) and the command exits 0
    from hourglass.cli.app import main
    data = tmp_path / "flows.csv"
    data.write_text("user,bytes\n" + "".join(f"{u},{i}\n" for i, u in
                                              enumerate(["josé", "日本", "bob"] * 10)),
                    encoding="utf-8")
    out, err = _ascii_stdio(monkeypatch)
    monkeypatch.setattr("sys.argv", ["hourglass", "inspect", str(data)])
    with pytest.raises(SystemExit) as exit_:
        main()
    text = out.getvalue().decode("ascii") + err.getvalue().decode("ascii")
    assert exit_.value.code == 0, text
    assert "\\u2192" in text and "Traceback" not in text


def test_an_ascii_c_locale_stdout_escapes_too_and_a_chosen_handler_is_kept(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: LC_ALL=C with PYTHONUTF8=0 gives stdout ASCII with 'surrogateescape', which
    # still raised UnicodeEncodeError on 'é' (explain's table); now such a stream escapes as
    # well, while a UTF-8 one (file names' raw bytes) and a handler the user chose stay as they are
    from hourglass.cli._output import text_never_fails
    streams = {"c": ("ascii", "surrogateescape"), "utf8": ("utf-8", "surrogateescape"),
               "chosen": ("ascii", "replace")}
    made = {k: io.TextIOWrapper(io.BytesIO(), encoding=e, errors=h) for k, (e, h) in streams.items()}
    monkeypatch.setattr("sys.stderr", io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))
    for key in ("c", "utf8", "chosen"):
        monkeypatch.setattr("sys.stdout", made[key])
        text_never_fails()
    assert [made[k].errors for k in ("c", "utf8", "chosen")] == ["backslashreplace",
                                                                 "surrogateescape", "replace"]
    made["c"].write("josé\udcff")
    made["c"].flush()
    assert made["c"].buffer.getvalue() == b"jos\\xe9\\udcff"


@pytest.mark.parametrize("ext", ["csv", "csv.gz", "tsv", "parquet", "parquet.gz"])
def test_a_file_name_of_bytes_that_are_not_utf8_is_read_and_written(tmp_path: Path, ext: str) -> None:
    # what was wrong: a file whose name holds bytes that are not UTF-8 (a Latin-1 'café', kept by
    # Python as surrogate escapes) was refused by the CSV and Parquet reader and writer with
    # "'utf-8' codec can't encode character '\udce9' ... surrogates not allowed" (Arrow opens a
    # file by its name as UTF-8): score -o and reading DATA failed whatever the locale, though
    # the same name worked for JSON lines and SQLite; now such a file is read and written as any
    import os

    import pandas as pd

    from hourglass.ingest import read_table
    from hourglass.ingest.writers import chunk_writer
    df = pd.DataFrame({"row": [0, 1, 2], "user": ["josé", "日本", "bob"], "score": [0.5, 2.0, 0.25]})
    plain, odd = tmp_path / f"plain.{ext}", tmp_path / os.fsdecode(f"caf\xe9.{ext}".encode("latin-1"))
    for target in (plain, odd):
        with chunk_writer(target) as w:
            w.write(df)
    assert read_table(odd).equals(read_table(plain)), ext
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([plain.name, odd.name])  # no temp left
