"""Regression tests: outputs through links and devices, suppression rules on numbers and times."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]


def _check_in_a_pipe(output: str) -> subprocess.CompletedProcess[str]:
    """``check_not_input(output)`` in a process whose standard output is a pipe."""
    code = ("import sys; from pathlib import Path; from hourglass.cli._common import check_not_input\n"
            f"check_not_input(Path({output!r}), '--output'); print('ok', file=sys.stderr)")
    env = {"PYTHONPATH": f"{_ROOT / 'src'}:{_ROOT}", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=60, check=False)


def test_output_dev_stdout_into_a_pipe_is_accepted(tmp_path: Path) -> None:
    link = tmp_path / "out.csv"
    link.symlink_to("/dev/stdout")
    for output in ("/dev/stdout", str(link)):  # (its link names "pipe:[123]", no file)
        res = _check_in_a_pipe(output)
        assert res.returncode == 0 and res.stderr.strip() == "ok", res.stderr


def test_model_output_link_loop_is_one_line_before_the_work(tmp_path: Path) -> None:
    import pandas as pd

    from tests._cli import one_line_error

    loop = tmp_path / "m"
    loop.symlink_to(tmp_path / "n")
    (tmp_path / "n").symlink_to(loop)
    data = tmp_path / "flows.csv"
    pd.DataFrame({"bytes": [1.0, 2.0, 3.0, 4.0] * 5, "pkts": [1, 2, 3, 4] * 5}).to_csv(data, index=False)
    one_line_error(["train", str(data), "-o", str(loop), "--epochs", "1", "-q"],
                   f"--output {loop}: a symbolic link loop, which leads to no file")
    assert loop.is_symlink() and (tmp_path / "n").is_symlink()  # the links left as they were


def test_threshold_output_link_loop_is_one_line(tmp_path: Path) -> None:
    from tests._cli import one_line_error, small_labelled_model

    model = small_labelled_model(tmp_path)["model"]
    loop = tmp_path / "m2"
    loop.symlink_to(tmp_path / "n2")
    (tmp_path / "n2").symlink_to(loop)
    one_line_error(["threshold", str(model), "--threshold", "fpr:0.01", "-o", str(loop)],
                   f"-o {loop}: a symbolic link loop, which leads to no file")


def test_suppress_number_rules_match_the_cells_once_per_rule(monkeypatch: Any) -> None:
    import numpy as np
    import pandas as pd

    from hourglass.serve.suppress import Condition, Suppressions

    n = 200
    text = "".join(f'[[rule]]\nname = "r{i}"\nmatch = {{ port = "0{i + 20000}" }}\n' for i in range(n))
    rules = Suppressions.parse(text + '[[rule]]\nname = "fee"\nmatch = { fee = "2.50" }\n', "r.toml")
    df = pd.DataFrame({"port": np.arange(40) + 20000 - 20,
                       "fee": pd.Series([2.5, "n/a", "2.5", "2.50"] * 10, dtype=object)})
    calls = []
    test = Condition.test
    monkeypatch.setattr(Condition, "test", lambda self, values: calls.append(1) or test(self, values))
    names = rules.names(df).tolist()
    assert names[:20] == ["fee", "", "", "fee"] * 5  # the number 2.5 and the text "2.50", not "2.5"
    assert names[20:] == [f"r{i}" for i in range(20)]
    assert len(calls) == n + 1  # one match of the distinct cells a rule (was two: 0.055 s a batch
    # of 1,024 rows for 5,000 rules of port = "0N", 0.034 s before its number forms were kept)


def test_stream_file_removed_with_its_folder_is_not_said_to_go_on(tmp_path: Path, caplog: Any) -> None:
    import shutil

    from hourglass.serve.sinks import JsonLinesSink

    folder = tmp_path / "logs"
    folder.mkdir()
    path = folder / "alerts.jsonl"
    sink = JsonLinesSink(open(path, "ab"), path=path, reopen=lambda: open(path, "ab"))
    sink.write([{"row": 1}])
    shutil.rmtree(folder)  # (the file and its folder gone: no file can be made at the name)
    with caplog.at_level("WARNING"):
        sink.write([{"row": 2}])
    sink.close()
    said = [r.getMessage() for r in caplog.records if "cannot start the file anew" in r.getMessage()]
    assert said == [f"{path}: cannot start the file anew after it was removed (No such file or directory); "
                    "the alerts go into the removed file and are lost until one can be made there"]
