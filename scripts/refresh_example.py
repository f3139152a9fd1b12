"""Refresh the bundled example's logs and submission.json from a `pgolf reproduce example` run.

Usage: python scripts/refresh_example.py reports/example/<run-id>
The logs are the run's own output (local paths rewritten), the claims are read from those logs,
so `make check-example` audits real evidence and later reproductions compare against it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pgolf.logs.model import SizeKind
from pgolf.logs.parser import parse_log
from pgolf.runner.store import load_run

EXAMPLE = Path(__file__).resolve().parents[1] / "submissions" / "example"


def main(argv: list[str]) -> int:
    run_dir = Path(argv[0]).resolve()
    run = load_run(run_dir)
    results: dict[str, dict[str, object]] = {}
    for record in sorted(run.seeds, key=lambda r: r.seed):
        raw = (run_dir / record.files["raw_log"]).read_text("utf-8")
        text = raw.replace(str(run_dir), "/tmp/pgolf-example-run").replace(str(Path.cwd()) + "/", "./")
        name = f"train_seed{record.seed}.log"
        (EXAMPLE / name).write_text(text, encoding="utf-8")
        log = parse_log(text, name)
        total = log.size(SizeKind.TOTAL)
        if log.final is None or total is None:
            raise SystemExit(f"seed {record.seed}: the log has no final score or size line")
        results[str(record.seed)] = {
            "val_bpb": log.final.val_bpb,
            "val_loss": log.final.val_loss,
            "artifact_bytes": total.bytes,
            "log": name,
        }
    bpbs = [float(str(r["val_bpb"])) for r in results.values()]
    losses = [float(str(r["val_loss"])) for r in results.values()]
    doc = {
        "author": "pgolf",
        "github_id": "pgolf",
        "name": "pgolf example submission (CPU toy, not a record)",
        "date": run.index.created.date().isoformat(),
        "track": "non_record_16mb",
        "val_bpb": round(sum(bpbs) / len(bpbs), 8),
        "val_loss": round(sum(losses) / len(losses), 8),
        "bytes_total": max(int(str(r["artifact_bytes"])) for r in results.values()),
        "seeds": [int(s) for s in results],
        "seed_results": results,
        "hardware": "CPU (2 cores), torchrun --nproc_per_node=1",
        "blurb": "A 2-layer GPT on a synthetic dataset; logs from `pgolf reproduce example` on a 2-core CPU.",
    }
    (EXAMPLE / "submission.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"refreshed {EXAMPLE} from {run_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
