"""`lethe serve`: run Lethe under gunicorn, a production WSGI server (never runserver)."""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from gunicorn.app.base import BaseApplication


class LetheServer(BaseApplication):
    """Gunicorn configured from the command's options instead of a config file."""

    def __init__(self, options):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from lethe.wsgi import application

        return application


def add_server_arguments(parser):
    """Add the options `serve` and `demo` share."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    parser.add_argument("--tls-cert", help="PEM certificate chain; serve HTTPS (with HSTS)")
    parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
    parser.add_argument(
        "--self-signed",
        action="store_true",
        help="serve HTTPS with a self-signed certificate made in the data dir (local use)",
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")


def serve(stdout, *, host, port, workers, **options):
    """Collect static files and run gunicorn until it is stopped."""
    if not 0 < port < 65536:
        raise CommandError(f"--port must be between 1 and 65535, not {port}")
    if workers < 1:
        raise CommandError("--workers must be at least 1")
    config = settings.CONFIG
    call_command("collectstatic", interactive=False, verbosity=0)
    scheme = "https" if config.tls else "http"
    bind_host = f"[{host}]" if ":" in host else host
    gunicorn = {
        "bind": f"{bind_host}:{port}",
        "workers": workers,
        "accesslog": None,  # URLs can name records; Lethe's audit log is the access record
        "errorlog": "-",
        "loglevel": "warning",
        "forwarded_allow_ips": os.environ.get("LETHE_FORWARDED_ALLOW_IPS", "127.0.0.1"),
    }
    if config.tls:
        gunicorn["certfile"] = str(config.tls_cert)
        gunicorn["keyfile"] = str(config.tls_key)
    stdout.write(f"Lethe is serving at {scheme}://{bind_host}:{port}/ (Ctrl-C stops it)")
    stdout.flush()
    LetheServer(gunicorn).run()


class Command(BaseCommand):
    help = "Serve Lethe over HTTP or HTTPS with gunicorn."

    def add_arguments(self, parser):
        add_server_arguments(parser)

    def handle(self, *args, **options):
        serve(self.stdout, **options)
