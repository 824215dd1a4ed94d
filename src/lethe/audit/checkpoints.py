"""Signed Merkle checkpoints (RFC 6962 tree heads) over the audit chain.

The leaves are the events' chain hashes in seq order. A checkpoint stores, beside
the signed root, the frontier: the roots of the perfect subtrees that cover its
events. The next checkpoint extends that frontier with the newer events only, so
making one costs the events since the last, not the whole log.
"""

from __future__ import annotations

import base64
import datetime
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lethe.audit import merkle
from lethe.audit.chain import timestamp
from lethe.audit.models import AuditEvent, ChainHead, Checkpoint, PrunedLeaf
from lethe.vault import keyadmin

logger = logging.getLogger(__name__)

# How often appends look at whether a checkpoint is due: every this many events, and
# at least once a minute while events are being written (for the time-based rule).
CHECK_EVERY = 100
CHECK_INTERVAL = datetime.timedelta(minutes=1)
_next_check_at: datetime.datetime | None = None


def signing_message(tree_size: int, root: bytes, signed_at: datetime.datetime) -> bytes:
    """Return the bytes a checkpoint signature covers (see docs/audit-proofs.md)."""
    return f"lethe-checkpoint|v1|{tree_size}|{root.hex()}|{timestamp(signed_at)}".encode()


class Frontier:
    """The perfect-subtree roots covering a prefix of the leaves, left to right."""

    def __init__(self, nodes: Iterable[tuple[int, bytes]] = ()):
        self.nodes: list[tuple[int, bytes]] = list(nodes)  # (height, hash)
        self.size = sum(1 << height for height, _ in self.nodes)

    def add(self, event_hash: bytes) -> None:
        """Append the leaf for one event's chain hash."""
        node = merkle.leaf_hash(event_hash)
        # The number of merges is the number of trailing 1 bits of the old size: the
        # same carries as in adding 1 to a binary number.
        height, size = 0, self.size
        nodes = self.nodes
        while size & 1:
            node = merkle.node_hash(nodes.pop()[1], node)
            height += 1
            size >>= 1
        nodes.append((height, node))
        self.size += 1

    def root(self) -> bytes:
        """Return the RFC 6962 Merkle tree hash of the leaves added so far."""
        if not self.nodes:
            return merkle.root([])
        acc = self.nodes[-1][1]
        for _, node in reversed(self.nodes[:-1]):
            acc = merkle.node_hash(node, acc)
        return acc

    def to_json(self) -> list[list]:
        return [[height, node.hex()] for height, node in self.nodes]

    @classmethod
    def from_json(cls, data: list) -> Frontier:
        return cls((int(height), bytes.fromhex(node)) for height, node in data)


def leaf_hashes(upto: int | None = None) -> list[bytes]:
    """Return the chain hashes of events 1..upto (pruned ones included), in order."""
    pruned = PrunedLeaf.objects.order_by("seq")
    events = AuditEvent.objects.order_by("seq")
    if upto is not None:
        pruned, events = pruned.filter(seq__lte=upto), events.filter(seq__lte=upto)
    return [bytes(h) for h in pruned.values_list("hash", flat=True)] + [
        bytes(h) for h in events.values_list("hash", flat=True).iterator(chunk_size=10_000)
    ]


@transaction.atomic
def create() -> Checkpoint | None:
    """Sign a tree head over every event so far; return it (None if the log is empty)."""
    last = Checkpoint.objects.order_by("-tree_size").first()
    head = ChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
    if head == 0:
        return None
    if last is not None and last.tree_size >= head:
        return last
    frontier = Frontier.from_json(last.frontier) if last else Frontier()
    start = last.tree_size if last else 0
    last_hash = b""
    for seq, event_hash in (
        AuditEvent.objects.filter(seq__gt=start, seq__lte=head)
        .order_by("seq")
        .values_list("seq", "hash")
        .iterator(chunk_size=10_000)
    ):
        if seq != frontier.size + 1:
            missing = frontier.size + 1
            raise RuntimeError(f"audit event #{missing} is missing; run `lethe audit verify`")
        frontier.add(event_hash)
        last_hash = bytes(event_hash)
    root = frontier.root()
    signed_at = timezone.now()
    signature, key_id = keyadmin.sign(signing_message(head, root, signed_at))
    checkpoint = Checkpoint(
        tree_size=head,
        root=root,
        last_hash=last_hash,
        signed_at=signed_at,
        signature=signature,
        key_id=key_id,
        frontier=frontier.to_json(),
    )
    Checkpoint.objects.bulk_create([checkpoint], ignore_conflicts=True)
    return checkpoint


def maybe_checkpoint(seq: int) -> None:
    """Make a checkpoint if one is due (every N events or T minutes); never raise."""
    global _next_check_at
    now = timezone.now()
    if seq % CHECK_EVERY and _next_check_at is not None and now < _next_check_at:
        return
    _next_check_at = now + CHECK_INTERVAL
    config = settings.CONFIG
    try:
        last = Checkpoint.objects.order_by("-tree_size").values_list("tree_size", "signed_at")
        last = last.first()
        if last is None:
            due = seq >= CHECK_EVERY
        else:
            age = now - last[1]
            due = seq - last[0] >= config.audit_checkpoint_every or (
                seq > last[0] and age >= datetime.timedelta(minutes=config.audit_checkpoint_minutes)
            )
        if due:
            create()
    except Exception:
        # The action is committed already; a missed checkpoint is made by the next one.
        logger.exception("audit checkpoint after #%s failed", seq)


def verify_signature(checkpoint, public_key: bytes) -> bool:
    """Return whether a checkpoint's signature is valid under `public_key`."""
    message = signing_message(checkpoint.tree_size, bytes(checkpoint.root), checkpoint.signed_at)
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(bytes(checkpoint.signature), message)
    except InvalidSignature:
        return False
    return True


@dataclass
class ExportedHead:
    """A signed tree head as written by `lethe audit checkpoint --export`."""

    tree_size: int
    root: bytes
    last_hash: bytes
    signed_at: datetime.datetime
    signature: bytes
    key_id: str
    public_key: bytes

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": "lethe-audit-head/1",
                "tree_size": self.tree_size,
                "root": self.root.hex(),
                "last_hash": self.last_hash.hex(),
                "signed_at": timestamp(self.signed_at),
                "signature": base64.b64encode(self.signature).decode(),
                "key_id": self.key_id,
                "public_key": self.public_key.hex(),
            },
            indent=2,
        )

    @classmethod
    def from_checkpoint(cls, checkpoint: Checkpoint) -> ExportedHead:
        return cls(
            checkpoint.tree_size,
            bytes(checkpoint.root),
            bytes(checkpoint.last_hash),
            checkpoint.signed_at,
            bytes(checkpoint.signature),
            checkpoint.key_id,
            keyadmin.audit_public_key(),
        )

    @classmethod
    def parse(cls, text: str) -> ExportedHead:
        """Read an exported head, or raise ValueError saying what is wrong."""
        try:
            data = json.loads(text)
            if data.get("format") != "lethe-audit-head/1":
                raise ValueError("not a Lethe audit head")
            return cls(
                int(data["tree_size"]),
                bytes.fromhex(data["root"]),
                bytes.fromhex(data["last_hash"]),
                datetime.datetime.strptime(data["signed_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                    tzinfo=datetime.UTC
                ),
                base64.b64decode(data["signature"], validate=True),
                str(data["key_id"]),
                bytes.fromhex(data["public_key"]),
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ValueError(f"not a valid exported audit head ({exc})") from None
