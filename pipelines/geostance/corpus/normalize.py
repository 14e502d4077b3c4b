"""Text normalisation and boilerplate removal. Pure functions: no I/O."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Lines that news sites put around articles. Matched against whole, stripped lines; extend as sources arrive.
BOILERPLATE_LINE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"IE 11 is not supported\. For an optimal experience visit our site on another browser\.",
        r"Skip to (main )?content",
        r"Advertisement",
        r"Supported by",
        r"(Sign up|Subscribe) (for|to) (our|the) [\w\s]*newsletter.*",
        r"Share (this article|on (Facebook|Twitter|X))",
        r"This (site|website) uses cookies.*",
        r"Accept (all )?cookies",
    )
)

_MULTI_BLANK = re.compile(r"\n{3,}")
_TRAILING_WS = re.compile(r"[ \t\u00a0]+$", re.MULTILINE)


@dataclass(frozen=True)
class Removal:
    """Something normalisation took out, kept for the import report."""

    kind: str  # "boilerplate" or "pull-quote"
    text: str


def normalize_text(text: str) -> str:
    """Unicode NFC, `\\n` newlines, no BOM, no trailing spaces, at most one blank line, no outer whitespace."""
    text = text.lstrip("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = unicodedata.normalize("NFC", text)
    text = _TRAILING_WS.sub("", text)
    text = _MULTI_BLANK.sub("\n\n", text)
    return text.strip()


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def strip_boilerplate(text: str) -> tuple[str, list[Removal]]:
    """Drop known site boilerplate lines and pull quotes from normalised text; report each removal.

    A pull quote is a paragraph repeated word for word inside a later paragraph, as news sites print a sentence
    of the article in large type just before the paragraph that contains it.
    """
    removed: list[Removal] = []
    kept_lines = []
    for line in text.split("\n"):
        if line.strip() and any(p.fullmatch(line.strip()) for p in BOILERPLATE_LINE_PATTERNS):
            removed.append(Removal("boilerplate", line.strip()))
        else:
            kept_lines.append(line)
    paras = paragraphs(normalize_text("\n".join(kept_lines)))
    kept: list[str] = []
    for i, para in enumerate(paras):
        later = paras[i + 1 : i + 3]
        if len(para) < 300 and any(para in other and para != other for other in later):
            removed.append(Removal("pull-quote", para))
        else:
            kept.append(para)
    return "\n\n".join(kept), removed
