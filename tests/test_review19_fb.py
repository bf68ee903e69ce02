"""Defects of the time-series, Windows-event and log-folder paths: each test one defect fixed."""

from __future__ import annotations

from pathlib import Path

from hourglass.cli._spool import folder_as_file, line_source, remove_spooled


def test_a_folder_s_line_lookup_finds_each_file_among_thousands(tmp_path: Path) -> None:
    # a log folder's session table asks each session's file and line: a scan of every file's
    # start per session took seconds for a folder of thousands of files
    folder = tmp_path / "logs"
    folder.mkdir()
    for i in range(3000):
        (folder / f"f{i:04d}.log").write_text("" if i == 5 else f"{i} one\n{i} two\n")
    copy = folder_as_file(folder)
    try:
        assert line_source(copy, 1) == (str(folder / "f0000.log"), 1)
        assert line_source(copy, 11) == (str(folder / "f0006.log"), 1)  # f0005.log is empty
        assert line_source(copy, 5998) == (str(folder / "f2999.log"), 2)
        # every line of every file, in order (the lookup bisects the files' starts; its speed is
        # measured in the commit, not here)
        assert [line_source(copy, n) for n in (2, 3, 4)] == [
            (str(folder / "f0000.log"), 2), (str(folder / "f0001.log"), 1), (str(folder / "f0001.log"), 2)]
    finally:
        remove_spooled()


def test_a_folder_of_event_tables_names_no_wrong_file(tmp_path: Path) -> None:
    # a table of events numbers its sessions' rows, not lines: the folder's row 10 (b.csv's first
    # row, after a.csv's 9) was said as 'a.csv', line 10, a file of 9 rows
    import pandas as pd

    from hourglass.cli import app
    from tests._cli import runner

    msgs = ["login ok", "read file", "logout"]
    train = tmp_path / "train.csv"
    train.write_text("session,message\n" + "".join(f"u{s},{m}\n" for s in range(60) for m in msgs))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "--session-col", "session", "--key-col", "message",
                              "--model", "deeplog", "--epochs", "1", "-o", str(model)])
    assert res.exit_code == 0, res.output
    folder = tmp_path / "ev"
    folder.mkdir()
    rows = "".join(f"a{s},{m}\n" for s in range(3) for m in msgs)
    (folder / "a.csv").write_text("session,message\n" + rows)
    (folder / "b.csv").write_text("session,message\n" + "".join(f"b0,{m}\n" for m in msgs))
    out = tmp_path / "s.csv"
    res = runner.invoke(app, ["score", str(model), str(folder), "-o", str(out)])
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out).set_index("session")
    # b.csv's first session: its own file and its row there (was a.csv, row 10 of 9)
    assert frame.loc["b0", ["file", "first_line"]].tolist() == [str(folder / "b.csv"), 1]
    assert frame.loc["a2", ["file", "first_line"]].tolist() == [str(folder / "a.csv"), 7]
