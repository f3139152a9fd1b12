"""Line capture: lines stamped on arrival, partial lines held back, raw and JSONL tees."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from pgolf.runner.capture import CaptureLimits, LineCapture, read_stamped
from pgolf.runner.clock import NS_PER_S, FakeClock
from pgolf.runner.model import StampedLine


def test_lines_are_stamped_when_their_end_arrives(tmp_path: Path) -> None:
    clock = FakeClock()
    seen: list[StampedLine] = []
    with LineCapture(tmp_path / "out.log", tmp_path / "out.jsonl", clock, seen.append) as capture:
        capture.feed(b"step:1/2 train")
        clock.advance(2.0)
        capture.feed(b"_loss:1.0\r\nsecond\n")
        clock.advance(1.0)
        capture.feed(b"no newline at the end")
    assert [line.text for line in seen] == ["step:1/2 train_loss:1.0", "second", "no newline at the end"]
    assert seen[0].t_ns - clock._origin_ns == 2 * NS_PER_S
    assert seen[2].t_ns - seen[1].t_ns == 1 * NS_PER_S
    assert (tmp_path / "out.log").read_bytes() == b"step:1/2 train_loss:1.0\r\nsecond\nno newline at the end"
    assert read_stamped(tmp_path / "out.jsonl") == seen


def test_notes_are_marked_and_kept_out_of_the_raw_log(tmp_path: Path) -> None:
    with LineCapture(tmp_path / "o.log", tmp_path / "o.jsonl", FakeClock()) as capture:
        capture.note("deadline reached")
    assert capture.lines[0].text == "[pgolf] deadline reached"
    assert (tmp_path / "o.log").read_bytes() == b""


def test_undecodable_bytes_are_replaced_not_fatal(tmp_path: Path) -> None:
    with LineCapture(tmp_path / "o.log", tmp_path / "o.jsonl", FakeClock()) as capture:
        capture.feed(b"bad \xff byte\n")
    assert capture.lines[0].text == "bad \ufffd byte"


def test_read_stamped_skips_torn_lines(tmp_path: Path) -> None:
    path = tmp_path / "o.jsonl"
    good = {"t_ns": 5, "wall": "2026-05-02T00:00:00+00:00", "text": "ok"}
    path.write_text(json.dumps(good) + '\n{"t_ns": 6, "wa\n', encoding="utf-8")
    assert [line.text for line in read_stamped(path)] == ["ok"]
    assert read_stamped(tmp_path / "absent.jsonl") == []


# ------------------------------------------------------------------ bounded cost (issue 13)


def test_a_line_without_newline_is_cut_in_memory_and_kept_whole_on_disk(tmp_path: Path) -> None:
    limits = CaptureLimits(max_line_bytes=100, memory_bytes=1 << 20, log_bytes=1 << 30)
    with LineCapture(tmp_path / "o.log", tmp_path / "o.jsonl", FakeClock(), limits=limits) as capture:
        for _ in range(1000):  # 1,000 chunks of one line: each byte is handled once
            capture.feed(b"x" * 1000)
        capture.feed(b"\nnext\n")
    first, second = capture.lines
    assert first.text == "x" * 100 + " [pgolf: 999,900 more bytes of this line not kept]"
    assert second.text == "next"
    assert (tmp_path / "o.log").stat().st_size == 1_000_000 + 6
    assert capture.truncated_lines == 1 and "were cut" in capture.notes()[0]


def test_lines_beyond_the_memory_budget_keep_the_first_and_the_last(tmp_path: Path) -> None:
    limits = CaptureLimits(max_line_bytes=1000, memory_bytes=64 << 10, log_bytes=1 << 30)
    with LineCapture(tmp_path / "o.log", tmp_path / "o.jsonl", FakeClock(), limits=limits) as capture:
        capture.feed(b"".join(b"line %d\n" % i for i in range(10_000)))
    kept = capture.lines
    assert kept[0].text == "line 0" and kept[-1].text == "line 9999"
    gap = next(line for line in kept if line.text.startswith("[pgolf] "))
    assert "lines (" in gap.text and "not kept in memory" in gap.text
    dropped = int(gap.text.split()[1].replace(",", ""))
    assert len(kept) - 1 + dropped == 10_000 == capture.lines_seen
    assert len(kept) < 10_000 / 10  # ~64 KiB at ~262 bytes a line
    assert (tmp_path / "o.jsonl").read_bytes().count(b"\n") == 10_000  # the stamped log has them all


def test_a_log_stops_growing_at_its_cap(tmp_path: Path) -> None:
    limits = CaptureLimits(max_line_bytes=1000, memory_bytes=1 << 20, log_bytes=50)
    with LineCapture(tmp_path / "o.log", tmp_path / "o.jsonl", FakeClock(), limits=limits) as capture:
        for _ in range(10):
            capture.feed(b"0123456789\n")
    assert (tmp_path / "o.log").stat().st_size == 44  # 4 whole chunks fit under 50 bytes
    assert any("reached its cap of 50 bytes" in note for note in capture.notes())
    assert len(capture.lines) == 10  # the record still sees every line


def test_a_full_disk_never_stops_the_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    capture = LineCapture(tmp_path / "o.log", tmp_path / "o.jsonl", FakeClock())

    def no_space(data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    assert capture._raw.handle is not None
    monkeypatch.setattr(capture._raw.handle, "write", no_space)
    capture.feed(b"first\n")
    capture.feed(b"second\n")
    capture.close()
    assert [line.text for line in capture.lines] == ["first", "second"]  # kept for the record
    assert capture.disk_full and "writing o.log failed (No space left on device)" in capture.notes()[0]
