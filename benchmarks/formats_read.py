"""Reading speed of the event formats: the same synthetic firewall events written as CEF, LEEF,
PAN-OS (TRAFFIC logs), key=value (FortiGate-like), Suricata EVE JSON and AWS VPC flow lines, and
as many Linux audit events (one in five an SSH login's USER_AUTH or USER_LOGIN record, the others
an execve's SYSCALL, EXECVE, CWD, two PATH, PROCTITLE and EOE records: 5.8 lines an event, each
event a row), and as the nested JSON of cloud and identity logs (a CloudTrail API call, an Okta
System Log sign-in, an Entra ID sign-in, a Kubernetes API-server audit event, a Google Cloud audit
log entry, per event: source address, time, outcome), read by their
hourglass format into a table, beside the same events as a flat CSV and as flat JSON lines read by
the plain readers (pyarrow) — the baselines of what a reader costs when the columns are given.

Files are generated in a temporary folder (never in the repository). Each read is timed
``--repeats`` times in this process; the table gives the median rows/s and MB/s of input.

    python benchmarks/formats_read.py [--rows 200000] [--repeats 3] [--formats kv,auditd] [--out results.md]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import output_file, positive, run_script, write_text
from hourglass.ingest.formats import get_format
from hourglass.ingest.readers import read_table


def _events(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "t": 1_700_000_000 + np.arange(n),
        "src": [f"10.0.{a}.{b}" for a, b in zip(rng.integers(0, 4, n), rng.integers(2, 250, n), strict=True)],
        "spt": rng.integers(1024, 65535, n), "dst": "93.184.216.34", "dpt": rng.choice([443, 80, 53], n),
        "proto": "TCP", "act": rng.choice(["allow", "deny"], n, p=[0.95, 0.05]),
        "bytes_in": rng.integers(100, 10**6, n), "bytes_out": rng.integers(100, 10**5, n),
        "rule": rng.choice(["web-out", "dns", "default-deny"], n)})


def _write(df: pd.DataFrame, d: Path) -> dict[str, Path]:
    rows = df.to_dict("records")
    files = {"csv (baseline)": d / "flows.csv", "jsonl (baseline)": d / "flows.jsonl", "cef": d / "fw.cef",
             "leef": d / "fw.leef", "panos": d / "fw.panos", "kv": d / "fw.kv",
             "suricata-eve": d / "eve.json", "aws-vpc-flow": d / "vpc.log", "auditd": d / "audit.log",
             "cloudtrail": d / "trail.jsonl", "cloudtrail (S3 file)": d / "trail.json",
             "okta": d / "okta.jsonl", "okta (API pages)": d / "okta-pages.json",
             "entra-signin": d / "signins.jsonl", "entra-signin (diagnostic)": d / "signins-diag.jsonl",
             "k8s-audit": d / "kube-audit.log", "k8s-audit (EventLists)": d / "kube-webhook.json",
             "gcp-audit": d / "gcp-sink.json", "gcp-audit (gcloud array)": d / "gcp-gcloud.json"}
    df.to_csv(files["csv (baseline)"], index=False)
    with open(files["jsonl (baseline)"], "w") as fh:
        fh.writelines(json.dumps({k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}) + "\n"
                      for r in rows)
    with open(files["cef"], "w") as fh:
        fh.writelines(f"<134>Nov 14 22:13:20 fw1 CEF:0|Acme|FW|2.1|TRAFFIC|conn|3|rt={r['t']}000 "
                      f"src={r['src']} spt={r['spt']} dst={r['dst']} dpt={r['dpt']} proto={r['proto']} "
                      f"act={r['act']} in={r['bytes_in']} out={r['bytes_out']} cs1Label=Rule "
                      f"cs1={r['rule']}\n" for r in rows)
    with open(files["leef"], "w") as fh:
        fh.writelines(f"LEEF:2.0|Acme|FW|2.1|TRAFFIC|^|devTime={r['t']}000^src={r['src']}^srcPort={r['spt']}^"
                      f"dst={r['dst']}^dstPort={r['dpt']}^proto={r['proto']}^cat={r['act']}^"
                      f"dstBytes={r['bytes_in']}^srcBytes={r['bytes_out']}^policy={r['rule']}\n"
                      for r in rows)
    with open(files["panos"], "w") as fh:  # PAN-OS 9.1's TRAFFIC fields, up to the device name
        for r in rows:
            t = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(r["t"]))
            fh.write(f"<14>Nov 14 22:13:20 fw1 1,{t},0123456789,TRAFFIC,end,2561,{t},{r['src']},{r['dst']},"
                     f"203.0.113.5,{r['dst']},{r['rule']},,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,"
                     f"fwd,{t},81234,1,{r['spt']},{r['dpt']},40112,{r['dpt']},0x400053,tcp,{r['act']},"
                     f"{r['bytes_in'] + r['bytes_out']},{r['bytes_out']},{r['bytes_in']},24,{t},21,any,0,"
                     f"7021345,0x8000000000000000,10.0.0.0-10.255.255.255,United States,0,11,13,tcp-fin,"
                     f"0,0,0,0,,fw1\n")
    with open(files["kv"], "w") as fh:
        fh.writelines(f'date=2023-11-14 time=22:13:20 devname="FGT-1" eventtime={r["t"]} srcip={r["src"]} '
                      f'srcport={r["spt"]} dstip={r["dst"]} dstport={r["dpt"]} proto=6 action="{r["act"]}" '
                      f'rcvdbyte={r["bytes_in"]} sentbyte={r["bytes_out"]} policyname="{r["rule"]}"\n'
                      for r in rows)
    with open(files["suricata-eve"], "w") as fh:
        fh.writelines(json.dumps({"timestamp": f"2023-11-14T22:13:20.{i % 1000:03d}000+0000",
                                  "event_type": "flow", "src_ip": r["src"], "src_port": int(r["spt"]),
                                  "dest_ip": r["dst"], "dest_port": int(r["dpt"]), "proto": r["proto"],
                                  "flow": {"bytes_toserver": int(r["bytes_out"]),
                                           "bytes_toclient": int(r["bytes_in"]), "state": r["act"]}}) + "\n"
                      for i, r in enumerate(rows))
    with open(files["aws-vpc-flow"], "w") as fh:
        fh.write("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
                 "start end action log-status\n")
        fh.writelines(f"2 123456789012 eni-0a1b2c3d {r['src']} {r['dst']} {r['spt']} {r['dpt']} 6 "
                      f"{1 + r['bytes_out'] // 1400} {r['bytes_out']} {r['t']} {r['t'] + 60} "
                      f"{'ACCEPT' if r['act'] == 'allow' else 'REJECT'} OK\n" for r in rows)
    with open(files["auditd"], "w") as fh:
        for i, r in enumerate(rows):
            fh.writelines(_audit_event(i, r))
    _write_identity(rows, files)
    _write_control_plane(rows, files)
    return files


_PROGRAMS = ("/usr/bin/ls", "/usr/bin/cat", "/usr/bin/grep", "/usr/bin/git", "/usr/bin/python3",
             "/usr/bin/curl")


def _audit_event(i: int, r: dict) -> list[str]:
    """The audit records of one event: a login (one record), or an execve (seven)."""
    head = f"msg=audit({r['t']}.{i % 1000:03d}:{1000 + i})"
    uid = 1000 + r["spt"] % 5
    if i % 5 == 0:
        kind, op = ("USER_AUTH", "PAM:authentication") if i % 10 else ("USER_LOGIN", "login")
        res = "success" if r["act"] == "allow" else "failed"
        return [f"type={kind} {head}: pid={r['spt']} uid=0 auid={uid} ses={i % 90} "
                f"subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op={op} acct=\"user{uid}\" "
                f'exe="/usr/sbin/sshd" hostname={r["src"]} addr={r["src"]} terminal=ssh res={res}\'\n']
    exe = _PROGRAMS[r["dpt"] % len(_PROGRAMS)]
    args = [exe.rsplit("/", 1)[1], f"/srv/data/{r['rule']} {r['bytes_out']}.log"]
    return [
        f"type=SYSCALL {head}: arch=c000003e syscall=59 success=yes exit=0 a0=55f1c2a0{r['spt']:x} "
        f"a1=55f1c2a0b470 a2=55f1c2a0b4a0 a3=8 items=2 ppid={r['spt'] - 1} pid={r['spt']} auid={uid} "
        f"uid={uid} gid={uid} euid={uid} suid={uid} fsuid={uid} egid={uid} sgid={uid} fsgid={uid} "
        f'tty=pts0 ses={i % 90} comm="{args[0]}" exe="{exe}" '
        f'subj=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 key="exec"\n',
        f'type=EXECVE {head}: argc=2 a0="{args[0]}" a1={args[1].encode().hex().upper()}\n',
        f'type=CWD {head}: cwd="/home/user{uid}"\n',
        f'type=PATH {head}: item=0 name="{exe}" inode={r["bytes_in"]} dev=fd:00 mode=0100755 ouid=0 '
        "ogid=0 rdev=00:00 obj=system_u:object_r:bin_t:s0 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 "
        "cap_fver=0 cap_frootid=0\n",
        f'type=PATH {head}: item=1 name="/lib64/ld-linux-x86-64.so.2" inode=1057001 dev=fd:00 '
        "mode=0100755 ouid=0 ogid=0 rdev=00:00 obj=system_u:object_r:ld_so_t:s0 nametype=NORMAL cap_fp=0 "
        "cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0\n",
        f"type=PROCTITLE {head}: proctitle={chr(0).join(args).encode().hex().upper()}\n",
        f"type=EOE {head}:\n",
    ]


def _iso(t: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _write_identity(rows: list[dict[str, object]], files: dict[str, Path]) -> None:
    """The events as CloudTrail calls, Okta sign-ins and Entra sign-ins (nested as each vendor
    documents them; ids unique per event)."""
    trail, okta, entra = [], [], []
    for i, r in enumerate(rows):
        t, ok, src, user = int(str(r["t"])), r["act"] == "allow", str(r["src"]), f"user{i % 50}"
        trail.append({"eventVersion": "1.08", "eventTime": _iso(t), "eventSource": "s3.amazonaws.com",
                      "eventName": "GetObject" if ok else "PutBucketPolicy", "awsRegion": "us-east-1",
                      "sourceIPAddress": src, "userAgent": "aws-sdk-java/1.12.500",
                      "userIdentity": {"type": "AssumedRole", "principalId": f"AROA1:{user}-{i}",
                                       "arn": f"arn:aws:sts::111122223333:assumed-role/{user}/s",
                                       "accountId": "111122223333", "accessKeyId": f"ASIA{i:012d}"},
                      "requestParameters": {"bucketName": str(r["rule"]), "key": f"k/{i}"},
                      "responseElements": None, "requestID": f"{i:016x}", "eventID": f"e{i:015x}",
                      "readOnly": ok, "eventType": "AwsApiCall", "recipientAccountId": "111122223333",
                      **({} if ok else {"errorCode": "AccessDenied"})})
        okta.append({"uuid": f"{i:08x}-1c9d-11ef-9a7b-0b5c3e1f2a11", "published": _iso(t)[:-1] + ".000Z",
                     "eventType": "user.session.start", "version": "0", "severity": "INFO" if ok else "WARN",
                     "displayMessage": "User login to Okta",
                     "actor": {"id": f"00u{i % 50:017d}", "type": "User",
                               "alternateId": f"{user}@example.com",
                               "displayName": user},
                     "client": {"userAgent": {"rawUserAgent": "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0",
                                              "os": "Windows 10", "browser": "CHROME"},
                                "zone": "null", "device": "Computer", "ipAddress": src,
                                "geographicalContext": {"city": "Toronto", "state": "Ontario",
                                                        "country": "Canada", "postalCode": "M5H",
                                                        "geolocation": {"lat": 43.65, "lon": -79.38}}},
                     "outcome": {"result": "SUCCESS" if ok else "FAILURE",
                                 "reason": None if ok else "INVALID_CREDENTIALS"},
                     "target": [{"id": f"0oa{i % 7}", "type": "AppInstance", "alternateId": str(r["rule"])}],
                     "transaction": {"type": "WEB", "id": f"T{i:019d}", "detail": {}},
                     "debugContext": {"debugData": {"requestId": f"R{i:019d}", "requestUri": "/api/v1/authn",
                                                    "threatSuspected": "false", "risk": "{level=LOW}"}},
                     "authenticationContext": {"authenticationProvider": "OKTA_AUTHENTICATION_PROVIDER",
                                               "credentialType": "PASSWORD", "authenticationStep": 0,
                                               "externalSessionId": f"S{i:024d}"},
                     "securityContext": {"asNumber": 577, "asOrg": "bell canada", "isp": "bell canada",
                                         "domain": "bell.ca", "isProxy": False}})
        entra.append({"id": f"{i:08x}-6301-4ee5-be62-ff5a759b8100", "createdDateTime": _iso(t),
                      "userDisplayName": user, "userPrincipalName": f"{user}@contoso.com",
                      "userId": f"{i % 50:08x}-2c1b-422c-98fd-5ce52859a4a3",
                      "appId": "de8bc8b5-d9f9-48b1-a8ad-b748da725064",
                      "appDisplayName": "Office 365 Exchange Online",
                      "ipAddress": src, "clientAppUsed": "Browser" if ok else "IMAP4",
                      "correlationId": f"{i:08x}-1b7c-4b47-9a5b-8a5a0a3f0c36",
                      "conditionalAccessStatus": "success" if ok else "notApplied", "isInteractive": ok,
                      "riskDetail": "none", "riskLevelAggregated": "none", "riskLevelDuringSignIn": "none",
                      "riskState": "none", "resourceDisplayName": "Office 365 Exchange Online",
                      "resourceId": "00000002-0000-0ff1-ce00-000000000000",
                      "status": {"errorCode": 0 if ok else 50126, "failureReason": "Other." if ok else
                                 "Invalid username or password.", "additionalDetails": None},
                      "deviceDetail": {"deviceId": "", "displayName": None, "operatingSystem": "Windows10",
                                       "browser": "Edge 120.0.2210", "isCompliant": ok, "isManaged": ok,
                                       "trustType": "Azure AD joined" if ok else None},
                      "location": {"city": "Redmond", "state": "Washington", "countryOrRegion": "US",
                                   "geoCoordinates": {"latitude": 47.67, "longitude": -122.12}},
                      "appliedConditionalAccessPolicies": []})
    with open(files["cloudtrail"], "w") as fh:
        fh.writelines(json.dumps(e) + "\n" for e in trail)
    with open(files["cloudtrail (S3 file)"], "w") as fh:
        json.dump({"Records": trail}, fh)
    with open(files["okta"], "w") as fh:
        fh.writelines(json.dumps(e) + "\n" for e in okta)
    with open(files["okta (API pages)"], "w") as fh:  # pages of 1,000 events (the API's limit)
        fh.writelines(json.dumps(okta[lo:lo + 1000]) + "\n" for lo in range(0, len(okta), 1000))
    with open(files["entra-signin"], "w") as fh:
        fh.writelines(json.dumps(e) + "\n" for e in entra)
    with open(files["entra-signin (diagnostic)"], "w") as fh:
        fh.writelines(json.dumps({"time": e["createdDateTime"], "category": "SignInLogs",
                                  "operationName": "Sign-in activity",
                                  "resultType": str(e["status"]["errorCode"]),
                                  "callerIpAddress": e["ipAddress"], "correlationId": e["correlationId"],
                                  "Level": 4, "location": "US", "properties": e}) + "\n" for e in entra)


def _write_control_plane(rows: list[dict[str, object]], files: dict[str, Path]) -> None:
    """The events as Kubernetes audit events (Metadata level, as the log backend writes them) and
    Google Cloud audit log entries (as a sink exports them; ids unique per event)."""
    kube, gcp = [], []
    for i, r in enumerate(rows):
        t, ok, src, user = int(str(r["t"])), r["act"] == "allow", str(r["src"]), f"user{i % 50}"
        when = _iso(t)[:-1] + f".{i % 10**6:06d}Z"
        kube.append({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
                     "auditID": f"{i:08x}-8a90-4d55-b1c3-2e6f9a0d7b14", "stage": "ResponseComplete",
                     "requestURI": f"/api/v1/namespaces/{r['rule']}/pods/web-{i % 97}?timeout=32s",
                     "verb": "get" if ok else "delete",
                     "user": {"username": f"{user}@example.com", "uid": f"oidc:{i % 50}",
                              "groups": ["system:authenticated", "devs"]},
                     "sourceIPs": [src], "userAgent": "kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819",
                     "objectRef": {"resource": "pods", "namespace": str(r["rule"]), "name": f"web-{i % 97}",
                                   "apiVersion": "v1"},
                     "responseStatus": {"metadata": {}, "code": 200 if ok else 403},
                     "requestReceivedTimestamp": when, "stageTimestamp": when,
                     "annotations": {"authorization.k8s.io/decision": "allow" if ok else "forbid",
                                     "authorization.k8s.io/reason": "RBAC: allowed by ClusterRoleBinding"}})
        gcp.append({"protoPayload": {
            "@type": "type.googleapis.com/google.cloud.audit.AuditLog", "status": {} if ok else {"code": 7},
            "authenticationInfo": {"principalEmail": f"{user}@example.com"},
            "requestMetadata": {"callerIp": src, "callerSuppliedUserAgent": "google-cloud-sdk gcloud/460.0.0",
                                "requestAttributes": {"time": when, "auth": {}}, "destinationAttributes": {}},
            "serviceName": "storage.googleapis.com", "methodName": "storage.objects.get",
            "authorizationInfo": [{"resource": f"projects/_/buckets/{r['rule']}/objects/k/{i}",
                                   "permission": "storage.objects.get", "resourceAttributes": {},
                                   **({"granted": True} if ok else {})}],
            "resourceName": f"projects/_/buckets/{r['rule']}/objects/k/{i}"},
            "insertId": f"{i:012x}", "resource": {"type": "gcs_bucket", "labels": {
                "bucket_name": str(r["rule"]), "location": "us-central1", "project_id": "shop-prod"}},
            "timestamp": when, "severity": "INFO" if ok else "ERROR",
            "logName": "projects/shop-prod/logs/cloudaudit.googleapis.com%2Fdata_access",
            "receiveTimestamp": when})
    with open(files["k8s-audit"], "w") as fh:
        fh.writelines(json.dumps(e) + "\n" for e in kube)
    with open(files["k8s-audit (EventLists)"], "w") as fh:  # the webhook's batches, one a line
        fh.writelines(json.dumps({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {},
                                  "items": kube[lo:lo + 1000]}) + "\n" for lo in range(0, len(kube), 1000))
    with open(files["gcp-audit"], "w") as fh:
        fh.writelines(json.dumps(e) + "\n" for e in gcp)
    with open(files["gcp-audit (gcloud array)"], "w") as fh:
        json.dump(gcp, fh, indent=2)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=positive, default=200_000)
    ap.add_argument("--repeats", type=positive, default=3)
    ap.add_argument("--formats", default=None, help="comma-separated rows to run (default: all)")
    ap.add_argument("--out", type=output_file, default=None, help="also write the table (markdown) here")
    args = ap.parse_args(argv)
    lines = [f"Reading {args.rows:,} events per format (median of {args.repeats} reads)", "",
             "| format | rows/s | MB/s | columns |", "|---|---:|---:|---:|"]
    with tempfile.TemporaryDirectory(prefix="hourglass-formats-") as tmp:
        files = _write(_events(args.rows), Path(tmp))
        wanted = None if args.formats is None else {f.strip() for f in args.formats.split(",")}
        unknown = sorted((wanted or set()) - set(files))
        if unknown:
            ap.error(f"--formats: unknown {', '.join(unknown)} (known: {', '.join(files)})")
        for name, path in files.items():
            if wanted is not None and name not in wanted:
                continue
            def read(name: str = name, path: Path = path) -> pd.DataFrame:
                return read_table(path) if "baseline" in name else get_format(name.split(" (")[0]).read(path)
            took, df = [], None
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                df = read()
                took.append(time.perf_counter() - t0)
            med = statistics.median(took)
            size = path.stat().st_size / 2**20
            assert df is not None and len(df) == args.rows, (name, None if df is None else len(df))
            lines.append(f"| {name} | {args.rows / med:,.0f} | {size / med:.1f} | {df.shape[1]} |")
            print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    if args.out is not None:
        write_text(args.out, text)


if __name__ == "__main__":
    run_script(main)
