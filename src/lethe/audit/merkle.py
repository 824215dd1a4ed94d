"""Merkle tree hashes and proofs of RFC 6962 §2.1, checked with the algorithms of RFC 9162.

The tree is the Certificate Transparency one: a leaf is SHA-256(0x00 || data), an inner node
is SHA-256(0x01 || left || right), and the empty tree is SHA-256(""). The different prefixes
keep a leaf from ever passing for an inner node (a second-preimage attack on the tree).

Trees here are given as their leaf hashes, in order. Proofs are generated as PATH(m, D[n])
(§2.1.1) and PROOF(m, D[n]) (§2.1.2) of RFC 6962 and verified with the iterative algorithms of
RFC 9162 §2.1.3.2 and §2.1.4.2, which need only the sizes, the hashes and the proof.

Generation raises ValueError for an index or size outside the tree. Verification is fed proofs
from outside, so it returns False, rather than raising, for sizes out of range and for hashes
that are not 32 bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 6962 hash of one leaf: SHA-256(0x00 || data)."""
    return _sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 hash of an inner node: SHA-256(0x01 || left || right)."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return the Merkle Tree Hash MTH of the tree with these leaf hashes."""
    if not leaf_hashes:
        return EMPTY_ROOT
    # RFC 6962 splits at the largest power of two below n, so every node covers an aligned block
    # of 2**level leaves (the last one cut short). Pairing level by level builds exactly those
    # nodes; a node left without a partner is the root of the cut-short block and is carried up
    # unchanged until it is the right child of its RFC parent. No recursion, O(n) hashes.
    level = leaf_hashes
    while len(level) > 1:
        # One iterator zipped with itself yields consecutive pairs; an odd last hash is dropped
        # by zip and appended unchanged below.
        pairs = iter(level)
        paired = [
            _sha256(_NODE_PREFIX + left + right).digest()
            for left, right in zip(pairs, pairs, strict=False)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return bytes(level[0])


def subtree_root(leaf_hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """Return MTH(D[start:end]), the root of the leaves from start up to (not including) end."""
    if not 0 <= start <= end <= len(leaf_hashes):
        raise ValueError(
            f"leaf range [{start}, {end}) is not within a tree of {len(leaf_hashes)} leaves"
        )
    return root(leaf_hashes[start:end])


def _split(size: int) -> int:
    """Return k, the largest power of two smaller than size (size >= 2), where RFC 6962 splits."""
    return 1 << ((size - 1).bit_length() - 1)


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Return the audit path PATH(index, D[n]) of RFC 6962 §2.1.1, nearest sibling first."""
    size = len(leaf_hashes)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of {size} leaves")
    # Walk the RFC recursion down from the root, keeping the sibling subtree at each split.
    # The siblings shrink by half each step, so all of them together hash fewer than n leaves.
    proof = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            proof.append(subtree_root(leaf_hashes, start + k, end))
            end = start + k
        else:
            proof.append(subtree_root(leaf_hashes, start, start + k))
            start += k
    # The walk finds the siblings root first; the RFC path lists them leaf first.
    proof.reverse()
    return proof


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Return PROOF(old_size, D[n]) of RFC 6962 §2.1.2; empty when old_size equals n."""
    size = len(leaf_hashes)
    if not 0 < old_size <= size:
        raise ValueError(f"old tree size {old_size} is not between 1 and the new tree size {size}")
    # SUBPROOF(m, D[start:end], b) unrolled: `known` is b, true while the subtree's left part is
    # still the whole old tree, whose root the verifier already has.
    tail = []
    m, start, end, known = old_size, 0, size, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            tail.append(subtree_root(leaf_hashes, start + k, end))
            end = start + k
        else:
            tail.append(subtree_root(leaf_hashes, start, start + k))
            start += k
            m -= k
            known = False
    head = [] if known else [subtree_root(leaf_hashes, start, end)]
    # The recursion emits the innermost hash first, then the siblings from the deepest up.
    return head + tail[::-1]


def _is_hash(value: object) -> bool:
    """Return whether value is a SHA-256 digest (bytes of the right length)."""
    return isinstance(value, bytes | bytearray | memoryview) and len(value) == HASH_SIZE


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Return whether proof shows leaf_hash at index in the tree of tree_size leaves with root."""
    # Other lengths are rejected, not hashed: SHA-256 does not see where one input ends, so
    # bytes moved between the leaf and a proof hash could otherwise still reach the root.
    proof = list(proof)
    if not (_is_hash(leaf_hash) and _is_hash(root) and all(map(_is_hash, proof))):
        return False
    if not 0 <= index < tree_size:
        return False
    # RFC 9162 §2.1.3.2: fn and sn track the leaf's and the last leaf's position one level up
    # at a time; a level where fn has no sibling (fn == sn, even) adds nothing to the path.
    fn, sn = index, tree_size - 1
    r = bytes(leaf_hash)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Return whether proof shows the tree old_root of old_size is a prefix of new_root's tree."""
    proof = list(proof)
    if not (_is_hash(old_root) and _is_hash(new_root) and all(map(_is_hash, proof))):
        return False
    # RFC 6962 defines no proof from the empty tree, so a size-0 checkpoint is never accepted.
    if not 0 < old_size <= new_size:
        return False
    # RFC 9162 covers old_size < new_size only; for equal sizes PROOF is empty (SUBPROOF with
    # b true) and the trees are the same one exactly when the roots are.
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    # RFC 9162 §2.1.4.2. When old_size is a power of two the old root is a node of the new tree
    # and the proof leaves it out, since the verifier has it.
    path = proof
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = bytes(path[0])
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
