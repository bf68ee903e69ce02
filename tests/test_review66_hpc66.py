"""Slurm, PBS/Torque and cron records as an HPC cluster's tools write them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features.tabular import TabularPreprocessor


def _sacct(n: int = 60) -> pd.DataFrame:
    """Rows of ``sacct --parsable2`` as the CSV reader gives them (its cells text)."""
    rng = np.random.default_rng(0)
    rss = [f"{v}K" for v in rng.integers(2000, 9000, n // 2)] + [
        f"{v:.2f}G" for v in rng.uniform(1, 8, n - n // 2)]
    secs = rng.integers(30, 3 * 86400, n)
    elapsed = [(f"{s // 86400}-" if s >= 86400 else "")
               + f"{s % 86400 // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in secs]
    return pd.DataFrame({"User": rng.choice(["alice", "bob", "carol"], n), "MaxRSS": rss,
                         "Elapsed": elapsed, "AllocCPUS": rng.choice([1, 4, 16], n)})


def test_sacct_maxrss_is_read_as_bytes() -> None:
    # What was wrong: sacct writes a job's MaxRSS with its unit's capital letter alone ('1024K',
    # '2.5G'); that was no size, so the column was hashed text (each job's memory a bucket).
    df = _sacct()
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["MaxRSS"] == "numeric"
    x = pre.transform(pd.DataFrame({**df.iloc[:1].to_dict("list"), "MaxRSS": ["64G"]}))
    col = pre.feature_names_.index("MaxRSS")
    assert x[0, col] > 1.0  # 64 GiB: past the most seen in training (8 GiB)


def test_sacct_elapsed_is_read_as_seconds() -> None:
    # What was wrong: a job's run time as sacct and PBS write it ('00:05:00', '1-02:03:04') was
    # near-unique text, dropped: a model could not see a job that ran two days.
    df = _sacct()
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["Elapsed"] == "numeric"
    assert "durations such as" in pre.reasons_["Elapsed"] and "seconds" in pre.reasons_["Elapsed"]
    col = pre.feature_names_.index("Elapsed")
    x = pre.transform(pd.DataFrame({**df.iloc[:2].to_dict("list"), "Elapsed": ["00:00:30", "9-00:00:00"]}))
    assert x[0, col] < 0.01 and x[1, col] > 2.5  # 30 s at the bottom; nine days, three times the longest


_PBS_LINES = (
    "03/01/2024 07:59:58;Q;1234.pbs01.cluster.local;queue=gpu\n"
    "03/01/2024 08:00:00;S;1234.pbs01.cluster.local;user=alice group=staff jobname=train queue=gpu "
    "ctime=1709279998 qtime=1709279998 etime=1709279998 start=1709280000 exec_host=gpu01/0-7\n"
    "03/01/2024 09:02:03;E;1234.pbs01.cluster.local;user=alice group=staff jobname=train queue=gpu "
    "start=1709280000 end=1709283723 Exit_status=0 resources_used.cput=08:16:24 "
    "resources_used.mem=1024kb resources_used.walltime=01:02:03\n")


def test_a_pbs_accounting_records_user_time_and_job_are_read(tmp_path) -> None:
    # What was wrong: a PBS/Torque accounting log was sniffed as a semicolon CSV whose header was
    # its first record; read as kv, its first pair ran into the ';' and the job's user was lost,
    # with its time and job id, and a queued job's record was refused.
    from hourglass.ingest.formats import sniff_format
    from hourglass.ingest.kv import parse_kv

    p = tmp_path / "20240301"
    p.write_text(_PBS_LINES)
    assert sniff_format(p).name == "kv"
    rows = [parse_kv(line) for line in _PBS_LINES.splitlines()]
    assert all(r is not None for r in rows)
    end = rows[2]
    assert end is not None
    assert (end["user"], end["timestamp"], end["record_type"], end["job_id"]) == (
        "alice", "2024-03-01 09:02:03", "E", "1234.pbs01.cluster.local")
    assert rows[0] is not None and rows[0]["queue"] == "gpu"


def test_a_slurm_job_id_is_no_amount() -> None:
    # What was wrong: sacct -X's JobID (whole numbers rising with every job) was learnt as a
    # number, with a warning: every job submitted after training lay past its range, and score
    # flagged all 388 jobs of the next week.
    from hourglass.features.roles import infer_role

    jobs = pd.Series(range(110000, 110400))
    assert infer_role("JobID", jobs, max_categories=50)[0] == "drop"
    assert infer_role("job_id", jobs, max_categories=50)[0] == "drop"  # sacct --json's
    nightly = pd.Series([7, 8, 9] * 100)  # a backup report's job: its runs each night
    assert infer_role("Job ID", nightly, max_categories=50)[0] != "drop"


def test_a_pbs_exit_status_is_a_code() -> None:
    # What was wrong: a PBS record's Exit_status was learnt as a magnitude (min-max scaled), so a
    # job killed by SIGTERM (271) scored far past one that failed (1), and 1 sat near 0 (done).
    from hourglass.features.roles import infer_role

    status = pd.Series([0] * 50 + [1, 127, 271, -11, 1] * 4)
    assert infer_role("Exit_status", status, max_categories=50)[0] == "categorical"
    assert infer_role("resources_used.mem", status.abs() + 1, max_categories=50)[0] == "numeric"


def test_htcondor_classads_are_refused_with_the_way_to_read_them(tmp_path) -> None:
    # What was wrong: condor_history -l's ClassAds were read as a CSV of one column named by the
    # first line ('ClusterId = 4000'), every other attribute line a hashed category, and train
    # saved a model of that with no word of it.
    from hourglass.errors import InputError
    from hourglass.ingest.formats import sniff_format

    ads = "".join(f'ClusterId = {4000 + i}\nProcId = 0\nOwner = "alice"\nRemoteWallClockTime = 61.0\n'
                  "ExitCode = 0\n\n" for i in range(30))
    p = tmp_path / "history.txt"
    p.write_text(ads)
    try:
        sniff_format(p)
    except InputError as e:
        assert "HTCondor" in str(e) and "condor_history -json" in str(e)
    else:
        raise AssertionError("condor_history -l output was read as a table")
    q = tmp_path / "settings.txt"  # lines of 'name = value' with no job's attribute: as before
    q.write_text("a = 1\nb = 2\nc = 3\n")
    assert sniff_format(q).name == "csv"


def test_htcondor_cluster_id_is_no_amount_and_job_status_a_code() -> None:
    # What was wrong: condor_history -json's ClusterId (the job's number, rising with every job)
    # was learnt as a number with a warning, every later job past the training range, and its
    # JobStatus (4 completed, 5 held) as a magnitude.
    from hourglass.features.roles import infer_role

    assert infer_role("ClusterId", pd.Series(range(4000, 4200)), max_categories=50)[0] == "drop"
    status = pd.Series([4] * 60 + [3, 5] * 5)
    assert infer_role("JobStatus", status, max_categories=50)[0] == "categorical"
    assert infer_role("ClusterId", pd.Series([2, 3] * 50), max_categories=50)[0] != "drop"


def test_sacct_total_cpu_under_an_hour_is_read_as_seconds() -> None:
    # What was wrong: sacct writes a TotalCPU under an hour as minutes and seconds ('00:01.234'),
    # which was no duration: a column of them beside '02:11:39' was text, hashed, as a whole.
    rng = np.random.default_rng(1)
    m, sec, ms, h = (rng.integers(0, 60, 40), rng.integers(0, 60, 40), rng.integers(0, 1000, 40),
                     rng.integers(1, 30, 40))
    short = [f"{a:02d}:{b:02d}.{c:03d}" for a, b, c in zip(m, sec, ms, strict=True)]
    long = [f"{a:02d}:{b:02d}:{c:02d}" for a, b, c in zip(h, m, sec, strict=True)]
    df = pd.DataFrame({"TotalCPU": short + long, "AllocCPUS": rng.choice([1, 4, 16], 80)})
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["TotalCPU"] == "numeric"
    col = pre.feature_names_.index("TotalCPU")
    x = pre.transform(pd.DataFrame({"TotalCPU": ["00:30.500", "00:31.500", "29:00:00"],
                                    "AllocCPUS": [1, 1, 1]}))
    assert x[0, col] < x[1, col] < 0.01 < 0.9 < x[2, col]  # half a minute, a second more; 29 hours


def test_an_entity_model_does_not_sum_a_time_of_day() -> None:
    # What was wrong: once a clock's face read as seconds, an entity model summed a time of day
    # under a time's name (a LogonTime of '08:15:00') as if it were a job's run time; it is a
    # time, not aggregated, as before, and a run time under another name (Elapsed) is summed.
    from hourglass.features.entity import EntityWindows

    rng = np.random.default_rng(2)
    secs = np.sort(rng.integers(0, 86400, 120))
    clock = [f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in secs]
    df = pd.DataFrame({"User": rng.choice(["alice", "bob"], 120), "ts": 1709280000 + secs,
                       "LogonTime": clock, "Elapsed": clock[::-1]})
    summed = EntityWindows("User", "ts").summed_columns(df)
    assert "LogonTime" not in summed and "Elapsed" in summed


def test_a_job_ids_step_is_no_unit() -> None:
    # What was wrong: sacct's JobID with its steps ('110000.batch', '110000.0'), left out by its
    # name, was said to hold 'numbers with a unit ... write the numbers alone, in one unit, to use
    # them as numbers': advice to make job ids amounts, which would be left out still.
    from hourglass.features.roles import infer_role, separated_warning

    ids = pd.Series([f"{110000 + i // 3}{s}" for i, s in zip(range(300), ["", ".batch", ".0"] * 100,
                                                                strict=True)])
    role, why = infer_role("JobID", ids, max_categories=50)
    assert role == "drop"
    assert separated_warning("JobID", ids, role, why) is None
    sizes = pd.Series([f"{v} V" for v in range(100, 400)])  # a reading with its unit: said as before
    assert separated_warning("volts", sizes, *infer_role("volts", sizes, max_categories=50)) is not None
