"""A text file written off the event loop: writers append, ``drain`` hands the text to a
thread now and then, so a large export never blocks the bot's intake on disk writes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TextIO

DRAIN_AT = 128 * 1024  # characters held before they go to the thread


class FileSink:
    def __init__(self, handle: TextIO) -> None:
        self._handle = handle
        self._parts: list[str] = []
        self._held = 0

    @classmethod
    async def open(cls, path: Path, encoding: str) -> FileSink:
        handle = await asyncio.to_thread(path.open, "w", encoding=encoding, newline="")
        return cls(handle)

    def write(self, text: str) -> int:
        """Held in memory (what csv.writer and the JSON writers call)."""
        self._parts.append(text)
        self._held += len(text)
        return len(text)

    async def drain(self, *, force: bool = False) -> None:
        if self._parts and (force or self._held >= DRAIN_AT):
            text, self._parts, self._held = "".join(self._parts), [], 0
            await asyncio.to_thread(self._handle.write, text)

    async def close(self) -> None:
        await self.drain(force=True)
        await asyncio.to_thread(self._handle.close)
