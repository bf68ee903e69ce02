"""Review round 61 (web61): web servers', proxies' and WAFs' access logs through every path."""

from __future__ import annotations

import gzip
import re

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.features.tabular import TabularPreprocessor
from tests._cli import one_line_error, runner


def _nginx_json_rows(n: int, start: float) -> pd.DataFrame:
    """Rows of nginx's JSON log_format: $msec and $time_local beside the request's fields."""
    rng = np.random.default_rng(0)
    msec = start + np.arange(n) * 0.25 + 0.123
    stamps = pd.to_datetime(msec, unit="s").tz_localize("UTC").tz_convert("Etc/GMT-1")
    return pd.DataFrame({"msec": msec,
                         "time_local": stamps.strftime("%d/%b/%Y:%H:%M:%S +0100"),
                         "request_method": rng.choice(["GET", "POST"], n),
                         "body_bytes_sent": rng.integers(200, 30000, n)})


@pytest.mark.parametrize("name", ["msec", "time_local"])
def test_nginx_time_fields_are_times_not_features(name: str) -> None:
    # What was wrong: a JSON access log of nginx's own variables trained on its time fields:
    # '$msec' (1709280000.123, epoch seconds) was a minmax-scaled number, so a model trained on
    # one day flagged 1,000 of 1,000 rows of the next, and '$time_local'
    # ('01/Mar/2024:08:00:01 +0100', 4 requests a second) was hashed into 16 buckets: neither
    # name read as a time's, where 'time', 'timestamp' or an ISO text is dropped.
    df = _nginx_json_rows(400, 1709280000.0)
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_[name] == "drop"
    assert pre.roles_["body_bytes_sent"] == "numeric"


@pytest.mark.parametrize("name", ["EdgeResponseStatus", "OriginResponseStatus", "DownstreamStatus"])
def test_http_status_under_a_name_ending_in_status_is_a_code(name: str) -> None:
    # What was wrong: Cloudflare's EdgeResponseStatus (and OriginResponseStatus, Traefik's
    # DownstreamStatus) of 200, 304 and 404 was learnt as a magnitude ('log1p, minmax scaled':
    # 404 between 304 and 500), where nginx's 'status' and IIS's 'sc-status' are HTTP status codes.
    rng = np.random.default_rng(1)
    df = pd.DataFrame({name: rng.choice([200, 304, 404, 0], 300),
                       "EdgeResponseBytes": rng.integers(200, 30000, 300)})
    pre = TabularPreprocessor().fit(df)
    assert (pre.roles_[name], pre.reasons_[name]) == ("categorical", "HTTP status code")
    assert pre.roles_["EdgeResponseBytes"] == "numeric"


_COMBINED = ('{host}192.168.1.{i} - - [01/Mar/2024:08:00:0{s} +0100] "GET /cart?item={i}&qty=2 HTTP/1.1" 200 '
             '{i}34 "-" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, '
             'like Gecko) Version/17.1 Safari/605.1.15" 0.142\n')
_ACCESS_LOGS = {
    "combined": "".join(_COMBINED.format(host="", i=i, s=i % 10) for i in range(2, 40)),
    "vhost": "".join(_COMBINED.format(host="shop.example.com:443 ", i=i, s=i % 10) for i in range(2, 40)),
    "squid": "".join(f"17092800{i:02d}.123     45 192.168.1.{i} TCP_MISS/200 1234 GET "
                     f"http://example.com/a?x=1,{i} - HIER_DIRECT/93.184.216.34 text/html\n"
                     for i in range(40)),
    "alb": "".join(f'https 2024-03-01T08:00:{i:02d}.123456Z app/my-alb/50dc6c495c0c9188 192.168.1.{i}:2817 '
                   f'10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET https://shop.example.com:443/p?id={i} '
                   f'HTTP/1.1" "Mozilla/5.0 (Windows NT 10.0; Win64; x64)" ECDHE-RSA-AES128-GCM-SHA256 '
                   f'TLSv1.2 arn:aws:elb "Root=1-58337262-36d2" "shop.example.com" "-" 0\n'
                   for i in range(40)),
}


@pytest.mark.parametrize("kind", sorted(_ACCESS_LOGS))
def test_access_log_is_refused_naming_a_header_expression_that_reads_it(kind: str, tmp_path) -> None:
    # What was wrong: `hourglass inspect access.log` (nginx's combined format) read the log as a
    # CSV, its first line the header: 'line 4: expected 2 fields, found 1' (a user agent's comma
    # parted two columns), and with --on-bad-rows skip a table of 2 text columns to train on;
    # Squid's access.log and an AWS load balancer's (.gz from S3) likewise. The refusal now says
    # what the file is and names a log model's header expression, which reads its lines.
    path = tmp_path / f"{kind}.log.gz"
    path.write_bytes(gzip.compress(_ACCESS_LOGS[kind].encode()))
    res = runner.invoke(app, ["inspect", str(path)])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "is a log, not a table" in lines[0] and "Traceback" not in res.stderr
    regex = re.search(r"--format '([^']+)' --session-col client_ip", lines[0])
    assert regex is not None, lines[0]
    first = _ACCESS_LOGS[kind].splitlines()[0]
    found = re.match(regex.group(1), first)
    client = "192.168.1." + ("0" if kind in ("alb", "squid") else "2")
    assert found is not None and found.group("client_ip") == client
    assert found.group("timestamp")[:2] in ("01", "17", "20") and found.group("content")


def test_modsecurity_native_audit_log_is_refused(tmp_path) -> None:
    # What was wrong: ModSecurity's native audit log ('--a1b2c3d4-A--' before each part) was read
    # as a CSV of one column, '--a1b2c3d4-A--' its header, each header or message line a
    # category: `hourglass train modsec_audit.log -o m/` saved a model of 647 such rows.
    part = ("--{t}-A--\n[01/Mar/2024:08:00:01 +0100] ZeH1AcCoAAEAAAAJ 203.0.113.66 51234 10.0.0.1 443\n"
            "--{t}-B--\nGET /products?id=1%27%20UNION%20SELECT HTTP/1.1\nHost: shop.example.com\n\n"
            "--{t}-F--\nHTTP/1.1 403 Forbidden\n\n--{t}-Z--\n\n")
    path = tmp_path / "modsec_audit.log"
    path.write_text("".join(part.format(t=f"{i:08x}") for i in range(30)))
    out = tmp_path / "m"
    one_line_error(["train", str(path), "-o", str(out)], "SecAuditLogFormat JSON", out)


@pytest.mark.parametrize("on_bad_rows", ["error", "skip"])
def test_time_of_day_column_after_a_repeated_header_line(on_bad_rows: str, tmp_path) -> None:
    # What was wrong: an IIS log made a CSV as the W3C refusal says (sed ... | tr ' ' ,) keeps
    # the '#Fields:' line IIS writes again after each restart; its 'time' column (07:00:00, typed
    # time32 by pyarrow) could not be read past that header line: 'line 2: column 'time':
    # malformed value '07:00:00' (expected time32[s] ...)', a good line and value named, and
    # with --on-bad-rows skip a traceback (ArrowNotImplementedError: Unsupported cast from
    # string to time32). The repeated header is now dropped and counted, as for other columns.
    import datetime

    from hourglass.ingest.readers import read_table

    header = "date,time,c-ip,cs-method,sc-status,time-taken\n"
    rows = [f"2024-03-01,07:00:0{i},192.168.1.{i},GET,200,{10 + i}\n" for i in range(6)]
    path = tmp_path / "u_ex240301.csv"
    path.write_text(header + "".join(rows[:3]) + header + "".join(rows[3:]))
    df = read_table(path, on_bad_rows=on_bad_rows)
    assert df["time"].tolist() == [datetime.time(7, 0, i) for i in range(6)]
    assert df["c-ip"].tolist() == [f"192.168.1.{i}" for i in range(6)]


def test_w3c_refusal_command_reads_an_iis_log_with_commas_in_its_user_agents(tmp_path) -> None:
    # What was wrong: the command the refusal of an IIS log gave, sed ... | tr ' ' , > FILE.csv,
    # parted Chrome's user agent 'Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+
    # (KHTML,+like+Gecko)+...' (IIS writes spaces as '+', commas as they are) into two fields:
    # 'line 3: expected 8 fields, found 9', every browser's row a bad row.
    import shutil
    import subprocess

    from hourglass.ingest.formats import sniff_format

    chrome = ("Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)"
              "+Chrome/120.0")
    fields = "#Fields: date time s-ip cs-method cs-uri-stem c-ip cs(User-Agent) sc-status\n"
    agents = [chrome if i % 2 else "curl/8.4.0" for i in range(6)]
    lines = [f"2024-03-01 07:00:0{i} 10.0.0.1 GET /a.aspx 192.168.1.{i} {agents[i]} 200" for i in range(6)]
    log = tmp_path / "u_ex240301.log"
    log.write_text("#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n" + fields
                   + "\n".join(lines[:3]) + "\n#Software: Microsoft Internet Information Services 10.0\n"
                   + fields + "\n".join(lines[3:]) + "\n")
    res = runner.invoke(app, ["inspect", str(log)])
    assert res.exit_code == 2
    command = res.stderr.split("make it a CSV of its fields: ", 1)[1].strip()
    assert shutil.which("sed") and shutil.which("tr")
    subprocess.run(["bash", "-c", command.replace("FILE.csv", "out.csv").replace("FILE", log.name)],
                   cwd=tmp_path, check=True)
    df = sniff_format(tmp_path / "out.csv").read(tmp_path / "out.csv")
    assert df.shape == (6, 8)
    assert df["cs(User-Agent)"].tolist() == agents


def test_nginx_error_log_is_refused_naming_a_header_expression_that_reads_it(tmp_path) -> None:
    # What was wrong: nginx's error log ('2024/03/01 08:00:01 [error] 1234#1234: *5 open()
    # "/x.ico" failed (2: No such file or directory), client: 192.168.1.7, server: shop, ...')
    # was sniffed as a CSV of 5 columns, its first line's parts the header, and trained on
    # without a word. It is refused, naming a header expression and session regex that read it.
    lines = [f'2024/03/01 08:00:{i:02d} [error] 1234#1234: *{i + 5} open() "/usr/share/nginx/html/f{i}.ico" '
             f'failed (2: No such file or directory), client: 192.168.1.{i}, server: shop.example.com, '
             f'request: "GET /f{i}.ico HTTP/1.1", host: "shop.example.com"' for i in range(40)]
    path = tmp_path / "error.log"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "m"
    one_line_error(["train", str(path), "-o", str(out)], "nginx's error log is a log, not a table", out)
    said = runner.invoke(app, ["inspect", str(path)]).stderr
    header = re.search(r"--format '([^']+)'", said)
    session = re.search(r"--session-regex '([^']+)'", said)
    assert header is not None and session is not None, said
    found = re.match(header.group(1), lines[7])
    assert found is not None and found.group("timestamp") == "2024/03/01 08:00:07"
    assert found.group("content").startswith('open() "/usr/share/nginx/html/f7.ico" failed')
    assert re.search(session.group(1), found.group("content")).group(1) == "192.168.1.7"


def test_apache_bracketed_time_reads_as_a_timestamp_column(tmp_path) -> None:
    # What was wrong: Apache's %t writes the common log format's time in brackets,
    # '[01/Mar/2024:08:00:00 +0100]', and README says a column of it (a JSON LogFormat's
    # "time": "%t") reads as a log header reads it; `train --entity-col remote_addr
    # --timestamp-col time` said "line 1 is not a timestamp ('[01/Mar/2024:08:00:00 +0100]');
    # no row of the 40 is". It reads as nginx's unbracketed $time_local does, offset and all.
    from hourglass._times import text_to_datetime

    times = pd.Series([f"[01/Mar/2024:08:{i:02d}:00 +0100]" for i in range(3)] + [None])
    assert text_to_datetime(times, utc=True).tolist()[:3] == [
        pd.Timestamp(f"2024-03-01 07:{i:02d}:00", tz="UTC") for i in range(3)]
    import json

    rows = [{"time": f"[01/Mar/2024:08:{i // 4:02d}:{i % 4 * 15:02d} +0100]",
             "remote_addr": f"192.168.1.{i % 4}", "status": 200, "body_bytes_sent": 100 + i}
            for i in range(40)]
    path = tmp_path / "access.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "m"
    res = runner.invoke(app, ["--threads", "1", "train", str(path), "--entity-col", "remote_addr",
                              "--timestamp-col", "time", "--bucket", "5min", "--epochs", "2", "-o", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["--threads", "1", "score", str(out), str(path), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    assert sorted(set(pd.read_csv(tmp_path / "s.csv")["bucket_start"])) == [
        "2024-03-01T07:00:00+00:00", "2024-03-01T07:05:00+00:00"]


@pytest.mark.parametrize("name", ["sc-substatus", "sc-win32-status"])
def test_iis_substatus_and_win32_status_are_codes(name: str) -> None:
    # What was wrong: an IIS log's sc-substatus (401.1 a failed logon, 401.2 another cause) and
    # sc-win32-status (0 done, 64 the client gone, 1236 aborted) were learnt as magnitudes
    # ('numeric values', minmax scaled: 1236 far "above" 64), beside sc-status, a code.
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"sc-status": rng.choice([200, 401, 404], 300),
                       name: rng.choice([0, 0, 0, 1, 2, 64, 1236], 300),
                       "time-taken": rng.integers(1, 900, 300)})
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_[name] == "categorical" and pre.reasons_[name].startswith("code")
    assert pre.roles_["time-taken"] == "numeric"
