"""`lethe keys status|rotate`: the master key versions and data-key rewrapping."""

from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from lethe.audit import log
from lethe.audit.models import Action
from lethe.vault import keyadmin
from lethe.vault.policy import Actor


class Command(BaseCommand):
    help = "Show the master key (KEK) versions, or rotate the KEK and rewrap every data key."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{status,rotate}")
        sub.add_parser("status", help="show KEK versions and data-key counts")
        rotate = sub.add_parser(
            "rotate",
            help="add a KEK version and rewrap every data key; rerun to resume an interrupted one",
        )
        rotate.add_argument("--batch-size", type=int, default=500, help="keys per transaction")

    def handle(self, *args, action, **options):
        if action == "status":
            self.show_status()
        else:
            self.rotate(max(1, options["batch_size"]))

    def show_status(self):
        status = keyadmin.status()
        self.stdout.write(
            f"master key versions: {', '.join(map(str, status.kek_versions))}"
            f" (current: {status.current})"
        )
        for version in status.kek_versions:
            count = status.keys_by_version.get(version, 0)
            self.stdout.write(f"  v{version}: {count} data key{'s' if count != 1 else ''}")
        self.stdout.write(f"shredded data keys: {status.shredded}")
        if status.unfinished_rotation:
            self.stdout.write(
                f"rotation to v{status.unfinished_rotation} is unfinished: "
                "run `lethe keys rotate` to resume it"
            )

    def rotate(self, batch_size):
        bar = None

        def on_start(version, total, resumed):
            nonlocal bar
            verb = "resuming rotation" if resumed else "rotating"
            self.stdout.write(f"{verb} to master key v{version}: {total} data keys to rewrap")
            bar = tqdm(total=total, unit="key", disable=None)

        def on_batch(done):
            bar.update(done)

        rotation = keyadmin.rotate(batch_size=batch_size, on_start=on_start, on_batch=on_batch)
        bar.close()
        with transaction.atomic():
            log.record(
                Actor.system("keys"),
                Action.KEY_ROTATION,
                detail={"kek_version": rotation.version, "rewrapped": rotation.rewrapped},
            )
        self.stdout.write(f"done: every data key is wrapped with master key v{rotation.version}")
