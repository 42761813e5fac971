"""Time-ordered UUIDs (version 7, RFC 9562).

Rows created together sit together in the primary-key index, which keeps inserts into large
tables cheap; the random part keeps identifiers unguessable.
"""

import secrets
import time
import uuid


def uuid7() -> uuid.UUID:
    """A new UUIDv7: 48 bits of Unix milliseconds, then 74 random bits."""
    unix_ms = time.time_ns() // 1_000_000
    random_bits = secrets.randbits(74)
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= (random_bits >> 62) << 64  # 12 random bits
    value |= 0b10 << 62  # variant
    value |= random_bits & ((1 << 62) - 1)
    return uuid.UUID(int=value)
