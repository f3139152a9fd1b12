"""Our clocks. Every duration a reproduction reports comes from here, never from the script.

`time.monotonic_ns()` orders and measures (immune to NTP steps); UTC wall time is recorded beside it
for humans and for correlating with other machines. Tests inject `FakeClock`.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Protocol

NS_PER_S = 1_000_000_000


class Clock(Protocol):
    def monotonic_ns(self) -> int: ...

    def utc_now(self) -> dt.datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic_ns(self) -> int:
        return time.monotonic_ns()

    def utc_now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK = SystemClock()


@dataclass
class FakeClock:
    """A clock that moves only when told to (sleep advances it), for deadline tests without waiting."""

    now_ns: int = 1_000 * NS_PER_S
    start_utc: dt.datetime = dt.datetime(2026, 5, 2, tzinfo=dt.UTC)
    _origin_ns: int = 1_000 * NS_PER_S

    def monotonic_ns(self) -> int:
        return self.now_ns

    def utc_now(self) -> dt.datetime:
        return self.start_utc + dt.timedelta(microseconds=(self.now_ns - self._origin_ns) // 1_000)

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.now_ns += int(seconds * NS_PER_S)


@dataclass(frozen=True)
class Deadline:
    """An absolute point on a monotonic clock."""

    clock: Clock
    at_ns: int

    @classmethod
    def after(cls, clock: Clock, seconds: float) -> Deadline:
        return cls(clock, clock.monotonic_ns() + int(seconds * NS_PER_S))

    def remaining_s(self) -> float:
        return max(0.0, (self.at_ns - self.clock.monotonic_ns()) / NS_PER_S)

    @property
    def expired(self) -> bool:
        return self.clock.monotonic_ns() >= self.at_ns


def seconds_between(start_ns: int, end_ns: int) -> float:
    return (end_ns - start_ns) / NS_PER_S
