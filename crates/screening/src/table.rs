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
pub(crate) trait ProbeKey: Copy + Eq + Default {
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
    pub(crate) fn build(pairs: &[(K, u32)]) -> Self {
        let cap = pairs.len() + pairs.len() / 2 + 8;
        let mut slots = vec![(K::default(), EMPTY); cap];
        let mut filter = vec![0u64; pairs.len().div_ceil(8).max(1)];
        for &(k, v) in pairs {
            debug_assert!(v != EMPTY);
            let (w, bits) = filter_bits(k, filter.len());
            filter[w] |= bits;
            let mut i = home(k, cap);
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

/// The filter word of `k` among `words` and the two bits it sets there (from bits of the spread key that the home
/// slot hardly depends on).
fn filter_bits<K: ProbeKey>(k: K, words: usize) -> (usize, u64) {
    let h = k.spread();
    let w = ((h & 0xffff_ffff) * words as u64) >> 32;
    (w as usize, 1 << ((h >> 32) & 63) | 1 << ((h >> 38) & 63))
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
    }
}
