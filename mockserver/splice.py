"""JSON answers with long parts written once and sent as they are, not copied into the answer.

A long thread's message list is JSON kept as parts (message_log.py's rope). orjson copies a
Fragment into its output, so an answer holding one cost a copy of the whole list per read, on
top of the send. A handler that opts in renders such lists as marks (`Splice.fragment`), the
answer is serialised as usual, and `Splice.pieces` puts the parts where the marks are: the
connection sends the pieces in one writev (connection.py). orjson never writes a NUL byte (it
escapes control characters in strings), so a mark cannot be mistaken for data.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson

SPLICED_FROM = 64 * 1024  # a shorter list is copied into the answer: one send each costs more
_SMALL = 4096  # adjacent pieces shorter than this are joined (one ASGI message each otherwise)


class Splice:
    """The parts one answer splices in, by mark."""

    __slots__ = ("_inserts",)

    def __init__(self) -> None:
        self._inserts: list[Sequence[bytes]] = []

    def fragment(self, parts: Sequence[bytes], closing: bytes = b"") -> orjson.Fragment:
        """A mark standing for `parts` then `closing` (written as part of the answer)."""
        self._inserts.append(parts)
        return orjson.Fragment(b"\x00%d\x00%s" % (len(self._inserts) - 1, closing))

    def pieces(self, payload: bytes) -> list[bytes]:
        """`payload` (serialised with this splice's marks) with the parts in their place."""
        if not self._inserts:
            return [payload]
        segments = payload.split(b"\x00")
        out: list[bytes] = [segments[0]]
        for i in range(1, len(segments), 2):
            out.extend(self._inserts[int(segments[i])])
            out.append(segments[i + 1])
        return _coalesced(out)


def _coalesced(pieces: list[bytes]) -> list[bytes]:
    out: list[bytes] = []
    run: list[bytes] = []
    for piece in pieces:
        if len(piece) < _SMALL:
            run.append(piece)
            continue
        if run:
            out.append(b"".join(run))
            run = []
        out.append(piece)
    if run:
        out.append(b"".join(run))
    return [piece for piece in out if len(piece)]
