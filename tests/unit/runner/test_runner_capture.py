"""Line capture: lines stamped on arrival, partial lines held back, raw and JSONL tees."""

from __future__ import annotations

import json
from pathlib import Path

from pgolf.runner.capture import LineCapture, read_stamped
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
