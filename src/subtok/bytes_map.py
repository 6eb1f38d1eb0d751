"""GPT-2's reversible map between bytes and printable characters (used by every byte-level BPE).

Printable Latin-1 bytes stand for themselves; the other 68 bytes are shifted to U+0100 and up, so
that every byte has a visible, non-space stand-in.

>>> BYTES_TO_UNICODE[ord(" ")], BYTES_TO_UNICODE[ord("a")], UNICODE_TO_BYTES["Ġ"]
('Ġ', 'a', 32)
"""

from __future__ import annotations

__all__ = ["BYTES_TO_UNICODE", "UNICODE_TO_BYTES"]


def _build() -> list[str]:
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    table = [""] * 256
    extra = 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


BYTES_TO_UNICODE: list[str] = _build()
UNICODE_TO_BYTES: dict[str, int] = {c: b for b, c in enumerate(BYTES_TO_UNICODE)}
