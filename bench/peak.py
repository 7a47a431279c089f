"""A child process's own peak memory (resident set), measured from inside it.

`ru_maxrss` from `wait4` is not that: Linux carries the parent's high-water mark across the fork (or
vfork) and the exec, so the child of a pytest worker holding 600 MB reports at least 600 MB whatever it
did itself. The child's own address space starts at its exec; `VmHWM` in its /proc/self/status at exit
is the high-water mark of that alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

_WRAP = """\
import atexit, os, runpy, sys
def _peak():
    with open('/proc/self/status') as fh, open(os.environ['BENCH_PEAK_FILE'], 'w') as out:
        out.write(next(line.split()[1] for line in fh if line.startswith('VmHWM:')))
atexit.register(_peak)
sys.argv = sys.argv[1:]
runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)
"""


def run_module(module: str, args: list[str], **popen: object) -> tuple[int, float]:
    """Run `python -m module args...` to its end: (exit code, its own peak resident memory in MiB).

    The peak is NaN if the process ended without running its exit handlers (killed by a signal)."""
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        env = {**(popen.pop("env", None) or os.environ), "BENCH_PEAK_FILE": str(peak_file)}
        code = subprocess.run([sys.executable, "-c", _WRAP, module, *args], env=env, check=False, **popen).returncode
        peak = int(peak_file.read_text()) / 1024 if peak_file.exists() else float("nan")
    return code, peak
