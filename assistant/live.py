"""The assistant over the live build: a server keeps answering while documents are added or the index is
rebuilt, and switches to the new build between questions.

`budget-qa index` and `budget-qa add` (and the helpdesk's upload) write a new build and then swap the
`CURRENT` pointer atomically. Before each question the server looks at `CURRENT` (one `stat`; the file is read
only when it was replaced) and opens the new build when there is one. It holds a lease on the build it reads
(a file in index/leases/, touched at most every `LEASE_REFRESH_S` while it answers), so no build it may still
be answering from is removed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.engine import Assistant
from assistant.errors import BudgetQAError
from assistant.index import lease_holder, touch_lease

LEASE_REFRESH_S = 30.0


class LiveAssistant:
    """An `Assistant` that re-opens itself when the index's CURRENT pointer names another build.

    Attribute access (`ask`, `catalog`, `store`, `doc` …) goes to the assistant of the live build; `current()`
    gives that assistant, for a caller that wants one build for a whole question.
    """

    def __init__(self, index_dir: str | Path, opener: Callable[[str | Path], Assistant] = Assistant.open):
        self.index_dir = Path(index_dir)
        self._opener = opener
        self._lock = threading.Lock()
        self._holder = lease_holder()
        self._seen = self._stamp()
        self._assistant = opener(self.index_dir)
        self._pointer = self._build_name(self._assistant) or self._read_pointer()
        self._touched = 0.0
        self._refused = ""  # a build that could not be opened, not tried again
        self._lease()

    def _stamp(self) -> tuple[int, int, int] | None:
        """What identifies the CURRENT file's version: a swap renames a new file over it (a new inode)."""
        try:
            st = os.stat(self.index_dir / "CURRENT")
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _read_pointer(self) -> str:
        try:
            return (self.index_dir / "CURRENT").read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    @staticmethod
    def _build_name(assistant: Any) -> str:
        build = getattr(assistant, "build_dir", None)
        return build.name if build else ""

    def current(self) -> Assistant:
        """The assistant of the live build (re-opened after a swap; the old one, still leased, if the new
        cannot open, which is logged once: that build is not tried again until CURRENT names another)."""
        stamp = self._stamp()
        if stamp != self._seen:
            with self._lock:
                if stamp != self._seen:
                    self._switch(stamp)
        if time.monotonic() - self._touched > LEASE_REFRESH_S:
            self._lease()
        return self._assistant

    def _switch(self, stamp: tuple[int, int, int] | None) -> None:
        pointer = self._read_pointer()
        if pointer and pointer not in (self._pointer, self._refused):
            try:
                opened = self._opener(self.index_dir)
            except (BudgetQAError, OSError) as err:  # keep answering from the build we have
                logging.getLogger("assistant").warning("still answering from %s: %s", self._pointer, err)
                self._refused = pointer
            else:
                self._assistant = opened
                self._pointer = self._build_name(opened) or pointer
                self._lease()
        self._seen = stamp

    def _lease(self) -> None:
        if self._pointer:
            with contextlib.suppress(OSError):  # a read-only index: nothing can remove builds there either
                touch_lease(self.index_dir, self._pointer, self._holder)
        self._touched = time.monotonic()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.current(), name)
