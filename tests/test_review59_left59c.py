"""Review round 59 (left59c): items this round's reviewers noticed and left alone."""

from __future__ import annotations

import bz2
import lzma
from pathlib import Path

from hourglass.cli import app
from tests._cli import runner


def test_folder_refuses_a_compressed_file_past_the_first(tmp_path: Path) -> None:
    # What was wrong: a folder given as DATA with a bzip2/xz file that was not the first one
    # copied had its compressed bytes copied as lines of text: 'binary data (NUL bytes) ... a
    # UTF-16 text file?' naming the folder, or, without a NUL, garbage read as rows; only a
    # first file was refused as compressed (by the reader of the copy).
    for packer, name in ((bz2.compress, "b.csv.bz2"), (lzma.compress, "b.csv.xz")):
        folder = tmp_path / name.replace(".", "_")
        folder.mkdir()
        (folder / "a.csv").write_text("a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(20)))
        (folder / name).write_bytes(packer(b"a,b\n1,2\n3,4\n"))
        res = runner.invoke(app, ["inspect", str(folder)])
        assert res.exit_code == 2, res.output
        kind = "bzip2" if name.endswith("bz2") else "xz"
        assert f"{name} is {kind}-compressed" in res.output
        assert "NUL" not in res.output and "Traceback" not in res.output


def test_powershell_event_export_id_is_the_event_code(tmp_path: Path) -> None:
    # What was wrong: PowerShell's 'Get-WinEvent | Export-Csv' names the event id 'Id'; role
    # inference dropped it as an identifier ('identifier/timestamp name'), so a model of such an
    # export never saw which event a row was (4625 failed logons beside 4624 logons), though
    # 'EventID'/'event_id' are read as codes. Beside the export's other columns it is now a code.
    import pandas as pd

    from hourglass.features.tabular import TabularPreprocessor

    ids = [4624, 4625, 4634, 4672, 4688] * 40
    df = pd.DataFrame({"Id": ids, "ProviderName": "Microsoft-Windows-Security-Auditing",
                       "MachineName": "WS01", "RecordId": range(100000, 100200),
                       "Level": [0, 4] * 100})
    p = TabularPreprocessor().fit(df)
    assert p.roles_["Id"] == "categorical", p.reasons_["Id"]
    assert "event id" in p.reasons_["Id"]
    # an 'id' of a table that is no event export stays an identifier
    q = TabularPreprocessor().fit(pd.DataFrame({"id": ids, "bytes": range(200)}))
    assert q.roles_["id"] == "drop"
