//! Quality evaluation built from the shipped lists themselves.
//!
//! `cargo run --release -p screening --example quality -- OUT_DIR [PER_LIST]` writes
//! - `OUT_DIR/entries.jsonl`: every entry (list, id, kind, names, birth dates, countries) for the peer matcher;
//! - `OUT_DIR/cases.jsonl`: the cases (query, expected list/id or none, case type, kind);
//! - `OUT_DIR/ours.jsonl`: this crate's outcome per case (full index screening at the default threshold, and the
//!   pairwise score of the expected entry);
//!
//! and prints recall / false-positive rate / F1 per case type, list and kind. `bench/screening/quality.sh` runs
//! it and then the nomenklatura peer on the same cases.
#[path = "../tests/shipped/mod.rs"]
mod shipped;

use lists::{EntityKind, ListSnapshot};
use screening::{Index, Options, Query};
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::time::Instant;

/// Small deterministic PRNG (xorshift64*), so the case set is reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const FIRST: &[&str] = &[
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Lukas",
    "Sophie",
    "Hannah",
    "Jonas",
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Mia",
    "Lena",
    "Pierre",
    "Camille",
    "Giulia",
    "Matteo",
    "Sofia",
    "Hiroshi",
    "Yuki",
    "Priya",
    "Arjun",
    "Anika",
    "Lars",
    "Ingrid",
    "Sven",
    "Astrid",
    "Pablo",
    "Lucia",
    "Carmen",
    "Diego",
    "Aoife",
    "Siobhan",
    "Tomasz",
    "Katarzyna",
    "Jan",
    "Eva",
    "Mateusz",
    "Zofia",
    "Nora",
    "Felix",
    "Clara",
    "Oskar",
    "Margaret",
    "Helen",
    "Peter",
    "Anna",
    "Paul",
    "Laura",
    "Mark",
    "Emily",
    "Daniel",
    "Grace",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Moore",
    "Jackson",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "Wright",
    "Scott",
    "Hill",
    "Green",
    "Adams",
    "Baker",
    "Nelson",
    "Carter",
    "Mitchell",
    "Roberts",
    "Turner",
    "Phillips",
    "Campbell",
    "Parker",
    "Evans",
    "Edwards",
    "Collins",
    "Stewart",
    "Morris",
    "Murphy",
    "Cook",
    "Rogers",
    "Morgan",
    "Peterson",
    "Cooper",
    "Reed",
    "Bailey",
    "Bell",
    "Kelly",
    "Howard",
    "Ward",
    "Richardson",
    "Wood",
    "Watson",
    "Brooks",
    "Bennett",
    "Gray",
    "Hughes",
    "Price",
    "Sanders",
    "Myers",
    "Ross",
    "Foster",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Dubois",
    "Lefebvre",
    "Moreau",
    "Laurent",
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "García",
    "Fernández",
    "López",
    "Martínez",
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Jansen",
    "de Vries",
    "van Dijk",
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nielsen",
    "Hansen",
    "Tanaka",
    "Suzuki",
    "Takahashi",
    "Sato",
    "Patel",
    "Sharma",
    "O'Brien",
    "Murray",
    "Quinn",
    "Ostrowska-Lindqvist",
    "Fitzgerald",
    "Lindgren",
    "Kowalczyk",
    "Novak",
    "Horvat",
    "Eriksen",
    "Virtanen",
];
const CO_A: &[&str] = &[
    "Nordic",
    "Alpine",
    "Blue",
    "Golden",
    "Pacific",
    "Atlantic",
    "Summit",
    "Crystal",
    "Silver",
    "Green",
    "Northern",
    "Sunrise",
    "Evergreen",
    "Harbor",
    "Maple",
    "Cedar",
    "Granite",
    "Riverside",
    "Lakeside",
    "Oak",
    "Pioneer",
    "Horizon",
    "Vertex",
    "Quantum",
    "Meridian",
    "Polar",
    "Coastal",
    "Central",
    "Bright",
    "Willow",
];
const CO_B: &[&str] = &[
    "Valve",
    "Textile",
    "Bakery",
    "Logistics",
    "Dental",
    "Software",
    "Furniture",
    "Optics",
    "Marine",
    "Garden",
    "Paper",
    "Ceramics",
    "Solar",
    "Robotics",
    "Medical",
    "Printing",
    "Brewing",
    "Coffee",
    "Timber",
    "Plastics",
    "Analytics",
    "Foods",
    "Apparel",
    "Tooling",
    "Packaging",
    "Bicycle",
    "Water",
    "Media",
    "Glassworks",
    "Flooring",
];
const CO_C: &[&str] = &[
    "",
    "Systems",
    "Solutions",
    "Works",
    "Partners",
    "Technologies",
    "Labs",
    "Studio",
];
const CO_D: &[&str] = &[
    "GmbH",
    "Ltd",
    "LLC",
    "Inc.",
    "SA",
    "AB",
    "BV",
    "Oy",
    "S.r.l.",
    "Co., Ltd.",
    "AG",
    "plc",
];

/// Other romanisations: one spelling rule applied at one place.
const RULES: &[(&str, &str)] = &[
    ("ou", "u"),
    ("u", "ou"),
    ("ee", "i"),
    ("y", "i"),
    ("i", "y"),
    ("kh", "h"),
    ("ph", "f"),
    ("f", "ph"),
    ("q", "k"),
    ("sh", "ch"),
    ("j", "dj"),
    ("dj", "j"),
    ("ss", "s"),
    ("dd", "d"),
    ("mm", "m"),
    ("ll", "l"),
    ("e", "a"),
    ("a", "e"),
    ("o", "u"),
    ("u", "o"),
    ("ei", "ai"),
    ("ai", "ei"),
    ("v", "w"),
    ("w", "v"),
    ("c", "k"),
    ("k", "c"),
    ("z", "s"),
    ("ie", "i"),
    ("iy", "i"),
    ("ya", "ia"),
    ("yu", "iu"),
    ("s", "ss"),
    ("t", "tt"),
];

fn romanise(name: &str, rng: &mut Rng) -> Option<String> {
    let lower = name.to_lowercase();
    for _ in 0..20 {
        let (from, to) = RULES[rng.below(RULES.len())];
        let hits: Vec<usize> = lower.match_indices(from).map(|(i, _)| i).collect();
        if hits.is_empty() {
            continue;
        }
        let at = hits[rng.below(hits.len())];
        return Some(format!(
            "{}{}{}",
            &lower[..at],
            to,
            &lower[at + from.len()..]
        ));
    }
    None
}

fn typo(name: &str, rng: &mut Rng) -> Option<String> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let long: Vec<usize> = (0..words.len())
        .filter(|&i| words[i].chars().count() >= 5)
        .collect();
    if long.is_empty() {
        return None;
    }
    let wi = long[rng.below(long.len())];
    let mut w: Vec<char> = words[wi].chars().collect();
    let p = 1 + rng.below(w.len() - 2);
    let letter = (b'a' + rng.below(26) as u8) as char;
    match rng.below(4) {
        0 => w[p] = letter,
        1 => {
            w.remove(p);
        }
        2 => w.insert(p, letter),
        _ => w.swap(p, p + 1),
    }
    let mut out: Vec<String> = words.iter().map(|s| s.to_string()).collect();
    out[wi] = w.into_iter().collect();
    Some(out.join(" "))
}

fn latin_to_cyrillic(name: &str) -> String {
    let s = name.to_lowercase();
    let b: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        let two: String = b[i..(i + 2).min(b.len())].iter().collect();
        let d = match two.as_str() {
            "kh" => Some("х"),
            "sh" => Some("ш"),
            "ch" => Some("ч"),
            "zh" => Some("ж"),
            "ts" => Some("ц"),
            "ya" => Some("я"),
            "yu" => Some("ю"),
            "yo" => Some("ё"),
            _ => None,
        };
        if let Some(d) = d {
            out.push_str(d);
            i += 2;
            continue;
        }
        let c = match b[i] {
            'a' => "а",
            'b' => "б",
            'v' | 'w' => "в",
            'g' => "г",
            'd' => "д",
            'e' => "е",
            'z' => "з",
            'i' => "и",
            'y' => "й",
            'k' | 'c' | 'q' => "к",
            'l' => "л",
            'm' => "м",
            'n' => "н",
            'o' => "о",
            'p' => "п",
            'r' => "р",
            's' => "с",
            't' => "т",
            'u' => "у",
            'f' => "ф",
            'h' => "х",
            'j' => "дж",
            'x' => "кс",
            c if c.is_alphabetic() => "",
            _ => " ",
        };
        out.push_str(c);
        i += 1;
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Letters of a word (for choosing words by length).
fn letters(w: &str) -> usize {
    w.chars().filter(|c| c.is_alphabetic()).count()
}

/// One inserted, deleted, doubled or transposed letter (any position) in a word of `min..=max` letters.
fn edit_word(name: &str, rng: &mut Rng, min: usize, max: usize) -> Option<String> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let pick: Vec<usize> = (0..words.len())
        .filter(|&i| {
            let n = letters(words[i]);
            (min..=max).contains(&n) && words[i].chars().all(char::is_alphabetic)
        })
        .collect();
    if pick.is_empty() {
        return None;
    }
    let wi = pick[rng.below(pick.len())];
    let mut w: Vec<char> = words[wi].chars().collect();
    let upper = w.iter().all(|c| !c.is_lowercase());
    let letter = (b'a' + rng.below(26) as u8) as char;
    let letter = if upper {
        letter.to_ascii_uppercase()
    } else {
        letter
    };
    match rng.below(4) {
        0 => w.insert(rng.below(w.len() + 1), letter),
        1 => {
            w.remove(rng.below(w.len()));
        }
        2 => {
            let p = rng.below(w.len());
            w.insert(p, w[p]);
        }
        _ => {
            let p = rng.below(w.len() - 1);
            w.swap(p, p + 1);
        }
    }
    let mut out: Vec<String> = words.iter().map(|s| s.to_string()).collect();
    out[wi] = w.into_iter().collect();
    let q = out.join(" ");
    (q != name).then_some(q)
}

/// A hyphen moved by one letter or dropped.
fn hyphen(name: &str, rng: &mut Rng) -> Option<String> {
    let c: Vec<char> = name.chars().collect();
    let at: Vec<usize> = (1..c.len().saturating_sub(1))
        .filter(|&i| c[i] == '-' && c[i - 1].is_alphabetic() && c[i + 1].is_alphabetic())
        .collect();
    if at.is_empty() {
        return None;
    }
    let h = at[rng.below(at.len())];
    let mut c = c;
    match rng.below(3) {
        0 => {
            c.remove(h);
        }
        1 => c.swap(h - 1, h),
        _ => c.swap(h, h + 1),
    }
    Some(c.into_iter().collect())
}

/// Arabic-origin elements written together or apart: Abd al-X / Abdul X / Abdel X / AbdulX / Abd-al-X, and the
/// article al-X / Al X / alX / el-X.
fn arabic_elements(name: &str, rng: &mut Rng) -> Option<String> {
    let words: Vec<String> = name.split_whitespace().map(str::to_string).collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let cap = |s: &str| {
        let mut c = s.chars();
        c.next()
            .map(|f| {
                f.to_uppercase()
                    .chain(c.flat_map(char::to_lowercase))
                    .collect::<String>()
            })
            .unwrap_or_default()
    };
    // (start, end) of the compound in words, and the name after the abd element.
    let mut found: Option<(usize, usize, String)> = None;
    for i in 0..words.len() {
        let w = lower[i].trim_end_matches(',');
        let next = lower.get(i + 1).map(|s| s.trim_end_matches(','));
        let rest_after_al = |s: &str| {
            s.strip_prefix("al-")
                .or_else(|| s.strip_prefix("el-"))
                .or_else(|| s.strip_prefix("ul-"))
                .map(str::to_string)
        };
        if w == "abd" || w == "abdul" || w == "abdel" || w == "abdal" {
            match next {
                Some(n) if rest_after_al(n).is_some() => {
                    found = Some((i, i + 2, rest_after_al(n).unwrap()))
                }
                Some("al" | "el") if i + 2 < words.len() => {
                    found = Some((i, i + 3, lower[i + 2].trim_end_matches(',').to_string()))
                }
                Some(n) if n.len() >= 3 => found = Some((i, i + 2, n.to_string())),
                _ => {}
            }
        } else if let Some(r) = [
            "abd-al-", "abd-el-", "abdul-", "abdel-", "abdul", "abdel", "abdal",
        ]
        .iter()
        .find_map(|p| w.strip_prefix(p))
        .filter(|r| r.len() >= 3 && !r.starts_with('l'))
        {
            found = Some((i, i + 1, r.to_string()));
        }
        if found.is_some() {
            break;
        }
    }
    let out: Vec<String> = if let Some((a, b, rest)) = found {
        let r = cap(&rest);
        let forms = [
            format!("Abd al-{r}"),
            format!("Abdul {r}"),
            format!("Abdel {r}"),
            format!("Abdul{}", rest.to_lowercase()),
            format!("Abdel{}", rest.to_lowercase()),
            format!("Abd-al-{r}"),
            format!("Abd Al {r}"),
        ];
        let current = words[a..b].join(" ").to_lowercase();
        let choices: Vec<&String> = forms
            .iter()
            .filter(|f| f.to_lowercase() != current)
            .collect();
        let f = choices[rng.below(choices.len())].clone();
        words[..a]
            .iter()
            .cloned()
            .chain([f])
            .chain(words[b..].iter().cloned())
            .collect()
    } else {
        let at: Vec<usize> = (0..words.len())
            .filter(|&i| {
                (lower[i].starts_with("al-") || lower[i].starts_with("el-")) && lower[i].len() >= 6
            })
            .collect();
        if at.is_empty() {
            return None;
        }
        let i = at[rng.below(at.len())];
        let rest = &words[i][3..];
        let f = match rng.below(3) {
            0 => format!("Al {}", cap(rest)),
            1 => format!("Al{}", rest.to_lowercase()),
            _ => format!("El-{}", cap(rest)),
        };
        let mut w = words.clone();
        w[i] = f;
        w
    };
    Some(out.join(" "))
}

/// A missing or an extra vowel in one word of 3 or more letters.
fn vowel(name: &str, rng: &mut Rng) -> Option<String> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let pick: Vec<usize> = (0..words.len())
        .filter(|&i| letters(words[i]) >= 3 && words[i].chars().all(char::is_alphabetic))
        .collect();
    if pick.is_empty() {
        return None;
    }
    let wi = pick[rng.below(pick.len())];
    let mut w: Vec<char> = words[wi].chars().collect();
    let is_v = |c: char| "aeiouAEIOU".contains(c);
    let inner: Vec<usize> = (1..w.len()).filter(|&i| is_v(w[i])).collect();
    if !inner.is_empty() && rng.below(2) == 0 {
        w.remove(inner[rng.below(inner.len())]);
    } else {
        let v = b"aeiou"[rng.below(5)] as char;
        let v = if w.iter().all(|c| !c.is_lowercase()) {
            v.to_ascii_uppercase()
        } else {
            v
        };
        w.insert(1 + rng.below(w.len()), v);
    }
    let mut out: Vec<String> = words.iter().map(|s| s.to_string()).collect();
    out[wi] = w.into_iter().collect();
    Some(out.join(" "))
}

/// Legal forms of one kind across languages and abbreviations (the case generator's own table).
const LEGAL_FAMILIES: &[&[&str]] = &[
    &[
        "JSC",
        "OJSC",
        "OAO",
        "PAO",
        "PJSC",
        "AO",
        "Open Joint Stock Company",
        "Joint Stock Company",
        "Public Joint Stock Company",
        "Joint-Stock Company",
    ],
    &[
        "LLC",
        "OOO",
        "Limited Liability Company",
        "Obshchestvo s Ogranichennoy Otvetstvennostyu",
    ],
    &["Ltd", "Ltd.", "Limited"],
    &["Corp", "Corp.", "Corporation"],
    &["Co", "Co.", "Company"],
    &["Inc", "Inc.", "Incorporated"],
    &["AG", "Aktiengesellschaft"],
    &["SA", "S.A.", "Societe Anonyme", "Sociedad Anonima"],
    &["GmbH", "Gesellschaft mit beschraenkter Haftung"],
    &[
        "Sp. z o.o.",
        "spolka z o.o.",
        "Spolka z ograniczona odpowiedzialnoscia",
    ],
];

fn fold_words(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || c == '-' || c == ',')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('.', ""))
        .filter(|w| !w.is_empty())
        .collect()
}

/// The name's legal form replaced by another of its kind and moved to the other end of the name.
fn legal_form(name: &str, rng: &mut Rng) -> Option<String> {
    let words: Vec<&str> = name
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let folded: Vec<String> = words
        .iter()
        .map(|w| w.to_lowercase().replace('.', ""))
        .collect();
    // Longest form found at the start or the end of the name.
    let mut best: Option<(usize, usize, usize)> = None; // (start, len, family)
    for (fi, fam) in LEGAL_FAMILIES.iter().enumerate() {
        for form in fam.iter() {
            let fw = fold_words(form);
            let n = fw.len();
            if n == 0 || n >= words.len() {
                continue;
            }
            for start in [0, words.len() - n] {
                let got: Vec<String> = folded[start..start + n]
                    .iter()
                    .flat_map(|w| fold_words(w))
                    .collect();
                if got == fw && best.is_none_or(|b| n > b.1) {
                    best = Some((start, n, fi));
                }
            }
        }
    }
    let (start, n, fi) = best?;
    let current: Vec<String> = folded[start..start + n].to_vec();
    let fam = LEGAL_FAMILIES[fi];
    let others: Vec<&str> = fam
        .iter()
        .copied()
        .filter(|f| fold_words(f).concat() != current.concat())
        .collect();
    let repl = others[rng.below(others.len())];
    let rest: Vec<&str> = words[..start]
        .iter()
        .chain(&words[start + n..])
        .copied()
        .collect();
    Some(if start == 0 {
        format!("{} {repl}", rest.join(" "))
    } else {
        format!("{repl} {}", rest.join(" "))
    })
}

/// Words in reading order: "SURNAME, Given Names" becomes "Given Names SURNAME".
fn reading_order(name: &str) -> Vec<String> {
    let text = match name.split_once(',') {
        Some((a, b)) if !b.contains(',') => format!("{b} {a}"),
        _ => name.replace(',', " "),
    };
    text.split_whitespace().map(str::to_string).collect()
}

/// Given names as initials: "Hans Juergen Friedrich" -> "H. J. Friedrich", "Jean-Claude X" -> "J.-C. X".
fn initials(name: &str) -> Option<String> {
    let w = reading_order(name);
    if w.len() < 2 {
        return None;
    }
    let last = w.len() - 1;
    let init = |s: &str| {
        s.split('-')
            .filter_map(|p| p.chars().next().filter(|c| c.is_alphabetic()))
            .map(|c| format!("{}.", c.to_uppercase()))
            .collect::<Vec<_>>()
            .join("-")
    };
    let given: Vec<String> = w[..last].iter().map(|g| init(g)).collect();
    if given.iter().any(String::is_empty) {
        return None;
    }
    Some(format!("{} {}", given.join(" "), w[last]))
}

/// Two words written together, or one word of 6+ letters split by a stray space.
fn space(name: &str, rng: &mut Rng) -> Option<String> {
    let mut w: Vec<String> = name.split_whitespace().map(str::to_string).collect();
    let long: Vec<usize> = (0..w.len())
        .filter(|&i| letters(&w[i]) >= 6 && w[i].chars().all(char::is_alphabetic))
        .collect();
    if w.len() >= 2 && (long.is_empty() || rng.below(2) == 0) {
        let i = rng.below(w.len() - 1);
        let joined = format!("{}{}", w[i], w[i + 1]);
        w.splice(i..i + 2, [joined]);
    } else if !long.is_empty() {
        let i = long[rng.below(long.len())];
        let c: Vec<char> = w[i].chars().collect();
        let at = 2 + rng.below(c.len() - 3);
        let (a, b): (String, String) = (c[..at].iter().collect(), c[at..].iter().collect());
        w.splice(i..i + 1, [a, b]);
    } else {
        return None;
    }
    Some(w.join(" "))
}

/// One letter typed as the digit it looks like (i/l -> 1, o -> 0, g -> 9).
fn digits(name: &str, rng: &mut Rng) -> Option<String> {
    let c: Vec<char> = name.chars().collect();
    let at: Vec<usize> = (0..c.len())
        .filter(|&i| "iIlLoOgG".contains(c[i]))
        .collect();
    if at.is_empty() {
        return None;
    }
    let i = at[rng.below(at.len())];
    let mut c = c;
    c[i] = match c[i].to_ascii_lowercase() {
        'i' | 'l' => '1',
        'o' => '0',
        _ => '9',
    };
    Some(c.into_iter().collect())
}

/// Only the given and the family name of a person listed with middle names: "SURNAME, Given Middle" gives
/// "Given SURNAME" (the whole surname, which may be two words); "Given Middle Family" gives "Given Family".
fn given_family(name: &str) -> Option<String> {
    match name.split_once(',') {
        Some((surname, given)) if !given.contains(',') => {
            let g: Vec<&str> = given.split_whitespace().collect();
            (g.len() >= 2).then(|| format!("{} {}", g[0], surname.trim()))
        }
        Some(_) => None,
        None => {
            let w: Vec<&str> = name.split_whitespace().collect();
            (w.len() >= 3).then(|| format!("{} {}", w[0], w[w.len() - 1]))
        }
    }
}

/// Numbers written as words or digits the other way round (44 / Forty-Four, 1st / First).
fn numbers(name: &str) -> Option<String> {
    const U: &[&str] = &[
        "",
        "One",
        "Two",
        "Three",
        "Four",
        "Five",
        "Six",
        "Seven",
        "Eight",
        "Nine",
        "Ten",
        "Eleven",
        "Twelve",
        "Thirteen",
        "Fourteen",
        "Fifteen",
        "Sixteen",
        "Seventeen",
        "Eighteen",
        "Nineteen",
    ];
    const T: &[&str] = &[
        "", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety",
    ];
    const O: &[(&str, &str)] = &[
        ("1st", "First"),
        ("2nd", "Second"),
        ("3rd", "Third"),
        ("4th", "Fourth"),
        ("5th", "Fifth"),
        ("6th", "Sixth"),
        ("7th", "Seventh"),
        ("8th", "Eighth"),
        ("9th", "Ninth"),
        ("10th", "Tenth"),
    ];
    let mut changed = false;
    let out: Vec<String> = name
        .split_whitespace()
        .map(|w| {
            let l = w.to_lowercase();
            if let Some((_, word)) = O.iter().find(|(d, _)| *d == l) {
                changed = true;
                return word.to_string();
            }
            if let Some((d, _)) = O.iter().find(|(_, word)| word.to_lowercase() == l) {
                changed = true;
                return d.to_string();
            }
            match w.parse::<usize>() {
                Ok(n) if (1..100).contains(&n) => {
                    changed = true;
                    if n < 20 {
                        U[n].to_string()
                    } else if n % 10 == 0 {
                        T[n / 10].to_string()
                    } else {
                        format!("{}-{}", T[n / 10], U[n % 10])
                    }
                }
                _ => w.to_string(),
            }
        })
        .collect();
    changed.then(|| out.join(" "))
}

/// Common short forms of given names (the case generator's own table).
const SHORT_FORMS: &[(&str, &str)] = &[
    ("william", "Bill"),
    ("robert", "Bob"),
    ("benjamin", "Ben"),
    ("richard", "Rick"),
    ("james", "Jim"),
    ("michael", "Mike"),
    ("thomas", "Tom"),
    ("edward", "Ed"),
    ("daniel", "Dan"),
    ("david", "Dave"),
    ("anthony", "Tony"),
    ("andrew", "Andy"),
    ("christopher", "Chris"),
    ("nicholas", "Nick"),
    ("samuel", "Sam"),
    ("joseph", "Joe"),
    ("alexander", "Alex"),
    ("aleksandr", "Sasha"),
    ("vladimir", "Volodya"),
    ("mikhail", "Misha"),
    ("dmitry", "Dima"),
    ("dmitriy", "Dima"),
    ("elizabeth", "Liz"),
    ("margaret", "Maggie"),
    ("katherine", "Kate"),
];

fn short_given(name: &str) -> Option<String> {
    let mut w = reading_order(name);
    let i = w
        .iter()
        .position(|x| SHORT_FORMS.iter().any(|(f, _)| *f == x.to_lowercase()))?;
    let short = SHORT_FORMS
        .iter()
        .find(|(f, _)| *f == w[i].to_lowercase())?
        .1;
    w[i] = short.to_string();
    Some(w.join(" "))
}

/// Romanisation families (issue 15): the rules that rewrite a name written in one system into another. Applied
/// left to right in one pass, first matching rule wins at each position; `^` anchors a rule at the start of a
/// word, `$` at its end.
type Rules = &'static [(&'static str, &'static str)];

/// McCune–Reischauer / common Korean spellings -> Revised Romanisation.
const KO_TO_RR: Rules = &[
    ("^kim$", "gim"),
    ("^pak$", "bak"),
    ("^ri$", "lee"),
    ("^choe$", "choi"),
    ("^ch", "j"),
    ("^k", "g"),
    ("^p", "b"),
    ("^t", "d"),
    ("yong", "yeong"),
    ("ong", "eong"),
    ("on$", "eon"),
    ("ol$", "eol"),
    ("un$", "eun"),
    ("ul$", "eul"),
    ("-", " "),
];
/// Revised Romanisation -> McCune–Reischauer (breves and apostrophes as typed).
const RR_TO_MR: Rules = &[
    ("^g", "k"),
    ("^b", "p"),
    ("^d", "t"),
    ("^j", "ch"),
    ("eo", "ŏ"),
    ("eu", "ŭ"),
    ("-", " "),
];
/// Pinyin -> Wade–Giles (syllable initials at word starts, finals anywhere).
const PINYIN_TO_WG: Rules = &[
    ("^zhi", "chih"),
    ("^shi", "shih"),
    ("^chi", "ch'ih"),
    ("^ch", "ch'"),
    ("^sh", "sh"),
    ("zh", "ch"),
    ("^x", "hs"),
    ("^q", "ch'"),
    ("^z", "ts"),
    ("^c", "ts'"),
    ("^j", "ch"),
    ("^r", "j"),
    ("^b", "p"),
    ("^d", "t"),
    ("^g", "k"),
    ("ong", "ung"),
    ("iang", "iang"),
    ("ian", "ien"),
    ("ie$", "ieh"),
    ("uo$", "o"),
];
/// Wade–Giles -> pinyin.
const WG_TO_PINYIN: Rules = &[
    ("hs", "x"),
    ("ch'", "q"),
    ("ts'", "c"),
    ("ch", "zh"),
    ("ts", "z"),
    ("ung", "ong"),
    ("ien", "ian"),
    ("ieh", "ie"),
    ("'", ""),
];
/// Common English rendering of an Arabic or Persian name -> French rendering.
const ARABIC_FR: Rules = &[
    ("ou", "ou"),
    ("sh", "ch"),
    ("kh", "kh"),
    ("j", "dj"),
    ("u", "ou"),
    ("w", "ou"),
];
/// English (BGN/PCGN-style) rendering of a Russian or Ukrainian name -> French rendering.
const RUSSIAN_FR: Rules = &[
    ("shch", "chtch"),
    ("kh", "kh"),
    ("zh", "j"),
    ("ch", "tch"),
    ("sh", "ch"),
    ("ou", "ou"),
    ("u", "ou"),
    ("yevg", "evg"),
    ("^ye", "e"),
    ("iy$", "i"),
    ("yy$", "i"),
];
/// English rendering of a Russian or Ukrainian name -> German rendering.
const RUSSIAN_DE: Rules = &[
    ("shch", "schtsch"),
    ("zh", "sch"),
    ("ch", "tsch"),
    ("sh", "sch"),
    ("kh", "ch"),
    ("ts", "z"),
    ("z", "s"),
    ("v", "w"),
    ("iy$", "ij"),
    ("yy$", "yj"),
    ("^ye", "je"),
    ("^yu", "ju"),
    ("^ya", "ja"),
    ("y$", "j"),
];

/// Rewrite every word of `name` (lower-cased) with `rules`; `None` when nothing changes.
fn rewrite(name: &str, rules: Rules) -> Option<String> {
    let lower = name.to_lowercase();
    let mut out = Vec::new();
    for word in lower.split_whitespace() {
        let b = word.as_bytes();
        let mut w = String::new();
        let mut i = 0;
        'outer: while i < b.len() {
            for &(pat, rep) in rules {
                let (start, p) = match pat.strip_prefix('^') {
                    Some(p) => (true, p),
                    None => (false, pat),
                };
                let (end, p) = match p.strip_suffix('$') {
                    Some(p) => (true, p),
                    None => (false, p),
                };
                if (!start || i == 0)
                    && word[i..].starts_with(p)
                    && (!end || i + p.len() == word.len())
                {
                    w.push_str(rep);
                    i += p.len();
                    continue 'outer;
                }
            }
            let c = word[i..].chars().next().unwrap_or(' ');
            w.push(c);
            i += c.len_utf8();
        }
        out.push(w);
    }
    let r = out.join(" ");
    (r != lower).then_some(r)
}

/// Whether `word` is a sequence of pinyin syllables (so that a pinyin -> Wade–Giles rewrite makes sense; list
/// entries of Chinese nationality also carry Korean, Cantonese and Western names).
fn is_pinyin(word: &str) -> bool {
    const INITIALS: &[&str] = &[
        "zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x",
        "r", "z", "c", "s", "y", "w", "",
    ];
    const FINALS: &[&str] = &[
        "iang", "iong", "uang", "ueng", "ang", "eng", "ing", "ong", "iao", "ian", "uai", "uan",
        "ai", "ei", "ao", "ou", "an", "en", "er", "ia", "ie", "iu", "in", "ua", "uo", "ui", "un",
        "ue", "a", "o", "e", "i", "u",
    ];
    let b = word.as_bytes();
    let mut ok = vec![false; b.len() + 1];
    ok[0] = true;
    for i in 0..b.len() {
        if !ok[i] {
            continue;
        }
        for ini in INITIALS {
            if !word[i..].starts_with(ini) {
                continue;
            }
            for fin in FINALS {
                let j = i + ini.len();
                if word[j..].starts_with(fin) {
                    ok[j + fin.len()] = true;
                }
            }
        }
    }
    !word.is_empty() && ok[b.len()]
}

const KOREA: &[&str] = &["KP", "KR"];
const CHINA: &[&str] = &["CN", "TW", "HK", "MO"];
const ARABIC: &[&str] = &[
    "IQ", "SY", "LB", "DZ", "MA", "TN", "LY", "EG", "YE", "SD", "SO", "SA", "AE", "JO", "PS", "KW",
    "QA", "BH", "OM", "MR", "IR", "AF",
];
const RUSSIA: &[&str] = &["RU", "UA", "BY"];

/// Romanisation-family cases: persons of every list whose entry names a country of the family, at most
/// `per_family` per list and family (a seeded sample), the primary Latin name rewritten into another system.
fn romanisation_cases(
    label: &str,
    snap: &ListSnapshot,
    per_family: usize,
    rng: &mut Rng,
) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let families: [(&str, &[&str], &[Rules]); 5] = [
        ("roman-korean", KOREA, &[KO_TO_RR, RR_TO_MR]),
        ("roman-chinese", CHINA, &[PINYIN_TO_WG, WG_TO_PINYIN]),
        ("roman-arabic-french", ARABIC, &[ARABIC_FR]),
        ("roman-russian-french", RUSSIA, &[RUSSIAN_FR]),
        ("roman-russian-german", RUSSIA, &[RUSSIAN_DE]),
    ];
    for (ty, countries, rules) in families {
        let mut idx: Vec<usize> = snap
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.kind == EntityKind::Person
                    && is_latin(e.primary_name())
                    && e.countries.iter().any(|c| countries.contains(&c.as_str()))
            })
            .map(|(i, _)| i)
            .collect();
        for i in (1..idx.len()).rev() {
            idx.swap(i, rng.below(i + 1));
        }
        let mut n = 0;
        for i in idx {
            if n >= per_family {
                break;
            }
            let e = &snap.entries[i];
            if ty == "roman-chinese" {
                let lower = e.primary_name().to_lowercase();
                let words = lower
                    .split(|c: char| !c.is_ascii_alphabetic())
                    .filter(|w| !w.is_empty());
                if e.countries.iter().any(|c| KOREA.contains(&c.as_str()))
                    || !words.clone().all(is_pinyin)
                {
                    continue;
                }
            }
            // The first rule set that changes the name (MR -> RR, else RR -> MR; pinyin -> WG, else WG -> pinyin).
            let Some(q) = rules.iter().find_map(|r| rewrite(e.primary_name(), r)) else {
                continue;
            };
            out.push(json!({"type": ty, "query": q, "kind": kind_str(e.kind),
                "expected": {"list": label, "source_id": e.source_id}}));
            n += 1;
        }
    }
    out
}

fn kind_str(k: EntityKind) -> Option<&'static str> {
    match k {
        EntityKind::Person => Some("person"),
        EntityKind::Organization => Some("organization"),
        _ => None,
    }
}

fn is_latin(s: &str) -> bool {
    s.chars()
        .filter(|c| c.is_alphabetic())
        .all(|c| (c as u32) < 0x250 || (0x1E00..0x1F00).contains(&(c as u32)))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out_dir = std::path::PathBuf::from(
        args.get(1)
            .map(String::as_str)
            .unwrap_or("target/screening-quality"),
    );
    let per_list: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(300);
    std::fs::create_dir_all(&out_dir).unwrap();
    let mut lists = shipped::load_all();
    lists.sort_by_key(|(l, _)| shipped::SHIPPED.iter().position(|(s, _, _)| s == l));
    let ix = Index::build(&lists);

    // Entries for the peer.
    let mut ef =
        std::io::BufWriter::new(std::fs::File::create(out_dir.join("entries.jsonl")).unwrap());
    let mut all_names: HashSet<String> = HashSet::new();
    for (label, snap) in &lists {
        for e in &snap.entries {
            for n in &e.names {
                all_names.insert(norm_key(&n.name));
            }
            let line = json!({"list": label, "source_id": e.source_id, "kind": e.kind, "names": e.names.iter().map(|n| &n.name).collect::<Vec<_>>(), "low": e.names.iter().map(|n| n.quality == lists::NameQuality::Low).collect::<Vec<_>>(), "birth_dates": e.birth_dates, "countries": e.countries});
            writeln!(ef, "{line}").unwrap();
        }
    }
    drop(ef);

    // Cases.
    let mut rng = Rng(0x5eed_2026_1128);
    // The case types added for issue 15 draw from their own generator, so that the earlier case types stay
    // exactly the cases measured before.
    let mut rng2 = Rng(0x15_2026_1129);
    // Romanisation families (issue 15, second round): their own generator too.
    let mut rng3 = Rng(0x15_2026_1130);
    let mut cases: Vec<serde_json::Value> = Vec::new();
    for (label, snap) in &lists {
        cases.extend(positive_cases(label, snap, per_list, &mut rng, &mut rng2));
    }
    for (label, snap) in &lists {
        cases.extend(romanisation_cases(label, snap, per_list / 5, &mut rng3));
    }
    let mut negs = 0;
    let mut seen = HashSet::new();
    while negs < 3000 {
        let name = if negs < 2000 {
            let f = FIRST[rng.below(FIRST.len())];
            let l = LAST[rng.below(LAST.len())];
            if rng.below(4) == 0 {
                let m = FIRST[rng.below(FIRST.len())];
                format!("{f} {m} {l}")
            } else {
                format!("{f} {l}")
            }
        } else {
            let c = CO_C[rng.below(CO_C.len())];
            let c = if c.is_empty() {
                String::new()
            } else {
                format!(" {c}")
            };
            format!(
                "{} {}{} {}",
                CO_A[rng.below(CO_A.len())],
                CO_B[rng.below(CO_B.len())],
                c,
                CO_D[rng.below(CO_D.len())]
            )
        };
        if all_names.contains(&norm_key(&name)) || !seen.insert(name.clone()) {
            continue;
        }
        let kind = if negs < 2000 {
            "person"
        } else {
            "organization"
        };
        cases.push(json!({"type": "negative", "query": name, "kind": kind, "expected": null}));
        negs += 1;
    }
    let mut cf =
        std::io::BufWriter::new(std::fs::File::create(out_dir.join("cases.jsonl")).unwrap());
    for c in &cases {
        writeln!(cf, "{c}").unwrap();
    }
    drop(cf);

    // Our outcomes.
    let opts = Options::default();
    let mut of =
        std::io::BufWriter::new(std::fs::File::create(out_dir.join("ours.jsonl")).unwrap());
    let t = Instant::now();
    // (type, list, kind) -> (tp, fn, fp, n)
    let mut stats: BTreeMap<(String, String, String), [usize; 4]> = BTreeMap::new();
    for c in &cases {
        let kind = c["kind"].as_str().and_then(screening::query::parse_kind);
        let q = match Query::new(c["query"].as_str().unwrap(), kind, None, &[], &[]) {
            Ok(q) => q,
            Err(e) => {
                writeln!(of, "{}", json!({"error": e.to_string()})).unwrap();
                continue;
            }
        };
        let ms = ix.screen(&q, &opts);
        let exp = &c["expected"];
        let (hit, pair_score) = if exp.is_null() {
            (false, None)
        } else {
            let (l, id) = (
                exp["list"].as_str().unwrap(),
                exp["source_id"].as_str().unwrap(),
            );
            let hit = ms.iter().any(|m| m.list == l && m.source_id == id);
            let pair = ix
                .find_entry(l, id)
                .and_then(|e| ix.score_entry(&q, e))
                .map(|m| m.score);
            (hit, pair)
        };
        let top = ms.first().map(
            |m| json!({"list": m.list, "source_id": m.source_id, "name": m.name, "score": m.score}),
        );
        writeln!(
            of,
            "{}",
            json!({"hit": hit, "any": !ms.is_empty(), "pair_score": pair_score, "top": top})
        )
        .unwrap();
        let list = exp["list"].as_str().unwrap_or("(none)").to_string();
        let st = stats
            .entry((
                c["type"].as_str().unwrap().to_string(),
                list,
                c["kind"].as_str().unwrap_or("other").to_string(),
            ))
            .or_insert([0; 4]);
        st[3] += 1;
        if exp.is_null() {
            st[2] += !ms.is_empty() as usize;
        } else if hit {
            st[0] += 1;
        } else {
            st[1] += 1;
        }
    }
    let dt = t.elapsed();
    drop(of);
    println!(
        "{} cases ({} positive, {} negative) screened in {:.2}s against {} entries / {} names",
        cases.len(),
        cases.len() - negs,
        negs,
        dt.as_secs_f64(),
        ix.len(),
        ix.variant_count()
    );
    println!(
        "{:<18} {:<18} {:<13} {:>6} {:>8}",
        "type", "list", "kind", "n", "rate"
    );
    for ((ty, l, k), s) in &stats {
        let rate = if ty == "negative" {
            s[2] as f64 / s[3] as f64
        } else {
            s[0] as f64 / s[3] as f64
        };
        println!("{ty:<18} {l:<18} {k:<13} {:>6} {:>8.3}", s[3], rate);
    }
}

fn norm_key(s: &str) -> String {
    let p = screening::normalize::prepare(s);
    let mut t: Vec<String> = p.tokens.into_iter().map(|t| t.form).collect();
    t.sort();
    t.join(" ")
}

fn positive_cases(
    label: &str,
    snap: &ListSnapshot,
    per_list: usize,
    rng: &mut Rng,
    rng2: &mut Rng,
) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let n = snap.entries.len();
    if n == 0 {
        return out;
    }
    // Deterministic sample of entries.
    let mut idx: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        idx.swap(i, rng.below(i + 1));
    }
    idx.truncate(per_list);
    idx.sort();
    for i in idx {
        let e = &snap.entries[i];
        let kind = kind_str(e.kind);
        let expected = json!({"list": label, "source_id": e.source_id});
        let mut push = |ty: &str, q: String| {
            if q.chars().any(char::is_alphanumeric) {
                out.push(
                    json!({"type": ty, "query": q, "kind": kind, "expected": expected.clone()}),
                );
            }
        };
        let primary = e.primary_name().to_string();
        // Every alias (Latin script; up to 5 per entry), and every original-script name.
        let mut aliases = 0;
        for nv in e.names.iter().skip(1) {
            if is_latin(&nv.name) {
                if aliases < 5 {
                    push("alias", nv.name.clone());
                    aliases += 1;
                }
            } else {
                push("original-script", nv.name.clone());
            }
        }
        if !is_latin(&primary) {
            push("original-script", primary.clone());
            continue;
        }
        if let Some(t) = typo(&primary, rng) {
            push("typo", t);
        }
        let words: Vec<&str> = primary
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
            .collect();
        if words.len() >= 3 {
            let drop = 1 + rng.below(words.len() - 1);
            let q: Vec<&str> = words
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != drop)
                .map(|(_, w)| *w)
                .collect();
            push("dropped-token", q.join(" "));
        }
        if words.len() >= 2 {
            let mut w = words.clone();
            let last = w.len() - 1;
            w.swap(0, last);
            push("swapped-tokens", w.join(" "));
        }
        if let Some(r) = romanise(&primary, rng) {
            push("romanisation", r);
        }
        if e.kind == EntityKind::Person {
            push("cyrillic-rendering", latin_to_cyrillic(&primary));
        }
        // Issue 15: simple misspellings and everyday variants.
        if let Some(q) = edit_word(&primary, rng2, 3, 64) {
            push("edit-any-word", q);
        }
        if let Some(q) = edit_word(&primary, rng2, 3, 5) {
            push("edit-short-word", q);
        }
        if let Some(q) = hyphen(&primary, rng2) {
            push("hyphen", q);
        }
        if let Some(q) = arabic_elements(&primary, rng2) {
            push("arabic-elements", q);
        }
        if let Some(q) = vowel(&primary, rng2) {
            push("vowel", q);
        }
        if e.kind != EntityKind::Person {
            if let Some(q) = legal_form(&primary, rng2) {
                push("legal-form", q);
            }
        }
        if let Some(q) = space(&primary, rng2) {
            push("space", q);
        }
        if let Some(q) = digits(&primary, rng2) {
            push("digit-for-letter", q);
        }
        if let Some(q) = numbers(&primary) {
            push("number-words", q);
        }
        if e.kind == EntityKind::Person {
            if let Some(q) = initials(&primary) {
                push("initials", q);
            }
            if let Some(q) = given_family(&primary) {
                push("given-family", q);
            }
            if let Some(q) = short_given(&primary) {
                push("short-given-name", q);
            }
        }
    }
    out
}
