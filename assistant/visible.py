"""Text typed by strangers, shown to staff exactly as typed: every control, format and separator character
(C0 and C1 controls, U+200B–U+200F, U+202A–U+202E, U+2066–U+2069, U+2028/U+2029, U+FEFF …) is written out
as ⟨U+XXXX⟩, never obeyed, so a right-to-left override cannot reverse what the helpdesk shows and a zero-width
character cannot hide in a question.
"""

from __future__ import annotations

import html
import unicodedata

HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})  # control, format, surrogate, line/paragraph separator


def visible(text: str, keep: str = "") -> str:
    """`text` with each invisible or direction-changing character as ⟨U+XXXX⟩; characters in `keep` (such
    as a new line in a multi-line field) stay as they are."""
    if text.isprintable():  # the usual case: nothing to write out
        return text
    return "".join(
        f"⟨U+{ord(ch):04X}⟩" if ch not in keep and unicodedata.category(ch) in HIDDEN else ch for ch in text
    )


def visible_html(text: str, keep: str = "") -> str:
    """`visible` then HTML-escaped: safe inside any element, shown as typed."""
    return html.escape(visible(text, keep), quote=True)
