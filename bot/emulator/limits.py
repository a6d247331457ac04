"""Flood control and faults on demand, both deterministic given a clock and a seed."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    capacity: float
    per_second: float
    tokens: float = -1.0
    updated: float = 0.0

    def take(self, now: float) -> float:
        """Take one token; 0 when allowed, else the seconds until one is free."""
        if self.tokens < 0:
            self.tokens, self.updated = self.capacity, now
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_second


@dataclass
class FloodLimits:
    """Defaults close to Telegram's published guidance (exact figures are not public)."""

    global_per_second: float = 30.0
    group_per_minute: float = 20.0
    private_per_second: float = 1.0
    private_burst: float = 5.0
    enabled: bool = True


@dataclass
class FloodControl:
    limits: FloodLimits = field(default_factory=FloodLimits)
    _global: TokenBucket | None = None
    _chats: dict[int, TokenBucket] = field(default_factory=dict)

    def check(self, chat_id: int, is_private: bool, now: float) -> int | None:
        """None when a message may go now, else Telegram's ``retry_after`` in whole seconds."""
        if not self.limits.enabled:
            return None
        if self._global is None:
            self._global = TokenBucket(self.limits.global_per_second, self.limits.global_per_second)
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if is_private:
                bucket = TokenBucket(self.limits.private_burst, self.limits.private_per_second)
            else:
                per_minute = self.limits.group_per_minute
                bucket = TokenBucket(per_minute, per_minute / 60)
            self._chats[chat_id] = bucket
        wait = bucket.take(now)
        if wait > 0:
            return max(1, math.ceil(wait))
        global_wait = self._global.take(now)
        if global_wait > 0:
            bucket.tokens += 1  # the chat's token was not used after all
            return max(1, math.ceil(global_wait))
        return None


@dataclass
class PlannedFault:
    method: str | None
    kind: str  # "5xx", "timeout", "drop", "429", "slow"
    remaining: int
    after_effect: bool  # the call takes effect, then the fault hides the answer


@dataclass
class Faults:
    """Random shares of 5xx/slow/timeouts/drops, plus exact faults planned for the next calls."""

    seed: int = 0
    error_rate: float = 0.0
    slow_rate: float = 0.0
    timeout_rate: float = 0.0
    drop_rate: float = 0.0
    slow_seconds: float = 0.5
    timeout_seconds: float = 30.0
    planned: list[PlannedFault] = field(default_factory=list)
    _random: random.Random | None = None

    def plan(
        self, kind: str, method: str | None = None, times: int = 1, after_effect: bool = False
    ) -> None:
        if kind not in ("5xx", "timeout", "drop", "429", "slow"):
            raise ValueError(f"unknown fault kind {kind!r}")
        name = method.lower() if method else None  # Bot API method names ignore case
        self.planned.append(PlannedFault(name, kind, times, after_effect))

    def draw(self, method: str) -> PlannedFault | None:
        for fault in self.planned:
            if fault.method in (None, method) and fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self.planned.remove(fault)
                return fault
        if self._random is None:
            self._random = random.Random(self.seed)
        roll = self._random.random()
        for kind, rate in (
            ("5xx", self.error_rate),
            ("timeout", self.timeout_rate),
            ("drop", self.drop_rate),
            ("slow", self.slow_rate),
        ):
            if roll < rate:
                return PlannedFault(method, kind, 0, after_effect=kind != "5xx")
            roll -= rate
        return None


Clock = Callable[[], float]
