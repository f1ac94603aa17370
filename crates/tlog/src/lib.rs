//! Transparency-log primitives (pure, no I/O): the RFC 9162 §2.1 Merkle tree over the audit events, its
//! inclusion and consistency proofs (§2.1.3, §2.1.4) with the RFC's verification algorithms, the addressing of
//! stored complete subtrees, and the C2SP tlog-checkpoint body (<https://c2sp.org/tlog-checkpoint>).
//!
//! Storage model: the hash of every *complete* subtree — leaves `[i·2^l, (i+1)·2^l)` — is kept under
//! [`NodeId`] `(l, i)`. Any range a proof needs is a few such subtrees (one per bit of its length), so a
//! proof over a million leaves reads about 2·log2(n) stored hashes in one query, whatever the tree size.

#![forbid(unsafe_code)]

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub type Hash = [u8; 32];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("the proof does not lead to the root hash")]
    Mismatch,
    #[error("stored tree node {0:?} is missing")]
    MissingNode(NodeId),
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ProofError {
    ProofError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// SHA-256(0x00 || data): the hash of a leaf (an event's canonical bytes).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// SHA-256(0x01 || left || right): an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// A complete subtree: `level` (0 = leaf) and `index` (its position among subtrees of that level).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    pub fn new(level: u8, index: u64) -> NodeId {
        NodeId { level, index }
    }
    /// One integer key for storage: `level · 2^40 + index` (trees up to 2^40 leaves).
    pub fn key(self) -> i64 {
        ((self.level as i64) << 40) | self.index as i64
    }
}

/// The largest power of two smaller than `n` (n > 1).
fn split(n: u64) -> u64 {
    debug_assert!(n > 1);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The complete subtrees whose hashes make up MTH(D[a:b]), left to right. `a` must be a multiple of the
/// largest power of two not above `b - a` (true of every range the RFC's recursions visit).
pub fn range_nodes(a: u64, b: u64) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut start = a;
    let mut len = b - a;
    while len > 0 {
        let level = 63 - len.leading_zeros();
        let size = 1u64 << level;
        out.push(NodeId::new(level as u8, start >> level));
        start += size;
        len -= size;
    }
    out
}

/// MTH of a range from the hashes of its complete subtrees (left to right): folded from the right.
pub fn fold_range(hashes: &[Hash]) -> Hash {
    let mut it = hashes.iter().rev();
    let Some(last) = it.next() else {
        return empty_root();
    };
    it.fold(*last, |acc, h| node_hash(h, &acc))
}

/// The subtrees a new leaf completes: appending leaf `index` with hash `leaf` to a tree whose complete
/// right-edge subtrees are given by `sibling` returns the new nodes (the leaf first, then each parent).
pub fn append_nodes(
    index: u64,
    leaf: Hash,
    mut sibling: impl FnMut(NodeId) -> Option<Hash>,
) -> Result<Vec<(NodeId, Hash)>, ProofError> {
    let mut out = vec![(NodeId::new(0, index), leaf)];
    let (mut level, mut i, mut h) = (0u8, index, leaf);
    while i & 1 == 1 {
        let left_id = NodeId::new(level, i - 1);
        let left = sibling(left_id).ok_or(ProofError::MissingNode(left_id))?;
        h = node_hash(&left, &h);
        level += 1;
        i >>= 1;
        out.push((NodeId::new(level, i), h));
    }
    Ok(out)
}

/// The ranges [a, b) whose MTH form the inclusion proof of leaf `m` in D[lo:hi] (RFC 9162 §2.1.3.1).
fn path_ranges(m: u64, lo: u64, hi: u64, out: &mut Vec<(u64, u64)>) {
    let n = hi - lo;
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path_ranges(m, lo, lo + k, out);
        out.push((lo + k, hi));
    } else {
        path_ranges(m - k, lo + k, hi, out);
        out.push((lo, lo + k));
    }
}

/// The ranges of SUBPROOF(m, D[lo:hi], b) (RFC 9162 §2.1.4.1).
fn subproof_ranges(m: u64, lo: u64, hi: u64, b: bool, out: &mut Vec<(u64, u64)>) {
    let n = hi - lo;
    if m == n {
        if !b {
            out.push((lo, hi));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof_ranges(m, lo, lo + k, b, out);
        out.push((lo + k, hi));
    } else {
        subproof_ranges(m - k, lo + k, hi, false, out);
        out.push((lo, lo + k));
    }
}

/// What a proof needs from storage: its ranges, and the stored nodes they are made of.
#[derive(Debug, Clone)]
pub struct ProofPlan {
    ranges: Vec<(u64, u64)>,
    /// Every stored node the proof reads (deduplicated, sorted).
    pub nodes: Vec<NodeId>,
}

impl ProofPlan {
    fn new(ranges: Vec<(u64, u64)>) -> ProofPlan {
        let mut nodes: Vec<NodeId> = ranges
            .iter()
            .flat_map(|&(a, b)| range_nodes(a, b))
            .collect();
        nodes.sort();
        nodes.dedup();
        ProofPlan { ranges, nodes }
    }

    /// The plan of the inclusion proof of leaf `index` in a tree of `size` leaves.
    pub fn inclusion(index: u64, size: u64) -> Result<ProofPlan, ProofError> {
        if index >= size {
            return Err(invalid(
                "index",
                format!("leaf {index} is not in a tree of {size}"),
            ));
        }
        let mut r = Vec::new();
        path_ranges(index, 0, size, &mut r);
        Ok(ProofPlan::new(r))
    }

    /// The plan of the consistency proof from `old` to `new` leaves (empty when old is 0 or old == new).
    pub fn consistency(old: u64, new: u64) -> Result<ProofPlan, ProofError> {
        if old > new {
            return Err(invalid(
                "old_size",
                format!("{old} is larger than the new size {new}"),
            ));
        }
        let mut r = Vec::new();
        if old > 0 && old < new {
            subproof_ranges(old, 0, new, true, &mut r);
        }
        Ok(ProofPlan::new(r))
    }

    /// The plan of the root hash of a tree of `size` leaves.
    pub fn root(size: u64) -> ProofPlan {
        ProofPlan::new(if size == 0 { vec![] } else { vec![(0, size)] })
    }

    /// The proof's hashes, given the stored nodes the plan named.
    pub fn resolve(&self, stored: &HashMap<NodeId, Hash>) -> Result<Vec<Hash>, ProofError> {
        self.ranges
            .iter()
            .map(|&(a, b)| {
                let hs = range_nodes(a, b)
                    .into_iter()
                    .map(|id| stored.get(&id).copied().ok_or(ProofError::MissingNode(id)))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(fold_range(&hs))
            })
            .collect()
    }
}

/// Checks an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(invalid(
            "index",
            format!("leaf {index} is not in a tree of {size}"),
        ));
    }
    let (mut fnn, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::Mismatch);
        }
        if fnn & 1 == 1 || fnn == sn {
            r = node_hash(p, &r);
            if fnn & 1 == 0 {
                while fnn & 1 == 0 && fnn != 0 {
                    fnn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnn >>= 1;
        sn >>= 1;
    }
    if sn == 0 && r == *root {
        Ok(())
    } else {
        Err(ProofError::Mismatch)
    }
}

/// Checks a consistency proof between two tree heads (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(invalid(
            "old_size",
            format!("{old_size} is larger than the new size {new_size}"),
        ));
    }
    if old_size == new_size {
        return if proof.is_empty() && old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::Mismatch)
        };
    }
    if old_size == 0 {
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(ProofError::Mismatch)
        };
    }
    if proof.is_empty() {
        return Err(ProofError::Mismatch);
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut fnn, mut sn) = (old_size - 1, new_size - 1);
    while fnn & 1 == 1 {
        fnn >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if sn == 0 {
            return Err(ProofError::Mismatch);
        }
        if fnn & 1 == 1 || fnn == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnn & 1 == 0 {
                while fnn & 1 == 0 && fnn != 0 {
                    fnn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnn >>= 1;
        sn >>= 1;
    }
    if fr == *old_root && sr == *new_root && sn == 0 {
        Ok(())
    } else {
        Err(ProofError::Mismatch)
    }
}

/// Builds the tree incrementally in memory, keeping only the right edge (one hash per set bit of the size):
/// what verification uses to recompute the root over a stream of leaves.
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    size: u64,
    /// Complete subtrees along the right edge, largest (leftmost) first.
    stack: Vec<Hash>,
}

impl Frontier {
    pub fn new() -> Frontier {
        Frontier::default()
    }
    pub fn size(&self) -> u64 {
        self.size
    }
    pub fn push(&mut self, leaf: Hash) {
        let mut h = leaf;
        let mut i = self.size;
        while i & 1 == 1 {
            let left = self.stack.pop().expect("one subtree per set bit");
            h = node_hash(&left, &h);
            i >>= 1;
        }
        self.stack.push(h);
        self.size += 1;
    }
    /// MTH of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        fold_range(&self.stack)
    }
}

/// MTH of a list of leaf hashes, by the RFC's recursive definition (reference implementation for tests and
/// small trees).
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// A C2SP tlog-checkpoint body: origin, tree size, root hash (and no extension lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// `<origin>\n<size>\n<base64 root>\n`.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        )
    }

    /// Parses a checkpoint body (the signed text of the note); extension lines after the root are ignored.
    pub fn parse(body: &str) -> Result<Checkpoint, ProofError> {
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(invalid("checkpoint", "no origin line"));
        }
        let size = lines.next().unwrap_or_default();
        if size.is_empty()
            || !size.bytes().all(|b| b.is_ascii_digit())
            || size.starts_with("0") && size.len() > 1
        {
            return Err(invalid(
                "checkpoint",
                format!("tree size {size:?} is not a decimal number"),
            ));
        }
        let size: u64 = size
            .parse()
            .map_err(|_| invalid("checkpoint", "tree size out of range"))?;
        let root = lines.next().unwrap_or_default();
        let root = decode_hash("checkpoint root hash", root)?;
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
        })
    }
}

/// Standard base64 of a hash.
pub fn b64(h: &Hash) -> String {
    B64.encode(h)
}

/// Parses a base64 hash of 32 bytes.
pub fn decode_hash(field: &'static str, s: &str) -> Result<Hash, ProofError> {
    let raw = B64
        .decode(s.trim().as_bytes())
        .map_err(|e| invalid(field, format!("not base64: {e}")))?;
    raw.try_into().map_err(|_| invalid(field, "not 32 bytes"))
}

/// Parses a hex hash of 32 bytes.
pub fn decode_hex(field: &'static str, s: &str) -> Result<Hash, ProofError> {
    let raw = hex::decode(s.trim()).map_err(|e| invalid(field, format!("not hex: {e}")))?;
    raw.try_into().map_err(|_| invalid(field, "not 32 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("event {i}").as_bytes()))
            .collect()
    }

    /// All complete subtrees of a tree, as storage would hold them.
    fn store(ls: &[Hash]) -> HashMap<NodeId, Hash> {
        let mut m = HashMap::new();
        for (i, l) in ls.iter().enumerate() {
            for (id, h) in append_nodes(i as u64, *l, |id| m.get(&id).copied()).unwrap() {
                m.insert(id, h);
            }
        }
        m
    }

    #[test]
    fn known_answers() {
        // RFC 6962 / 9162 test vectors (Go's certificate-transparency tests): the empty root and a one-leaf tree.
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex::encode(leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        // The 8-leaf reference tree of the CT test data (leaves 00, 10, 2021, 3031, 40414243, ...).
        let data: [&[u8]; 8] = [
            &[],
            &[0x00],
            &[0x10],
            &[0x20, 0x21],
            &[0x30, 0x31],
            &[0x40, 0x41, 0x42, 0x43],
            &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            &[
                0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
                0x6e, 0x6f,
            ],
        ];
        let ls: Vec<Hash> = data.iter().map(|d| leaf_hash(d)).collect();
        assert_eq!(
            hex::encode(root_of(&ls)),
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
        );
        assert_eq!(
            hex::encode(root_of(&ls[..3])),
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"
        );
    }

    #[test]
    fn stored_subtrees_frontier_and_reference_agree() {
        for n in 0..70u64 {
            let ls = leaves(n);
            let m = store(&ls);
            let root = root_of(&ls);
            let plan = ProofPlan::root(n);
            if n > 0 {
                assert_eq!(plan.resolve(&m).unwrap()[0], root, "n={n}");
            }
            let mut f = Frontier::new();
            ls.iter().for_each(|l| f.push(*l));
            assert_eq!(f.root(), root, "n={n}");
            // About 2n stored nodes.
            assert!(m.len() as u64 <= 2 * n);
        }
    }

    #[test]
    fn inclusion_proofs_verify_and_fail_when_anything_changes() {
        for n in 1..40u64 {
            let ls = leaves(n);
            let m = store(&ls);
            let root = root_of(&ls);
            for i in 0..n {
                let proof = ProofPlan::inclusion(i, n).unwrap().resolve(&m).unwrap();
                verify_inclusion(i, n, &ls[i as usize], &proof, &root).unwrap();
                assert!(verify_inclusion(i, n, &leaf_hash(b"x"), &proof, &root).is_err());
                if n > 1 {
                    let other = (i + 1) % n;
                    assert!(verify_inclusion(other, n, &ls[i as usize], &proof, &root).is_err());
                    let mut bad = proof.clone();
                    bad[0][0] ^= 1;
                    assert!(verify_inclusion(i, n, &ls[i as usize], &bad, &root).is_err());
                    assert!(verify_inclusion(i, n, &ls[i as usize], &proof[1..], &root).is_err());
                }
            }
        }
        assert!(ProofPlan::inclusion(3, 3).is_err());
        assert!(verify_inclusion(3, 3, &[0; 32], &[], &[0; 32]).is_err());
    }

    #[test]
    fn consistency_proofs_verify_and_fail_when_anything_changes() {
        for n in 1..40u64 {
            let ls = leaves(n);
            let m = store(&ls);
            let new_root = root_of(&ls);
            for old in 0..=n {
                let old_root = root_of(&ls[..old as usize]);
                let proof = ProofPlan::consistency(old, n).unwrap().resolve(&m).unwrap();
                verify_consistency(old, n, &old_root, &new_root, &proof).unwrap();
                if old > 0 && old < n {
                    let mut bad_old = old_root;
                    bad_old[5] ^= 1;
                    assert!(verify_consistency(old, n, &bad_old, &new_root, &proof).is_err());
                    let mut bad_new = new_root;
                    bad_new[5] ^= 1;
                    assert!(verify_consistency(old, n, &old_root, &bad_new, &proof).is_err());
                    let mut bad = proof.clone();
                    let last = bad.len() - 1;
                    bad[last][0] ^= 1;
                    assert!(verify_consistency(old, n, &old_root, &new_root, &bad).is_err());
                    assert!(verify_consistency(old, n, &old_root, &new_root, &[]).is_err());
                }
            }
        }
        assert!(ProofPlan::consistency(5, 4).is_err());
    }

    #[test]
    fn a_rewritten_prefix_is_not_consistent() {
        let ls = leaves(20);
        let old_root = root_of(&ls[..11]);
        let mut changed = ls.clone();
        changed[4] = leaf_hash(b"rewritten");
        let m = store(&changed);
        let proof = ProofPlan::consistency(11, 20).unwrap().resolve(&m).unwrap();
        assert!(verify_consistency(11, 20, &old_root, &root_of(&changed), &proof).is_err());
    }

    #[test]
    fn proofs_read_few_nodes() {
        let size = 1_000_000;
        let p = ProofPlan::inclusion(123_456, size).unwrap();
        assert!(p.nodes.len() <= 40, "{}", p.nodes.len());
        let c = ProofPlan::consistency(654_321, size).unwrap();
        assert!(c.nodes.len() <= 60, "{}", c.nodes.len());
    }

    #[test]
    fn checkpoint_body_round_trips_and_rejects_bad_input() {
        let c = Checkpoint {
            origin: "example.org/audit".into(),
            size: 42,
            root: leaf_hash(b"x"),
        };
        let body = c.body();
        assert_eq!(body.lines().count(), 3);
        assert_eq!(Checkpoint::parse(&body).unwrap(), c);
        assert!(Checkpoint::parse("\n1\nAAAA\n").is_err());
        assert!(Checkpoint::parse("o\n-1\n").is_err());
        assert!(Checkpoint::parse("o\n01\n").is_err());
        assert!(Checkpoint::parse("o\n1\nAAAA\n").is_err());
    }
}
