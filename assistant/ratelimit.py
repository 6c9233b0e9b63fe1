"""A token bucket per client address, for the JSON API.

Each address may send `burst` requests at once and then `per_minute` a minute; a request over that budget
is told how many seconds to wait. The buckets of addresses not seen for a while are dropped, so the memory
stays bounded however many addresses call.

The buckets are kept in the server process, on purpose: a flood is turned away without a write to the shared
app database. With several servers behind one load balancer, an address whose requests are spread over N of
them gets up to N budgets; a balancer that sends each address to one server (nginx `ip_hash`) keeps it exact.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MAX_CLIENTS = 10_000


@dataclass
class Bucket:
    tokens: float
    stamp: float  # when `tokens` was last brought up to date


class RateLimiter:
    """`take(address)` → 0 when the request may go ahead (one token spent), else the seconds to wait.

    `per_minute` 0 switches the limit off."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ):
        self.per_second = per_minute / 60
        self.burst = max(1, burst)
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.per_second > 0

    def take(self, address: str) -> float:
        if not self.enabled:
            return 0.0
        now = self.clock()
        with self._lock:
            bucket = self._buckets.pop(address, None) or Bucket(float(self.burst), now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.per_second)
            bucket.stamp = now
            self._buckets[address] = bucket  # most recently seen last
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.per_second


def retry_after(wait: float) -> int:
    """The Retry-After header's whole seconds for a wait (at least 1)."""
    return max(1, math.ceil(wait))
