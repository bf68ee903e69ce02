"""Review 52 (left52b): bounded one-line CLI errors, ..."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from hourglass.cli.app import app


def _error(args: list[str]) -> tuple[int, str]:
    res = CliRunner().invoke(app, args)
    return res.exit_code, res.stderr


# What was wrong: an error message quoting a value from the data was printed whole and cut at a
# CR: a Zeek '#separator' line of 300 KB gave a 300 KB error line, and one holding a CR gave
# "... not 'ab" (the rest of the message lost at the CR, which str.splitlines cuts at)
def test_error_line_is_bounded_and_one_line(tmp_path: Path) -> None:
    big = tmp_path / "big.log"
    big.write_bytes(b"#separator " + b"x" * 300_000 + b"\n#fields\ta\tb\n1\t2\n")
    code, text = _error(["train", str(big), "-o", str(tmp_path / "m")])
    assert code == 2 and text.startswith("error: ") and text.count("\n") == 1
    assert len(text) < 5000 and "characters cut" in text and text.rstrip().endswith("'")
    cr = tmp_path / "cr.log"
    cr.write_bytes(b"#separator ab\rcd\n#fields\ta\tb\n1\t2\n")
    code, text = _error(["train", str(cr), "-o", str(tmp_path / "m")])
    assert code == 2 and text.count("\n") == 1 and "not 'ab\\x0dcd'" in text
    assert not (tmp_path / "m").exists()
