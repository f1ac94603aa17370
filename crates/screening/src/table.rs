//! A static multimap from integer keys to `u32` values in one flat array, for the retrieval structures whose
//! lookups are many and scattered (see ARCHITECTURE.md, "Screening index"). A lookup reads the slots from the key's
//! home slot on until an empty one: with the table at most two-thirds full that is a few slots of 8 (16) bytes,
//! usually within one cache line. A `HashMap<Box<str>, Vec<u32>>` reads the control bytes, the bucket, the key's
//! heap string and the values' heap array (four cache lines, each a likely miss in a map of megabytes), and a
//! binary search over a sorted array a dozen lines.
//!
//! Most lookups find nothing (a query's one-letter deletions are rarely anyone's), so a filter of one byte per key
//! (a blocked Bloom filter: two bits in one 64-bit word) answers them first: an eighth of the table's size, it
//! stays in cache where the slots do not, and it lets through about 5% of the absent keys.

/// The value of an empty slot (never a stored value: values are vocabulary or variant positions).
const EMPTY: u32 = u32::MAX;

/// A key of a [`ProbeTable`]: spread over 64 bits to pick the home slot.
pub(crate) trait ProbeKey: Copy + Ord + Default {
    fn spread(self) -> u64;
}

impl ProbeKey for u32 {
    fn spread(self) -> u64 {
        mix64(self as u64)
    }
}

impl ProbeKey for u64 {
    fn spread(self) -> u64 {
        mix64(self)
    }
}

/// The splitmix64 finaliser.
fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Keys with their values under linear probing. Built once from `(key, value)` pairs; a key's values come out
/// in the order the pairs were given.
#[derive(Debug)]
pub(crate) struct ProbeTable<K> {
    slots: Box<[(K, u32)]>,
    filter: Box<[u64]>,
}

impl<K: ProbeKey> Default for ProbeTable<K> {
    fn default() -> Self {
        ProbeTable::build(&[])
    }
}

impl<K: ProbeKey> ProbeTable<K> {
    /// The table of `pairs` (values other than `u32::MAX`), at most two-thirds full.
    ///
    /// The pairs are inserted in the order of their home slots (a stable counting sort on the home slot's high
    /// bits), so that the slots are written almost in sequence rather than at random over megabytes. The order of
    /// insertion between keys changes nothing a lookup returns: a key's values are still inserted in the order
    /// given, and a later value of a key always lands past the earlier ones (every slot from the key's home to an
    /// earlier value was taken when that value was inserted, and slots are never freed).
    pub(crate) fn build(pairs: &[(K, u32)]) -> Self {
        let cap = pairs.len() + pairs.len() / 2 + 8;
        let mut slots = vec![(K::default(), EMPTY); cap];
        let mut filter = vec![0u64; pairs.len().div_ceil(8).max(1)];
        // Buckets of about 256 consecutive home slots (a few KiB of slots each); the pairs are copied into
        // bucket order with their home slots, then inserted reading that copy in sequence.
        let buckets = cap.div_ceil(256);
        let mut starts = vec![0u32; buckets + 1];
        for &(k, _) in pairs {
            starts[home(k, cap) / 256 + 1] += 1;
        }
        for b in 0..buckets {
            starts[b + 1] += starts[b];
        }
        let mut sorted = vec![(K::default(), 0u32, 0u32); pairs.len()];
        for &(k, v) in pairs {
            let h = home(k, cap);
            let at = &mut starts[h / 256];
            sorted[*at as usize] = (k, v, h as u32);
            *at += 1;
        }
        for (k, v, h) in sorted {
            debug_assert!(v != EMPTY);
            let (w, bits) = filter_bits(k, filter.len());
            filter[w] |= bits;
            let mut i = h as usize;
            while slots[i].1 != EMPTY {
                i = if i + 1 == cap { 0 } else { i + 1 };
            }
            slots[i] = (k, v);
        }
        ProbeTable {
            slots: slots.into_boxed_slice(),
            filter: filter.into_boxed_slice(),
        }
    }

    /// The values stored under `k`, in the order they were given.
    pub(crate) fn get(&self, k: K) -> impl Iterator<Item = u32> + '_ {
        let cap = self.slots.len();
        let mut i = home(k, cap);
        let (w, bits) = filter_bits(k, self.filter.len());
        let mut absent = self.filter[w] & bits != bits;
        std::iter::from_fn(move || loop {
            if absent {
                return None;
            }
            let (sk, v) = self.slots[i];
            if v == EMPTY {
                absent = true;
                return None;
            }
            i = if i + 1 == cap { 0 } else { i + 1 };
            if sk == k {
                return Some(v);
            }
        })
    }
}

impl<K: ProbeKey> ProbeTable<K> {
    /// Calls `each` with every key's values, in the order given, reading the slots in sequence: a key's values
    /// all lie in the run of taken slots that holds its home slot.
    pub(crate) fn for_each_key(&self, mut each: impl FnMut(K, &[u32])) {
        // Start after an empty slot, so that no run is cut at the end of the array.
        let Some(empty) = self.slots.iter().position(|&(_, v)| v == EMPTY) else {
            return;
        };
        let (mut run, mut values): (Vec<(K, u32)>, Vec<u32>) = (Vec::new(), Vec::new());
        let (after, upto) = self.slots.split_at(empty + 1);
        for &slot in after.iter().chain(upto) {
            if slot.1 != EMPTY {
                run.push(slot);
                continue;
            }
            if let [(k, v)] = run[..] {
                each(k, &[v]);
            } else {
                // A key's values by key, in slot order (a stable sort).
                run.sort_by_key(|&(k, _)| k);
                for group in run.chunk_by(|a, b| a.0 == b.0) {
                    values.clear();
                    values.extend(group.iter().map(|&(_, v)| v));
                    each(group[0].0, &values);
                }
            }
            run.clear();
        }
    }
}

/// The filter word of `k` among `words` and the two bits it sets there. The word is picked as the home slot is
/// (from the spread key's high bits: keys inserted in home order set words in order too), the bits from its
/// lowest twelve bits, which neither depends on.
fn filter_bits<K: ProbeKey>(k: K, words: usize) -> (usize, u64) {
    let h = k.spread();
    let w = (h as u128 * words as u128) >> 64;
    (w as usize, 1 << (h & 63) | 1 << ((h >> 6) & 63))
}

/// The home slot of `k` in a table of `cap` slots (multiply-shift: no division).
fn home<K: ProbeKey>(k: K, cap: usize) -> usize {
    ((k.spread() as u128 * cap as u128) >> 64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_in_order_and_nothing_else() {
        let mut pairs = Vec::new();
        for k in 0..5000u32 {
            for v in 0..(k % 4) {
                pairs.push((k.wrapping_mul(2_654_435_761), k * 10 + v));
            }
        }
        let t = ProbeTable::build(&pairs);
        for k in 0..5000u32 {
            let got: Vec<u32> = t.get(k.wrapping_mul(2_654_435_761)).collect();
            let want: Vec<u32> = (0..(k % 4)).map(|v| k * 10 + v).collect();
            assert_eq!(got, want);
        }
        assert_eq!(t.get(7).count(), 0);
        let empty: ProbeTable<u64> = ProbeTable::default();
        assert_eq!(empty.get(0).count(), 0);
        let mut all = Vec::new();
        t.for_each_key(|k, vs| all.push((k, vs.to_vec())));
        all.sort();
        let mut want: Vec<(u32, Vec<u32>)> = (0..5000u32)
            .filter(|k| k % 4 != 0)
            .map(|k| {
                (
                    k.wrapping_mul(2_654_435_761),
                    (0..(k % 4)).map(|v| k * 10 + v).collect(),
                )
            })
            .collect();
        want.sort();
        assert_eq!(all, want);
    }

    #[test]
    fn many_values_per_key_in_order() {
        // Long runs of one key among others sharing home slots (keys 0..50, 40 values each, given key by key
        // and interleaved).
        let mut pairs = Vec::new();
        for v in 0..40u32 {
            for k in 0..50u64 {
                pairs.push((k, (k as u32) * 1000 + v));
            }
        }
        let t = ProbeTable::build(&pairs);
        for k in 0..50u64 {
            let got: Vec<u32> = t.get(k).collect();
            let want: Vec<u32> = (0..40).map(|v| k as u32 * 1000 + v).collect();
            assert_eq!(got, want);
        }
    }
}
