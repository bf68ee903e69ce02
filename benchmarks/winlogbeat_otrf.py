"""The same Windows events read as flat JSON (``windows-json``) and as Winlogbeat documents
(``winlogbeat``): do the two readings score alike, and detect alike?

OTRF Security-Datasets (``$HOURGLASS_DATA/mordor_otrf``, flat JSON lines of lab recordings) are
converted here into Winlogbeat 8 documents as its Security and Sysmon pipelines write them: the
record under ``winlog`` (``event_id`` as text, ``event_data``), the shipper's ``agent``/``host``/
``ecs`` objects, the rendered ``message``, and the ECS copies (``event.code``,
``event.provider``, ``host.name``, ``process.*`` of Sysmon's Image/ProcessId/CommandLine,
``source.ip`` of IpAddress). Files are written to a temporary folder, never to the repository.

Split: the recordings of 8 techniques train (events that name the technique's tool removed),
those of 7 others test. OTRF labels whole recordings, not events; an event counts as malicious
when its text names the recording's tool (comsvcs, esentutl, dumpert, mavinject, bitsadmin,
mshta, fodhelper): an approximate label, used only to report, never to choose anything. The
label-free figure is the rank agreement (Spearman) of the two readings' test scores.

    python benchmarks/winlogbeat_otrf.py [--data DIR] [--seeds 0 1] [--out results.md]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import average_precision_score, roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, data_dir, otrf_recordings, output_file, run_script, seed_arg, write_text

TEST = {"psh_lsass_memory_dump_comsvcs": "comsvcs", "cmd_sam_copy_esentutl": "esentutl",
        "cmd_lsass_memory_dumpert_syscalls": "dumpert", "psh_mavinject_dll_notepad": "mavinject",
        "cmd_bitsadmin_download_psh_script": "bitsadmin", "cmd_mshta_vbscript_execute_psh": "mshta",
        "empire_uac_shellapi_fodhelper": "fodhelper"}
TRAIN = {"psh_powershell_httplistener": "httplistener", "cmd_seatbelt_group_user": "seatbelt",
         "empire_shell_net_local_users": "net1", "cmd_userinitmprlogonscript_batch": "userinitmprlogonscript",
         "cmd_service_mod_fax": "fax", "reg_cmd_process_commandline_logging_disabled":
         "processcreationincludecmdline", "covenant_copy_smb_CreateRequest": "covenant",
         "schtask_create": "schtasks"}
# the OTRF fields that are the record's System part or the exporter's (NXLog), not event data
_SYSTEM = {"EventID", "Channel", "SourceName", "ProviderGuid", "Hostname", "RecordNumber", "Task",
           "Opcode", "Version", "Keywords", "Level", "ExecutionProcessID", "ThreadID", "UserID",
           "AccountName", "Domain", "AccountType", "Message", "@timestamp", "TimeCreated",
           "EventReceivedTime", "SeverityValue", "Severity", "EventTime", "SourceModuleType",
           "SourceModuleName", "port", "@version", "tags", "host", "Category", "OpcodeValue",
           "EventTypeOrignal"}


def _time(r: dict[str, Any]) -> str:
    if r.get("@timestamp"):
        return str(r["@timestamp"])
    t = str(r.get("TimeCreated", "1970-01-01 00:00:00.000"))
    return t[:10] + "T" + t[11:23] + "Z"


def winlogbeat_document(r: dict[str, Any]) -> dict[str, Any]:
    """One flat OTRF event as a Winlogbeat 8 document."""
    host = str(r.get("Hostname", "unknown"))
    data = {k: (v if isinstance(v, str) else json.dumps(v) if isinstance(v, (list, dict)) else str(v))
            for k, v in r.items() if k not in _SYSTEM and not (k == "EventType" and "SourceModuleName" in r)}
    when, hid = _time(r), hashlib.sha1(host.encode()).hexdigest()[:32]
    winlog: dict[str, Any] = {"channel": r.get("Channel"), "event_id": str(r.get("EventID")),
                              "provider_name": r.get("SourceName"), "computer_name": host,
                              "api": "wineventlog", "event_data": data}
    for src, dst in (("ProviderGuid", "provider_guid"), ("RecordNumber", "record_id"), ("Task", "task"),
                     ("Opcode", "opcode"), ("Version", "version")):
        if r.get(src) is not None:
            winlog[dst] = r[src]
    if r.get("ExecutionProcessID") is not None:
        winlog["process"] = {"pid": int(r["ExecutionProcessID"]),
                             "thread": {"id": int(r.get("ThreadID") or 0)}}
    if r.get("UserID"):
        winlog["user"] = {"identifier": r["UserID"], "name": r.get("AccountName"), "domain": r.get("Domain")}
    doc: dict[str, Any] = {
        "@timestamp": when, "ecs": {"version": "8.0.0"}, "winlog": winlog,
        "agent": {"type": "winlogbeat", "version": "8.11.0", "id": hid, "name": host.split(".")[0],
                  "ephemeral_id": hashlib.sha1((hid + when).encode()).hexdigest()[:32]},
        "host": {"name": host.lower(), "os": {"family": "windows", "kernel": "10.0.18362.1082"}},
        "event": {"code": str(r.get("EventID")), "kind": "event", "provider": r.get("SourceName"),
                  "created": r.get("EventReceivedTime") or when}}
    if r.get("Level") is not None:
        doc["log"] = {"level": str(r["Level"]).lower()}
    if r.get("Message") is not None:
        doc["message"] = r["Message"]
    if "Image" in data:  # as the Sysmon pipeline copies it
        doc["process"] = {"executable": data["Image"], "name": data["Image"].rsplit("\\", 1)[-1],
                          **({"command_line": data["CommandLine"]} if "CommandLine" in data else {})}
    if data.get("IpAddress") not in (None, "-", ""):
        doc["source"] = {"ip": data["IpAddress"]}
    return doc


def _split(data: Path, d: Path) -> pd.Series:
    otrf_recordings(data, [*TEST, *TRAIN])  # each one there (a missing one: no failed train)
    out = {k: gzip.open(d / f"{k}.json.gz", "wt")
           for k in ("train_flat", "train_wlb", "test_flat", "test_wlb")}
    labels = []
    for f in sorted((data / "mordor_otrf").glob("*/*.json.gz")):
        name = next((k for k in (*TEST, *TRAIN) if f.name.startswith(k)), None)
        if name is None:
            continue
        part, tool = ("test", TEST[name]) if name in TEST else ("train", TRAIN[name])
        with gzip.open(f, "rt") as fh:
            for line in fh:
                if not line.strip():
                    continue
                named = tool in line.lower()
                if part == "train" and named:
                    continue
                r = json.loads(line)
                out[f"{part}_flat"].write(json.dumps(r) + "\n")
                out[f"{part}_wlb"].write(json.dumps(winlogbeat_document(r)) + "\n")
                if part == "test":
                    labels.append(int(named))
    for fh in out.values():
        fh.close()
    return pd.Series(labels)


def _hourglass(*args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}  # this checkout's code, not an installed one
    subprocess.run([sys.executable, "-m", "hourglass", *args], check=True, stdout=subprocess.DEVNULL, env=env)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", help="folder holding mordor_otrf/ (default: $HOURGLASS_DATA, else "
                                    "../shared/data beside the repository)")
    # seed_arg: 'hourglass train --seed -1' refuses it, after every recording was converted
    ap.add_argument("--seeds", type=seed_arg, nargs="+", default=[0, 1])
    ap.add_argument("--out", type=output_file, default=None)
    args = ap.parse_args(argv)
    args.data = data_dir(args.data, "mordor_otrf")  # not ../shared/data of the working directory
    rows = ["| reading | seed | ROC-AUC | PR-AUC | flagged | Spearman vs windows-json | same flag |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory(prefix="hourglass-wlb-") as tmp:
        d = Path(tmp)
        y = _split(args.data, d)
        for seed in args.seeds:
            scores = {}
            for reading, fmt in (("flat", "windows-json"), ("wlb", "winlogbeat")):
                model, out = d / f"m_{reading}{seed}", d / f"s_{reading}{seed}.csv"
                _hourglass("train", str(d / f"train_{reading}.json.gz"), "--format", fmt, "--seed", str(seed),
                           "-q", "-o", str(model))
                _hourglass("score", str(model), str(d / f"test_{reading}.json.gz"), "--format", fmt,
                           "-o", str(out))
                scores[fmt] = pd.read_csv(out)
            for fmt, s in scores.items():
                flat = scores["windows-json"]
                agree = ("–", "–") if fmt == "windows-json" else (
                    f"{spearmanr(s['score'], flat['score']).statistic:.2f}",
                    f"{(s['flag'] == flat['flag']).mean():.1%}")
                rows.append(f"| {fmt} | {seed} | {roc_auc_score(y, s['score']):.3f} | "
                            f"{average_precision_score(y, s['score']):.3f} | {int(s['flag'].sum())} | "
                            f"{agree[0]} | {agree[1]} |")
                print(rows[-1], flush=True)
    text = (f"OTRF recordings as windows-json and as Winlogbeat documents: {len(y):,} test events, "
            f"{int(y.sum())} naming their technique's tool\n\n" + "\n".join(rows) + "\n")
    print("\n" + text)
    if args.out is not None:
        write_text(args.out, text)


if __name__ == "__main__":
    run_script(main)
