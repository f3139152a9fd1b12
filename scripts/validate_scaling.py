"""How `validate` scales: seconds for n and for 4n seeds (or keys) in one run; linear is a ratio near 4,
quadratic near 16. Issue 13 measured 40 k seeds at 12.8 s and 100 k keys at 60 s before the fix.

    python scripts/validate_scaling.py [--seeds 5000] [--keys 10000]
    # the code before the fix, same machine, same run of this script:
    git archive 2f83b81 pgolf checks | tar -x -C /tmp/old && PYTHONPATH=/tmp/old python scripts/validate_scaling.py
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

from pgolf.meta.strict import validate_bytes

BASE = {"author": "a", "github_id": "a", "name": "n", "date": "2026-01-01", "val_bpb": 1.0, "bytes_total": 1}


def seeds(n: int) -> bytes:
    results = {str(i): {"val_bpb": 1.0, "val_loss": 1.0, "artifact_bytes": 1} for i in range(n)}
    return json.dumps({**BASE, "seeds": list(range(n)), "seed_results": results}).encode()


def keys(n: int) -> bytes:
    return json.dumps({**BASE, **{f"k{i}": i for i in range(n)}}).encode()


def timed(make: Callable[[int], bytes], n: int) -> float:
    data = make(n)
    started = time.perf_counter()
    validate_bytes(data)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seeds", type=int, default=5_000)
    parser.add_argument("--keys", type=int, default=10_000)
    args = parser.parse_args(argv)
    for name, make, n in (("seeds", seeds, args.seeds), ("keys", keys, args.keys)):
        small, large = timed(make, n), timed(make, 4 * n)
        print(f"{name}: {n} in {small:.2f} s, {4 * n} in {large:.2f} s, ratio {large / small:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
