"""Output capture cost (`make bench`, or `python -m pgolf.runner.bench_capture [--scale F]`).

What a submission prints goes through LineCapture: time and peak memory must stay linear in the
output, whatever its shape (issue 13: 545 MB of output held 5.5 GB; a 100 MB line without a newline
took 64 s and back-pressured the run's own clock). Each case runs in a fresh child process, which
reports its wall time and peak RSS; the baseline in the same run is writing the same bytes to a
file. The capture before issue 13 (every chunk joined to the pending bytes, every line kept) is
measured beside it on small sizes, where its quadratic cost is still affordable.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pgolf.runner.capture import LineCapture
from pgolf.runner.clock import SYSTEM_CLOCK

CHUNK = 1 << 16  # what the local backend's reader gets from read1()


def _chunks(kind: str, megabytes: float) -> tuple[list[bytes], int]:
    """One 64 KiB chunk pattern repeated: (the distinct chunks, how many chunks in all)."""
    count = max(1, int(megabytes * (1 << 20)) // CHUNK)
    if kind == "newline-free":
        return [b"x" * CHUNK], count
    line = b"step:1/20000 train_loss:2.7183 train_time:123456ms step_avg:87.65ms padding....\n"  # 80 B
    block = line * (CHUNK // len(line))
    return [block + b"y" * (CHUNK - len(block))], count


class _Before:
    """The capture as it was: pending + chunk re-split on every chunk, every line kept."""

    def __init__(self, raw: Path) -> None:
        self.pending = b""
        self.lines: list[str] = []
        self.handle = raw.open("ab")

    def feed(self, chunk: bytes) -> None:
        self.handle.write(chunk)
        data = self.pending + chunk
        *complete, self.pending = data.split(b"\n")
        self.lines += [c.decode("utf-8", "replace") for c in complete]


def _child(mode: str, kind: str, megabytes: float) -> None:
    chunks, count = _chunks(kind, megabytes)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        started = time.perf_counter()
        if mode == "baseline":
            with (folder / "raw.log").open("ab") as handle:
                for i in range(count):
                    handle.write(chunks[i % len(chunks)])
        elif mode == "before":
            before = _Before(folder / "raw.log")
            for i in range(count):
                before.feed(chunks[i % len(chunks)])
            before.handle.close()
        else:
            with LineCapture(folder / "raw.log", folder / "raw.jsonl", SYSTEM_CLOCK) as capture:
                for i in range(count):
                    capture.feed(chunks[i % len(chunks)])
        seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024}))


def measure(mode: str, kind: str, megabytes: float) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "pgolf.runner.bench_capture", "--child", mode, kind, str(megabytes)],
        capture_output=True,
        check=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size (0.1 for a quick look)")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "KIND", "MB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv if argv is not None else [])
    if args.child:
        _child(args.child[0], args.child[1], float(args.child[2]))
        return
    print("output capture (a fresh process per case; baseline: the same bytes written to a file)")
    cases = [("newline-free", 100.0), ("80-byte lines", 545.0)]
    for kind, size in cases:
        megabytes = size * args.scale
        base, now = measure("baseline", kind, megabytes), measure("capture", kind, megabytes)
        print(
            f"  {kind:14} {megabytes:7.1f} MB: capture {now['seconds']:7.2f} s, peak {now['peak_mib']:7.1f} MiB; "
            f"baseline {base['seconds']:6.2f} s, {base['peak_mib']:6.1f} MiB; "
            f"x{now['seconds'] / max(base['seconds'], 1e-6):.1f} time"
        )
    print("  the capture before issue 13, newline-free (quadratic) against now:")
    for size in (4.0, 8.0, 16.0):
        megabytes = size * args.scale
        old, now = measure("before", "newline-free", megabytes), measure("capture", "newline-free", megabytes)
        print(
            f"  {megabytes:5.1f} MB: before {old['seconds']:7.2f} s, {old['peak_mib']:7.1f} MiB; "
            f"now {now['seconds']:6.3f} s, {now['peak_mib']:6.1f} MiB"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
