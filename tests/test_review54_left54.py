"""Review round 54 (left54): items earlier rounds noticed and left alone, decided on evidence."""

from __future__ import annotations

import errno
import sys
import types
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hourglass.errors import InputError


def test_an_io_error_inside_an_evtx_file_is_an_error_not_the_end_of_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # What was wrong: an I/O error while the .evtx parser read the file (a disk's EIO after N
    # records) was taken for a damaged record: with on_bad_rows='skip' it was counted as one
    # skipped row and, the parser's iterator ending there, every record after it was silently
    # lost (a truncated table, trained or scored as the whole log); without it the error said
    # to skip such records. It is now 'PATH: cannot read (Input/output error)' in both modes,
    # as the other readers say a read failure, and the Rust parser's own text of one too.
    from hourglass.ingest import ReadStats
    from hourglass.ingest.evtx import iter_evtx
    from tests.test_evtx import _event, _FakeParser

    monkeypatch.setitem(sys.modules, "evtx", types.SimpleNamespace(PyEvtxParser=_FakeParser))
    path = tmp_path / "Security.evtx"
    path.write_bytes(b"ElfFile\x00" + bytes(4088))
    for failure in (OSError(errno.EIO, "Input/output error"),
                    OSError("Input/output error (os error 5)")):  # (the Rust parser's, no errno)
        monkeypatch.setattr(_FakeParser, "records", [_event(4624)] * 5 + [failure] + [_event(4625)] * 5)
        for mode in ("error", "skip"):
            with pytest.raises(InputError) as raised:
                pd.concat(iter_evtx(path, on_bad_rows=mode, stats=ReadStats()))
            assert str(raised.value) == f"{path}: cannot read (Input/output error)", (mode, raised.value)
    # damage in the file is still a damaged record, skipped with on_bad_rows='skip'
    monkeypatch.setattr(_FakeParser, "records", [_event(4624), OSError("failed to fill whole buffer"),
                                                 _event(4625)])
    stats = ReadStats()
    assert len(pd.concat(iter_evtx(path, on_bad_rows="skip", stats=stats))) == 1 and stats.bad_rows == 1

    # The Rust parser reads the file itself: a failed read inside a chunk is its 'Reached EOF
    # while trying to allocate chunk', or the silent end of its records. A chunk whose header
    # says it holds ids 1..10, of which the parser gave 3, was 'record id 4 is damaged' (or, with
    # skip, 7 skipped records): the file's bytes are now read again, and a read that fails there
    # is the read error it is.
    import zlib

    head = bytearray(512)
    head[:8], head[24:32], head[32:40] = b"ElfChnk\x00", (1).to_bytes(8, "little"), (10).to_bytes(8, "little")
    head[124:128] = zlib.crc32(bytes(head[:120] + head[128:])).to_bytes(4, "little")
    path.write_bytes(b"ElfFile\x00" + bytes(4088) + bytes(head) + bytes(65536 - 512))
    monkeypatch.setattr(_FakeParser, "records", [_event(4624)] * 3)  # then it stops
    with pytest.raises(InputError, match=r"chunk 1 holds record ids 1\.\.10, but only 3 of its 10 could "
                                         r"be read: record id 4 is damaged"):
        list(iter_evtx(path))  # the bytes read: damage, as before
    opened = Path.open

    class _BadSector:  # bytes 20,000 on of the file fail to read (EIO), as a disk's bad sector
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def __enter__(self) -> _BadSector:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def __getattr__(self, name: str) -> Any:
            return getattr(self.fh, name)

        def read(self, n: int = -1) -> bytes:
            if self.fh.tell() + (n if n >= 0 else 1 << 30) > 20_000:
                raise OSError(errno.EIO, "Input/output error")
            return self.fh.read(n)

    def bad_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        fh = opened(self, *args, **kwargs)
        return _BadSector(fh) if self == path else fh

    class _RustParser(_FakeParser):  # opens the file itself, not through Python
        def __init__(self, path: str, threads: int) -> None:
            pass

    monkeypatch.setitem(sys.modules, "evtx", types.SimpleNamespace(PyEvtxParser=_RustParser))
    monkeypatch.setattr(Path, "open", bad_open)
    for mode in ("error", "skip"):
        with pytest.raises(InputError) as raised:
            pd.concat(iter_evtx(path, on_bad_rows=mode, stats=ReadStats()))
        assert str(raised.value) == f"{path}: cannot read (Input/output error)", (mode, raised.value)


def test_winlogbeat_same_answer_at_every_chunk_size(tmp_path: Path) -> None:
    # What was wrong: winlogbeat checked winlog.event_id/winlog.channel in the first chunk only
    # (windows-json and EVE were moved to fields_found in round 53, winlogbeat was not): a file
    # whose first records lack both was taken when read in one chunk and refused with a small
    # --chunk-mb. Now a first record with neither is another kind of file, refused at every
    # chunk size with the format's own hints, and so is a file no record of which has them;
    # records after the first that lack them are rows lacking them.
    import json

    from hourglass.ingest.formats import get_format

    def write(lacking: range) -> Path:
        rows = []
        for i in range(300):
            winlog = {"event_id": 4624, "channel": "Security", "computer_name": "h1"}
            rows.append(json.dumps({"@timestamp": f"2024-01-01T00:{i // 60:02d}:{i % 60:02d}Z",
                                    "winlog": {"computer_name": "h1"} if i in lacking else winlog}))
        f = tmp_path / "wlb.ndjson"
        f.write_text("\n".join(rows) + "\n")
        return f

    spec = get_format("winlogbeat")
    for lacking in (range(40), range(300)):  # the first records; every record
        f = write(lacking)
        for cb in (1 << 20, 2000):
            with pytest.raises(InputError, match=r"not a Winlogbeat export: no winlog.event_id or "
                                                 r"winlog.channel field \(fields: @timestamp"):
                list(spec.iter_chunks(f, chunk_bytes=cb))
    f = write(range(1, 40))  # the first record has them: taken whole and in chunks
    assert [sum(map(len, spec.iter_chunks(f, chunk_bytes=cb))) for cb in (1 << 20, 2000)] == [300, 300]


@pytest.mark.parametrize("name", ["ganomaly", "ganomaly-1d"])
def test_ganomaly_with_every_loss_weight_zero_is_refused(name: str) -> None:
    # What was wrong: GANomaly (and ganomaly-1d) trained with w_adv = w_con = w_enc = 0: the generator
    # side's loss was 0 · everything, so its encoder, decoder and second encoder never moved
    # from their initial weights and the fitted model scored rows with random networks, with no
    # word. Now fit refuses it before training; one weight > 0 is fine.
    import numpy as np

    from hourglass.detectors import registry

    X = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    shape = {"window": 16, "filters": 4} if name == "ganomaly-1d" else {"hidden": (8,), "latent_dim": 2}
    small = {"epochs": 1, "min_steps": 0, "verbose": 0, **shape}
    det = registry.get(name)(w_adv=0.0, w_con=0.0, w_enc=0.0, **small)
    with pytest.raises(InputError, match=r"^w_adv, w_con, w_enc: all 0 leave the generator and "
                                         r"encoders no loss to learn from") as raised:
        det.fit(X)
    assert raised.value.param == ("w_adv", "w_con", "w_enc")
    registry.get(name)(w_adv=0.0, w_con=0.0, w_enc=1.0, **small).fit(X)  # one is enough
    # a fitted model scores whatever they are set to afterwards (only training reads them)
    fitted = registry.get(name)(**small).fit(X)
    assert fitted.set_params(w_adv=0.0, w_con=0.0, w_enc=0.0).score(X).shape == (64,)


def test_entity_inspect_shows_the_label_values_and_what_train_leaves_out(tmp_path: Path) -> None:
    # What was wrong: 'inspect --entity-col ... --label-col' showed neither the label column's
    # values nor their counts (the table inspect prints "label column 'label' (normal: ...):
    # normal (293), attack (107)", and --json 'labels'), so a --normal spelt otherwise had no
    # value list beside "no row has a normal label value", and the header's row count (those of
    # the buckets train keeps) came with no word of the rows left out. It now prints the same
    # label line, and how many rows train leaves out with the buckets holding an attack row or a
    # row without a label; --json has labels, normal and train's two left-out counts.
    import json

    import numpy as np

    from hourglass import load
    from hourglass.cli import app
    from tests._cli import runner

    rng = np.random.default_rng(0)
    n = 400
    labels = rng.choice(["normal", "normal", "normal", "attack"], n).astype(object)
    labels[[5, 77]] = ""
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="30s").astype(str),
                  "user": rng.choice(["alice", "bob", "carol"], n), "bytes": rng.integers(0, 1000, n),
                  "label": labels}).to_csv(tmp_path / "e.csv", index=False)
    common = [str(tmp_path / "e.csv"), "--entity-col", "user", "--timestamp-col", "ts", "--bucket", "5min",
              "--label-col", "label"]
    res = runner.invoke(app, ["inspect", *common, "--normal", "normal", "--json", str(tmp_path / "i.json")])
    assert res.exit_code == 0, res.output
    seen = json.loads((tmp_path / "i.json").read_text())
    counts = pd.Series(labels).value_counts()
    assert seen["labels"] == {str(k): int(v) for k, v in counts.items()} and seen["normal"] == ["normal"]
    out = " ".join(res.output.split())
    assert (f"label column 'label' (normal: normal): normal ({counts['normal']}), "
            f"attack ({counts['attack']}), (no label) (2)") in out, out
    res = runner.invoke(app, ["train", *common, "--normal", "normal", "-o", str(tmp_path / "M"),
                              "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    info = load(tmp_path / "M").info["entity"]
    assert seen["rows_left_out_with_attacks"] == info["rows_left_out_with_attacks"] > 0
    assert seen["rows_left_out_without_label"] == info["rows_left_out_without_label"] > 0
    assert (f"buckets built from the {info['rows_trained']} rows train keeps: "
            f"{info['rows_left_out_with_attacks']} left out in (entity, bucket)s holding an attack row, "
            f"{info['rows_left_out_without_label']} without a label or in a bucket with one") in out, out
    # --normal spelt otherwise: the values are there to see beside "no row has a normal label value"
    res = runner.invoke(app, ["inspect", *common, "--normal", "Normal"])
    out = " ".join(res.output.split())
    assert res.exit_code == 0 and "label column 'label' (normal: Normal): normal (" in out, out
    assert "no row has a normal label value (Normal)" in out, out


def test_python_benchmark_names_the_first_unlabelled_row(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: Benchmark's "N row(s) have no value in label column" warning named no row
    # (hourglass benchmark names the first one's line since round 53, train's Python and CLI
    # messages name theirs); it now names the first one's row of the table given, from 1.
    import logging

    import numpy as np

    from hourglass.pipeline.benchmark import Benchmark

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=200), "y": ["bad"] * 20 + ["n"] * 180})
    df.loc[:19, "a"] += 6
    train, test = df.iloc[10:150].reset_index(drop=True), df.iloc[[*range(10), *range(150, 200)]]
    train.loc[[30, 90], "y"] = None
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        Benchmark(train, test, label_col="y", normal=["n"], models=(), seeds=(0,))
    said = [r.getMessage() for r in caplog.records if "no value in label column" in r.getMessage()]
    assert said == ["train: 2 row(s) have no value in label column 'y' (first: row 31); left out"], said


def test_script_state_puts_each_thread_pool_back_by_its_own_library() -> None:
    # What was wrong: tests/_scripts.script_state (the benchmark scripts' tests) saved the
    # thread pools as {prefix: threads} and put them back with threadpool_limits: torch's
    # OpenMP runtime and scikit-learn's are both 'libgomp' (1 and 2 threads), so the saved dict
    # kept one count and set both to it after the block (even an empty one): torch left on two
    # threads, or scikit-learn's pool on one, by the order they were loaded (the five tests a
    # two-worker run found leaving torch on two threads). Each pool is now put back by its own
    # library, and torch's count last.
    import sklearn.ensemble  # noqa: F401  (scikit-learn's own OpenMP runtime)
    import torch
    from threadpoolctl import threadpool_info, threadpool_limits

    from tests._scripts import script_state

    gomp = [p for p in threadpool_info() if p["prefix"] == "libgomp" and "torch" not in p["filepath"]]
    if not gomp or not any(p["prefix"] == "libgomp" and "torch" in p["filepath"] for p in threadpool_info()):
        pytest.skip("torch and scikit-learn do not share an OpenMP runtime kind here")
    with threadpool_limits(limits={p["filepath"]: 2 for p in gomp}):
        torch.set_num_threads(1)
        with script_state():
            pass
        assert torch.get_num_threads() == 1
        assert all(p["num_threads"] == 2 for p in threadpool_info() if p["filepath"] in
                   {g["filepath"] for g in gomp})


def test_a_cut_inspect_names_the_numeric_columns_train_may_encode_otherwise(tmp_path: Path) -> None:
    # What was wrong: 'inspect --rows N' of a longer file said "train counts the distinct values
    # of every row, which may give text columns (...) another role", and nothing where no column
    # is text; but train's log1p, constant and near-duplicate decisions come from every row's
    # values too: a column constant in the first rows was shown 'dropped: constant', one
    # heavy-tailed only later 'minmax scaled', one a near-duplicate only at first 'dropped', and
    # train kept, log1p'd and kept them, the note naming none of them. It now names the numeric
    # columns too, and says the cut whatever the columns.
    import numpy as np

    from hourglass.cli import app
    from tests._cli import runner

    rng = np.random.default_rng(0)
    n, first = 3000, np.arange(3000) < 1000
    a = rng.normal(size=n)
    df = pd.DataFrame({"a": a, "b": np.where(first, 5.0, rng.normal(size=n)),
                       "c": np.where(first, rng.uniform(0, 1, n), rng.pareto(1.0, n) * 1000),
                       "d": a * 2 + np.where(first, 0, rng.normal(size=n))})
    df.to_csv(tmp_path / "f.csv", index=False)
    res = runner.invoke(app, ["inspect", str(tmp_path / "f.csv"), "--rows", "1000"], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    assert "dropped: constant" in out and "dropped: near-duplicate of a" in out, out  # of the first rows
    assert ("only the first 1,000 rows (--rows) of a longer file: train reads every row, which may give "
            "numeric columns (a, b, c, d) another encoding (log1p or not; dropped as constant or as a "
            "near-duplicate, or kept)") in out, out
    res = runner.invoke(app, ["inspect", str(tmp_path / "f.csv")], env={"COLUMNS": "250"})  # as train
    out = " ".join(res.stdout.split())
    assert res.exit_code == 0 and "log1p, minmax scaled" in out and "dropped" not in out, out
    assert "--rows" not in out


def test_a_session_listed_again_with_the_same_label_read_by_value_is_no_conflict(tmp_path: Path) -> None:
    # What was wrong: a --labels file listing a session twice was refused as "session 'blk_1'
    # has conflicting labels" where the two agree as the labels are read: '0' and '0.0' (a file
    # of numbers is read by value, 0.0 as 0: pandas writes 0.0 in a part with a blank), 'true'
    # and 'TRUE', or a blank (no label) beside the session's label. Those now give the one label;
    # two labels that differ still conflict.
    from hourglass.cli.logs import read_session_labels
    from hourglass.errors import HourglassError

    f = tmp_path / "labels.csv"
    for body, want in (("blk_1,0\nblk_2,1\nblk_1,0.0\n", {"blk_1": "0", "blk_2": "1"}),
                       ("blk_1,true\nblk_2,false\nblk_1,TRUE\n", {"blk_1": "true", "blk_2": "false"}),
                       ("blk_1,\nblk_1,Anomaly\nblk_2,Normal\nblk_3,N/A\n",
                        {"blk_1": "Anomaly", "blk_2": "Normal", "blk_3": ""})):
        f.write_text("BlockId,Label\n" + body)
        assert read_session_labels(f, id_col="BlockId", label_col="Label").to_dict() == want, body
    f.write_text("BlockId,Label\nblk_1,Normal\nblk_1,Anomaly\n")
    with pytest.raises(HourglassError, match="session 'blk_1' has conflicting labels"):
        read_session_labels(f, id_col="BlockId", label_col="Label")
