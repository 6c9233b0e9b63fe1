"""The assistant over the live build: a server keeps answering while documents are added or the index is
rebuilt, and switches to the new build between questions.

`budget-qa index` and `budget-qa add` (and the helpdesk's upload) write a new build and then swap the
`CURRENT` pointer atomically; the build it replaces is kept until the next swap, so a question already
being answered from it finishes there.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.engine import Assistant
from assistant.errors import BudgetQAError


class LiveAssistant:
    """An `Assistant` that re-opens itself when the index's CURRENT pointer names another build.

    Attribute access (`ask`, `catalog`, `store`, `doc` …) goes to the assistant of the live build, checked
    at most once per access with one small file read.
    """

    def __init__(self, index_dir: str | Path, opener: Callable[[str | Path], Assistant] = Assistant.open):
        self.index_dir = Path(index_dir)
        self._opener = opener
        self._lock = threading.Lock()
        self._pointer = self._read_pointer()
        self._assistant = opener(self.index_dir)

    def _read_pointer(self) -> str:
        try:
            return (self.index_dir / "CURRENT").read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def current(self) -> Assistant:
        """The assistant of the live build (re-opened after a swap; the old one if the new cannot open, which
        is logged once: the old build is kept until the next swap)."""
        pointer = self._read_pointer()
        if pointer and pointer != self._pointer:
            with self._lock:
                if pointer != self._pointer:
                    try:
                        self._assistant = self._opener(self.index_dir)
                    except BudgetQAError as err:
                        logging.getLogger("assistant").warning(
                            "still answering from %s: %s", self._pointer, err
                        )
                    self._pointer = pointer
        return self._assistant

    def __getattr__(self, name: str) -> Any:
        return getattr(self.current(), name)
