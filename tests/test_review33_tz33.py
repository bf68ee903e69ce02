"""The same times read the same whatever the time zone (``TZ``) and the locale a caller set."""

from __future__ import annotations

import json
import locale
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass._times import c_time_locale, parse_timestamps
from hourglass.cli import app
from hourglass.ingest.cef import _dev_time
from hourglass.ingest.logs import LogParser
from tests._cli import runner

_GERMAN = "de_DE.UTF-8"


def _german(folder: Path) -> str | None:
    """LOCPATH under which ``de_DE.UTF-8`` is a locale ("" where the system has it), or
    ``None`` where it cannot be had (no ``localedef`` or no locale sources)."""
    saved = locale.setlocale(locale.LC_TIME)
    try:
        locale.setlocale(locale.LC_TIME, _GERMAN)
        return ""
    except locale.Error:
        pass
    finally:
        locale.setlocale(locale.LC_TIME, saved)
    if shutil.which("localedef") is None or not Path("/usr/share/i18n/locales/de_DE").exists():
        return None
    res = subprocess.run(["localedef", "-i", "de_DE", "-f", "UTF-8", str(folder / _GERMAN)],
                         capture_output=True, timeout=120)
    return str(folder) if (folder / _GERMAN).is_dir() and res.returncode in (0, 1) else None


@pytest.fixture(scope="module")
def locpath(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = _german(tmp_path_factory.mktemp("locales"))
    if path is None:
        pytest.skip("no de_DE.UTF-8 locale here and none can be generated (localedef)")
    return path


@pytest.fixture()
def german_time(locpath: str) -> Iterator[None]:
    """LC_TIME set to German by the calling program (as a program that calls
    ``locale.setlocale(locale.LC_ALL, "")`` under ``LANG=de_DE.UTF-8`` has it), restored after."""
    old_path = os.environ.get("LOCPATH")
    if locpath:
        os.environ["LOCPATH"] = locpath
    saved = locale.setlocale(locale.LC_TIME)
    locale.setlocale(locale.LC_TIME, _GERMAN)
    try:
        yield
    finally:
        locale.setlocale(locale.LC_TIME, saved)
        if old_path is None:
            os.environ.pop("LOCPATH", None)
        else:
            os.environ["LOCPATH"] = old_path


def test_named_month_times_read_alike_under_a_callers_locale(german_time: None) -> None:
    # what was wrong: under a caller's locale.setlocale(LC_TIME, 'de_DE.UTF-8') pandas guessed the
    # layout of '09 Dec 2024 00:12:59' by writing the date back in German ('Dez'), took the
    # minutes '12' for December's number and read every time of the column with minute 0
    # (00:00:59); the locale is now "C" while times are read, and the caller's is restored
    texts = pd.Series(["09 Dec 2024 00:12:59", "10 Dec 2024 01:30:00"])
    got = parse_timestamps(texts, "ts")
    assert list(got) == [pd.Timestamp("2024-12-09 00:12:59"), pd.Timestamp("2024-12-10 01:30:00")]
    assert locale.setlocale(locale.LC_TIME) == _GERMAN  # (the caller's locale left as it was)


def test_syslog_lines_dated_under_a_callers_locale(german_time: None) -> None:
    # what was wrong: LogParser('syslog') read the BSD header's month ('Mar', 'Dec') with pandas'
    # %b in the caller's LC_TIME: under German every 'Mar' and 'Dec' line had no time (NaN;
    # 'hourglass'-style --window sessions then said no event has a readable time stamp)
    lines = ["Mar  9 06:00:01 host sshd[2]: Failed password for b",
             "Dec 31 23:59:58 host sshd[1]: Accepted password for a"]
    german = LogParser("syslog").fit(lines).parse(lines)["time"].to_numpy()
    with c_time_locale():
        plain = LogParser("syslog").fit(lines).parse(lines)["time"].to_numpy()
    assert not np.isnan(german).any()
    np.testing.assert_array_equal(german, plain)


def test_leef_dev_time_with_a_month_name_under_a_callers_locale(german_time: None) -> None:
    # what was wrong: a LEEF devTime in devTimeFormat 'MMM dd yyyy HH:mm:ss' (QRadar's) was read
    # by datetime.strptime's %b in the caller's LC_TIME: under German 'Dec 05 2024 06:00:01' did
    # not fit and was left as written, where under "C" it is 2024-12-05T06:00:01
    assert _dev_time("Dec 05 2024 06:00:01", "MMM dd yyyy HH:mm:ss") == "2024-12-05T06:00:01"
    assert locale.setlocale(locale.LC_TIME) == _GERMAN


def test_syslog_months_when_imported_under_a_callers_locale(locpath: str) -> None:
    # what was wrong: the syslog reader's month names were calendar.month_abbr's at import time,
    # in the locale the importing program had set: under German 'Mar' and 'Dec' were no month
    code = ("import locale; locale.setlocale(locale.LC_ALL, 'de_DE.UTF-8'); "
            "from hourglass.ingest.logs import _MONTHS; print(_MONTHS.get('Mar'), _MONTHS.get('Dec'))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    if locpath:
        env["LOCPATH"] = locpath
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["3", "12"]


def test_c_time_locale_changes_nothing_in_c() -> None:
    # pin (held, untested): in the "C" locale (the command line never sets one) the guard leaves
    # LC_TIME alone, and restores it after an error
    before = locale.setlocale(locale.LC_TIME)
    with pytest.raises(ZeroDivisionError), c_time_locale():
        assert locale.setlocale(locale.LC_TIME) in ("C", "POSIX")
        _ = 1 / 0
    assert locale.setlocale(locale.LC_TIME) == before


@pytest.fixture()
def zone() -> Iterator[object]:
    """Sets the process' time zone (``TZ`` and :func:`time.tzset`), restored after."""
    old = os.environ.get("TZ")

    def use(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield use
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_entity_buckets_alike_in_every_time_zone(tmp_path: Path, zone: object) -> None:
    # pin (held, untested): train and score of an entity model with day buckets over naive times
    # and times with offsets write the same bucket boundaries and scores under TZ=UTC, +14:00,
    # +05:30 and a zone with a 30-minute daylight-saving change (naive times are read as UTC)
    rng = np.random.default_rng(0)
    t = pd.Timestamp("2024-03-30") + pd.to_timedelta(np.sort(rng.integers(0, 9 * 86400, 400)), unit="s")
    frame = pd.DataFrame({"ts": t.strftime("%Y-%m-%d %H:%M:%S"), "src": rng.choice(["a", "b", "c"], 400),
                          "bytes": rng.lognormal(5, 1, 400).round(3)})
    frame.to_csv(tmp_path / "naive.csv", index=False)
    frame.assign(ts=t.tz_localize("UTC").tz_convert("Asia/Kolkata").strftime("%Y-%m-%dT%H:%M:%S%z")
                 ).to_csv(tmp_path / "offset.csv", index=False)
    outputs = []
    for name in ("UTC", "Pacific/Kiritimati", "Asia/Kolkata", "Australia/Lord_Howe"):
        zone(name)  # type: ignore[operator]
        folder = tmp_path / name.replace("/", "_")
        folder.mkdir()
        res = runner.invoke(app, ["train", str(tmp_path / "naive.csv"), "--entity-col", "src",
                                  "--timestamp-col", "ts", "--bucket", "1D", "--epochs", "1",
                                  "--hidden", "4,2", "-q", "-o", str(folder / "m")])
        assert res.exit_code == 0, res.output
        texts = []
        for data in ("naive.csv", "offset.csv"):
            out = folder / f"s_{data}"
            res = runner.invoke(app, ["score", str(folder / "m"), str(tmp_path / data), "-q", "-o", str(out)])
            assert res.exit_code == 0, res.output
            texts.append(out.read_text())
        outputs.append(texts)
    assert "2024-03-30T00:00:00" in outputs[0][0]
    assert all(o == outputs[0] for o in outputs[1:])


def _ascii_env() -> dict[str, str]:
    """The environment of a shell under ``LC_ALL=C`` with Python's UTF-8 mode off: file names
    are ASCII, other bytes held as surrogate escapes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONUTF8"))}
    return {**env, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONPATH": os.pathsep.join(sys.path),
            "OMP_NUM_THREADS": "1"}


def test_outputs_with_non_ascii_names_under_an_ascii_locale(tmp_path: Path) -> None:
    # what was wrong: under LC_ALL=C with PYTHONUTF8=0 every output file with a non-ASCII name
    # failed: 'hourglass score m/ x.csv -o é.csv' (and explain -o, evaluate --json/--report,
    # threshold --json, inspect --json) said "error: 'ascii' codec can't encode character '\xe9'"
    # (the hidden temporary file was named by the name's UTF-8 reading, which no ASCII file
    # system name holds), and evaluate --report of données.csv said "'utf-8' codec can't
    # encode characters ...: surrogates not allowed" (the data's name in the page)
    from tests._cli import small_labelled_model

    made = small_labelled_model(tmp_path)
    data = tmp_path / "données.csv"
    made["data"].rename(data)
    res = subprocess.run([sys.executable, "-m", "hourglass", "--threads", "1", "evaluate", str(made["model"]),
                          str(data), "--label-col", "label", "--normal", "normal", "-q",
                          "--json", str(tmp_path / "é.json"), "--report", str(tmp_path / "é.html")],
                         env=_ascii_env(), capture_output=True, timeout=300)
    assert res.returncode == 0, res.stderr.decode("utf-8", "replace")
    page = (tmp_path / "é.html").read_text(encoding="utf-8")
    assert "données.csv" in page
    assert json.loads((tmp_path / "é.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # (no temp left)


def test_report_of_a_file_whose_name_is_no_utf8() -> None:
    # what was wrong: in any locale, 'hourglass evaluate m/ caf\xe9.csv --report r.html' of a file
    # named in Latin-1 bytes stopped with "'utf-8' codec can't encode character '\udce9' ...:
    # surrogates not allowed" (exit 2, no report): the page held the name's surrogate escapes;
    # the name is now shown with U+FFFD (and a UTF-8 name's escapes, LC_ALL=C's, as its text)
    from hourglass.evaluate.report import render_report

    y = np.array([0] * 20 + [1] * 5)
    scores = np.linspace(0, 1, 25)
    page, _ = render_report(y_true=y, scores=scores, y_pred=(scores > 0.8).astype(int), threshold=0.8,
                            threshold_rule="fixed", data_name=os.fsdecode(b"caf\xe9.csv"),
                            model_card={"data": "donn\udcc3\udca9es.csv"})
    page.encode("utf-8")
    assert "caf\ufffd.csv" in page and "données.csv" in page
