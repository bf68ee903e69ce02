"""Flow records read from Zeek TSV and CIC CSV files: each test pinned by the input that showed
the defect."""

from __future__ import annotations

from pathlib import Path

import numpy as np

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
