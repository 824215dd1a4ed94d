"""Inclusion and consistency proofs against signed checkpoints, as self-contained JSON."""

from __future__ import annotations

import base64
import json

from lethe.audit import chain, merkle
from lethe.audit.checkpoints import ExportedHead, leaf_hashes, verify_signature
from lethe.audit.log import encode
from lethe.audit.models import AuditEvent, Checkpoint

FORMAT = "lethe-audit-proof/1"


class ProofError(ValueError):
    """A proof cannot be made or does not verify; the message says why."""


def _checkpoint_for(seq: int, tree_size: int | None) -> Checkpoint:
    checkpoints = Checkpoint.objects.order_by("-tree_size")
    checkpoint = (
        checkpoints.filter(tree_size=tree_size).first()
        if tree_size
        else checkpoints.filter(tree_size__gte=seq).first()
    )
    if checkpoint is None or checkpoint.tree_size < seq:
        raise ProofError(
            f"no checkpoint covers event #{seq} yet; run `lethe audit checkpoint` first"
        )
    return checkpoint


def inclusion(seq: int, tree_size: int | None = None) -> dict:
    """Return a proof that event `seq` is in the checkpoint of `tree_size` (default latest)."""
    event = AuditEvent.objects.filter(seq=seq).first()
    if event is None:
        raise ProofError(f"there is no event #{seq} (never written, or pruned)")
    checkpoint = _checkpoint_for(seq, tree_size)
    leaves = [merkle.leaf_hash(h) for h in leaf_hashes(checkpoint.tree_size)]
    head = ExportedHead.from_checkpoint(checkpoint)
    return {
        "format": FORMAT,
        "kind": "inclusion",
        "seq": seq,
        "event": encode(event).decode("ascii"),
        "prev_hash": bytes(event.prev_hash).hex(),
        "leaf": bytes(event.hash).hex(),
        "leaf_index": seq - 1,
        "proof": [p.hex() for p in merkle.inclusion_proof(seq - 1, leaves)],
        "head": json.loads(head.to_json()),
    }


def consistency(old_size: int, new_size: int | None = None) -> dict:
    """Return a proof that checkpoint `old_size` is a prefix of checkpoint `new_size`."""
    old = Checkpoint.objects.filter(tree_size=old_size).first()
    new = (
        Checkpoint.objects.filter(tree_size=new_size).first()
        if new_size
        else Checkpoint.objects.order_by("-tree_size").first()
    )
    if old is None or new is None:
        raise ProofError("both sizes must be checkpoints (see `lethe audit status`)")
    if old.tree_size > new.tree_size:
        raise ProofError("the old checkpoint must not be larger than the new one")
    leaves = [merkle.leaf_hash(h) for h in leaf_hashes(new.tree_size)]
    return {
        "format": FORMAT,
        "kind": "consistency",
        "proof": [p.hex() for p in merkle.consistency_proof(old.tree_size, leaves)],
        "old_head": json.loads(ExportedHead.from_checkpoint(old).to_json()),
        "head": json.loads(ExportedHead.from_checkpoint(new).to_json()),
    }


def _head(data: dict, public_key: bytes | None) -> ExportedHead:
    head = ExportedHead.parse(json.dumps(data))
    key = public_key or head.public_key
    if not verify_signature(head, key):
        raise ProofError(f"the signature of the tree head at #{head.tree_size} is not valid")
    return head


def check(text: str, public_key: bytes | None = None) -> str:
    """Verify a proof document with nothing but its content (and optionally a known key).

    Return a one-line description of what was proven, or raise ProofError.
    """
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ProofError("not a Lethe audit proof")
        proof = [bytes.fromhex(p) for p in data["proof"]]
        head = _head(data["head"], public_key)
        if data["kind"] == "inclusion":
            event = data["event"].encode("ascii")
            leaf = bytes.fromhex(data["leaf"])
            if chain.link(bytes.fromhex(data["prev_hash"]), event) != leaf:
                raise ProofError("the event's content does not hash to the leaf")
            if json.loads(event)[0] != data["seq"] or data["leaf_index"] != data["seq"] - 1:
                raise ProofError("the event's sequence number does not match the proof")
            if not merkle.verify_inclusion(
                merkle.leaf_hash(leaf), data["leaf_index"], head.tree_size, proof, head.root
            ):
                raise ProofError(f"event #{data['seq']} is not in the tree head")
            return f"event #{data['seq']} is included in the signed tree head at #{head.tree_size}"
        if data["kind"] == "consistency":
            old = _head(data["old_head"], public_key)
            if not merkle.verify_consistency(
                old.tree_size, head.tree_size, old.root, head.root, proof
            ):
                raise ProofError("the old tree head is not a prefix of the new one")
            return (
                f"the signed tree head at #{old.tree_size} is a prefix of the one at "
                f"#{head.tree_size}"
            )
        raise ProofError(f"unknown proof kind {data['kind']!r}")
    except ProofError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
        raise ProofError(f"malformed proof ({type(exc).__name__}: {exc})") from None


def public_key_from(text: str) -> bytes:
    """Parse a hex or base64 Ed25519 public key given on the command line."""
    text = text.strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = base64.b64decode(text, validate=True)
    if len(key) != 32:
        raise ProofError("a public key is 32 bytes (64 hex digits)")
    return key
