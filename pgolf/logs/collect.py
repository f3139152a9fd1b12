"""`read_logs`: every log of a submission folder, parsed, with roles that need the other logs.

A log that cannot be read (binary data, over the read cap, unreadable) does not stop the run:
it comes back as a ParsedLog with role UNKNOWN and a note saying why, so a check can report
it next to the logs that did parse. Logs are never merged: several logs of one seed (original
and rerun, train and eval-only) stay separate entries, in folder order.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePosixPath

from pgolf.errors import InputError
from pgolf.folder import FileEntry, FileRole, SubmissionFolder
from pgolf.logs.model import LogRole, ParsedLog
from pgolf.logs.parser import parse_log

# What one folder's logs may cost in all (issue 13): real folders hold at most ~13 MB of logs
# (~200k lines, PR #924); beyond these budgets a log is not parsed (or parsed in part) and says so.
MAX_LOG_BYTES_PER_FOLDER = 64 * 1024 * 1024
MAX_LOG_LINES_PER_FOLDER = 2_000_000

# File names of second runs: `train_seed314_rerun_gptq8s.log`, `..._repro.log`, `..._v2.log`.
RERUN_NAME = re.compile(r"rerun|repro|retry|_v2(?![0-9])", re.IGNORECASE)


@dataclass
class _Budget:
    bytes: int
    lines: int


def read_logs(folder: SubmissionFolder) -> list[ParsedLog]:
    """Parse every LOG-role file of the folder (symlinks were never listed, so never followed),
    in folder order, within the folder's byte and line budgets."""
    budget = _Budget(bytes=MAX_LOG_BYTES_PER_FOLDER, lines=MAX_LOG_LINES_PER_FOLDER)
    logs = [_read_one(folder, entry, budget) for entry in folder.by_role(FileRole.LOG)]
    assign_rerun_roles(logs)
    return logs


def _read_one(folder: SubmissionFolder, entry: FileEntry, budget: _Budget) -> ParsedLog:
    if entry.size > budget.bytes or budget.lines <= 0:
        why = (
            f"the folder's logs are over the {MAX_LOG_BYTES_PER_FOLDER}-byte total read cap"
            if entry.size > budget.bytes
            else f"the folder's logs are over the {MAX_LOG_LINES_PER_FOLDER}-line budget"
        )
        return ParsedLog(path=entry.path, role=LogRole.UNKNOWN, notes=[f"not parsed: {why}"])
    budget.bytes -= entry.size
    try:
        # No local name for the text: parse_log drops it once split, so one copy of the log is alive.
        log = parse_log(folder.read_text(entry), entry.path, max_lines=budget.lines)
    except (InputError, OSError) as exc:
        return ParsedLog(path=entry.path, role=LogRole.UNKNOWN, notes=[f"not parsed: {exc}"])
    budget.lines -= log.line_count
    return log


def assign_rerun_roles(logs: list[ParsedLog]) -> None:
    """Mark RERUN: the file name says rerun/repro/retry/_v2 and another log has the same seed.

    Reference logs (a parent submission's) keep their role and do not count as "another log":
    a parent's seed 42 says nothing about this submission's seed 42.
    """
    seeds = Counter(log.seed.value for log in logs if log.seed is not None and log.role is not LogRole.REFERENCE)
    for log in logs:
        if log.role is LogRole.REFERENCE or log.seed is None:
            continue
        if seeds[log.seed.value] > 1 and RERUN_NAME.search(PurePosixPath(log.path).name):
            log.role = LogRole.RERUN
