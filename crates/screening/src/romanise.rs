//! Romanisation families: keys under which one name written in different romanisation systems compares equal.
//!
//! A Latin comparison form is read as each family would write it and reduced to a rough sound string; two tokens
//! with a common key (within one family) are spellings of the same name in different systems:
//! - **Western renderings** of Russian, Ukrainian, Arabic and Persian names — English (BGN/PCGN), French and
//!   German: kh / kh / ch, zh / j / sch, ch / tch / tsch, sh / ch / sch, ts / ts / z, u / ou / u, y / i / j,
//!   v / v / w, dj / j (Khrushchev / Khrouchtchev / Chruschtschow, Yeltsin / Eltsine / Jelzin, Shukri / Choukri,
//!   Djamel / Jamel, Zelenskyy / Selenskyj);
//! - **Chinese**: pinyin and Wade–Giles with its apostrophes dropped (zh / ch, j / ch, q / ch', x / hs, z / ts,
//!   c / ts', r / j, b d g / p t k, -ong / -ung, -ian / -ien, -ie / -ieh, zhi / chih, zi / tzu, si / ssu):
//!   Zhou / Chou, Xi / Hsi, Qian / Ch'ien, Jiang / Chiang, Zedong / Tsetung, Ren / Jen;
//! - **Korean**: Revised Romanisation, McCune–Reischauer (breves folded, apostrophes dropped) and common
//!   spellings (g / k, b / p, d / t, j / ch, r / l, eo / ŏ / o, eu / ŭ / u, oe / oi / we, sh / s): Gim / Kim,
//!   Jeong / Jŏng / Jong, Eun / Ŭn / Un, Pyeongyang / P'yŏngyang, Choe / Choi / Chwe, Bak / Pak.
//!
//! Name-specific spellings that no rule covers (Ri / Rhee / Lee / Yi, Park / Pak) are equivalence groups in
//! [`crate::names`]. Keys are 64-bit hashes of (family, sound string).

use rustc_hash::FxHasher;
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

/// A family of romanisation systems; keys only compare within a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// English, French and German renderings (Russian, Ukrainian, Arabic, Persian names).
    Western,
    /// Pinyin and Wade–Giles.
    Chinese,
    /// Revised Romanisation, McCune–Reischauer and common Korean spellings.
    Korean,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Western => "western",
            Family::Chinese => "chinese",
            Family::Korean => "korean",
        }
    }
}

/// One rule: a pattern (`^` anchors it at the start of the token, `$` at its end) and its replacement. Upper-case
/// letters in replacements are sound classes (C = ch as in church, J = j / zh, S = sh, X = kh, Z = ts, H = the
/// pinyin x / Wade–Giles hs, R = the pinyin r / Wade–Giles j).
type Rule = (&'static str, &'static str);

/// Rules applied after a reading's own, in every reading.
const COMMON: &[Rule] = &[
    ("ph", "f"),
    ("th", "t"),
    ("dh", "d"),
    ("gh", "g"),
    ("ck", "k"),
    ("ee", "i"),
    ("oo", "u"),
    ("ou", "u"),
    ("w", "v"),
    ("q", "k"),
    ("x", "ks"),
    ("c", "k"),
];

const ENGLISH: &[Rule] = &[
    ("shch", "SC"),
    ("dzh", "J"),
    ("tch", "C"),
    ("kh", "X"),
    ("zh", "J"),
    ("dj", "J"),
    ("j", "J"),
    ("ch", "C"),
    ("sh", "S"),
    ("ts", "Z"),
    ("tz", "Z"),
    ("^ye", "e"),
    ("iy$", "i"),
    ("yy$", "i"),
];

const FRENCH: &[Rule] = &[
    ("tch", "C"),
    ("kh", "X"),
    ("dj", "J"),
    ("j", "J"),
    ("ch", "S"),
    ("sh", "S"),
    ("ts", "Z"),
    ("tz", "Z"),
    ("qu", "k"),
    ("gue", "ge"),
    ("gui", "gi"),
    ("oua", "va"),
    ("ine$", "in"),
    ("^ye", "e"),
];

const GERMAN: &[Rule] = &[
    // ё after ч / ш / щ: English -chev / -shchev, German -tschow / -schtschow (Gorbachev / Gorbatschow).
    ("tschow$", "Cev"),
    ("schow$", "Sev"),
    ("tsch", "C"),
    ("dsch", "J"),
    ("sch", "S"),
    ("ch", "X"),
    ("sh", "S"),
    ("^je", "e"),
    ("^ye", "e"),
    ("ij$", "i"),
    ("yj$", "i"),
    ("j", "y"),
    ("ts", "Z"),
    ("tz", "Z"),
    ("z", "Z"),
    // s between vowels is voiced (Gasiew / Gaziev).
    ("asa", "aza"),
    ("ase", "aze"),
    ("asi", "azi"),
    ("aso", "azo"),
    ("asu", "azu"),
    ("esa", "eza"),
    ("ese", "eze"),
    ("esi", "ezi"),
    ("eso", "ezo"),
    ("esu", "ezu"),
    ("isa", "iza"),
    ("ise", "ize"),
    ("isi", "izi"),
    ("iso", "izo"),
    ("isu", "izu"),
    ("osa", "oza"),
    ("ose", "oze"),
    ("osi", "ozi"),
    ("oso", "ozo"),
    ("osu", "ozu"),
    ("usa", "uza"),
    ("use", "uze"),
    ("usi", "uzi"),
    ("uso", "uzo"),
    ("usu", "uzu"),
    ("^sa", "za"),
    ("^se", "ze"),
    ("^si", "zi"),
    ("^so", "zo"),
    ("^su", "zu"),
];

/// German renderings also write ж as sch (Schukow / Zhukov).
const GERMAN_ZH: &[Rule] = &[
    ("tsch", "C"),
    ("sch", "J"),
    ("ch", "X"),
    ("^je", "e"),
    ("^ye", "e"),
    ("ij$", "i"),
    ("yj$", "i"),
    ("j", "y"),
    ("ts", "Z"),
    ("tz", "Z"),
    ("z", "Z"),
];

const PINYIN: &[Rule] = &[
    ("zh", "C"),
    ("ch", "C"),
    ("sh", "S"),
    ("ge$", "ko"),
    ("ke$", "ko"),
    ("he$", "ho"),
    ("j", "C"),
    ("q", "C"),
    ("x", "H"),
    ("z", "Z"),
    ("c", "Z"),
    ("r", "R"),
    ("ng", "ng"),
    ("b", "p"),
    ("d", "t"),
    ("g", "k"),
    ("ong", "ung"),
    ("iang", "iang"),
    ("ian", "ien"),
    ("yang", "yang"),
    ("yan", "yen"),
    ("you", "yu"),
    ("uo", "o"),
];

const WADE_GILES: &[Rule] = &[
    ("tzu", "Zi"),
    ("ssu", "si"),
    ("szu", "si"),
    ("hs", "H"),
    ("ch", "C"),
    ("sh", "S"),
    ("ts", "Z"),
    ("tz", "Z"),
    ("j", "R"),
    ("ng", "ng"),
    ("b", "p"),
    ("d", "t"),
    ("g", "k"),
    ("uei", "ui"),
    ("ieh", "ie"),
    ("ih", "i"),
    ("uo", "o"),
];

const KOREAN: &[Rule] = &[
    ("^yi$", "li"),
    ("^i$", "li"),
    ("tch", "C"),
    ("jj", "C"),
    ("ch", "C"),
    ("j", "C"),
    ("sh", "s"),
    ("rh", "l"),
    ("r", "l"),
    ("kk", "k"),
    ("ng", "ng"),
    ("g", "k"),
    ("b", "p"),
    ("d", "t"),
    ("eo", "o"),
    ("eu", "u"),
    ("oi", "oe"),
    ("we", "oe"),
];

/// Each reading: its family, its rules, and the rules applied after them ([`COMMON`] for Western renderings
/// only: ou / u or c / k would merge different Chinese and Korean syllables, Zhou / Zhu).
const READINGS: &[(Family, &[Rule], &[Rule])] = &[
    (Family::Western, ENGLISH, COMMON),
    (Family::Western, FRENCH, COMMON),
    (Family::Western, GERMAN, COMMON),
    (Family::Western, GERMAN_ZH, COMMON),
    (Family::Chinese, PINYIN, &[]),
    (Family::Chinese, WADE_GILES, &[]),
    (Family::Korean, KOREAN, &[]),
];

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// A rule with its anchors parsed.
struct Compiled {
    pat: &'static [u8],
    rep: &'static [u8],
    at_start: bool,
    at_end: bool,
}

/// A reading's rules, then its tail rules, in one array bucketed by their first letter (priority kept within a
/// bucket): the rules starting with byte `c` (modulo 128) are `rules[starts[c]..starts[c + 1]]`.
struct Buckets {
    rules: Vec<Compiled>,
    starts: [u16; 129],
}

fn compiled() -> &'static [Buckets] {
    static C: OnceLock<Vec<Buckets>> = OnceLock::new();
    C.get_or_init(|| {
        READINGS
            .iter()
            .map(|&(_, rules, tail)| {
                let mut b: Vec<Vec<Compiled>> = (0..128).map(|_| Vec::new()).collect();
                for &(pat, rep) in rules.iter().chain(tail) {
                    let (at_start, p) = match pat.strip_prefix('^') {
                        Some(p) => (true, p),
                        None => (false, pat),
                    };
                    let (at_end, p) = match p.strip_suffix('$') {
                        Some(p) => (true, p),
                        None => (false, p),
                    };
                    let p = p.as_bytes();
                    b[p[0] as usize & 127].push(Compiled {
                        pat: p,
                        rep: rep.as_bytes(),
                        at_start,
                        at_end,
                    });
                }
                let mut starts = [0u16; 129];
                for (c, rules) in b.iter().enumerate() {
                    starts[c + 1] = starts[c] + rules.len() as u16;
                }
                Buckets {
                    rules: b.into_iter().flatten().collect(),
                    starts,
                }
            })
            .collect()
    })
}

/// Whether `form` has `pat` at `at` (a loop rather than a call: patterns are a few bytes).
#[inline]
fn has_at(form: &[u8], at: usize, pat: &[u8]) -> bool {
    form.len() - at >= pat.len() && pat.iter().zip(&form[at..]).all(|(p, f)| p == f)
}

/// Read `form` with one reading's rules (then its tail rules), then: y before a consonant or at the end becomes i, a
/// final h after a vowel is dropped, doubled sounds are single.
fn read(form: &[u8], reading: usize, out: &mut Vec<u8>) {
    let b = &compiled()[reading];
    out.clear();
    let mut i = 0;
    'outer: while i < form.len() {
        let c = form[i] as usize & 127;
        for r in &b.rules[b.starts[c] as usize..b.starts[c + 1] as usize] {
            // (The second letter first: it rules out most rules of a bucket.)
            if r.pat.len() > 1 && form.get(i + 1) != Some(&r.pat[1]) || r.at_start && i != 0 {
                continue;
            }
            if has_at(form, i, r.pat) && (!r.at_end || i + r.pat.len() == form.len()) {
                for &x in r.rep {
                    out.push(x);
                }
                i += r.pat.len();
                continue 'outer;
            }
        }
        out.push(form[i]);
        i += 1;
    }
    // y as a vowel; a final h; doubled sounds.
    let mut j = 0;
    let mut prev = 0u8;
    for k in 0..out.len() {
        let mut c = out[k];
        if c == b'y' && !out.get(k + 1).is_some_and(|&n| is_vowel(n)) {
            c = b'i';
        }
        if c == b'h' && k + 1 == out.len() && k > 0 && is_vowel(prev) {
            continue;
        }
        if c == prev {
            continue;
        }
        out[j] = c;
        j += 1;
        prev = c;
    }
    out.truncate(j);
}

fn key_hash(family: Family, sound: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    family.hash(&mut h);
    sound.hash(&mut h);
    h.finish()
}

/// The romanisation keys of a Latin comparison form (lower-case ASCII letters), distinct, at most one per reading;
/// none for forms of fewer than 2 letters or with digits.
pub fn keys(form: &str) -> Vec<u64> {
    let b = form.as_bytes();
    if b.len() < 2 || !b.iter().all(u8::is_ascii_lowercase) {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(READINGS.len());
    let mut buf = Vec::with_capacity(b.len() + 4);
    for (r, &(family, _, _)) in READINGS.iter().enumerate() {
        read(b, r, &mut buf);
        if buf.len() < 2 {
            continue;
        }
        let h = key_hash(family, &buf);
        if !out.contains(&h) {
            out.push(h);
        }
    }
    out
}

/// Keys of a name's compact form (its words without spaces) in the Chinese and Korean readings only: syllables of
/// these names are split differently from one system to another (Zhihong / Chih-hung, Jongun / Jong Un). Empty for
/// forms of fewer than 6 letters.
pub fn compact_keys(form: &str) -> Vec<u64> {
    let b = form.as_bytes();
    if b.len() < 6 || !b.iter().all(u8::is_ascii_lowercase) {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(3);
    let mut buf = Vec::with_capacity(b.len() + 4);
    for (r, &(family, _, _)) in READINGS.iter().enumerate() {
        if family == Family::Western {
            continue;
        }
        read(b, r, &mut buf);
        let h = key_hash(family, &buf);
        if !out.contains(&h) {
            out.push(h);
        }
    }
    out
}

/// The family in which two forms share a key, if any (for tests and explanations).
pub fn shared_family(a: &str, b: &str) -> Option<Family> {
    let (ba, bb) = (a.as_bytes(), b.as_bytes());
    if ba.len() < 2 || bb.len() < 2 {
        return None;
    }
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for (ra, &(fa, _, _)) in READINGS.iter().enumerate() {
        read(ba, ra, &mut x);
        if x.len() < 2 {
            continue;
        }
        for (rb, &(fb, _, _)) in READINGS.iter().enumerate() {
            if fb != fa {
                continue;
            }
            read(bb, rb, &mut y);
            if x == y {
                return Some(fa);
            }
        }
    }
    None
}

/// Hangul syllables in Revised Romanisation, one string per syllable (김정은 -> gim, jeong, eun; 이 alone or as a
/// surname -> yi, the spelling Korean family names use); other characters are left out.
pub fn hangul_syllables(token: &str) -> Vec<String> {
    const INITIAL: [&str; 19] = [
        "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t",
        "p", "h",
    ];
    const MEDIAL: [&str; 21] = [
        "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo",
        "we", "wi", "yu", "eu", "ui", "i",
    ];
    const FINAL: [&str; 28] = [
        "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p",
        "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t",
    ];
    let mut out = Vec::new();
    for c in token.chars() {
        let u = c as u32;
        if !(0xAC00..=0xD7A3).contains(&u) {
            continue;
        }
        let s = (u - 0xAC00) as usize;
        let (l, v, t) = (s / 588, (s % 588) / 28, s % 28);
        let mut syl = String::with_capacity(6);
        syl.push_str(INITIAL[l]);
        syl.push_str(MEDIAL[v]);
        syl.push_str(FINAL[t]);
        if syl == "i" && out.is_empty() {
            syl = "yi".into();
        }
        out.push(syl);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) -> bool {
        let (ka, kb) = (keys(a), keys(b));
        ka.iter().any(|k| kb.contains(k))
    }

    #[test]
    fn korean_spellings() {
        for (a, b) in [
            ("kim", "gim"),
            ("jong", "jeong"),
            ("un", "eun"),
            ("pyongyang", "pyeongyang"),
            ("choe", "choi"),
            ("choe", "chwe"),
            ("pak", "bak"),
            ("tae", "dae"),
            ("kwang", "gwang"),
            ("chol", "cheol"),
            ("ri", "li"),
            ("rhee", "lee"),
            ("yi", "ri"),
            ("sin", "shin"),
        ] {
            assert!(same(a, b), "{a} / {b}");
            assert!(shared_family(a, b).is_some(), "{a} / {b}");
        }
    }

    #[test]
    fn chinese_spellings() {
        for (a, b) in [
            ("zhou", "chou"),
            ("xi", "hsi"),
            ("qian", "chien"),
            ("jiang", "chiang"),
            ("zedong", "tsetung"),
            ("ren", "jen"),
            ("zhi", "chih"),
            ("zi", "tzu"),
            ("si", "ssu"),
            ("xiong", "hsiung"),
            ("deng", "teng"),
            ("guo", "kuo"),
            ("xie", "hsieh"),
            ("cai", "tsai"),
            ("gui", "kuei"),
        ] {
            assert!(same(a, b), "{a} / {b}");
        }
    }

    #[test]
    fn western_renderings() {
        for (a, b) in [
            ("khrushchev", "khrouchtchev"),
            ("yeltsin", "jelzin"),
            ("yeltsin", "eltsine"),
            ("shukri", "choukri"),
            ("djamel", "jamel"),
            ("zelenskyy", "selenskyj"),
            ("zhukov", "schukow"),
            ("chekhov", "tschechow"),
            ("gorbachev", "gorbatschow"),
            ("tchaikovsky", "tschaikowski"),
            ("mikhail", "michail"),
            ("vladimir", "wladimir"),
            ("sergey", "sergej"),
            ("yusuf", "youssouf"),
            ("shostakovich", "chostakovitch"),
            ("putin", "poutine"),
            ("yevgeny", "evgueni"),
            ("ouattara", "wattara"),
            ("granovsky", "granowsky"),
            ("ivanovich", "iwanowitsch"),
            ("aleksey", "aleksej"),
            ("gaziev", "gasiew"),
        ] {
            assert!(same(a, b), "{a} / {b}");
            assert_eq!(shared_family(a, b), Some(Family::Western), "{a} / {b}");
        }
    }

    #[test]
    fn different_names_stay_apart() {
        for (a, b) in [
            ("kim", "kin"),
            ("jong", "jang"),
            ("shamil", "jamil"),
            ("ivanov", "ivanova"),
            ("smith", "smart"),
            ("zhao", "zhou"),
            ("xi", "shi"),
            ("zhou", "zhao"),
            ("park", "pak"),
            ("lee", "leo"),
        ] {
            assert!(!same(a, b), "{a} / {b}");
        }
        assert!(keys("a").is_empty());
        let shared = |a: &str, b: &str| compact_keys(a).iter().any(|k| compact_keys(b).contains(k));
        assert!(shared("xiezhihong", "hsiehchihhung"));
        assert!(shared("maozedong", "maotsetung"));
        assert!(shared("kimjongun", "gimjeongeun"));
        assert!(!shared("kimjongun", "kimjangun"));
        assert!(keys("a1").is_empty());
    }

    #[test]
    fn hangul() {
        assert_eq!(hangul_syllables("김정은"), ["gim", "jeong", "eun"]);
        assert_eq!(hangul_syllables("평양"), ["pyeong", "yang"]);
        assert_eq!(hangul_syllables("최"), ["choe"]);
        assert_eq!(hangul_syllables("이"), ["yi"]);
        assert_eq!(hangul_syllables("박x"), ["bak"]);
    }
}
