"""WSGI entry point: the same checks as the command line before any request is served."""

import os

from lethe.cli import prepare

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lethe.settings")
prepare(serving=True)

from django.core.wsgi import get_wsgi_application  # noqa: E402 - after the checks

application = get_wsgi_application()
