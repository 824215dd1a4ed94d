"""`lethe audit`: verify the log, make and export checkpoints, prove and check proofs, prune."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from lethe.audit import checkpoints, proofs, retention, verify


class Command(BaseCommand):
    help = "Verify, checkpoint, prove and prune the tamper-evident audit log."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        check = sub.add_parser("verify", help="check the chain, signatures and checkpoints")
        check.add_argument("--against", metavar="FILE", help="also check against an exported head")
        point = sub.add_parser("checkpoint", help="sign a tree head over every event now")
        point.add_argument("--export", metavar="FILE", help="write the signed head to FILE")
        proof = sub.add_parser("proof", help="print an inclusion proof for event SEQ")
        proof.add_argument("seq", type=int)
        proof.add_argument("--tree-size", type=int, help="checkpoint to prove against")
        consistency = sub.add_parser("consistency", help="prove checkpoint OLD is a prefix of NEW")
        consistency.add_argument("old", type=int)
        consistency.add_argument("new", type=int, nargs="?")
        checkp = sub.add_parser("check-proof", help="verify a proof printed by `audit proof`")
        checkp.add_argument("file", help="proof file, or - for standard input")
        checkp.add_argument("--public-key", help="expected signing key (hex), e.g. as published")
        prune = sub.add_parser("prune", help="remove verified segments past retention")
        prune.add_argument("--dry-run", action="store_true", help="say what would go")
        sub.add_parser("status", help="show events, last verification and last checkpoint")

    def handle(self, *args, action, **options):
        try:
            getattr(self, action.replace("-", "_"))(**options)
        except (proofs.ProofError, retention.PruneRefused) as exc:
            raise CommandError(str(exc)) from None

    def verify(self, against=None, **options):
        head = None
        if against:
            try:
                head = checkpoints.ExportedHead.parse(Path(against).read_text())
            except OSError as exc:
                raise CommandError(f"cannot read {against}: {exc.strerror}") from None
            except ValueError as exc:
                raise CommandError(f"{against}: {exc}") from None
        with tqdm(total=verify.count(), unit="event", disable=None) as bar:
            report = verify.verify(against=head, on_progress=bar.update)
        if not report.ok:
            raise CommandError(
                f"audit log FAILED verification at #{report.first_bad_seq}: {report.problem}"
            )
        self.stdout.write(
            f"audit log verified: {report.events} events, {report.checkpoints} checkpoints"
            + (f", consistent with the exported head at #{head.tree_size}" if head else "")
        )

    def checkpoint(self, export=None, **options):
        checkpoint = checkpoints.create()
        if checkpoint is None:
            raise CommandError("the audit log is empty; nothing to sign")
        self.stdout.write(
            f"checkpoint at #{checkpoint.tree_size}: root {bytes(checkpoint.root).hex()}"
        )
        if export:
            text = checkpoints.ExportedHead.from_checkpoint(checkpoint).to_json()
            try:
                Path(export).write_text(text + "\n")
            except OSError as exc:
                raise CommandError(f"cannot write {export}: {exc.strerror}") from None
            self.stdout.write(f"signed head written to {export}")

    def proof(self, seq, tree_size=None, **options):
        self.stdout.write(json.dumps(proofs.inclusion(seq, tree_size), indent=2))

    def consistency(self, old, new=None, **options):
        self.stdout.write(json.dumps(proofs.consistency(old, new), indent=2))

    def check_proof(self, file, public_key=None, **options):
        try:
            text = self.stdin_text() if file == "-" else Path(file).read_text()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        key = proofs.public_key_from(public_key) if public_key else None
        self.stdout.write("proof OK: " + proofs.check(text, key))

    def stdin_text(self):
        import sys

        return sys.stdin.read()

    def prune(self, dry_run=False, **options):
        target = retention.plan()
        if target is None:
            self.stdout.write("nothing to prune: no checkpointed segment is past retention")
            return
        if dry_run:
            self.stdout.write(f"would prune events #1-#{target.tree_size} (keeping their hashes)")
            return
        count = retention.prune()
        self.stdout.write(f"pruned {count} events up to #{target.tree_size}; their hashes are kept")

    def status(self, **options):
        status = verify.status()
        self.stdout.write(f"events: {status['events']}")
        if status["last_verified_at"]:
            state = "ok" if status["last_verified_ok"] else f"FAILED ({status['last_problem']})"
            self.stdout.write(f"last verified: {status['last_verified_at']:%Y-%m-%d %H:%M} {state}")
        else:
            self.stdout.write("last verified: never")
        if status["last_checkpoint_size"]:
            self.stdout.write(
                f"last checkpoint: #{status['last_checkpoint_size']} at "
                f"{status['last_checkpoint_at']:%Y-%m-%d %H:%M}"
            )
        else:
            self.stdout.write("last checkpoint: none")
