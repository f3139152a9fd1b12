from __future__ import annotations

import re
from functools import cache
from typing import ClassVar, Literal

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.errors import PgolfError
from pgolf.evidence import in_json, in_log
from pgolf.findings import CheckOutcome, Evidence, PolicyVerdict, Status
from pgolf.folder import FileRole
from pgolf.logs.model import ParsedLog
from pgolf.logs.selection import fold_unjudged
from pgolf.ruleset import TrackLimits

Family = Literal["record", "same", "other", "unknown"]
_CLAIMED_COUNT = re.compile(r"(\d+)\s*(?:x|×|\*)\s*", re.IGNORECASE)
_GPU_FAMILY = re.compile(r"\b(?:G?H\d{2,3}|[ABLTV]\d{1,3}S?|B\d{3}|GB\d{2,3}|RTX\s?A?\s?\d{3,4}|MI\d{3}X?)\b", re.I)
_README_CAP = 1024 * 1024


@cache
def _token(name: str) -> re.Pattern[str]:
    # `H200`, `8xH200`, `8 x H200`, `NVIDIA H200-SXM`; not `GH200` for H200, nor `H2000`.
    return re.compile(rf"(?:(?<![A-Za-z0-9])|(?<=[0-9][xX])){re.escape(name)}(?![0-9])", re.IGNORECASE)


def family(text: str, track: TrackLimits) -> tuple[Family, str]:
    """Classify a GPU description against the track: its model, a same-generation GPU, another, unknown."""
    if _token(track.gpu_model).search(text):
        return "record", track.gpu_model
    for peer in track.gpu_same_generation:
        if _token(peer).search(text):
            return "same", peer
    other = _GPU_FAMILY.search(text)
    return ("other", other.group(0)) if other else ("unknown", "")


class _Found:
    def __init__(self) -> None:
        self.wrong: list[Evidence] = []  # another GPU count or family: FAIL under every policy
        self.same: dict[str, list[Evidence]] = {}  # same-generation GPU name -> evidence
        self.right: list[Evidence] = []


def _read_log(log: ParsedLog, track: TrackLimits, found: _Found) -> None:
    if (ws := log.world_size) is not None:
        ok = ws.value == track.world_size
        note = "world size (GPUs)"
        (found.right if ok else found.wrong).append(
            in_log(log, ws.line, ws.text, note, measured=ws.value, limit=track.world_size)
        )
    for gpu in log.gpu_names:
        kind, name = family(gpu.value, track)
        ev = in_log(log, gpu.line, gpu.text, "GPU model", measured=gpu.value, limit=track.gpu_model)
        if kind == "same":
            found.same.setdefault(name, []).append(ev)
        elif kind == "other":
            found.wrong.append(ev)
        else:
            found.right.append(ev)


def _disclosure_text(ctx: CheckContext) -> str:
    """README text (top level) plus the claimed hardware: where a submission says what it ran on."""
    parts: list[str] = []
    for entry in ctx.folder.by_role(FileRole.README):
        if "/" in entry.path:
            continue
        try:
            parts.append(ctx.folder.read_text(entry, cap=_README_CAP))
        except (PgolfError, OSError):
            continue
    meta = ctx.meta.meta if ctx.meta else None
    if meta is not None and meta.hardware is not None:
        parts.append(meta.hardware.value)
    return "\n".join(parts)


class WrongHardware:
    code: ClassVar[str] = "PG207"
    slug: ClassVar[str] = "wrong-hardware"
    rule: ClassVar[str] = "HARDWARE"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        track = ctx.track
        if not track.record:
            return CheckOutcome(status=Status.SKIP, message=f"{track.name} accepts any hardware")
        sel = ctx.claim_logs
        found = _Found()
        for log in sel.judged:
            _read_log(log, track, found)
        self._claimed(ctx, track, found)
        disclosed_in = _disclosure_text(ctx)
        undisclosed = [name for name in found.same if not _token(name).search(disclosed_in)]
        for name in undisclosed:
            found.wrong += [
                e.model_copy(update={"note": f"{e.note}: {name} not disclosed in README.md or submission.json"})
                for e in found.same.pop(name)
            ]
        unjudged = self._unjudged(ctx, track)
        wanted = f"{track.world_size}x{track.gpu_model}"
        same = [e for evs in found.same.values() for e in evs]
        if found.wrong:
            return CheckOutcome(
                status=Status.FAIL,
                message=f"record runs must use {wanted}",
                evidence=found.wrong + same + found.right + unjudged,
            )
        if same:
            names = ", ".join(f"{track.world_size}x{n}" for n in found.same)
            verdicts = [
                PolicyVerdict(
                    policy=p.name,
                    status=p.same_generation_gpu_status,
                    reason=f"disclosed {names}: the same GPU generation as {wanted}, not the record hardware",
                )
                for p in ctx.policies
            ]
            outcome = CheckOutcome(
                status=next(v.status for v in verdicts if v.policy == ctx.policy_name),
                message=f"the claim's runs used {names} (disclosed), not {wanted}",
                evidence=same + found.right,
                verdicts=verdicts,
            )
        elif not found.right:
            outcome = CheckOutcome(status=Status.WARN, message="no log of the claim states the world size or GPU")
        else:
            outcome = CheckOutcome(
                status=Status.PASS, message=f"{wanted} per the logs backing the claim", evidence=found.right
            )
        return fold_unjudged(outcome, unjudged, "other hardware")

    @staticmethod
    def _claimed(ctx: CheckContext, track: TrackLimits, found: _Found) -> None:
        meta = ctx.meta.meta if ctx.meta else None
        if meta is None or meta.hardware is None:
            return
        hw = meta.hardware.value
        kind, name = family(hw, track)
        count = _CLAIMED_COUNT.search(hw)
        ev = in_json(
            meta.path, meta.hardware, "claimed hardware", measured=hw, limit=f"{track.world_size}x{track.gpu_model}"
        )
        if kind == "other" or (count is not None and int(count[1]) != track.world_size):
            found.wrong.append(ev)
        elif kind == "same":
            found.same.setdefault(name, []).append(ev)
        elif kind == "record":
            found.right.append(ev)

    @staticmethod
    def _unjudged(ctx: CheckContext, track: TrackLimits) -> list[Evidence]:
        sel = ctx.claim_logs
        out: list[Evidence] = []
        for log in sel.others:
            found = _Found()
            _read_log(log, track, found)
            bad = found.wrong + [e for evs in found.same.values() for e in evs]
            out += [sel.unjudged(log, e) for e in bad[:3]]
        return out
