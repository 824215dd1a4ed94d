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


def add_tags_many(records: list, names_per_record: list[list[str]]) -> None:
    """Tag many new records at once: one query for the tags, one insert for the links.

    For batches (imports, demo data) where `set_tags` per record costs several queries
    each. The records must be saved and have no tags yet.
    """
    wanted = {name for names in names_per_record for name in names}
    if not wanted:
        return
    existing = {t.name: t for t in Tag.objects.filter(name__in=wanted)}
    missing = [Tag(name=name) for name in sorted(wanted - existing.keys())]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=wanted)}
    through = type(records[0]).tags.through
    source = f"{type(records[0])._meta.model_name}_id"
    through.objects.bulk_create(
        [
            through(**{source: record.pk, "tag_id": existing[name].pk})
            for record, names in zip(records, names_per_record, strict=True)
            for name in dict.fromkeys(names)
        ],
        ignore_conflicts=True,
    )
