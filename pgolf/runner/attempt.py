"""An attempt's footprint on disk (seed-<s>/attempt.json), so that a resume can kill what it left.

The warden makes a run die with pgolf; this is the net under it, for when pgolf and its warden died
together (SIGKILL to both, a lost session): the next `pgolf reproduce` of the same run reads the
footprint of the interrupted seed and kills whatever of it still lives before starting over.
"""

from __future__ import annotations

import os
from pathlib import Path

from pgolf.runner import proc
from pgolf.runner.model import Attempt
from pgolf.runner.store import write_model

ATTEMPT_FILE = "attempt.json"


def record(seed_dir: Path, attempt: Attempt) -> None:
    write_model(seed_dir / ATTEMPT_FILE, attempt)


def clear(seed_dir: Path) -> None:
    """The command ended and its processes were dealt with: nothing to reap any more."""
    (seed_dir / ATTEMPT_FILE).unlink(missing_ok=True)


def _read(seed_dir: Path) -> Attempt | None:
    path = seed_dir / ATTEMPT_FILE
    try:
        return Attempt.model_validate_json(path.read_bytes()[: 1 << 16])
    except (OSError, ValueError):
        return None


def _plausible(attempt: Attempt) -> bool:
    """The file sits where the run's own code could write it: never let it aim us at ourselves or
    at the host (our own session, our own or init's pid namespace)."""
    own_ns = proc.pidns_of(os.getpid())
    if attempt.pidns is not None and attempt.pidns in (own_ns, proc.pidns_of(1)):
        return False
    if attempt.sid is not None and attempt.sid in (os.getsid(0), 0, 1):
        return False
    return attempt.warden_pid not in (os.getpid(), 0, 1)


def reap(seed_dir: Path) -> list[str]:
    """Kill what an interrupted attempt of this seed left running; evidence lines for the record."""
    attempt = _read(seed_dir)
    if attempt is None:
        return []
    if not _plausible(attempt):
        return [f"{ATTEMPT_FILE} of the interrupted attempt names our own session or namespace: ignored"]
    leftovers = proc.Leftovers(
        warden_pid=attempt.warden_pid,
        warden_start_ticks=attempt.warden_start_ticks,
        sid=attempt.sid,
        token=attempt.token,
        pidns=attempt.pidns,
    )
    found = proc.reap_leftovers(leftovers)
    if not found:
        return []
    shown = "; ".join(f"pid {i.pid}: {i.cmdline or '?'}" for i in found[:5])
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    return [f"an interrupted attempt left {len(found)} process(es) running, killed before this one: {shown}{more}"]
