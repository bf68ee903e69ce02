"""Flow records read from Zeek TSV and CIC CSV files: each test pinned by the input that showed
the defect."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.ingest.formats import get_format

_FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "orig_bytes",
           "local_orig", "local_resp"]
_TYPES = ["time", "string", "addr", "port", "addr", "port", "enum", "count", "bool", "bool"]


def _zeek_tsv(path: Path, rows: list[list[str]]) -> Path:
    head = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
            "#path\tconn", "#fields\t" + "\t".join(_FIELDS), "#types\t" + "\t".join(_TYPES)]
    path.write_text("\n".join([*head, *("\t".join(r) for r in rows), "#close\t2026-01-01-00-00-00"]) + "\n")
    return path


def test_a_model_that_learnt_zeek_bools_as_words_scores_them_as_before(tmp_path: Path) -> None:
    """A model trained on a Zeek TSV log when ``local_orig`` read as the words 'T'/'F' saw every
    boolean of the same log, read now, as a value never seen: every row scored higher (all
    flagged). It reads them as it learnt them: the same scores."""
    from hourglass import AutoEncoder, Pipeline

    rng = np.random.default_rng(0)
    rows = [[f"{1700000000 + i}.5", f"C{i}", f"10.0.0.{i % 7}", str(40000 + i), "10.0.0.1", "53", "udp",
             str(int(rng.integers(10, 500))), "TF"[i % 2], "F"] for i in range(120)]
    new = get_format("zeek-conn").read(_zeek_tsv(tmp_path / "conn.log", rows))
    assert new["local_orig"].dtype == bool
    old = new.assign(local_orig=new["local_orig"].map({True: "T", False: "F"}),
                     local_resp=new["local_resp"].map({True: "T", False: "F"}))
    cols = ["orig_bytes", "local_orig", "local_resp"]
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0))
    pipe.fit(old[cols])
    pipe.info["dataset"] = "zeek-conn"
    np.testing.assert_array_equal(pipe.score(new[cols]), pipe.score(old[cols]))
    # a model of booleans reads booleans as they are
    fresh = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(new[cols])
    fresh.info["dataset"] = "zeek-conn"
    assert fresh.with_zeek_words(new[cols])["local_orig"].dtype == bool


def _cic_rows(n: int, attack_from: int) -> bytes:
    lines = [" Flow ID, Src IP, Dst Port, Timestamp, Flow Duration, Fwd Header Length, Flow Bytes/s,"
             " Fwd Header Length, Label"]
    for i in range(n):
        label = "Web Attack \x96 XSS" if i >= attack_from and i % 5 == 0 else "BENIGN"
        lines.append(f"f{i},10.0.{i % 4}.{i % 250},80,2017-07-07 10:{i % 60:02d},{i},{i % 77},{i * 1.5},"
                     f"{i % 77},{label}")
    return ("\n".join(lines) + "\n").encode("latin-1")


def test_cic_windows_1252_is_looked_for_only_when_a_byte_is_no_ascii(tmp_path: Path, monkeypatch) -> None:
    """Every CIC file was read through once more before its read, to learn whether it is
    Windows-1252 (a gzipped one decompressed twice: 0.23 s more on a 1.0 s read of 42 MB). An
    ASCII file is read once; one whose first byte beyond ASCII (an en dash, 0x96) comes past the
    first block and the first chunk reads every row as Windows-1252, in either mode."""
    import gzip

    from hourglass.ingest import datasets
    from hourglass.ingest.tables import ReadStats

    looked: list[Path] = []
    scan = datasets._windows_1252
    monkeypatch.setattr(datasets, "_windows_1252", lambda p: looked.append(p) or scan(p))
    spec = get_format("cicflowmeter")
    plain = tmp_path / "ascii.csv.gz"
    plain.write_bytes(gzip.compress(_cic_rows(2000, 10**9)))
    assert sum(len(d) for d in spec.iter_chunks(plain)) == 2000
    assert looked == []
    late = tmp_path / "late.csv"
    late.write_bytes(_cic_rows(25000, 20000))  # its first 0x96 past 1.2 MB
    assert late.read_bytes().index(b"\x96") > 1 << 20
    for mode in ("error", "skip"):
        stats = ReadStats()
        df = pd.concat(list(spec.iter_chunks(late, on_bad_rows=mode, chunk_bytes=256 << 10, stats=stats)))
        assert len(df) == 25000 and stats.bad_rows == 0
        assert (df["Flow Duration"].to_numpy() == np.arange(25000)).all()
        assert (df["Label"] == "Web Attack \u2013 XSS").sum() == 1000
    assert looked == [late, late]


def test_a_model_that_learnt_zeek_sets_as_words_says_retrain(tmp_path: Path, caplog) -> None:
    """A model trained on a Zeek TSV log's sets as they were once read (``a,b``) sees every set
    read now (``["a", "b"]``) as a value never seen: every score rises. It says so once, naming
    the column and 'retrain'; a model that learnt the JSON text says nothing."""
    import logging

    from hourglass import AutoEncoder, Pipeline

    answers = ["a.example,1.2.3.4", "1.2.3.5", None] * 20
    old = pd.DataFrame({"bytes": np.arange(60.0), "answers": answers})
    new = old.assign(answers=['["a.example", "1.2.3.4"]', '["1.2.3.5"]', "[]"] * 20)
    for frame, warned in ((old, True), (new, False)):
        pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(frame)
        pipe.info["dataset"] = "zeek-conn"
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="hourglass.pipeline.pipeline"):
            pipe.score(new)
            pipe.score(new)
        said = [r.getMessage() for r in caplog.records if "retrain" in r.getMessage()]
        assert len(said) == (1 if warned else 0), said
        assert not warned or "answers" in said[0]


def test_iot23_label_is_no_feature_without_label_col(tmp_path: Path) -> None:
    """IoT-23's ``conn.log.labeled`` trained without ``--label-col``: its ``detailed-label`` was
    left out of the features but its ``label`` (Benign/Malicious) became one, the answer given
    to an unsupervised model. Neither is a feature; ``--label-col label`` still reads it."""
    import json

    from hourglass.cli import app
    from tests._cli import runner

    fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "orig_bytes",
              "tunnel_parents   label   detailed-label"]
    types = ["time", "string", "addr", "port", "addr", "port", "enum", "count",
             "set[string]   string   string"]
    rows = [[f"{1525879831 + i}.5", f"C{i}", "192.168.100.103", str(40000 + i), f"65.1.2.{i % 200}",
             "23" if i % 10 == 0 else "443", "tcp", str(100 + (i * 37) % 400),
             "-   Malicious   PartOfAHorizontalPortScan" if i % 10 == 0 else "(empty)   Benign   -"]
            for i in range(120)]
    head = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
            "#path\tconn", "#fields\t" + "\t".join(fields), "#types\t" + "\t".join(types)]
    log = tmp_path / "conn.log.labeled"
    log.write_text("\n".join([*head, *("\t".join(r) for r in rows)]) + "\n")
    for args, name in (([], "plain"), (["--label-col", "label", "--normal", "Benign"], "labelled")):
        res = runner.invoke(app, ["train", str(log), "-o", str(tmp_path / name), "--epochs", "1",
                                  "--hidden", "4,2", "-q", *args])
        assert res.exit_code == 0, res.output
        columns = json.loads((tmp_path / name / "config.json").read_text())["features"]["columns"]
        assert "label" not in columns and "detailed-label" not in columns, columns
        assert "orig_bytes" in columns
