"""How much memory this process may still take, where the system says so.

A network too large for the machine is refused before it is built: on Linux a large allocation
succeeds and only fails as its pages are written, when the kernel's out-of-memory killer ends the
process (no message, no exit code of ours). Importable without pandas or torch.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

__all__ = ["available_memory", "memory_text"]

logger = logging.getLogger(__name__)

#: cgroup v2 and v1: (limit, usage) files of the process's memory controller (a container's
#: limit, below the machine's free memory)
_CGROUP_FILES = (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                 ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                  "/sys/fs/cgroup/memory/memory.usage_in_bytes"))


def _meminfo_available(path: str = "/proc/meminfo") -> int | None:
    """``MemAvailable`` of ``path`` in bytes, or None where the file or the line is missing."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path(path).read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024  # (in kB)
    return None


def _cgroup_left() -> int | None:
    """Bytes left under the memory controller's limit, or None where no limit is set or read."""
    for limit_file, usage_file in _CGROUP_FILES:
        with contextlib.suppress(OSError, ValueError):
            limit = Path(limit_file).read_text().strip()
            if limit == "max":  # (v2: no limit)
                return None
            left = int(limit) - int(Path(usage_file).read_text().strip())
            # v1 writes "no limit" as a huge number, larger than any machine's memory
            return None if int(limit) >= 1 << 60 else max(left, 0)
    return None


def available_memory() -> int | None:
    """Bytes this process may still allocate without being killed: Linux's ``MemAvailable``,
    capped by a cgroup's (container's) limit. None where the system says neither.

    Examples
    --------
    >>> have = available_memory()
    >>> have is None or have >= 0
    True
    """
    known = [b for b in (_meminfo_available(), _cgroup_left()) if b is not None]
    return min(known) if known else None


def memory_text(n: int) -> str:
    """``n`` bytes in the unit that shows them best (binary units, as ``free -h`` writes them).

    Examples
    --------
    >>> memory_text(10 << 20), memory_text(3 * 2**30 // 2), memory_text(512)
    ('10 MiB', '1.5 GiB', '512 bytes')
    """
    if n < 1 << 20:
        return f"{n:,} bytes"
    if n < 1 << 30:
        return f"{n / 2**20:,.0f} MiB"
    return f"{n / 2**30:,.1f} GiB"
