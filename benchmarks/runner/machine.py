"""The machine a benchmark ran on: cores, CPU model, memory, versions, commit."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def machine_info() -> dict[str, str]:
    """What the results depend on, as label → text (labels in display order)."""
    return {
        "cores (nproc)": str(len(os.sched_getaffinity(0))),
        "CPU": _cpuinfo("model name") or platform.processor() or "unknown",
        "RAM": _meminfo_gib(),
        "memory limit (cgroup)": _cgroup_memory(),
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "ortools": _version("ortools"),
        "highspy": _version("highspy"),
        "otgroups commit": _commit(),
    }


def machine_markdown(info: dict[str, str]) -> str:
    """A two-column markdown table of :func:`machine_info`."""
    rows = [f"| {label} | {value} |" for label, value in info.items()]
    return "\n".join(["| machine | |", "| --- | --- |", *rows])


def _cpuinfo(key: str) -> str | None:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == key:
            return value.strip()
    return None


def _meminfo_gib() -> str:
    try:
        text = Path("/proc/meminfo").read_text(encoding="utf-8")
    except OSError:
        return "unknown"
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    return "unknown"


def _cgroup_memory() -> str:
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError:
            continue
        if value == "max" or not value.isdigit() or int(value) >= 2**60:
            return "none"
        return f"{int(value) / 1024**3:.1f} GiB"
    return "none"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head} (uncommitted changes)" if dirty else head


if __name__ == "__main__":
    sys.stdout.write(machine_markdown(machine_info()) + "\n")
