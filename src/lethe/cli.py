"""The `lethe` command: Lethe's own commands in front of Django's management commands."""

from __future__ import annotations

import argparse
import os
import sys

from lethe import config as lethe_config

COMMANDS = [
    ("init", "create the data dir, key files and databases, and a first admin user"),
    ("demo", "init if needed, fill in synthetic demo data, print the log-in, then serve"),
    ("serve", "serve Lethe with gunicorn (--host, --port, --tls-cert/--tls-key, --self-signed)"),
    ("keys status", "show the master key versions and how many data keys each wraps"),
    ("keys rotate", "add a new master key version and rewrap every data key (resumable)"),
    ("import", "import contacts or companies from CSV (mapping, dry run, duplicates, report)"),
    ("audit", "verify the audit log, make checkpoints and proofs, prune (see audit --help)"),
    ("tokens", "create, list or revoke API tokens (shown once, stored hashed)"),
    ("retention", "plan or run the retention policies (what is erased when; resumable)"),
    ("worker", "run background jobs from the database queue (retention, export expiry)"),
    ("portal purge", "delete the self-service portal's expired links and what they sealed"),
    ("ropa export", "records of processing (Art. 30) as --format csv|json|pdf [--output FILE]"),
    ("subject find", "find people by e-mail, phone, identity number or name (as a DPO)"),
    ("dsr", "data-subject requests: open, list, show, locate, extend, plan, fulfil, close"),
    ("consent", "show or publish the consent notice, purge expired links (see consent --help)"),
]

# Commands that run before key files or a marked database exist.
BOOTSTRAP = {"init", "demo", "help", "version", "--version"}

HELP = "\n".join(
    [
        "usage: lethe <command> [options]   (also: python -m lethe)",
        "",
        "Lethe, the CRM that can forget. Commands:",
        *(f"  {name:<13} {text}" for name, text in COMMANDS),
        "",
        "`lethe <command> --help` explains one command; `lethe help --all` lists the",
        "Django management commands that `lethe` also runs (migrate, shell, ...).",
        "Configuration comes from LETHE_* environment variables (see the README).",
    ]
)


def _tls_from_serve_args(argv: list[str]) -> None:
    """Put `serve`'s TLS options into the environment before the settings are read."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--self-signed", action="store_true")
    parser.add_argument("--host", default="127.0.0.1")
    options, _ = parser.parse_known_args(argv)
    if options.self_signed:
        from lethe.core.tls import self_signed

        config = lethe_config.load()
        lethe_config.ensure_data_dir(config)
        cert, key = self_signed(config.data_dir / "tls", [options.host])
        options.tls_cert, options.tls_key = str(cert), str(key)
    if options.tls_cert or options.tls_key:
        if not (options.tls_cert and options.tls_key):
            raise lethe_config.ConfigError("--tls-cert and --tls-key must be given together")
        for path in (options.tls_cert, options.tls_key):
            if not os.access(path, os.R_OK):
                raise lethe_config.ConfigError(f"cannot read TLS file {path}")
        os.environ["LETHE_TLS_CERT"] = os.path.abspath(options.tls_cert)
        os.environ["LETHE_TLS_KEY"] = os.path.abspath(options.tls_key)


def prepare(*, serving: bool = False, check_keys: bool = True) -> lethe_config.Config:
    """Check configuration and key files, set up Django, and check the data kind (I5)."""
    import django

    from lethe.vault import keyadmin

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lethe.settings")
    config = lethe_config.load()
    if check_keys:
        keyadmin.check_files(config)
    if serving:
        lethe_config.check_serving(config, tls=config.tls)
    django.setup()
    from lethe.core import environment

    environment.check(config)
    return config


def _run(argv: list[str]) -> None:
    """Run a Django management command, letting CommandError reach the caller."""
    from django.core.management import ManagementUtility, execute_from_command_line

    name = argv[0]
    if name.startswith("-") or name in ("help", "version") or "-h" in argv or "--help" in argv:
        execute_from_command_line(["lethe", *(["help"] if argv == ["help", "--all"] else argv)])
        return
    command = ManagementUtility(["lethe", *argv]).fetch_command(name)
    # --traceback makes Django re-raise CommandError instead of printing it its own way.
    command.run_from_argv(["lethe", name, "--traceback", *argv[1:]])


def main(argv: list[str] | None = None) -> int:
    """Run one `lethe` command and return its exit status."""
    from django.core.management.base import CommandError

    argv = list(sys.argv[1:] if argv is None else argv)
    os.umask(0o077)  # databases, exports and certificates are for Lethe's user only
    if not argv or argv in (["-h"], ["--help"], ["help"]):
        print(HELP)
        return 0
    command = argv[0]
    help_only = "-h" in argv or "--help" in argv or command in BOOTSTRAP
    try:
        if command in ("serve", "demo"):
            if not help_only:
                from lethe.vault import keyadmin

                keyadmin.check_files(lethe_config.load())
            _tls_from_serve_args(argv[1:])
        prepare(serving=command in ("serve", "demo") and not help_only, check_keys=not help_only)
        _run(argv)
    except (lethe_config.ConfigError, CommandError) as exc:
        print(f"lethe: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lethe: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("LETHE_DEBUG") == "1":
            raise
        print(
            f"lethe: unexpected error ({type(exc).__name__}); "
            "run again with LETHE_DEBUG=1 to see the details",
            file=sys.stderr,
        )
        return 1
    return 0
