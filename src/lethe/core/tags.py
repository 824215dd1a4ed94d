"""Tags shared by companies, contacts and (later) deals."""

import re

from django import forms

from lethe.core.models import Tag

_TAG = re.compile(r"^[\w][\w -]{0,49}$")


def clean_names(text: str) -> list[str]:
    """Return the tag names in a comma-separated string, or raise a form ValidationError."""
    names = [t.strip() for t in text.split(",") if t.strip()]
    for name in names:
        if not _TAG.match(name):
            raise forms.ValidationError(f"{name!r} is not a valid tag (letters, digits, -)")
    return list(dict.fromkeys(names))


def set_tags(record, names: list[str]) -> None:
    """Give `record` exactly these tags, creating the ones that do not exist yet."""
    record.tags.set([Tag.objects.get_or_create(name=name)[0] for name in names])
