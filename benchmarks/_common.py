"""Helpers shared by the benchmark scripts: data location, timing, table output."""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def data_dir(option: str | None) -> Path:
    """``--data`` if given, else ``$HOURGLASS_DATA``, else ``../shared/data`` beside the repo."""
    root = Path(option or os.environ.get("HOURGLASS_DATA") or REPO.parent / "shared" / "data")
    if not root.exists():
        raise SystemExit(f"data folder {root} not found: pass --data DIR or set HOURGLASS_DATA")
    return root


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[Any, float]:
    """Run ``fn`` ``repeat`` times; return the last result and the median seconds."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, statistics.median(times)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table; floats get 4 decimals."""
    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.4f}" if abs(v) < 1000 else f"{v:,.0f}"
        return str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def header(title: str) -> str:
    """Title line with date and machine, for result files."""
    return (f"# {title}\n\n{dt.date.today().isoformat()} · {platform.machine()} · "
            f"{os.cpu_count()} CPU cores · Python {platform.python_version()}\n")


def write_result(name: str, text: str) -> Path:
    """Write ``benchmarks/results/<name>.md`` and return its path."""
    out = REPO / "benchmarks" / "results" / f"{name}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    return out
