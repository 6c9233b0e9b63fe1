"""Reading a page that has no text layer (a scan): render it, recognise the text (rapidocr, whose models come
inside its wheel, so nothing is downloaded) and lay the recognised pieces out as lines the way the text
path expects them (left to right, one table row a line, cells separated by spaces).

OCR figures are not trusted by themselves: the pages are marked as read by OCR, and the audit's identities
decide whether their figures hold together.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from assistant.pdf import PageText

RESOLUTION = 300  # dpi; lower loses thin digits in ruled tables
DETECTION_SIDE = 1600  # px the text detector works at; the default (736) misses wide bold table titles
POINTS_PER_INCH = 72


def has_image(page: Any) -> bool:
    """True when the page shows an image (a page with neither text nor image is simply blank)."""
    return bool(page.images)


@lru_cache(maxsize=1)
def _engine() -> Any:
    from rapidocr import RapidOCR

    threads = max(1, (os.cpu_count() or 1))
    return RapidOCR(
        params={
            "Global.log_level": "critical",
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "Det.limit_side_len": DETECTION_SIDE,
        }
    )


def recognise(image: Any) -> list[tuple[float, float, float, float, str]]:
    """An image (PIL) → recognised pieces as (left, top, right, bottom, text) in pixels."""
    import numpy as np

    result = _engine()(np.asarray(image.convert("RGB")))
    if result.boxes is None or result.txts is None:
        return []
    pieces = []
    for box, text in zip(result.boxes, result.txts, strict=True):
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        if text.strip():
            pieces.append((min(xs), min(ys), max(xs), max(ys), text.strip()))
    return pieces


def layout_lines(pieces: list[tuple[float, float, float, float, str]]) -> list[tuple[float, str]]:
    """Recognised pieces → (vertical middle, text) lines: pieces whose middles lie within half a piece
    height of each other form a line, read left to right and joined by a space."""
    rows: list[list[tuple[float, float, float, float, str]]] = []
    for piece in sorted(pieces, key=lambda p: ((p[1] + p[3]) / 2, p[0])):
        middle = (piece[1] + piece[3]) / 2
        if rows:
            last = rows[-1]
            last_middle = sum((p[1] + p[3]) / 2 for p in last) / len(last)
            height = min(piece[3] - piece[1], min(p[3] - p[1] for p in last))
            if abs(middle - last_middle) <= height / 2:
                last.append(piece)
                continue
        rows.append([piece])
    out = []
    for row in rows:
        row.sort(key=lambda p: p[0])
        middle = sum((p[1] + p[3]) / 2 for p in row) / len(row)
        out.append((middle, " ".join(p[4] for p in row)))
    return out


def read_page(page: Any) -> PageText:
    """A scanned page as text lines (positions in PDF points, like a text page), marked as OCR."""
    image = page.to_image(resolution=RESOLUTION).original
    scale = POINTS_PER_INCH / RESOLUTION
    lines = layout_lines(recognise(image))
    return PageText(
        page.page_number,
        [text for _, text in lines],
        [middle * scale for middle, _ in lines],
        ocr=True,
    )
