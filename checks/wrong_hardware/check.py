from __future__ import annotations

from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_json, in_log
from pgolf.findings import CheckOutcome, Evidence, Status
from pgolf.logs.model import LogRole


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
        wrong: list[Evidence] = []
        right: list[Evidence] = []
        for log in ctx.logs:
            if log.role is LogRole.REFERENCE:
                continue
            if log.world_size is not None:
                ws = log.world_size
                ok = ws.value == track.world_size
                (right if ok else wrong).append(
                    in_log(log, ws.line, ws.text, "world size (GPUs)", measured=ws.value, limit=track.world_size)
                )
            for gpu in log.gpu_names:
                ok = track.gpu_model.lower() in gpu.value.lower()
                (right if ok else wrong).append(
                    in_log(log, gpu.line, gpu.text, "GPU model", measured=gpu.value, limit=track.gpu_model)
                )
        meta = ctx.meta.meta if ctx.meta else None
        if meta is not None and meta.hardware is not None:
            hw = meta.hardware.value
            if track.gpu_model.lower() not in hw.lower():
                wrong.append(in_json(meta.path, meta.hardware, "claimed hardware", measured=hw, limit=track.gpu_model))
        if wrong:
            return CheckOutcome(
                status=Status.FAIL,
                message=f"record runs must use {track.world_size}x{track.gpu_model}",
                evidence=wrong + right,
            )
        if not right:
            return CheckOutcome(status=Status.WARN, message="no log states the world size or GPU model")
        return CheckOutcome(
            status=Status.PASS, message=f"{track.world_size}x{track.gpu_model} per the logs", evidence=right
        )
