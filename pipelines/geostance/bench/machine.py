"""What a benchmark ran on: CPU, usable cores, load at the start (the cores may be shared), RAM, versions."""

from __future__ import annotations

import os
import platform
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geostance.train.versions import library_versions


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _ram_gb() -> float | None:
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        for line in meminfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def machine_info() -> dict[str, Any]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": _cpu_model(),
        "cores_usable": usable,
        "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "ram_gb": _ram_gb(),
        "platform": platform.platform(),
        "versions": library_versions(),
    }


def run_record(
    started: datetime, seconds: float, machine: dict[str, Any], command: list[str] | None = None
) -> dict[str, Any]:
    """The `runs.<part>` entry: when, how (the command line as typed), where (`machine_info()` taken at the start)."""
    argv = command if command is not None else [Path(sys.argv[0]).name, *sys.argv[1:]]
    return {
        "date": started.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round(seconds, 1),
        "command": shlex.join(argv),
        "machine": machine,
    }
