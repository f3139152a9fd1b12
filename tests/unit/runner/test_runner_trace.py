"""The audit hook's trace, lined up with the phases: evidence of late training reads and network use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pgolf.runner.clock import NS_PER_S
from pgolf.runner.phases import analyse
from pgolf.runner.trace import TraceClock, summarize

from .runner_fakes import BASELINE_LOG, BASELINE_TIMES, stamped

DATA = "/data/ds/"


def _event(kind: str, t_s: float, **extra: Any) -> dict[str, Any]:
    return {"event": kind, "t_ns": int(t_s * NS_PER_S), "wall": 1000.0 + t_s, "pid": 11, "rank": "0", **extra}


def _write(trace_dir: Path, events: list[dict[str, Any]], tail: str = "") -> None:
    trace_dir.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(e) + "\n" for e in events) + tail
    (trace_dir / "trace-11.jsonl").write_text(text, encoding="utf-8")


def _report() -> Any:
    return analyse(stamped(BASELINE_LOG, BASELINE_TIMES), 0, 0, 18 * NS_PER_S)


def test_training_shards_read_after_the_stop_line_are_evidence(tmp_path: Path) -> None:
    _write(
        tmp_path,
        [
            _event("start", 0.1, argv=["train_gpt.py"]),
            _event("open", 1.0, path=DATA + "fineweb_val_000000.bin", mode="rb"),
            _event("open", 6.0, path=DATA + "fineweb_train_000000.bin", mode="rb"),
            _event("open", 8.0, path=DATA + "fineweb_val_000000.bin", mode="rb"),
            _event("open", 15.2, path=DATA + "fineweb_train_000001.bin", mode="rb"),
        ],
        tail='{"event": "open", "pa',  # a rank killed mid-write
    )
    summary = summarize(tmp_path, (DATA,), _report(), TraceClock("monotonic", 0, 1000.0))
    assert summary.hook_active and summary.processes == 1 and summary.events == 5
    assert summary.opens_by_phase["boot"] == ["fineweb_val_000000.bin"]
    assert summary.opens_by_phase["training"] == ["fineweb_train_000000.bin", "fineweb_val_000000.bin"]
    assert [a.path for a in summary.train_shards_after_stop] == ["fineweb_train_000001.bin"]
    assert summary.train_shards_after_stop[0].phase == "serialization"
    assert [a.t_s for a in summary.val_opened_in_training] == [8.0]
    assert summary.dropped_lines == 1
    # each file's first open per phase, in time order: the report's "which shards opened when"
    assert [(a.phase, a.path, a.t_s) for a in summary.first_opens] == [
        ("boot", "fineweb_val_000000.bin", 1.0),
        ("training", "fineweb_train_000000.bin", 6.0),
        ("training", "fineweb_val_000000.bin", 8.0),
        ("serialization", "fineweb_train_000001.bin", 15.2),
    ]


def test_only_non_loopback_network_use_is_listed(tmp_path: Path) -> None:
    _write(
        tmp_path,
        [
            _event("socket.connect", 1.0, address="('127.0.0.1', 29500)"),
            _event("socket.getaddrinfo", 1.1, address="'localhost'"),
            _event("socket.connect", 1.2, address="'/tmp/sock'"),
            _event("socket.connect", 16.5, address="('93.184.216.34', 443)"),
        ],
    )
    summary = summarize(tmp_path, (DATA,), _report(), TraceClock("wall", 0, 1000.0))
    assert summary.loopback_connects == 3
    assert [(s.address, s.phase) for s in summary.sockets] == [("('93.184.216.34', 443)", "eval")]


def test_no_trace_files_means_the_hook_did_not_run(tmp_path: Path) -> None:
    summary = summarize(tmp_path / "missing", (DATA,), _report(), TraceClock("monotonic", 0, 0.0))
    assert not summary.hook_active and summary.events == 0


@pytest.mark.parametrize("bad", ['["not", "a dict"]', '{"event": "open"}'])
def test_malformed_events_are_counted_not_fatal(tmp_path: Path, bad: str) -> None:
    _write(tmp_path, [], tail=bad + "\n")
    summary = summarize(tmp_path, (DATA,), _report(), TraceClock("monotonic", 0, 0.0))
    assert summary.dropped_lines == 1
