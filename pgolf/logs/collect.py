"""`read_logs`: every log of a submission folder, parsed, with roles that need the other logs.

A log that cannot be read (binary data, over the read cap, unreadable) does not stop the run:
it comes back as a ParsedLog with role UNKNOWN and a note saying why, so a check can report
it next to the logs that did parse. Logs are never merged: several logs of one seed (original
and rerun, train and eval-only) stay separate entries, in folder order.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import PurePosixPath

from pgolf.errors import InputError
from pgolf.folder import FileEntry, FileRole, SubmissionFolder
from pgolf.logs.model import LogRole, ParsedLog
from pgolf.logs.parser import parse_log

# File names of second runs: `train_seed314_rerun_gptq8s.log`, `..._repro.log`, `..._v2.log`.
RERUN_NAME = re.compile(r"rerun|repro|retry|_v2(?![0-9])", re.IGNORECASE)


def read_logs(folder: SubmissionFolder) -> list[ParsedLog]:
    """Parse every LOG-role file of the folder (symlinks were never listed, so never followed)."""
    logs = [_read_one(folder, entry) for entry in folder.by_role(FileRole.LOG)]
    assign_rerun_roles(logs)
    return logs


def _read_one(folder: SubmissionFolder, entry: FileEntry) -> ParsedLog:
    try:
        text = folder.read_text(entry)
    except (InputError, OSError) as exc:
        return ParsedLog(path=entry.path, role=LogRole.UNKNOWN, notes=[f"not parsed: {exc}"])
    return parse_log(text, entry.path)


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
