"""RFC 6962 Merkle hashes and proofs: the recursive definitions, published vectors, tampering."""

import hashlib
import random

import pytest

from lethe.audit.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)

# Fixed seeds keep failures reproducible; each seed draws its own tree sizes and positions.
SEEDS = range(8)

# The Certificate Transparency test vectors, from google/certificate-transparency
# python/ct/crypto/merkle_test.py (lifted there from the C++ implementation).
CT_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_CONSISTENCY = [
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# An audit path from a real CT log, from the same file.
CT_INCLUSION_LEAF = "7a395c866d5ecdb0cccb623e011dbc392cd348d1d1d72776174e127a24b09c78"
CT_INCLUSION_INDEX = 848049
CT_INCLUSION_SIZE = 3630887
CT_INCLUSION_ROOT = "78316a05c9bcf14a3a4548f5b854a9adfcd46a4c034401b3ce7eb7ac2f1d0ecb"
CT_INCLUSION_PATH = [
    "1a208aeebcd1b39fe2de247ee8db9454e1e93a312d206b87f6ca9cc6ec6f1ddd",
    "0a1b78b383f580856f433c01a5741e160d451c185910027f6cc9f828687a40c4",
    "3d1745789bc63f2da15850de1c12a5bf46ed81e1cc90f086148b1662e79aab3d",
    "9095b61e14d8990acf390905621e62b1714fb8e399fbb71de5510e0aef45affe",
    "0a332b91b8fab564e6afd1dd452449e04619b18accc0ff9aa8393cd4928451f2",
    "2336f0181d264aed6d8f3a6507ca14a8d3b3c3a23791ac263e845d208c1ee330",
    "b4ce56e300590500360c146c6452edbede25d4ed83919278749ee5dbe178e048",
    "933f6ddc848ea562e4f9c5cfb5f176941301dad0c6fdb9d1fbbe34fac1be6966",
    "b95a6222958a86f74c030be27c44f57dbe313e5e7c7f4ffb98bcbd3a03bb52f2",
    "daeeb3ce5923defd0faeb8e0c210b753b85b809445d7d3d3cd537a9aabaa9c45",
    "7fadd0a13e9138a2aa6c3fdec4e2275af233b94812784f66bcca9aa8e989f2bc",
    "1864e6ba3e32878610546539734fb5eeae2529991f130c575c73a7e25a2a7c56",
    "12842d1202b1dc6828a17ab253c02e7ce9409b5192430feba44189f39cc02d66",
    "29af64b16fa3053c13d02ac63aa75b23aa468506e44c3a2315edc85d2dc22b11",
    "b527b99934a0bd9edd154e449b0502e2c499bba783f3bc3dfe23364b6b532009",
    "4584db8ae8e351ace08e01f306378a92bfd43611714814f3d834a2842d69faa8",
    "86a9a41573b0d6e4292f01e93243d6cc65b30f06606fc6fa57390e7e90ed580f",
    "a88b98fbe84d4c6aae8db9d1605dfac059d9f03fe0fcb0d5dff1295dacba09e6",
    "06326dc617a6d1f7021dc536026dbfd5fffc6f7c5531d48ef6ccd1ed1569f2a1",
    "f41fe8fdc3a2e4e8345e30216e7ebecffee26ff266eeced208a6c2a3cf08f960",
    "40cf5bde8abb76983f3e98ba97aa36240402975674e120f234b3448911090f8d",
    "b3222dc8658538079883d980d7fdc2bef9285344ea34338968f736b04aeb387a",
]


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def split(n: int) -> int:
    """Return the largest power of two smaller than n, computed the slow and obvious way."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def reference_root(hashes: list[bytes]) -> bytes:
    """MTH of RFC 6962 §2.1, written as the RFC's recursion over leaf hashes."""
    if not hashes:
        return sha256(b"")
    if len(hashes) == 1:
        return hashes[0]
    k = split(len(hashes))
    return sha256(b"\x01" + reference_root(hashes[:k]) + reference_root(hashes[k:]))


def reference_path(m: int, hashes: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1, as written there."""
    if len(hashes) == 1:
        return []
    k = split(len(hashes))
    if m < k:
        return [*reference_path(m, hashes[:k]), reference_root(hashes[k:])]
    return [*reference_path(m - k, hashes[k:]), reference_root(hashes[:k])]


def reference_subproof(m: int, hashes: list[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 6962 §2.1.2, as written there."""
    if m == len(hashes):
        return [] if b else [reference_root(hashes)]
    k = split(len(hashes))
    if m <= k:
        return [*reference_subproof(m, hashes[:k], b), reference_root(hashes[k:])]
    return [*reference_subproof(m - k, hashes[k:], False), reference_root(hashes[:k])]


def reference_sides(m: int, n: int) -> list[bool]:
    """Return, leaf first, whether each sibling on PATH(m, D[n]) is on the left."""
    if n == 1:
        return []
    k = split(n)
    if m < k:
        return [*reference_sides(m, k), False]
    return [*reference_sides(m - k, n - k), True]


def seeded(seed: int) -> random.Random:
    """Return a reproducible generator for test data."""
    return random.Random(seed)


def random_leaves(rng: random.Random, n: int) -> list[bytes]:
    return [leaf_hash(rng.randbytes(rng.randrange(40))) for _ in range(n)]


def flipped(value: bytes, rng: random.Random) -> bytes:
    """Return value with one random bit inverted."""
    position = rng.randrange(len(value))
    return (
        value[:position] + bytes([value[position] ^ 1 << rng.randrange(8)]) + value[position + 1 :]
    )


def test_leaf_and_node_hashes_carry_the_rfc_6962_domain_prefixes():
    assert leaf_hash(b"abc") == sha256(b"\x00abc")
    assert node_hash(b"L" * 32, b"R" * 32) == sha256(b"\x01" + b"L" * 32 + b"R" * 32)
    # The CT hasher vectors for one leaf and one node.
    assert leaf_hash(bytes.fromhex("101112131415161718191a1b1c1d1e1f")).hex() == (
        "3bfb960453ebaebf33727da7a1f4db38acc051d381b6da20d6d4e88f0eabfd7a"
    )
    assert node_hash(bytes(range(32)), bytes(range(32, 64))).hex() == (
        "1a378704c17da31e2d05b6d121c2bb2c7d76f6ee6fa8f983e596c2d034963c57"
    )


def test_the_empty_tree_hashes_to_sha256_of_the_empty_string():
    assert root([]) == EMPTY_ROOT == sha256(b"")
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_a_one_leaf_tree_has_the_leaf_hash_as_its_root():
    assert root([leaf_hash(b"")]) == leaf_hash(b"") == sha256(b"\x00")


def test_a_three_leaf_tree_pairs_the_first_two_leaves_and_adds_the_third_on_the_right():
    a, b, c = sha256(b"\x00a"), sha256(b"\x00b"), sha256(b"\x00c")
    expected = sha256(b"\x01" + sha256(b"\x01" + a + b) + c)
    assert root([leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c")]) == expected


def test_roots_match_the_certificate_transparency_test_vectors():
    hashes = [leaf_hash(leaf) for leaf in CT_LEAVES]
    assert [root(hashes[:n]).hex() for n in range(1, 9)] == CT_ROOTS


@pytest.mark.parametrize("seed", SEEDS)
def test_root_matches_the_recursive_rfc_definition_for_every_size_up_to_70(seed):
    rng = seeded(seed)
    for n in range(71):
        hashes = random_leaves(rng, n)
        assert root(hashes) == reference_root(hashes), n


def test_root_accepts_any_sequence_of_bytes_like_hashes_and_returns_bytes():
    hashes = random_leaves(seeded(1), 5)
    assert root(tuple(hashes)) == root(hashes)
    assert root([memoryview(h) for h in hashes]) == root(hashes)
    assert type(root([memoryview(hashes[0])])) is bytes


def test_subtree_root_is_the_root_of_the_slice_and_rejects_ranges_outside_the_tree():
    hashes = random_leaves(seeded(2), 13)
    for start in range(14):
        for end in range(start, 14):
            assert subtree_root(hashes, start, end) == reference_root(hashes[start:end])
    for start, end in [(-1, 3), (4, 3), (0, 14)]:
        with pytest.raises(ValueError, match="not within a tree of 13 leaves"):
            subtree_root(hashes, start, end)


def test_proofs_equal_the_rfc_6962_definitions_and_verify_for_every_position_up_to_40_leaves():
    hashes = random_leaves(seeded(3), 40)
    roots = [reference_root(hashes[:n]) for n in range(41)]
    for n in range(1, 41):
        tree = hashes[:n]
        for m in range(n):
            proof = inclusion_proof(m, tree)
            assert proof == reference_path(m, tree), (m, n)
            assert verify_inclusion(tree[m], m, n, proof, roots[n]), (m, n)
        for m in range(1, n + 1):
            proof = consistency_proof(m, tree)
            assert proof == reference_subproof(m, tree, True), (m, n)
            assert verify_consistency(m, n, roots[m], roots[n], proof), (m, n)


@pytest.mark.parametrize("seed", SEEDS)
def test_inclusion_proofs_verify_and_fail_after_any_single_change(seed):
    rng = seeded(seed)
    n = rng.randint(1, 300)
    hashes = random_leaves(rng, n)
    tree_root = root(hashes)
    for index in {0, n - 1, *(rng.randrange(n) for _ in range(6))}:
        leaf = hashes[index]
        proof = inclusion_proof(index, hashes)
        assert verify_inclusion(leaf, index, n, proof, tree_root)
        for position in range(len(proof)):
            changed = [*proof]
            changed[position] = flipped(proof[position], rng)
            assert not verify_inclusion(leaf, index, n, changed, tree_root), position
        assert not verify_inclusion(flipped(leaf, rng), index, n, proof, tree_root)
        assert not verify_inclusion(leaf, index, n, proof, flipped(tree_root, rng))
        for other in {index - 1, index + 1, rng.randrange(n), n, -1} - {index}:
            assert not verify_inclusion(leaf, other, n, proof, tree_root), other
        for size in {index, n - 1, n + 1, 2 * n, rng.randint(1, 2 * n)} - {n}:
            # A size that gives the leaf the same path through the tree recomputes the same
            # root, so it verifies (see the test below); every other size must fail.
            same_path = size > index and reference_sides(index, size) == reference_sides(index, n)
            assert verify_inclusion(leaf, index, size, proof, tree_root) == same_path, size
        assert not verify_inclusion(leaf, index, n, proof[:-1], tree_root)
        assert not verify_inclusion(leaf, index, n, [*proof, tree_root], tree_root)


def test_the_root_does_not_fix_the_tree_size_so_the_size_must_come_from_the_checkpoint():
    # Leaf 0 has siblings on the right at every level in trees of 5 and of 6 leaves, so its
    # proof from the 5-leaf tree also passes with a claimed size of 6. The signed checkpoint
    # binds size and root together; a verifier must take both from it.
    hashes = random_leaves(seeded(4), 5)
    proof = inclusion_proof(0, hashes)
    assert verify_inclusion(hashes[0], 0, 6, proof, root(hashes))
    assert not verify_inclusion(hashes[0], 0, 9, proof, root(hashes))


def test_an_inclusion_proof_longer_than_the_path_fails_even_when_it_hashes_to_the_root():
    # Leaf 1 of a 2-leaf tree hashes up to the root with [leaf 0] when it is placed on the
    # right; claiming it is the only leaf of a 1-leaf tree with that one-hash proof must fail.
    hashes = random_leaves(seeded(9), 2)
    assert verify_inclusion(hashes[1], 1, 2, [hashes[0]], root(hashes))
    assert not verify_inclusion(hashes[1], 0, 1, [hashes[0]], root(hashes))


def test_an_audit_path_from_a_certificate_transparency_log_verifies():
    leaf = bytes.fromhex(CT_INCLUSION_LEAF)
    path = [bytes.fromhex(h) for h in CT_INCLUSION_PATH]
    tree_root = bytes.fromhex(CT_INCLUSION_ROOT)
    assert verify_inclusion(leaf, CT_INCLUSION_INDEX, CT_INCLUSION_SIZE, path, tree_root)
    assert not verify_inclusion(leaf, CT_INCLUSION_INDEX + 1, CT_INCLUSION_SIZE, path, tree_root)
    assert not verify_inclusion(leaf, CT_INCLUSION_INDEX, CT_INCLUSION_SIZE, path, bytes(32))


@pytest.mark.parametrize(("old_size", "new_size", "proof"), CT_CONSISTENCY)
def test_consistency_proofs_from_certificate_transparency_are_generated_and_verify(
    old_size, new_size, proof
):
    hashes = [leaf_hash(leaf) for leaf in CT_LEAVES[:new_size]]
    assert [h.hex() for h in consistency_proof(old_size, hashes)] == proof
    old_root = bytes.fromhex(CT_ROOTS[old_size - 1])
    new_root = bytes.fromhex(CT_ROOTS[new_size - 1])
    assert verify_consistency(old_size, new_size, old_root, new_root, map(bytes.fromhex, proof))


@pytest.mark.parametrize("seed", SEEDS)
def test_consistency_proofs_verify_and_fail_after_any_single_change(seed):
    rng = seeded(seed)
    n = rng.randint(1, 300)
    hashes = random_leaves(rng, n)
    new_root = root(hashes)
    for m in {1, n, *(rng.randint(1, n) for _ in range(6))}:
        old_root = root(hashes[:m])
        proof = consistency_proof(m, hashes)
        assert verify_consistency(m, n, old_root, new_root, proof)
        for position in range(len(proof)):
            changed = [*proof]
            changed[position] = flipped(proof[position], rng)
            assert not verify_consistency(m, n, old_root, new_root, changed), position
        assert not verify_consistency(m, n, flipped(old_root, rng), new_root, proof)
        assert not verify_consistency(m, n, old_root, flipped(new_root, rng), proof)
        assert not verify_consistency(m, n, old_root, new_root, proof[:-1] if proof else [b""])
        if m < n:
            assert not verify_consistency(m, n, old_root, new_root, [])
        assert not verify_consistency(m, n, old_root, new_root, [*proof, new_root])


def test_a_consistency_proof_fails_for_a_new_size_larger_than_it_covers():
    # From 1 to 2 leaves the proof is [leaf 1], and old root then leaf 1 hash to the new root;
    # the same hashes must not pass as a proof from 1 to 3 leaves.
    hashes = random_leaves(seeded(10), 2)
    proof = consistency_proof(1, hashes)
    assert verify_consistency(1, 2, hashes[0], root(hashes), proof)
    assert not verify_consistency(1, 3, hashes[0], root(hashes), proof)


def test_a_consistency_proof_fails_for_sizes_that_leave_hashes_past_the_top_of_the_tree():
    # Trees of 7 and 8 leaves share their left half, so the proof from 7 to 8 is the proof from
    # 3 to 4 within the right half plus that half's hash, and the last step hashes up to both
    # real roots. Claimed as a proof from 3 to 4 leaves it has one hash too many and must fail.
    hashes = random_leaves(seeded(11), 8)
    proof = consistency_proof(7, hashes)
    assert proof[:-1] == consistency_proof(3, hashes[4:])
    assert verify_consistency(7, 8, root(hashes[:7]), root(hashes), proof)
    assert not verify_consistency(3, 4, root(hashes[:7]), root(hashes), proof)


def test_a_consistency_proof_between_equal_sizes_is_empty_and_needs_equal_roots():
    hashes = random_leaves(seeded(5), 9)
    assert consistency_proof(9, hashes) == []
    assert verify_consistency(9, 9, root(hashes), root(hashes), [])
    assert not verify_consistency(9, 9, root(hashes), root(hashes[:8]), [])
    assert not verify_consistency(9, 9, root(hashes), root(hashes), [root(hashes)])


def test_proof_generation_rejects_indexes_and_sizes_outside_the_tree():
    hashes = random_leaves(seeded(6), 4)
    for index in (-1, 4):
        with pytest.raises(ValueError, match=f"leaf index {index} is not in a tree of 4 leaves"):
            inclusion_proof(index, hashes)
    with pytest.raises(ValueError, match="leaf index 0 is not in a tree of 0 leaves"):
        inclusion_proof(0, [])
    for old_size in (0, -1, 5):
        with pytest.raises(ValueError, match=f"old tree size {old_size} is not between 1 and"):
            consistency_proof(old_size, hashes)


def test_verification_returns_false_for_sizes_outside_the_tree_instead_of_raising():
    hashes = random_leaves(seeded(7), 4)
    tree_root = root(hashes)
    assert not verify_inclusion(hashes[0], 0, 0, [], EMPTY_ROOT)
    assert not verify_inclusion(hashes[0], -1, 4, inclusion_proof(0, hashes), tree_root)
    assert not verify_consistency(0, 4, EMPTY_ROOT, tree_root, [])
    assert not verify_consistency(4, 3, tree_root, root(hashes[:3]), [])


def test_verification_rejects_hashes_that_are_not_32_bytes():
    hashes = random_leaves(seeded(8), 3)
    tree_root = root(hashes)
    proof = inclusion_proof(2, hashes)
    assert verify_inclusion(hashes[2], 2, 3, proof, tree_root)
    assert not verify_inclusion(hashes[2] + b"\x00", 2, 3, proof, tree_root)
    assert not verify_inclusion(hashes[2], 2, 3, [proof[0][:31]], tree_root)
    assert not verify_inclusion(hashes[2], 2, 3, proof, tree_root.hex())
    # Hashing does not see where one input ends, so without the length check these would
    # regroup the bytes of the root's two children and pass.
    left, right = root(hashes[:2]), hashes[2]
    assert not verify_inclusion(left + right, 1, 2, [b""], tree_root)
    assert not verify_inclusion(right[1:], 1, 2, [left + right[:1]], tree_root)
    old_root = root(hashes[:1])
    proof = consistency_proof(1, hashes)
    assert verify_consistency(1, 3, old_root, tree_root, proof)
    assert not verify_consistency(1, 3, old_root, tree_root, [*proof[:-1], proof[-1] + b"\x00"])


def test_proofs_in_a_tree_of_100000_leaves_verify():
    hashes = [leaf_hash(i.to_bytes(8, "big")) for i in range(100_000)]
    tree_root = root(hashes)
    index = 77_777
    proof = inclusion_proof(index, hashes)
    assert len(proof) == 17
    assert verify_inclusion(hashes[index], index, len(hashes), proof, tree_root)
    old_size = 65_537
    proof = consistency_proof(old_size, hashes)
    old_root = root(hashes[:old_size])
    assert verify_consistency(old_size, len(hashes), old_root, tree_root, proof)
