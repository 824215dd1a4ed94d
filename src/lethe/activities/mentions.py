"""@mentions in activity text: stored as `@[contact:<id>]` tokens, never as names.

A name is put in at display time, through the gate, as the viewer may see it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from lethe.vault import gate

# Anything that looks like a token is checked, so a typo is an error and not silent text.
TOKEN = re.compile(r"@\[([^\]\n]{0,40})\]")
MENTION = re.compile(r"contact:([1-9][0-9]{0,17})")
MAX_MENTIONS = 50


class MentionError(ValueError):
    """A token in the text that is not a mention of a known contact."""


def contact_ids(text: str) -> list[int]:
    """Return the contact ids mentioned in `text`, in order, once each; MentionError if bad."""
    found: dict[int, None] = {}
    for match in TOKEN.finditer(text):
        inner = MENTION.fullmatch(match.group(1))
        if inner is None:
            raise MentionError(
                f"{match.group(0)!r} is not a mention; write @[contact:ID] with a contact's id"
            )
        found[int(inner.group(1))] = None
    if len(found) > MAX_MENTIONS:
        raise MentionError(f"mention at most {MAX_MENTIONS} people")
    return list(found)


def token(contact_id: int) -> str:
    """Return the token that mentions a contact."""
    return f"@[contact:{contact_id}]"


def person(name) -> SafeString:
    """Render a person's name as the gate gave it: text, a lock, or '[erased person]'."""
    if isinstance(name, gate.Erased):
        return mark_safe('<span class="erased">[erased person]</span>')
    if isinstance(name, gate.Masked):
        return format_html(
            '<span class="masked" title="you may not read this">\N{LOCK} {}</span>',
            name.category,
        )
    if not name:
        return mark_safe('<span class="erased">[unknown person]</span>')
    return format_html('<span class="mention">{}</span>', name)


def render(text: str, name_of: Callable[[int], object]) -> SafeString:
    """Return `text` as HTML: escaped, line breaks kept, tokens replaced by names."""
    parts, last = [], 0
    for match in TOKEN.finditer(text):
        parts.append(escape(text[last : match.start()]))
        inner = MENTION.fullmatch(match.group(1))
        parts.append(person(name_of(int(inner.group(1)))) if inner else escape(match.group(0)))
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts).replace("\n", "<br>"))  # noqa: S308 - every part is escaped
