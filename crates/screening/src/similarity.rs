//! String similarity: Jaro-Winkler and normalised Levenshtein over byte or char slices, allocation-light.

/// Jaro similarity of two sequences.
pub fn jaro<T: PartialEq>(a: &[T], b: &[T]) -> f64 {
    let (la, lb) = (a.len(), b.len());
    if la == 0 && lb == 0 {
        return 1.0;
    }
    if la == 0 || lb == 0 {
        return 0.0;
    }
    let window = (la.max(lb) / 2).saturating_sub(1);
    let mut a_m = [false; 64];
    let mut b_m = [false; 64];
    let mut a_mv;
    let mut b_mv;
    let (am, bm): (&mut [bool], &mut [bool]) = if la <= 64 && lb <= 64 {
        (&mut a_m[..la], &mut b_m[..lb])
    } else {
        a_mv = vec![false; la];
        b_mv = vec![false; lb];
        (&mut a_mv[..], &mut b_mv[..])
    };
    let mut matches = 0usize;
    for i in 0..la {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(lb);
        for j in lo..hi {
            if !bm[j] && a[i] == b[j] {
                am[i] = true;
                bm[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut t = 0usize;
    let mut k = 0usize;
    for i in 0..la {
        if am[i] {
            while !bm[k] {
                k += 1;
            }
            if a[i] != b[k] {
                t += 1;
            }
            k += 1;
        }
    }
    let m = matches as f64;
    (m / la as f64 + m / lb as f64 + (m - t as f64 / 2.0) / m) / 3.0
}

/// Jaro-Winkler similarity (prefix scale 0.1, prefix up to 4).
pub fn jaro_winkler<T: PartialEq>(a: &[T], b: &[T]) -> f64 {
    let j = jaro(a, b);
    let l = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    j + l as f64 * 0.1 * (1.0 - j)
}

/// Jaro-Winkler over strings (bytes for ASCII, chars otherwise).
pub fn jw_str(a: &str, b: &str) -> f64 {
    if a.is_ascii() && b.is_ascii() {
        jaro_winkler(a.as_bytes(), b.as_bytes())
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        jaro_winkler(&a, &b)
    }
}

/// 1 - edit distance / length of the longer sequence, where an edit is an inserted, deleted or substituted
/// element or a swap of two adjacent ones (Levenshtein with transpositions: the optimal string alignment
/// distance). A swap is one typing slip, as in [`one_edit`].
pub fn levenshtein_sim<T: PartialEq>(a: &[T], b: &[T]) -> f64 {
    let (la, lb) = (a.len(), b.len());
    if la.max(lb) == 0 {
        return 1.0;
    }
    // Three rows: the one before the previous one is needed for a swap.
    let mut before: Vec<usize> = vec![0; lb + 1];
    let mut prev: Vec<usize> = (0..=lb).collect();
    let mut row: Vec<usize> = vec![0; lb + 1];
    for i in 1..=la {
        row[0] = i;
        for j in 1..=lb {
            let d = osa_cell(a, b, i, j, &before, &prev, &row);
            row[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut row);
    }
    1.0 - prev[lb] as f64 / la.max(lb) as f64
}

/// Cell (i, j) of the optimal string alignment table from the two rows before it (`before`, `prev`) and the
/// cells of row i already filled (`row`): a match, an edit, or a swap of adjacent elements.
fn osa_cell<T: PartialEq>(
    a: &[T],
    b: &[T],
    i: usize,
    j: usize,
    before: &[usize],
    prev: &[usize],
    row: &[usize],
) -> usize {
    let d = if a[i - 1] == b[j - 1] {
        prev[j - 1]
    } else {
        1 + prev[j - 1].min(prev[j]).min(row[j - 1])
    };
    if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
        d.min(before[j - 2] + 1)
    } else {
        d
    }
}

/// The edit distance of [`levenshtein_sim`] (with swaps of adjacent elements) when it is at most `k`, else
/// `None`: only the cells within `k` of the diagonal are computed, and the search stops as soon as a whole row
/// exceeds `k`, so a near-miss of a long name costs O(length · k), not O(length²).
pub fn edit_distance_within(a: &[u8], b: &[u8], k: usize) -> Option<usize> {
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > k {
        return None;
    }
    let inf = k + 1;
    // Rows i-2, i-1 and i; cells outside the band hold `inf`.
    let mut before = vec![inf; lb + 1];
    let mut prev: Vec<usize> = (0..=lb).map(|j| if j <= k { j } else { inf }).collect();
    let mut row = vec![inf; lb + 1];
    for i in 1..=la {
        let lo = i.saturating_sub(k).max(1);
        let hi = (i + k).min(lb);
        row[0] = if i <= k { i } else { inf };
        if lo > 1 {
            row[lo - 1] = inf;
        }
        let mut best = row[0];
        for j in lo..=hi {
            let d = osa_cell(a, b, i, j, &before, &prev, &row).min(inf);
            row[j] = d;
            best = best.min(d);
        }
        if hi < lb {
            row[hi + 1] = inf;
        }
        if best > k {
            return None;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut row);
    }
    (prev[lb] <= k).then_some(prev[lb])
}

/// Whether two sequences are one inserted (or deleted, or doubled) element, or one swap of adjacent elements,
/// apart. Substitutions are not covered: for tokens of five letters or more Jaro-Winkler rates them, and for short
/// tokens a substitution makes another name as often as a typo (Kim / Kin / Lim).
pub fn one_edit<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() == long.len() {
        let Some(i) = (0..short.len()).find(|&i| short[i] != long[i]) else {
            return false;
        };
        return i + 1 < short.len()
            && short[i] == long[i + 1]
            && short[i + 1] == long[i]
            && short[i + 2..] == long[i + 2..];
    }
    if long.len() != short.len() + 1 {
        return false;
    }
    let p = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    short[p..] == long[p + 1..]
}

/// Whether two sequences of the same length differ in exactly one position.
pub fn one_substitution<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    a.len() == b.len() && a.iter().zip(b).filter(|(x, y)| x != y).count() == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert!((jaro_winkler(b"martha", b"marhta") - 0.9611).abs() < 1e-3);
        assert!((jaro_winkler(b"dixon", b"dicksonx") - 0.8133).abs() < 1e-3);
        assert_eq!(jaro_winkler(b"", b"abc"), 0.0);
        assert_eq!(jaro_winkler(b"abc", b"abc"), 1.0);
        assert!((levenshtein_sim(b"kitten", b"sitting") - (1.0 - 3.0 / 7.0)).abs() < 1e-9);
        // A swap of adjacent letters is one edit, a swap of letters further apart two.
        assert!((levenshtein_sim(b"abdelrazaq", b"abderlazaq") - 0.9).abs() < 1e-9);
        assert!((levenshtein_sim(b"abcd", b"dbca") - 0.5).abs() < 1e-9);
        // The banded distance agrees with the full one whenever it is within the band.
        let words: &[&[u8]] = &[
            b"abdelrazaq",
            b"abderlazaq",
            b"kitten",
            b"sitting",
            b"ruselectronics",
            b"jscruselectronics",
            b"abc",
            b"",
            b"bmproektooo",
            b"oobmproekt",
            b"alexisvlachos",
            b"alexsvlachos",
            b"badulhai",
            b"abdulhai",
            b"aaaa",
            b"aaaaaaaaab",
        ];
        for a in words {
            for b in words {
                let full =
                    ((1.0 - levenshtein_sim(a, b)) * a.len().max(b.len()) as f64).round() as usize;
                for k in 0..12 {
                    let want = (full <= k).then_some(full);
                    assert_eq!(edit_distance_within(a, b, k), want, "{a:?} {b:?} {k}");
                }
            }
        }
        let long = vec![b'a'; 200];
        assert_eq!(jaro_winkler(&long, &long), 1.0);
        assert!(jw_str("путин", "путін") > 0.85);
        assert!(one_edit(b"kim", b"kimm") && one_edit(b"km", b"kim") && one_edit(b"kim", b"ikm"));
        assert!(
            !one_edit(b"kim", b"kin") && !one_edit(b"kim", b"kimmo") && !one_edit(b"abc", b"cba")
        );
        assert!(one_substitution(b"kim", b"kin") && !one_substitution(b"kim", b"kim"));
    }
}
