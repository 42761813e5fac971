"""Time-ordered UUIDs (version 7, RFC 9562).

Rows created together sit together in the primary-key index, which keeps inserts into large
tables cheap; the random part keeps identifiers unguessable. Within one process the ids only
grow, even within the same millisecond (RFC 9562, method 3: the random part is incremented), so
events written by one service call keep their order.
"""

import secrets
import threading
import time
import uuid

_RANDOM_BITS = 74
_lock = threading.Lock()
_last = (0, 0)  # (unix milliseconds, random part) of the last id made by this process


def _next_stamp() -> tuple[int, int]:
    global _last
    with _lock:
        unix_ms = time.time_ns() // 1_000_000
        last_ms, last_random = _last
        if unix_ms > last_ms:
            stamp = (unix_ms, secrets.randbits(_RANDOM_BITS))
        elif last_random + 1 < 1 << _RANDOM_BITS:
            stamp = (last_ms, last_random + 1)
        else:  # the random part overflowed: borrow the next millisecond
            stamp = (last_ms + 1, secrets.randbits(_RANDOM_BITS))
        _last = stamp
        return stamp


def uuid7() -> uuid.UUID:
    """A new UUIDv7: 48 bits of Unix milliseconds, then 74 bits, greater than the previous one."""
    unix_ms, random_bits = _next_stamp()
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= (random_bits >> 62) << 64  # 12 high bits of the random part
    value |= 0b10 << 62  # variant
    value |= random_bits & ((1 << 62) - 1)
    return uuid.UUID(int=value)
