"""The API's error shape: 400 with a message and the errors per field."""

from ninja import Schema, Status


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]]


def form_errors(form) -> Status:
    """Return a 400 naming every field of `form` that did not validate."""
    errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    return Status(400, {"detail": f"invalid input: {', '.join(errors)}", "errors": errors})


def field_error(field: str, message: str) -> Status:
    """Return a 400 naming one field."""
    return Status(400, {"detail": f"invalid input: {field}", "errors": {field: [message]}})
