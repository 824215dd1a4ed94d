"""CSV cells that a spreadsheet opens as text, never as a formula."""

import json


def safe_cell(value) -> object:
    """Return `value` for a CSV cell: lists and dicts as JSON, formula starts defused."""
    if isinstance(value, list | dict):
        value = json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        # A spreadsheet would run this as a formula: keep it text.
        return "'" + value
    return value
