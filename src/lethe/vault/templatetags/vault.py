"""Showing vault values in pages: masked and erased values say so, never look empty."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from lethe.vault import gate

register = template.Library()


@register.filter
def personal(value):
    """Render a value from the gate: text, a lock with the category, or 'erased'."""
    if isinstance(value, gate.Masked):
        return format_html(
            '<span class="masked" title="you may not read this">\N{LOCK} {}</span>', value.category
        )
    if isinstance(value, gate.Erased):
        return mark_safe('<span class="erased">erased</span>')
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return ", ".join(str(v) for v in value.values() if v)
    return value


@register.filter
def field_label(name: str) -> str:
    """Return a field name as a label: "first_name" -> "First name"."""
    return str(name).replace("_", " ").capitalize()
