"""The small, safe text format of module content.

Everything typed is escaped first; only a few marks are then turned into HTML, so no tag,
attribute or script typed into a module ever reaches a page:

- a blank line separates paragraphs; a single line break stays a line break;
- ``# ``, ``## ``, ``### `` start a heading (shown below the page's own headings);
- ``- `` or ``* `` start a bulleted list item, ``1. `` a numbered one;
- ``**bold**``, ``*italics*`` and ``[text](https://…)`` links (http and https only).
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_HEADING = re.compile(r"^(#{1,3})\s+(.+)$")
_BULLET = re.compile(r"^[-*]\s+(.+)$")
_NUMBERED = re.compile(r"^\d{1,3}[.)]\s+(.+)$")
_BOLD = re.compile(r"\*\*(\S(?:.*?\S)?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(\S(?:.*?\S)?)\*(?![*\w])")
# Applied to escaped text: the URL cannot hold a quote or angle bracket any more.
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s()]+)\)")
# Module headings sit under the page's h1 (course) and h2 (module title).
_HEADING_TAGS = {1: "h3", 2: "h4", 3: "h5"}


def _inline(text: str) -> str:
    html = str(escape(text))
    html = _LINK.sub(r'<a href="\2" rel="noopener noreferrer nofollow">\1</a>', html)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return _ITALIC.sub(r"<em>\1</em>", html)


def _list(lines: list[str], pattern: re.Pattern[str], tag: str) -> str:
    items = []
    for line in lines:
        match = pattern.match(line)
        items.append(f"<li>{_inline(match.group(1) if match else line)}</li>")
    return f"<{tag}>{''.join(items)}</{tag}>"


def _block(lines: list[str]) -> str:
    if len(lines) == 1 and (heading := _HEADING.match(lines[0])):
        tag = _HEADING_TAGS[len(heading.group(1))]
        return f"<{tag}>{_inline(heading.group(2))}</{tag}>"
    if all(_BULLET.match(line) for line in lines):
        return _list(lines, _BULLET, "ul")
    if all(_NUMBERED.match(line) for line in lines):
        return _list(lines, _NUMBERED, "ol")
    return "<p>" + "<br>".join(_inline(line) for line in lines) + "</p>"


def render(text: str) -> SafeString:
    """*text* as safe HTML: escaped, with the few marks above turned into tags."""
    blocks: list[list[str]] = [[]]
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            if blocks[-1]:
                blocks.append([])
            continue
        # A heading is a block of its own even without blank lines around it.
        if _HEADING.match(line):
            if blocks[-1]:
                blocks.append([])
            blocks[-1].append(line)
            blocks.append([])
            continue
        blocks[-1].append(line)
    # Every piece of text above went through escape() before any tag was added.
    return mark_safe("".join(_block(lines) for lines in blocks if lines))
