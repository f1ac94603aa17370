//! The screening index: every name variant of every loaded list, prepared once, with retrieval structures
//! (token vocabulary, character trigrams over the vocabulary, consonant skeletons, equivalence groups,
//! original-script tokens, identifiers) and the scorer that turns candidates into explained matches.

use crate::explain::{
    CompactMatch, Explanation, MatchedVariant, QualifierEffect, ScoreFactor, TokenMatch,
    UnmatchedToken,
};
use crate::names::{group_name, skeleton, TokenClass};
use crate::normalize::{
    abd_slip, legal_form_words, prepare_list_name, prepare_query, prepare_query_legal,
    PreparedName, Token,
};
use crate::query::{normalize_identifier, Query};
use crate::similarity::{edit_distance_within, jaro_winkler, one_edit};
use crate::table::ProbeTable;
use crate::translit::Script;
use lists::{EntityKind, ListSnapshot, NameKind, NameQuality};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::Rc;

/// The default "possible match" threshold.
pub const DEFAULT_THRESHOLD: f64 = 0.80;
/// The default number of matches returned per query.
pub const DEFAULT_LIMIT: usize = 10;
/// Token pairs less similar than this are not aligned.
pub const MIN_TOKEN_SIM: f32 = 0.80;
/// Most matches returned when matches tie with the last one within [`Options::limit`].
pub const MAX_TIED: usize = 50;
/// Candidates fully scored per query (after retrieval ranking).
pub const MAX_CANDIDATES: usize = 160;
/// Jaro-Winkler distance multiplier for fuzzy token similarity (0.95 -> 0.925, 0.9 -> 0.85, 0.85 -> 0.775).
const FUZZY_STRETCH: f32 = 1.5;
/// Query-token expansions cached per thread before the cache is cleared.
const EXPANSION_CACHE: usize = 50_000;
/// Name tokens up to this length are also found through their one-letter deletions.
const DELETE_KEY_MAX: usize = 8;
/// Query tokens up to this length are also matched through a two-letter prefix map.
const SHORT_TOKEN: usize = 5;
/// Similarity of two name tokens one inserted, deleted or doubled letter, or one swapped pair of adjacent
/// letters, apart (Jaro-Winkler rates such pairs of short tokens, kim / kmi, jong / jongg, under the alignment
/// cut-off).
const ONE_EDIT_SIM: f32 = 0.88;
/// [`ONE_EDIT_SIM`] when the shorter token has 2 or 3 letters.
const ONE_EDIT_SHORT_SIM: f32 = 0.82;
/// Similarity of a name written in Cyrillic letters to a Latin name with the same rendering-neutral form
/// ([`cyrillic_neutral`]).
const CYRILLIC_SIM: f32 = 0.93;
/// Similarity of an initial (one letter) to a name starting with that letter (H. J. Friedrich).
const INITIAL_SIM: f32 = 0.85;
/// Similarity of two name tokens that are one name in two romanisation systems of one family
/// ([`crate::romanise`]: Kim / Gim, Jong / Jeong, Xi / Hsi, Khrushchev / Khrouchtchev).
const ROMAN_SIM: f32 = 0.9;
/// Similarity of a token typed with digits for letters (0sama, A1i) to the name it spells.
const DIGIT_SIM: f32 = 0.95;
/// Names of at least this many letters that are equal without spaces and hyphens compare equal ("EP-MHL" /
/// "E-PMHL" / "EPMHL"); from 6 letters on, nearly equal ones compare too (Levenshtein).
const COMPACT_EXACT_MIN: usize = 5;
/// Compact forms of at least this many letters are retrieved one slip apart ([`Index::compact_deletes`]): from 7
/// letters on, one edit leaves the compact similarity at 0.85 or more.
const COMPACT_SLIP_MIN: usize = 7;
/// `Variant::compact_form` of a variant whose compact form has fewer than [`COMPACT_EXACT_MIN`] letters.
const NO_FORM: u32 = u32::MAX;
/// List entries whose names are prepared (in parallel) before they are added to the index.
const PREPARE_CHUNK: usize = 2048;
/// Retrieval does not score variants whose best possible score is this far under the threshold.
const PRUNE_MARGIN: f32 = 0.1;
/// Unmatched list-side tokens count 55% of their weight (a query may omit a middle name): the denominator
/// subtracts this fraction of them.
const UNMATCHED_LIST_DISCOUNT: f64 = 0.45;
/// Weight of a listed person's middle name (between the aligned first and last names) that a query naming the
/// person by given and family name only leaves out: "Vladimir Putin" for "Vladimir Vladimirovich Putin".
const MIDDLE_NAME_WEIGHT: f32 = 0.25;
/// Score factor when a one-name query meets a list name of several names.
const SINGLE_TOKEN_FACTOR: f64 = 0.9;
/// Score factor of aliases the list itself calls weak / low quality.
const LOW_QUALITY_FACTOR: f64 = 0.95;
/// A match needs an aligned token of at least this many characters (or a full-name match): initials alone are
/// no evidence of identity.
const MIN_DISTINCTIVE_CHARS: usize = 3;

/// Per-call options.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Options {
    /// Matches scoring below this are not returned.
    pub threshold: f64,
    /// This many matches (best first), plus those tied with the last one, up to [`MAX_TIED`] in all: a cut inside
    /// a tie would drop a match exactly as good as one returned, by nothing but list order ("GAZPROM OOO" against
    /// a dozen Gazprom subsidiaries written "GAZPROM X, OOO").
    pub limit: usize,
    /// Score every name variant instead of the retrieved candidates (for recall measurements; slow).
    #[serde(default)]
    pub exhaustive: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            threshold: DEFAULT_THRESHOLD,
            limit: DEFAULT_LIMIT,
            exhaustive: false,
        }
    }
}

/// One hit: an entry of a list whose name (or identifier) matches the query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Match {
    /// The label of the list the entry comes from (the format name, e.g. `un-sc-xml`, unless labelled otherwise).
    pub list: String,
    /// The list's own record id.
    pub source_id: String,
    /// The list name that matched (the primary name, an alias or an original-script variant).
    pub name: String,
    /// The entry's primary listed name, so that a matched alias or original-script variant says whom it
    /// belongs to (equal to `name` when the primary name matched).
    pub primary_name: String,
    /// In [0, 1].
    pub score: f64,
    pub explanation: Explanation,
    /// Position of the entry in the index (not serialised); see [`Index::entry`].
    #[serde(skip)]
    pub entry: u32,
}

/// What the index keeps of a list entry.
#[derive(Debug, Clone)]
pub struct IndexedEntry {
    pub list: u16,
    pub source_id: String,
    /// The entry's primary listed name.
    pub primary_name: String,
    pub kind: EntityKind,
    pub birth_dates: Vec<String>,
    pub countries: Vec<String>,
    pub identifiers: Vec<(String, String)>,
    /// First variant of this entry in `variants`.
    first_variant: u32,
}

/// A loaded list.
#[derive(Debug, Clone, Serialize)]
pub struct IndexedList {
    pub label: String,
    pub format: lists::ListFormat,
    pub version: String,
    pub entries: usize,
}

/// A vocabulary token as stored: its form and skeleton are `Index::vocab_text[at..]`, one after the other (all
/// 26,440 tokens' text in one 0.3 MB string and their records in 0.4 MB, where they stay in cache, instead of two
/// heap strings each scattered among the variants).
#[derive(Debug)]
struct VocabTok {
    at: u32,
    form_len: u16,
    skel_len: u16,
    group: Option<u16>,
    class: TokenClass,
    abjad: bool,
}

/// A vocabulary token as read ([`Index::tok`]).
#[derive(Debug, Clone, Copy)]
struct Vocab<'a> {
    form: &'a str,
    skel: &'a str,
    group: Option<u16>,
    class: TokenClass,
    abjad: bool,
}

impl VocabTok {
    fn read<'a>(&self, text: &'a str) -> Vocab<'a> {
        let at = self.at as usize;
        let mid = at + self.form_len as usize;
        Vocab {
            form: &text[at..mid],
            skel: &text[mid..mid + self.skel_len as usize],
            group: self.group,
            class: self.class,
            abjad: self.abjad,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct VariantRank {
    /// Sum of the token weights.
    total_weight: f32,
    /// Bit `c - b'a'` set when a token of two or more letters starts with the letter `c`.
    first_letters: u32,
}

/// A name variant: 40 bytes of offsets and flags, what scoring reads of every candidate (its text, tokens and
/// original-script tokens are in arrays of the index, shared by the variants of a name written identically in
/// several entries).
#[derive(Debug)]
struct Variant {
    entry: u32,
    /// The name as listed is `Index::var_text[text_at..text_at + name_len]`, its compact form (every token's
    /// form concatenated, [`PreparedName::compact`]) the `compact_len` bytes that follow.
    text_at: u32,
    name_len: u32,
    compact_len: u32,
    /// The variant's tokens are `Index::var_toks[tok_at..tok_at + tok_len]`, their weights the same range of
    /// `Index::var_weights` (two dense arrays rather than two small heap arrays per variant).
    tok_at: u32,
    /// The compact form's number in `Index::compact_forms` ([`NO_FORM`] under [`COMPACT_EXACT_MIN`] letters),
    /// which gives its Chinese and Korean romanisation keys ([`Index::compact_keys_of`]).
    compact_form: u32,
    /// The original-script tokens are `Index::originals[orig_at..orig_at + orig_len]`.
    orig_at: u32,
    orig_len: u32,
    tok_len: u16,
    kind: NameKind,
    quality: NameQuality,
    /// The entry is a person (read for every candidate scored; the entry itself is elsewhere).
    person: bool,
    original_script: Option<Script>,
    /// First surname token of a name written "SURNAME, Given Names" (see [`PreparedName::surname_from`]).
    surname_from: Option<u8>,
}

/// The screening index. Immutable once built, `Send + Sync`: share it behind an `Arc`.
#[derive(Debug)]
pub struct Index {
    /// Unique per built index (keys the per-thread caches).
    id: u64,
    lists: Vec<IndexedList>,
    entries: Vec<IndexedEntry>,
    variants: Vec<Variant>,
    var_toks: Vec<u32>,
    var_weights: Vec<f32>,
    /// The variants' names and compact forms, one after the other ([`Variant::text_at`]).
    var_text: String,
    /// The variants' original-script tokens ([`Variant::orig_at`]).
    originals: Vec<Box<str>>,
    /// Per variant, what retrieval reads of every variant it touches, packed densely (a `Variant` is 120 bytes,
    /// a cache line or two each).
    variant_rank: Vec<VariantRank>,
    vocab: Vec<VocabTok>,
    vocab_text: String,
    /// Vocabulary tokens by key ([`vocab_key`]), as positions in `vocab` under the key's hash, compared
    /// against `vocab_text`: 4 bytes a token in one table, where a map of strings keeps a heap string per token
    /// (interning looks up every token of every name here, retrieval every query token).
    by_key: hashbrown::HashTable<u32>,
    by_skel: FxHashMap<String, Vec<u32>>,
    by_group: FxHashMap<u16, Vec<u32>>,
    /// Character trigrams (with `^`/`$` boundaries) of vocabulary forms: trigram `k`'s tokens (ascending) are
    /// `tri_tokens[tri_starts[i]..tri_starts[i + 1]]` for `i = trigrams[k]` (one flat array, where a vector per
    /// trigram kept a heap block each).
    trigrams: FxHashMap<u32, u32>,
    tri_starts: Vec<u32>,
    tri_tokens: Vec<u32>,
    short_prefix: FxHashMap<[u8; 2], Vec<u32>>,
    /// Name tokens one slip from a written form of the `abd` element ([`abd_slip`]: "abul").
    abd_slips: Vec<u32>,
    /// Name tokens of up to [`DELETE_KEY_MAX`] letters under the hash ([`form_hash`]) of each form with one
    /// letter deleted: one inserted, deleted or transposed letter in a short token leaves too few shared trigrams to
    /// find it. Hashes can collide: a token found is kept only if it is one deletion from the key looked up.
    deletes: ProbeTable<u32>,
    /// Vocabulary tokens of up to [`DELETE_KEY_MAX`] ASCII letters, not abjad, under the hash of their form (the
    /// one-letter deletions of a query token looked up as whole tokens; checked against the form).
    short_forms: ProbeTable<u32>,
    /// Latin name tokens under the hash of their Cyrillic-rendering-neutral form ([`cyrillic_neutral`]; checked
    /// against the form).
    by_canon: ProbeTable<u32>,
    /// Name tokens under their romanisation keys ([`crate::romanise::keys`]), in vocabulary order.
    by_roman: ProbeTable<u64>,
    /// The variants of vocabulary token `t` (ascending) are `postings[post_starts[t]..post_starts[t + 1]]`
    /// (counted and filled from the variants' tokens once all are interned: one dense array rather than a small
    /// growing heap array per token).
    post_starts: Vec<u32>,
    postings: Vec<u32>,
    original_postings: FxHashMap<Box<str>, Vec<u32>>,
    /// Compact forms of at least [`COMPACT_EXACT_MIN`] letters, numbered; the variants of form `f` are
    /// `compact_variants[compact_starts[f]..compact_starts[f + 1]]`, ascending (list names repeat from list to
    /// list: 64,814 variants have 33,674 such forms).
    compact_forms: FxHashMap<Box<str>, u32>,
    compact_starts: Vec<u32>,
    compact_variants: Vec<u32>,
    /// Per vocabulary token of 2 to [`DELETE_KEY_MAX`] + 1 ASCII letters (not abjad), what the deletion tables
    /// give for it ([`Index::one_edit_tokens`], in that order): retrieval reads this for a query token that is a
    /// vocabulary token (most are) instead of a dozen or more scattered table lookups. Token `t`'s are
    /// `edit_near[edit_starts[t]..edit_starts[t + 1]]`.
    edit_starts: Vec<u32>,
    edit_near: Vec<u32>,
    /// Per compact form of at least [`COMPACT_SLIP_MIN`] - 1 ASCII letters, the compact forms one slip from it
    /// ([`Index::compact_slip_forms`]), likewise for a query whose compact form is a list name's.
    slip_starts: Vec<u32>,
    slip_near: Vec<u32>,
    /// The romanisation keys of compact form `f` of `compact_forms` are
    /// `form_keys[form_keys_starts[f]..form_keys_starts[f + 1]]`.
    form_keys_starts: Vec<u32>,
    form_keys: Vec<u64>,
    /// Variants under the romanisation keys of their compact form, in variant order.
    compact_roman: ProbeTable<u64>,
    /// Compact forms (their numbers in `compact_forms`) under the 32-bit hash of the form and of it with each
    /// letter deleted, for compact forms of at least [`COMPACT_SLIP_MIN`] letters: a query whose compact form, or one of its one-letter deletions,
    /// hashes to a key is one inserted, deleted, substituted or transposed letter from the variant's compact form
    /// (SymSpell over whole names). A slip that changes how the name splits into words or what a word is read as
    /// ("SC RUSELECTRONICS" / "JSC RUSELECTRONICS", "ALEXS" / "AL-EXIS", "GRUP" / "GROUP") leaves too little of it
    /// to the token keys.
    compact_deletes: ProbeTable<u32>,
    identifiers: FxHashMap<String, Vec<u32>>,
}

/// Lists as one array and where each starts (one more at the end).
fn flatten<T: Copy>(lists: Vec<Vec<T>>) -> (Vec<u32>, Vec<T>) {
    let mut starts = Vec::with_capacity(lists.len() + 1);
    let mut flat = Vec::with_capacity(lists.iter().map(Vec::len).sum());
    starts.push(0);
    for l in lists {
        flat.extend_from_slice(&l);
        starts.push(flat.len() as u32);
    }
    (starts, flat)
}

/// Whether `s` is not in `seen` yet (then added).
fn first_time(seen: &mut Vec<u32>, s: u32) -> bool {
    let new = !seen.contains(&s);
    if new {
        seen.push(s);
    }
    new
}

/// `(key, value)` pairs with keys under `keys` as one array grouped by key, each key's values in the order given
/// (a value given twice in a row for one key kept once), and where each key's start (one more at the end): a
/// counting sort, two passes over the pairs.
fn group_by_key(
    keys: usize,
    pairs: impl Iterator<Item = (u32, u32)> + Clone,
) -> (Vec<u32>, Vec<u32>) {
    let mut starts = vec![0u32; keys + 1];
    let mut last = vec![u32::MAX; keys];
    for (k, v) in pairs.clone() {
        if last[k as usize] != v {
            last[k as usize] = v;
            starts[k as usize + 1] += 1;
        }
    }
    for k in 0..keys {
        starts[k + 1] += starts[k];
    }
    let mut flat = vec![0u32; starts[keys] as usize];
    // `last` becomes each key's next position.
    last.copy_from_slice(&starts[..keys]);
    for (k, v) in pairs {
        let (at, from) = (last[k as usize] as usize, starts[k as usize] as usize);
        if at == from || flat[at - 1] != v {
            flat[at] = v;
            last[k as usize] += 1;
        }
    }
    (starts, flat)
}

/// What the first occurrence of a list name gave while the index was built.
enum Made {
    /// Not interned yet.
    Unseen,
    /// No Latin or original-script tokens: no variant.
    Empty,
    /// The variant added for it.
    Variant(u32),
    /// Not added (its entry had the name already, in other case), kept for a later occurrence.
    Prepared(Box<ListName>),
}

/// A list name as interning reads it: packed by the thread that prepared it (which then drops the prepared
/// name itself, a string per token, where it was allocated), into one string and one small array.
#[derive(Clone, Default)]
struct ListName {
    /// The tokens' forms one after another, then the compact form ([`PreparedName::compact`]).
    text: String,
    toks: Vec<ListTok>,
    original: Vec<Box<str>>,
    original_script: Option<Script>,
    surname_from: Option<u8>,
}

/// A token of a [`ListName`]: what interning keeps of a [`Token`] besides its form.
#[derive(Clone, Copy)]
struct ListTok {
    /// The hash of the token's key ([`key_hash`]), computed where the name is prepared.
    key_hash: u64,
    form_len: u32,
    weight: f32,
    group: Option<u16>,
    class: TokenClass,
    abjad: bool,
}

impl ListName {
    fn pack(p: PreparedName) -> ListName {
        let mut text = String::with_capacity(
            p.tokens.iter().map(|t| t.form.len()).sum::<usize>() + p.compact.len(),
        );
        let toks = p
            .tokens
            .iter()
            .map(|t| {
                text.push_str(&t.form);
                ListTok {
                    key_hash: if t.script.is_abjad() {
                        key_hash(&vocab_key(t))
                    } else {
                        key_hash(&t.form)
                    },
                    form_len: u32::try_from(t.form.len()).expect("a token under 4 GiB"),
                    weight: t.weight(),
                    group: t.group,
                    class: t.class,
                    abjad: t.script.is_abjad(),
                }
            })
            .collect();
        text.push_str(&p.compact);
        ListName {
            text,
            toks,
            original: p.original.into_iter().map(Into::into).collect(),
            original_script: p.original_script,
            surname_from: p.surname_from.and_then(|i| u8::try_from(i).ok()),
        }
    }

    /// The forms of the tokens, with the tokens.
    fn tokens(&self) -> impl Iterator<Item = (&str, &ListTok)> {
        let mut at = 0;
        self.toks.iter().map(move |t| {
            let form = &self.text[at..at + t.form_len as usize];
            at += t.form_len as usize;
            (form, t)
        })
    }

    fn compact(&self) -> &str {
        let at: usize = self.toks.iter().map(|t| t.form_len as usize).sum();
        &self.text[at..]
    }
}

/// An entry of a list as prepared in parallel for interning: the indexed entry (but where its variants start),
/// its identifiers as compared, its names prepared where they occur first (empty elsewhere), the number of each
/// name among the distinct names of all lists and whether it occurs first here, and its names lower-cased.
/// (Interning takes the entry and identifiers and reads the rest, which is dropped on the preparing side.)
struct PreparedEntry {
    entry: Option<IndexedEntry>,
    identifiers: Vec<String>,
    names: Vec<ListName>,
    ids: Vec<NameRef>,
}

/// The distinct names of the lists, numbered in order of first occurrence, and where each occurs first (chunk,
/// entry in the chunk, name in the entry).
#[derive(Default)]
struct NameIds<'a> {
    first: FxHashMap<&'a str, u32>,
    first_at: Vec<(u32, u32, u32)>,
}

impl<'a> NameIds<'a> {
    /// Number the names of chunk `k` not seen before.
    fn number(&mut self, k: usize, chunk: &'a [lists::ListEntry]) {
        for (ei, e) in chunk.iter().enumerate() {
            for (ni, n) in e.names.iter().enumerate() {
                self.first.entry(n.name.as_str()).or_insert_with(|| {
                    self.first_at.push((k as u32, ei as u32, ni as u32));
                    self.first_at.len() as u32 - 1
                });
            }
        }
    }
}

/// Which name a name of an entry is: its number among the distinct names of all lists, whether it occurs for
/// the first time here, and the first name of its entry that is the same name in other case (itself if none).
#[derive(Clone, Copy)]
struct NameRef {
    id: u32,
    first: bool,
    same_as: u32,
}

/// Key-value pairs of the [`ProbeTable`]s, gathered while variants are added.
#[derive(Default)]
struct Pending {
    by_roman: Vec<(u64, u32)>,
    compact_roman: Vec<(u64, u32)>,
    compact_deletes: Vec<(u32, u32)>,
}

/// The hash of the key of vocabulary token `id` (`vocab` and its text).
fn vocab_key_hash(vocab: &[VocabTok], text: &str, id: u32) -> u64 {
    let t = &vocab[id as usize];
    let form = &text[t.at as usize..t.at as usize + t.form_len as usize];
    if t.abjad {
        key_hash(&format!("~{form}"))
    } else {
        key_hash(form)
    }
}

/// The hash of a vocabulary key ([`vocab_key`]).
fn key_hash(key: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(key)
}

fn vocab_key(t: &Token) -> String {
    if t.script.is_abjad() {
        format!("~{}", t.form)
    } else {
        t.form.clone()
    }
}

/// A Latin form with the differences between Cyrillic renderings of Latin names and the Latin names themselves
/// removed: dzh / zh / dj -> j, kh -> h, shch -> sh, gh -> g, ph -> f, w -> v, q / c -> k, x -> ks, y -> i,
/// ou / oo -> u, ee -> i, a word-initial ye -> e, doubled letters single. Джонсон (dzhonson) and Johnson both give
/// `jonson`; Хайраллах (khayrallakh) and Khayrallah give `hairala`.
pub(crate) fn cyrillic_neutral(form: &str) -> String {
    let b = form.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let (rep, step): (&[u8], usize) = if rest.starts_with(b"shch") {
            (b"sh", 4)
        } else if rest.starts_with(b"dzh") {
            (b"j", 3)
        } else if rest.starts_with(b"zh") || rest.starts_with(b"dj") {
            (b"j", 2)
        } else if rest.starts_with(b"kh") {
            (b"h", 2)
        } else if rest.starts_with(b"gh") {
            (b"g", 2)
        } else if rest.starts_with(b"ph") {
            (b"f", 2)
        } else if rest.starts_with(b"ch") {
            (b"ch", 2)
        } else if rest.starts_with(b"ou") || rest.starts_with(b"oo") {
            (b"u", 2)
        } else if rest.starts_with(b"ee") {
            (b"i", 2)
        } else if i == 0 && rest.starts_with(b"ye") {
            (b"e", 2)
        } else {
            match b[i] {
                b'w' => (b"v", 1),
                b'q' | b'c' => (b"k", 1),
                b'x' => (b"ks", 1),
                b'y' => (b"i", 1),
                _ => (&b[i..i + 1], 1),
            }
        };
        for &c in rep {
            if out.last() != Some(&c) {
                out.push(c);
            }
        }
        i += step;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Hashes of `b` with each of its bytes deleted in turn, then of `b` whole, written to `out` (the deletion at
/// position `d` is `out[d]`, `b` itself the last): a polynomial hash, so each deletion's hash comes from the
/// prefix and suffix hashes in O(1) and all of them in O(length), mixed so that the top bits spread well.
fn deletion_hashes(b: &[u8], out: &mut Vec<u32>) {
    const B: u32 = 0x0100_0193;
    let n = b.len();
    out.clear();
    // out[..=n] the result; out[n + 1 + d] holds B^(n-1-d) meanwhile (no allocation per call).
    out.resize(2 * n + 1, 0);
    // First out[d] = Σ_{i>=d} b[i]·B^(n-1-i) (suffix hashes), computed from the end with the power B^(n-1-d).
    let mut pow = 1u32;
    let mut suffix = 0u32;
    for d in (0..n).rev() {
        suffix = suffix.wrapping_add((b[d] as u32 + 1).wrapping_mul(pow));
        out[d] = suffix;
        out[n + 1 + d] = pow;
        pow = pow.wrapping_mul(B);
    }
    // Then, from the start: deleting d joins the prefix Σ_{i<d} b[i]·B^(d-1-i), shifted up by B^(n-1-d), to
    // the suffix after d (the powers kept above, so no inverse is needed).
    let whole = out[0];
    let mut prefix = 0u32;
    for d in 0..n {
        let after = if d + 1 < n { out[d + 1] } else { 0 };
        let h = prefix.wrapping_mul(out[n + 1 + d]).wrapping_add(after);
        out[d] = mix(h);
        prefix = prefix.wrapping_mul(B).wrapping_add(b[d] as u32 + 1);
    }
    out[n] = mix(whole);
    out.truncate(n + 1);
}

/// The hash [`deletion_hashes`] gives `b` whole (and any string with one more letter for its deletion).
fn form_hash(b: &[u8]) -> u32 {
    const B: u32 = 0x0100_0193;
    mix(b
        .iter()
        .fold(0u32, |h, &c| h.wrapping_mul(B).wrapping_add(c as u32 + 1)))
}

/// Whether deleting one byte of `long` gives `short`.
fn deletes_to(long: &[u8], short: &[u8]) -> bool {
    if long.len() != short.len() + 1 {
        return false;
    }
    let p = short.iter().zip(long).take_while(|(a, b)| a == b).count();
    long[p + 1..] == short[p..]
}

fn mix(mut h: u32) -> u32 {
    h ^= h >> 15;
    h = h.wrapping_mul(0x2c1b_3c6d);
    h ^= h >> 12;
    h
}

fn trigram_keys(form: &str, out: &mut Vec<u32>) {
    out.clear();
    let b = form.as_bytes();
    let mut padded = Vec::with_capacity(b.len() + 2);
    padded.push(b'^');
    padded.extend_from_slice(b);
    padded.push(b'$');
    for w in padded.windows(3) {
        let k = (w[0] as u32) << 16 | (w[1] as u32) << 8 | w[2] as u32;
        if !out.contains(&k) {
            out.push(k);
        }
    }
}

/// How two tokens were found similar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Exact,
    Equivalent,
    Phonetic,
    Fuzzy,
    Skeleton,
    OneEdit,
    Initial,
    DigitForLetter,
    CyrillicRendering,
    Romanisation,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Exact => "exact",
            Method::Equivalent => "equivalent-name",
            Method::Phonetic => "phonetic-key",
            Method::Fuzzy => "jaro-winkler",
            Method::Skeleton => "consonant-skeleton",
            Method::OneEdit => "one-edit",
            Method::Initial => "initial",
            Method::DigitForLetter => "digit-for-letter",
            Method::CyrillicRendering => "cyrillic-rendering",
            Method::Romanisation => "romanisation",
        }
    }
}

fn tok_sim(q: &Token, v: &Vocab) -> (f32, Method) {
    let q_low = q.class != TokenClass::Name;
    let v_low = v.class != TokenClass::Name;
    if q_low != v_low {
        // A particle that is also a short form of a name (Ben / Benjamin) still aligns as that name.
        if q.group.is_some() && q.group == v.group {
            return (0.95, Method::Equivalent);
        }
        // A name one slip from a particle or organisation word in the query, which reads it as that word
        // ("Ibnu" -> "ibn", "Ali" -> "al", "Abu" -> "ab"; the first letter kept).
        if q_low
            && q.form.len() >= 2
            && q.script == Script::Latin
            && q.form.as_bytes()[0] == v.form.as_bytes()[0]
        {
            if let Some(r @ (_, Method::OneEdit)) = typing_sim(q.form.as_bytes(), v.form.as_bytes())
            {
                return r;
            }
        }
        return (0.0, Method::Fuzzy);
    }
    if q.form == v.form {
        return (1.0, Method::Exact);
    }
    if q.group.is_some() && q.group == v.group {
        return (0.95, Method::Equivalent);
    }
    let (a, b) = (q.form.as_bytes(), v.form.as_bytes());
    // Jaro-Winkler is generous (unrelated names of similar shape score ~0.8): stretch its distance. Below
    // MIN_TOKEN_SIM a similarity counts as none, so it is not computed when its upper bound rules that out.
    let mut jw = if jaro_winkler_bound(a, b) < JW_NEEDED {
        0.0
    } else {
        1.0 - FUZZY_STRETCH * (1.0 - jaro_winkler(a, b) as f32)
    };
    if a.len().min(b.len()) <= 3 {
        jw *= 0.9;
    }
    let mut best = (jw, Method::Fuzzy);
    let skel_ok = q.skel.len() >= 2 && q.skel == v.skel;
    if q.script.is_abjad() || v.abjad {
        let s = if skel_ok {
            0.93
        } else {
            jaro_winkler(q.skel.as_bytes(), v.skel.as_bytes()) as f32 * 0.9
        };
        if s > best.0 {
            best = (s, Method::Skeleton);
        }
    } else if skel_ok && q.skel.len() >= 3 && best.0 < 0.9 {
        best = (0.9, Method::Phonetic);
    }
    if q.script == Script::Cyrillic && !v.abjad && best.0 < CYRILLIC_SIM {
        let (ca, cb) = (cyrillic_neutral(&q.form), cyrillic_neutral(v.form));
        let r = if ca == cb {
            CYRILLIC_SIM
        } else {
            (1.0 - FUZZY_STRETCH * (1.0 - jaro_winkler(ca.as_bytes(), cb.as_bytes()) as f32))
                .min(CYRILLIC_SIM)
        };
        if r > best.0 {
            best = (r, Method::CyrillicRendering);
        }
    }
    if best.0 < DIGIT_SIM {
        if let Some(r) = typing_sim(a, b) {
            if r.0 > best.0 {
                best = r;
            }
        }
    }
    // `abd` (Abdul, Abdel, ... as list names read them) against a slip of one of its written forms ("abul").
    let is_abd = |x: &[u8]| x.len() == 3 && x[0] == b'a' && x[1] == b'b' && x[2] == b'd';
    if best.0 < ONE_EDIT_SIM
        && (is_abd(b) && abd_slip(&q.form) || is_abd(a) && abd_slip(v.form))
        && !q.script.is_abjad()
        && !v.abjad
    {
        best = (ONE_EDIT_SIM, Method::OneEdit);
    }
    best
}

/// The Jaro-Winkler similarity a token pair needs for its stretched similarity to reach [`MIN_TOKEN_SIM`]
/// (`1 - FUZZY_STRETCH * (1 - jw) >= MIN_TOKEN_SIM`), less a margin for rounding.
const JW_NEEDED: f64 = 1.0 - (1.0 - MIN_TOKEN_SIM as f64) / FUZZY_STRETCH as f64 - 1e-3;

/// An upper bound of [`jaro_winkler`] in O(length): Jaro's matching characters are at most the characters the
/// two sequences have in common (as multisets), its transposition term at most 1, and the Winkler prefix is
/// exact.
fn jaro_winkler_bound(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() || b.is_empty() || a.len() > 255 || b.len() > 255 {
        return 1.0;
    }
    // Bytes counted modulo 64: letters never share a slot, and a shared slot only loosens the bound.
    let mut count = [0u8; 64];
    for &x in a {
        count[(x & 63) as usize] += 1;
    }
    let mut c = 0usize;
    for &y in b {
        let k = &mut count[(y & 63) as usize];
        if *k > 0 {
            *k -= 1;
            c += 1;
        }
    }
    if c == 0 {
        return 0.0;
    }
    let c = c as f64;
    let j = (c / a.len() as f64 + c / b.len() as f64 + 1.0) / 3.0;
    let p = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    j + p as f64 * 0.1 * (1.0 - j)
}

/// The typing slips a reviewer would call the same name, checked in O(length): one inserted, deleted or doubled
/// letter or one adjacent transposition (the shorter token having at least 2 letters and the longer at least
/// 3), an initial standing for a name, and digits typed for look-alike letters (1/i/l, 0/o, 9/g, ...).
#[inline]
fn typing_sim(a: &[u8], b: &[u8]) -> Option<(f32, Method)> {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() == 1 && long.len() > 1 {
        return (short[0] == long[0] && short[0].is_ascii_alphabetic())
            .then_some((INITIAL_SIM, Method::Initial));
    }
    // Every other slip keeps the lengths within one letter.
    if long.len() > short.len() + 1 {
        return None;
    }
    // Digits for letters: the first difference is already a digit for a look-alike letter (checked first: this
    // runs for many token pairs).
    if short.len() == long.len()
        && a.iter()
            .zip(b)
            .position(|(x, y)| x != y)
            .is_some_and(|i| look_alike(a[i], b[i]))
        && a.iter().chain(b).any(u8::is_ascii_digit)
    {
        let ok = a.iter().zip(b).all(|(&x, &y)| x == y || look_alike(x, y));
        if ok && a.iter().chain(b).any(u8::is_ascii_alphabetic) {
            return Some((DIGIT_SIM, Method::DigitForLetter));
        }
    }
    // One edit leaves the first letter in place or moves it by one position.
    if short.len() >= 2
        && long.len() >= 3
        && (a[0] == b[0] || a[0] == b[1] || a[1] == b[0])
        && one_edit(short, long)
    {
        // A slip in a token of 2-3 letters leaves less of the name to recognise (Jan / Juan).
        let sim = if short.len() <= 3 {
            ONE_EDIT_SHORT_SIM
        } else {
            ONE_EDIT_SIM
        };
        return Some((sim, Method::OneEdit));
    }
    None
}

/// A digit typed for a letter it looks like.
fn look_alike(x: u8, y: u8) -> bool {
    let (d, l) = if x.is_ascii_digit() { (x, y) } else { (y, x) };
    matches!(
        (d, l),
        (b'0', b'o')
            | (b'1', b'i' | b'l')
            | (b'2', b'z')
            | (b'3', b'e')
            | (b'4', b'a')
            | (b'5', b's')
            | (b'6', b'b' | b'g')
            | (b'7', b't')
            | (b'8', b'b')
            | (b'9', b'g' | b'q')
    )
}

#[derive(Default)]
struct Scratch {
    acc: Vec<f32>,
    touched: Vec<u32>,
    tri_count: Vec<u16>,
    /// Similar vocabulary tokens of recently seen query tokens (names repeat a lot within a batch).
    /// Keyed by the token's script as well as its form: a Cyrillic token and a Latin one with the same
    /// comparison form expand differently (the Cyrillic one also by its renderings), and a cache keyed by form
    /// alone gave whichever came first on a thread to the other, so a batch's scores depended on its order.
    expansions: FxHashMap<(crate::translit::Script, String), Rc<TokenSims>>,
    owner: u64,
    tri_touched: Vec<u32>,
    tri_keys: Vec<u32>,
    /// What [`Index::trigram_candidates`] found.
    tri_out: Vec<u32>,
    /// Per vocabulary token: the stamp of the expansion that last considered it, and its position in
    /// `considered` (see [`Index::retrieve`]).
    seen: Vec<(u32, u32)>,
    stamp: u32,
    considered: Vec<(u32, (f32, Method))>,
    /// Deletion hashes of the query's compact form, and the variants they found.
    slip_hashes: Vec<u32>,
    slips: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
    /// The similarity matrix of [`Index::score_variant`], reused from candidate to candidate.
    static SIM_BUF: RefCell<Vec<(f32, Method)>> = const { RefCell::new(Vec::new()) };
}

/// A match before its explanation: score, entry, variant, how the variant scored, name score, qualifiers, and the
/// legal-form reading of the query that gave it (`None`: the query as written).
type Ranked = (
    f64,
    u32,
    u32,
    Scored,
    f64,
    Vec<QualifierEffect>,
    Option<usize>,
);

/// Per-query similarity of a query token to vocabulary tokens found by retrieval.
/// Similarity of one query token to the vocabulary tokens retrieval found.
type TokenSims = FxHashMap<u32, (f32, Method)>;

/// Per query token, shared with the per-thread expansion cache (no copy per query token).
type SimCache = Vec<Rc<TokenSims>>;

impl Index {
    /// Build the index over labelled lists (label = how hits name the list, usually the format name).
    pub fn build(lists: &[(String, ListSnapshot)]) -> Index {
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let mut ix = Index {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            lists: Vec::new(),
            entries: Vec::new(),
            variants: Vec::new(),
            var_toks: Vec::new(),
            var_weights: Vec::new(),
            var_text: String::new(),
            originals: Vec::new(),
            variant_rank: Vec::new(),
            vocab: Vec::new(),
            vocab_text: String::new(),
            by_key: hashbrown::HashTable::new(),
            by_skel: FxHashMap::default(),
            by_group: FxHashMap::default(),
            trigrams: FxHashMap::default(),
            tri_starts: Vec::new(),
            tri_tokens: Vec::new(),
            short_prefix: FxHashMap::default(),
            abd_slips: Vec::new(),
            deletes: ProbeTable::default(),
            short_forms: ProbeTable::default(),
            by_canon: ProbeTable::default(),
            by_roman: ProbeTable::default(),
            post_starts: Vec::new(),
            postings: Vec::new(),
            original_postings: FxHashMap::default(),
            compact_forms: FxHashMap::default(),
            compact_starts: Vec::new(),
            compact_variants: Vec::new(),
            edit_starts: Vec::new(),
            edit_near: Vec::new(),
            slip_starts: Vec::new(),
            slip_near: Vec::new(),
            form_keys_starts: Vec::new(),
            form_keys: Vec::new(),
            compact_roman: ProbeTable::default(),
            compact_deletes: ProbeTable::default(),
            identifiers: FxHashMap::default(),
        };
        // Preparing names is the expensive part: it runs in parallel, in chunks of entries (so that the prepared
        // names waiting to be interned stay few: they are dropped as soon as interned, but the allocator keeps
        // what a whole list of them took), and the next chunk is prepared while this one is interned (in list
        // and entry order, as interning numbers tokens, variants and entries).
        use rayon::prelude::*;
        let mut pending = Pending::default();
        for (label, snap) in lists {
            ix.lists.push(IndexedList {
                label: label.clone(),
                format: snap.format,
                version: snap.version.clone(),
                entries: snap.entries.len(),
            });
        }
        let chunks: Vec<(usize, &[lists::ListEntry])> = lists
            .iter()
            .enumerate()
            .flat_map(|(li, (_, snap))| snap.entries.chunks(PREPARE_CHUNK).map(move |c| (li, c)))
            .collect();
        // A name written identically in several entries (42% of list names: the consolidated screening list
        // repeats the SDN list, aliases repeat across lists) is prepared once, at its first occurrence (chunk,
        // entry in the chunk, name in the entry); later occurrences copy what the first one gave.
        // Distinct names are numbered, and where each occurs first kept, a chunk at a time before it is
        // prepared (while the chunk before is interned).
        let mut names = NameIds::default();
        // Everything of an entry that does not depend on what was interned before it is made here, in
        // parallel, off the interning thread.
        let prepare_chunk = |names: &NameIds,
                             k: usize,
                             li: usize,
                             chunk: &[lists::ListEntry]|
         -> Vec<PreparedEntry> {
            let name_id = |name: &str, at: (u32, u32, u32)| {
                let id = names.first[name];
                (id, names.first_at[id as usize] == at)
            };
            chunk
                .par_iter()
                .enumerate()
                .map(|(ei, e)| {
                    let mut names = Vec::with_capacity(e.names.len());
                    let mut ids = Vec::with_capacity(e.names.len());
                    let lower: Vec<String> =
                        e.names.iter().map(|n| n.name.to_lowercase()).collect();
                    for (ni, n) in e.names.iter().enumerate() {
                        let (id, first) = name_id(&n.name, (k as u32, ei as u32, ni as u32));
                        names.push(if first {
                            ListName::pack(prepare_list_name(&n.name))
                        } else {
                            ListName::default()
                        });
                        let same_as = lower[..ni]
                            .iter()
                            .position(|l| *l == lower[ni])
                            .unwrap_or(ni);
                        ids.push(NameRef {
                            id,
                            first,
                            same_as: same_as as u32,
                        });
                    }
                    PreparedEntry {
                        entry: Some(IndexedEntry {
                            list: li as u16,
                            source_id: e.source_id.clone(),
                            primary_name: e
                                .names
                                .iter()
                                .find(|n| n.kind == NameKind::Primary)
                                .map(|n| n.name.clone())
                                .unwrap_or_else(|| e.primary_name().to_string()),
                            kind: e.kind,
                            birth_dates: e.birth_dates.clone(),
                            countries: e.countries.iter().map(|c| c.to_ascii_uppercase()).collect(),
                            identifiers: e
                                .identifiers
                                .iter()
                                .map(|i| (i.kind.clone(), i.number.clone()))
                                .collect(),
                            first_variant: 0,
                        }),
                        identifiers: e
                            .identifiers
                            .iter()
                            .map(|id| normalize_identifier(&id.number))
                            .filter(|n| n.len() >= 4)
                            .collect(),
                        names,
                        ids,
                    }
                })
                .collect()
        };
        // Capacity from counts: the arrays that grow with every name are sized once (upper bounds; trimmed
        // at the end), not doubled and copied while one thread interns.
        let (n_entries, n_names, name_bytes) =
            lists.iter().fold((0, 0, 0), |(e, n, b), (_, snap)| {
                snap.entries
                    .iter()
                    .fold((e + snap.entries.len(), n, b), |(e, n, b), x| {
                        (
                            e,
                            n + x.names.len(),
                            b + x.names.iter().map(|n| n.name.len()).sum::<usize>(),
                        )
                    })
            });
        ix.entries.reserve_exact(n_entries);
        ix.variants.reserve_exact(n_names);
        ix.variant_rank.reserve_exact(n_names);
        // (A name's compact form is about as long as the name, its words a few letters each, and a compact form
        // has a deletion key per letter.)
        ix.var_text.reserve(2 * name_bytes);
        ix.var_toks.reserve(name_bytes / 4);
        ix.var_weights.reserve(name_bytes / 4);
        pending.compact_deletes.reserve(name_bytes + n_names);
        let mut made: Vec<Made> = Vec::new();
        let mut next = chunks.first().map(|&(li, c)| {
            names.number(0, c);
            prepare_chunk(&names, 0, li, c)
        });
        // What interning leaves of a chunk is dropped while the next one is interned, on the other side.
        let mut spent: Vec<PreparedEntry> = Vec::new();
        for (k, &(_, chunk)) in chunks.iter().enumerate() {
            let mut prepared = next.take().unwrap_or_default();
            let following = chunks.get(k + 1).copied();
            made.resize_with(names.first_at.len(), || Made::Unseen);
            let names = &mut names;
            let ((), n) = rayon::join(
                || ix.intern_chunk(chunk, &mut prepared, &mut pending, &mut made),
                || {
                    drop(spent);
                    following.map(|(li, c)| {
                        names.number(k + 1, c);
                        prepare_chunk(names, k + 1, li, c)
                    })
                },
            );
            next = n;
            spent = prepared;
        }
        drop(made);
        ix.vocab_text.shrink_to_fit();
        ix.var_toks.shrink_to_fit();
        ix.var_weights.shrink_to_fit();
        ix.var_text.shrink_to_fit();
        ix.variants.shrink_to_fit();
        ix.entries.shrink_to_fit();
        let Pending {
            mut by_roman,
            mut compact_roman,
            compact_deletes,
        } = pending;
        let mut forms: Vec<(&str, u32)> =
            ix.compact_forms.iter().map(|(f, &i)| (&**f, i)).collect();
        forms.sort_unstable_by_key(|&(_, i)| i);
        // What follows reads the interned vocabulary, variants and compact forms, and its parts are independent
        // of one another: they run side by side (each table is built from pairs gathered in ascending token,
        // form or variant order, as the maps it replaces listed them; a pair given twice, from a hash collision
        // within one form or a romanisation key repeated, finds nothing more: every lookup deduplicates).
        let ix_ref = &ix;
        let vocab_tables = || {
            let ix = ix_ref;
            // (Tokens by skeleton and by equivalence group here, off the interning thread, in the same order.)
            let mut by_skel: FxHashMap<String, Vec<u32>> = FxHashMap::default();
            let mut by_group: FxHashMap<u16, Vec<u32>> = FxHashMap::default();
            let mut trigrams: FxHashMap<u32, u32> = FxHashMap::default();
            let mut tri_pairs: Vec<(u32, u32)> = Vec::new();
            let mut short_prefix: FxHashMap<[u8; 2], Vec<u32>> = FxHashMap::default();
            let mut abd_slips = Vec::new();
            let mut keys = Vec::new();
            let (mut canon, mut deletes, mut short_forms) = (Vec::new(), Vec::new(), Vec::new());
            let mut hashes = Vec::new();
            for (i, v) in ix.vocab.iter().enumerate() {
                let v = v.read(&ix.vocab_text);
                // Skeletons of one consonant (David, Dud: `d`) only serve abjad queries (דוד).
                if !v.skel.is_empty() && v.class == TokenClass::Name {
                    by_skel
                        .entry(v.skel.to_string())
                        .or_default()
                        .push(i as u32);
                }
                if let Some(g) = v.group {
                    by_group.entry(g).or_default().push(i as u32);
                }
                trigram_keys(v.form, &mut keys);
                for k in &keys {
                    let next = trigrams.len() as u32;
                    tri_pairs.push((*trigrams.entry(*k).or_insert(next), i as u32));
                }
                let b = v.form.as_bytes();
                if v.class == TokenClass::Name && !v.abjad && abd_slip(v.form) {
                    abd_slips.push(i as u32);
                }
                if b.len() >= 2 && b.len() <= SHORT_TOKEN + 2 && v.class == TokenClass::Name {
                    short_prefix.entry([b[0], b[1]]).or_default().push(i as u32);
                }
                if v.class == TokenClass::Name && !v.abjad && v.form.len() >= 3 {
                    canon.push((form_hash(cyrillic_neutral(v.form).as_bytes()), i as u32));
                }
                if !v.abjad && v.form.is_ascii() && b.len() <= DELETE_KEY_MAX {
                    short_forms.push((form_hash(b), i as u32));
                }
                if (2..=DELETE_KEY_MAX).contains(&b.len())
                    && v.class == TokenClass::Name
                    && !v.abjad
                    && v.form.is_ascii()
                {
                    deletion_hashes(b, &mut hashes);
                    for d in 0..b.len() {
                        // A deletion in a run of one letter gives the same form as the one before.
                        if d == 0 || b[d] != b[d - 1] {
                            deletes.push((hashes[d], i as u32));
                        }
                    }
                }
            }
            let ((deletes, short_forms), by_canon) = rayon::join(
                || {
                    rayon::join(
                        || ProbeTable::build(&deletes),
                        || ProbeTable::build(&short_forms),
                    )
                },
                || ProbeTable::build(&canon),
            );
            let tri_postings = group_by_key(trigrams.len(), tri_pairs.into_iter());
            (
                (trigrams, tri_postings, by_skel, by_group),
                short_prefix,
                abd_slips,
                deletes,
                short_forms,
                by_canon,
            )
        };
        // Romanisation keys once per distinct token, in parallel (list names were prepared without them).
        let roman_table = || {
            let ix = ix_ref;
            let roman: Vec<Vec<u64>> = ix
                .vocab
                .par_iter()
                .map(|t| {
                    if t.class == TokenClass::Name && !t.abjad {
                        crate::romanise::keys(t.read(&ix.vocab_text).form)
                    } else {
                        Vec::new()
                    }
                })
                .collect();
            for (id, keys) in roman.iter().enumerate() {
                by_roman.extend(keys.iter().map(|&k| (k, id as u32)));
            }
            ProbeTable::build(&by_roman)
        };
        // The romanisation keys of each compact form, once per form (list names were prepared without them),
        // and the table of (key, variant) pairs in variant order.
        let forms_ref = &forms;
        let form_keys = || {
            let ix = ix_ref;
            let keys: Vec<Vec<u64>> = forms_ref
                .par_iter()
                .map(|&(f, _)| crate::romanise::compact_keys(f))
                .collect();
            let (starts, form_keys) = flatten(keys);
            for (vi, v) in ix.variants.iter().enumerate() {
                if v.compact_form != NO_FORM {
                    let f = v.compact_form as usize;
                    let keys = &form_keys[starts[f] as usize..starts[f + 1] as usize];
                    compact_roman.extend(keys.iter().map(|&k| (k, vi as u32)));
                }
            }
            let table = ProbeTable::build(&compact_roman);
            (starts, form_keys, table)
        };
        // Postings and the variants of each compact form, in variant order.
        let postings = || {
            let ix = ix_ref;
            let postings = group_by_key(
                ix.vocab.len(),
                ix.variants
                    .iter()
                    .enumerate()
                    .flat_map(|(vi, v)| ix.toks_of(v).iter().map(move |&t| (t, vi as u32))),
            );
            let compact = group_by_key(
                ix.compact_forms.len(),
                ix.variants
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.compact_form != NO_FORM)
                    .map(|(vi, v)| (v.compact_form, vi as u32)),
            );
            (postings, compact)
        };
        let ((vocab_tables, by_roman), ((form_keys, compact_deletes), postings)) = rayon::join(
            || rayon::join(vocab_tables, roman_table),
            || {
                rayon::join(
                    || rayon::join(form_keys, || ProbeTable::build(&compact_deletes)),
                    postings,
                )
            },
        );
        (
            (
                ix.trigrams,
                (ix.tri_starts, ix.tri_tokens),
                ix.by_skel,
                ix.by_group,
            ),
            ix.short_prefix,
            ix.abd_slips,
            ix.deletes,
            ix.short_forms,
            ix.by_canon,
        ) = vocab_tables;
        ix.by_roman = by_roman;
        (ix.form_keys_starts, ix.form_keys, ix.compact_roman) = form_keys;
        ix.compact_deletes = compact_deletes;
        (
            (ix.post_starts, ix.postings),
            (ix.compact_starts, ix.compact_variants),
        ) = postings;
        // What the deletion tables give for each vocabulary token and each compact form, for queries that are
        // (or contain) list names (in parallel: read-only lookups).
        let ix_ref = &ix;
        let (edit, slip) = rayon::join(
            || {
                let ix = ix_ref;
                let near: Vec<Vec<u32>> = (0..ix.vocab.len())
                    .into_par_iter()
                    .map(|id| {
                        let v = ix.tok(id as u32);
                        let b = v.form.as_bytes();
                        let mut out = Vec::new();
                        if (2..=DELETE_KEY_MAX + 1).contains(&b.len())
                            && v.form.is_ascii()
                            && !v.abjad
                        {
                            ix.one_edit_tokens(b, &mut Vec::new(), |n| {
                                if !out.contains(&n) {
                                    out.push(n);
                                }
                            });
                        }
                        out
                    })
                    .collect();
                flatten(near)
            },
            || ix_ref.slip_near_forms(&forms),
        );
        (ix.edit_starts, ix.edit_near) = edit;
        (ix.slip_starts, ix.slip_near) = slip;
        ix
    }

    /// Add the entries of a chunk, as prepared ([`PreparedEntry`]); `made` says what a name's first occurrence
    /// gave.
    fn intern_chunk(
        &mut self,
        chunk: &[lists::ListEntry],
        prepared: &mut [PreparedEntry],
        pending: &mut Pending,
        made: &mut [Made],
    ) {
        for (e, pe) in chunk.iter().zip(prepared) {
            let ei = self.entries.len() as u32;
            let mut entry = pe.entry.take().expect("an entry is interned once");
            entry.first_variant = self.variants.len() as u32;
            let person = entry.kind == EntityKind::Person;
            self.entries.push(entry);
            for n in std::mem::take(&mut pe.identifiers) {
                let v = self.identifiers.entry(n).or_default();
                if v.last() != Some(&ei) {
                    v.push(ei);
                }
            }
            // The names of this entry added so far (a name repeated in other case is added once), by the first
            // of the entry's names that is the same in lower case.
            let mut seen: Vec<u32> = Vec::with_capacity(e.names.len());
            for ((nv, p), r) in e.names.iter().zip(&mut pe.names).zip(&pe.ids) {
                let (id, first, lower) = (r.id as usize, r.first, r.same_as);
                let owned;
                let p = if first {
                    if p.toks.is_empty() {
                        made[id] = Made::Empty;
                        continue;
                    }
                    if !first_time(&mut seen, lower) {
                        made[id] = Made::Prepared(Box::new(std::mem::take(p)));
                        continue;
                    }
                    made[id] = Made::Variant(self.variants.len() as u32);
                    self.add_variant(ei, person, nv, p, pending);
                    continue;
                } else {
                    match &made[id] {
                        Made::Empty => continue,
                        &Made::Variant(from) => {
                            if first_time(&mut seen, lower) {
                                self.add_variant_copy(ei, person, nv, from);
                            }
                            continue;
                        }
                        Made::Prepared(p) => {
                            owned = (**p).clone();
                            &owned
                        }
                        Made::Unseen => {
                            owned = ListName::pack(prepare_list_name(&nv.name));
                            &owned
                        }
                    }
                };
                if p.toks.is_empty() || !first_time(&mut seen, lower) {
                    continue;
                }
                self.add_variant(ei, person, nv, p, pending);
            }
        }
    }

    /// Add a variant for a name written exactly as the one variant `from` was added for: it shares that
    /// variant's text, tokens, original-script tokens and compact form (what [`Index::add_variant`] would make
    /// of the same prepared name).
    fn add_variant_copy(&mut self, entry: u32, person: bool, nv: &lists::NameVariant, from: u32) {
        let vi = self.variants.len() as u32;
        let src = &self.variants[from as usize];
        let copy = Variant {
            entry,
            kind: nv.kind,
            quality: nv.quality,
            person,
            ..*src
        };
        for o in &self.originals[src.orig_at as usize..(src.orig_at + src.orig_len) as usize] {
            let post = match self.original_postings.get_mut(o) {
                Some(post) => post,
                None => self.original_postings.entry(o.clone()).or_default(),
            };
            if post.last() != Some(&vi) {
                post.push(vi);
            }
        }
        self.variant_rank.push(self.variant_rank[from as usize]);
        self.variants.push(copy);
    }

    fn add_variant(
        &mut self,
        entry: u32,
        person: bool,
        nv: &lists::NameVariant,
        p: &ListName,
        pending: &mut Pending,
    ) {
        let vi = self.variants.len() as u32;
        let tok_at = u32::try_from(self.var_toks.len()).expect("fewer than 2^32 name tokens");
        let mut abjad_key = String::new();
        for (form, t) in p.tokens() {
            // (The key is the form itself but for abjad-script tokens.)
            let key = if t.abjad {
                abjad_key.clear();
                abjad_key.push('~');
                abjad_key.push_str(form);
                abjad_key.as_str()
            } else {
                form
            };
            let known = self.vocab_id_hashed(key, t.key_hash);
            let id = match known {
                Some(id) => id,
                None => {
                    // (List names are prepared without skeletons: one per distinct token, here.)
                    let skel = skeleton(form);
                    let id = self.vocab.len() as u32;
                    let at = self.vocab_text.len() as u32;
                    self.vocab_text.push_str(form);
                    self.vocab_text.push_str(&skel);
                    self.vocab.push(VocabTok {
                        at,
                        form_len: u16::try_from(form.len()).expect("a token under 64 KiB"),
                        skel_len: u16::try_from(skel.len()).expect("a token under 64 KiB"),
                        group: t.group,
                        class: t.class,
                        abjad: t.abjad,
                    });
                    let (vocab, text) = (&self.vocab, &self.vocab_text);
                    self.by_key
                        .insert_unique(t.key_hash, id, |&id| vocab_key_hash(vocab, text, id));
                    id
                }
            };
            self.var_toks.push(id);
            self.var_weights.push(t.weight);
        }
        let orig_at = u32::try_from(self.originals.len()).expect("fewer than 2^32 tokens");
        for o in &p.original {
            let o = o.clone();
            let post = match self.original_postings.get_mut(&o) {
                Some(post) => post,
                None => self.original_postings.entry(o.clone()).or_default(),
            };
            if post.last() != Some(&vi) {
                post.push(vi);
            }
            self.originals.push(o);
        }
        let compact = p.compact();
        let mut compact_form = NO_FORM;
        if compact.len() >= COMPACT_EXACT_MIN {
            let next = self.compact_forms.len() as u32;
            let f = match self.compact_forms.get(compact) {
                Some(&f) => f,
                None => {
                    self.compact_forms.insert(compact.into(), next);
                    next
                }
            };
            if f == next {
                // The deletion keys, once per form.
                if compact.len() >= COMPACT_SLIP_MIN && compact.is_ascii() {
                    let b = compact.as_bytes();
                    let mut hashes = Vec::new();
                    deletion_hashes(b, &mut hashes);
                    for (d, &h) in hashes.iter().enumerate() {
                        // A deletion in a run of one letter gives the same key as the one before.
                        if d == 0 || d == b.len() || b[d] != b[d - 1] {
                            pending.compact_deletes.push((h, f));
                        }
                    }
                }
            }
            compact_form = f;
        }
        let toks = &self.var_toks[tok_at as usize..];
        let tok_len = u16::try_from(toks.len()).expect("a name of fewer than 65,536 tokens");
        let first_letters = toks.iter().take(64).fold(0u32, |m, &id| {
            let f = self.form_bytes(id);
            if f.len() > 1 && f[0].is_ascii_lowercase() {
                m | 1 << (f[0] - b'a')
            } else {
                m
            }
        });
        self.variant_rank.push(VariantRank {
            total_weight: self.var_weights[tok_at as usize..].iter().sum(),
            first_letters,
        });
        let text_at = u32::try_from(self.var_text.len()).expect("under 4 GiB of names");
        self.var_text.push_str(&nv.name);
        self.var_text.push_str(compact);
        let len = |s: &str| u32::try_from(s.len()).expect("a name under 4 GiB");
        self.variants.push(Variant {
            entry,
            text_at,
            name_len: len(&nv.name),
            compact_len: len(compact),
            tok_at,
            compact_form,
            orig_at,
            orig_len: self.originals.len() as u32 - orig_at,
            tok_len,
            kind: nv.kind,
            quality: nv.quality,
            person,
            original_script: p.original_script,
            surname_from: p.surname_from,
        });
    }

    /// Vocabulary tokens one inserted, deleted or transposed letter from `q` (ASCII, 2 to [`DELETE_KEY_MAX`] + 1
    /// letters), each passed to `found` as the deletion tables give it (possibly more than once): those with a
    /// one-letter deletion equal to `q`, then for each deletion of `q` (one per run of a letter) the token equal to it
    /// and those with a one-letter deletion equal to it. `hashes` is scratch space.
    fn one_edit_tokens(&self, q: &[u8], hashes: &mut Vec<u32>, mut found: impl FnMut(u32)) {
        let ql = q.len();
        deletion_hashes(q, hashes);
        for id in self.deletes.get(hashes[ql]) {
            if deletes_to(self.form_bytes(id), q) {
                found(id);
            }
        }
        for d in 0..ql {
            // Skip a deletion that gives the same key as the previous one (doubled letters).
            if d > 0 && q[d] == q[d - 1] {
                continue;
            }
            let mut buf = [0u8; DELETE_KEY_MAX];
            buf[..d].copy_from_slice(&q[..d]);
            buf[d..ql - 1].copy_from_slice(&q[d + 1..]);
            let key = &buf[..ql - 1];
            for id in self.short_forms.get(hashes[d]) {
                if self.form_bytes(id) == key {
                    found(id);
                }
            }
            for id in self.deletes.get(hashes[d]) {
                if deletes_to(self.form_bytes(id), key) {
                    found(id);
                }
            }
        }
    }

    /// Compact forms whose deletion keys include the hash of the ASCII compact form `q` or of one of its
    /// one-letter deletions (one per run of a letter), passed to `found` (possibly more than once).
    fn compact_slip_forms(&self, q: &[u8], hashes: &mut Vec<u32>, mut found: impl FnMut(u32)) {
        deletion_hashes(q, hashes);
        for (d, &h) in hashes.iter().enumerate() {
            if d > 0 && d < q.len() && q[d] == q[d - 1] {
                continue;
            }
            for f in self.compact_deletes.get(h) {
                found(f);
            }
        }
    }

    /// Per compact form (`forms`, in number order) of at least [`COMPACT_SLIP_MIN`] - 1 ASCII letters, the
    /// forms [`Index::compact_slip_forms`] gives for it, ascending (retrieval sorts what it reads of them), as
    /// one array and where each form's start. A form with deletion keys of its own shares a key with exactly the
    /// forms it finds (itself included), so those are read from the table's keys in one pass over its slots
    /// rather than looked up one key at a time; only the forms one letter shorter are looked up.
    fn slip_near_forms(&self, forms: &[(&str, u32)]) -> (Vec<u32>, Vec<u32>) {
        let stored = |f: &str| f.len() >= COMPACT_SLIP_MIN && f.is_ascii();
        // (form, form) pairs sharing a key, other than a form with itself.
        let mut shared: Vec<(u32, u32)> = Vec::new();
        self.compact_deletes.for_each_key(|_, fs| {
            if fs.iter().any(|&g| g != fs[0]) {
                for &f in fs {
                    shared.extend(fs.iter().filter(|&&g| g != f).map(|&g| (f, g)));
                }
            }
        });
        let mut hashes = Vec::new();
        for &(f, i) in forms {
            if f.len() + 1 == COMPACT_SLIP_MIN && f.is_ascii() {
                self.compact_slip_forms(f.as_bytes(), &mut hashes, |g| shared.push((i, g)));
            }
        }
        shared.sort_unstable();
        shared.dedup();
        let mut starts = Vec::with_capacity(forms.len() + 1);
        let mut near = Vec::with_capacity(forms.len() + shared.len());
        starts.push(0);
        let mut rest = &shared[..];
        for &(f, i) in forms {
            let n = rest.iter().take_while(|&&(x, _)| x == i).count();
            let (mine, after) = rest.split_at(n);
            rest = after;
            let from = near.len();
            near.extend(mine.iter().map(|&(_, g)| g));
            if stored(f) {
                near.push(i);
                near[from..].sort_unstable();
            }
            starts.push(near.len() as u32);
        }
        (starts, near)
    }

    /// The tokens of variant `v`.
    fn toks_of(&self, v: &Variant) -> &[u32] {
        &self.var_toks[v.tok_at as usize..v.tok_at as usize + v.tok_len as usize]
    }

    /// The weights of the tokens of variant `v`.
    fn weights_of(&self, v: &Variant) -> &[f32] {
        &self.var_weights[v.tok_at as usize..v.tok_at as usize + v.tok_len as usize]
    }

    /// The form of vocabulary token `id`, as bytes.
    fn form_bytes(&self, id: u32) -> &[u8] {
        let t = &self.vocab[id as usize];
        &self.vocab_text.as_bytes()[t.at as usize..t.at as usize + t.form_len as usize]
    }

    /// Vocabulary token `id`.
    fn tok(&self, id: u32) -> Vocab<'_> {
        self.vocab[id as usize].read(&self.vocab_text)
    }

    /// The romanisation keys of the compact form of variant `v` (none under 6 letters).
    fn compact_keys_of(&self, v: &Variant) -> &[u64] {
        if v.compact_form == NO_FORM {
            return &[];
        }
        let f = v.compact_form as usize;
        &self.form_keys[self.form_keys_starts[f] as usize..self.form_keys_starts[f + 1] as usize]
    }

    /// The vocabulary token whose key ([`vocab_key`]) is `key`.
    fn vocab_id(&self, key: &str) -> Option<u32> {
        self.vocab_id_hashed(key, key_hash(key))
    }

    /// [`Index::vocab_id`] with the key's hash given.
    fn vocab_id_hashed(&self, key: &str, hash: u64) -> Option<u32> {
        self.by_key
            .find(hash, |&id| {
                let t = &self.vocab[id as usize];
                let form = &self.vocab_text[t.at as usize..t.at as usize + t.form_len as usize];
                if t.abjad {
                    key.strip_prefix('~') == Some(form)
                } else {
                    key == form
                }
            })
            .copied()
    }

    /// The name of variant `v` as listed.
    fn name_of(&self, v: &Variant) -> &str {
        &self.var_text[v.text_at as usize..v.text_at as usize + v.name_len as usize]
    }

    /// The compact form of variant `v`.
    fn compact_of(&self, v: &Variant) -> &str {
        let at = v.text_at as usize + v.name_len as usize;
        &self.var_text[at..at + v.compact_len as usize]
    }

    /// The original-script tokens of variant `v`.
    fn originals_of(&self, v: &Variant) -> &[Box<str>] {
        &self.originals[v.orig_at as usize..v.orig_at as usize + v.orig_len as usize]
    }

    /// The variants vocabulary token `id` occurs in.
    fn postings_of(&self, id: u32) -> &[u32] {
        &self.postings
            [self.post_starts[id as usize] as usize..self.post_starts[id as usize + 1] as usize]
    }

    /// The variants whose compact form is form `f` of `compact_forms`.
    fn compact_variants_of(&self, f: u32) -> &[u32] {
        &self.compact_variants
            [self.compact_starts[f as usize] as usize..self.compact_starts[f as usize + 1] as usize]
    }

    /// The loaded lists.
    pub fn lists(&self) -> &[IndexedList] {
        &self.lists
    }

    /// Number of entries over all lists.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of indexed name variants.
    pub fn variant_count(&self) -> usize {
        self.variants.len()
    }

    /// The indexed entry a match refers to.
    pub fn entry(&self, i: u32) -> &IndexedEntry {
        &self.entries[i as usize]
    }

    /// Screen one query.
    pub fn screen(&self, q: &Query, opts: &Options) -> Vec<Match> {
        // Retrieval computes the romanisation keys of a query token only when its expansion is not cached; the
        // full scan compares them pair by pair.
        let known = |f: &str| self.vocab_id(f).is_some();
        let qn = prepare_query(&q.name, &known, opts.exhaustive);
        if qn.tokens.is_empty() && qn.original.is_empty() {
            return Vec::new();
        }
        let legal = self.legal_readings(&q.name, &qn, opts.exhaustive);
        let (mut cands, cache) = if opts.exhaustive {
            ((0..self.variants.len() as u32).collect(), None)
        } else {
            let (c, cache) = self.retrieve(&qn, opts.threshold);
            (c, Some(cache))
        };
        let mut legal_caches = Vec::new();
        if !opts.exhaustive && !legal.is_empty() {
            for (ln, _) in &legal {
                let (c, cache) = self.retrieve(ln, opts.threshold);
                cands.extend(c);
                legal_caches.push(cache);
            }
            cands.sort_unstable();
            cands.dedup();
        }
        // Best variant per entry, with the reading of the query that gave it (the aligned pairs that explain a
        // score are only listed for a variant that beats its entry's best so far).
        let mut best: FxHashMap<u32, (f64, u32, Scored, Option<usize>)> =
            FxHashMap::with_capacity_and_hasher(cands.len(), Default::default());
        for vi in cands {
            let v = &self.variants[vi as usize];
            let so_far = best.get(&v.entry).map_or(0.0, |e| e.0);
            let mut s = self.score_variant(&qn, v, cache.as_ref(), so_far);
            let mut by_legal = None;
            for (r, (ln, forms)) in legal.iter().enumerate() {
                if forms.iter().all(|id| self.toks_of(v).contains(id)) {
                    let l = self.score_variant(ln, v, legal_caches.get(r), so_far.max(s.score));
                    if l.score > s.score {
                        (s, by_legal) = (l, Some(r));
                    }
                }
            }
            if s.score <= 0.0 {
                continue;
            }
            let e = best
                .entry(v.entry)
                .or_insert((-1.0, vi, Scored::default(), None));
            if s.score > e.0 {
                *e = (s.score, vi, s, by_legal);
            }
        }
        // Identifiers are decisive.
        let mut id_hits: FxHashMap<u32, String> = FxHashMap::default();
        for raw in &q.identifiers {
            let n = normalize_identifier(raw);
            if let Some(es) = self.identifiers.get(&n) {
                for &e in es {
                    id_hits.insert(e, raw.clone());
                    let first = self.entries[e as usize].first_variant;
                    best.entry(e)
                        .or_insert((0.0, first, Scored::default(), None));
                }
            }
        }
        let mut scored: Vec<Ranked> = best
            .into_iter()
            .filter_map(|(ei, (name_score, vi, scored, by_legal))| {
                let entry = &self.entries[ei as usize];
                let mut quals = Vec::new();
                let mut score = name_score;
                qualify(q, entry, &mut score, &mut quals);
                if let Some(raw) = id_hits.get(&ei) {
                    let number = entry
                        .identifiers
                        .iter()
                        .find(|(_, n)| normalize_identifier(n) == normalize_identifier(raw))
                        .map(|(k, n)| format!("{k} {n}"))
                        .unwrap_or_default();
                    quals.push(QualifierEffect {
                        qualifier: "identifier".into(),
                        effect: 1.0 - score,
                        detail: format!(
                            "query identifier {raw:?} equals list identifier {number}: decisive"
                        ),
                    });
                    score = 1.0;
                }
                let score = round4(score.clamp(0.0, 1.0));
                (score >= opts.threshold)
                    .then_some((score, ei, vi, scored, name_score, quals, by_legal))
            })
            .collect();
        let key = |ei: u32| {
            let e = &self.entries[ei as usize];
            (&self.lists[e.list as usize].label, &e.source_id)
        };
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| key(a.1).cmp(&key(b.1))));
        let mut keep = opts.limit.min(scored.len());
        if keep > 0 {
            let last = scored[keep - 1].0;
            while keep < scored.len() && keep < MAX_TIED.max(opts.limit) && scored[keep].0 == last {
                keep += 1;
            }
        }
        scored.truncate(keep);
        // Explanations only for what is returned.
        scored
            .into_iter()
            .map(|(score, ei, vi, s, name_score, quals, by_legal)| {
                let entry = &self.entries[ei as usize];
                let v = &self.variants[vi as usize];
                let qn = by_legal.map_or(&qn, |r| &legal[r].0);
                Match {
                    list: self.lists[entry.list as usize].label.clone(),
                    source_id: entry.source_id.clone(),
                    name: self.name_of(v).to_string(),
                    primary_name: entry.primary_name.clone(),
                    score,
                    explanation: self.explain(qn, v, s, name_score, quals),
                    entry: ei,
                }
            })
            .collect()
    }

    /// Score one entry against a query regardless of retrieval and threshold (for re-checking a known hit and
    /// for pairwise evaluation). `None` when no name of the entry compares at all.
    pub fn score_entry(&self, q: &Query, entry: u32) -> Option<Match> {
        let e = self.entries.get(entry as usize)?;
        let end = self
            .entries
            .get(entry as usize + 1)
            .map(|n| n.first_variant)
            .unwrap_or(self.variants.len() as u32);
        let known = |f: &str| self.vocab_id(f).is_some();
        let qn = prepare_query(&q.name, &known, true);
        let mut legal = self.legal_readings(&q.name, &qn, true);
        let mut best: Option<(u32, Scored, Option<usize>)> = None;
        for vi in e.first_variant..end {
            let v = &self.variants[vi as usize];
            let mut s = self.score_variant(&qn, v, None, f64::NEG_INFINITY);
            let mut by_legal = None;
            for (r, (ln, forms)) in legal.iter().enumerate() {
                if forms.iter().all(|id| self.toks_of(v).contains(id)) {
                    let l = self.score_variant(ln, v, None, f64::NEG_INFINITY);
                    if l.score > s.score {
                        (s, by_legal) = (l, Some(r));
                    }
                }
            }
            if best.as_ref().is_none_or(|(_, b, _)| s.score > b.score) {
                best = Some((vi, s, by_legal));
            }
        }
        let (vi, scored, by_legal) = best?;
        let qn = match by_legal {
            Some(r) => legal.swap_remove(r).0,
            None => qn,
        };
        let name_score = scored.score;
        let mut score = name_score;
        let mut quals = Vec::new();
        qualify(q, e, &mut score, &mut quals);
        let v = &self.variants[vi as usize];
        Some(Match {
            list: self.lists[e.list as usize].label.clone(),
            source_id: e.source_id.clone(),
            name: self.name_of(v).to_string(),
            primary_name: e.primary_name.clone(),
            score: round4(score.clamp(0.0, 1.0)),
            explanation: self.explain(&qn, v, scored, name_score, quals),
            entry,
        })
    }

    /// The legal-form readings of a query ([`prepare_query_legal`]), each with the vocabulary tokens a list name
    /// must carry for it to count (the words of the legal form read); none when no list name has those words.
    fn legal_readings(
        &self,
        raw: &str,
        qn: &PreparedName,
        roman_keys: bool,
    ) -> Vec<(PreparedName, Vec<u32>)> {
        let known = |f: &str| self.vocab_id(f).is_some();
        prepare_query_legal(raw, qn, &known, roman_keys)
            .into_iter()
            .filter_map(|ln| {
                let forms = ln
                    .legal_slips
                    .iter()
                    .flat_map(|a| legal_form_words(a))
                    .map(|w| self.vocab_id(w))
                    .collect::<Option<Vec<u32>>>()?;
                Some((ln, forms))
            })
            .collect()
    }

    /// Index of the entry with this list label and source id.
    pub fn find_entry(&self, list: &str, source_id: &str) -> Option<u32> {
        self.entries
            .iter()
            .position(|e| e.source_id == source_id && self.lists[e.list as usize].label == list)
            .map(|i| i as u32)
    }

    /// Retrieve candidate variants: similar vocabulary tokens (exact, equivalence group, skeleton, trigram
    /// overlap confirmed by similarity) and original-script tokens, ranked by accumulated weighted similarity.
    fn retrieve(&self, qn: &PreparedName, threshold: f64) -> (Vec<u32>, SimCache) {
        SCRATCH.with(|s| {
            let s = &mut *s.borrow_mut();
            if s.owner != self.id {
                // Scratch space and the expansion cache belong to one index at a time.
                s.owner = self.id;
                s.expansions.clear();
                s.acc.clear();
                s.tri_count.clear();
            }
            if s.acc.len() != self.variants.len() {
                s.acc = vec![0.0; self.variants.len()];
            }
            if s.tri_count.len() != self.vocab.len() {
                s.tri_count = vec![0; self.vocab.len()];
            }
            s.touched.clear();
            let any_name = qn.tokens.iter().any(|t| t.class == TokenClass::Name);
            let empty = Rc::new(FxHashMap::default());
            let mut cache: SimCache = vec![empty; qn.tokens.len()];
            let mut qsum = 0.0f32;
            for (qi, qt) in qn.tokens.iter().enumerate() {
                if any_name && qt.class != TokenClass::Name {
                    continue;
                }
                let ckey = vocab_key(qt);
                let cache_key = (qt.script, ckey);
                let ckey = &cache_key.1;
                if let Some(c) = s.expansions.get(&cache_key) {
                    cache[qi] = Rc::clone(c);
                } else {
                    // Vocabulary tokens considered, with their similarity, deduplicated through `seen` (the
                    // stamp of this expansion and the position in `list`); only those similar enough go into
                    // the map kept for the query token.
                    let mut seen = std::mem::take(&mut s.seen);
                    if seen.len() != self.vocab.len() {
                        seen = vec![(0, 0); self.vocab.len()];
                    }
                    s.stamp = s.stamp.wrapping_add(1);
                    if s.stamp == 0 {
                        seen.fill((0, 0));
                        s.stamp = 1;
                    }
                    let stamp = s.stamp;
                    let mut list = std::mem::take(&mut s.considered);
                    list.clear();
                    let slot =
                        |id: u32, seen: &mut [(u32, u32)], list: &mut Vec<(u32, (f32, Method))>| {
                            let e = &mut seen[id as usize];
                            if e.0 != stamp {
                                *e = (stamp, list.len() as u32);
                                list.push((id, tok_sim(qt, &self.tok(id))));
                            }
                            seen[id as usize].1 as usize
                        };
                    let consider =
                        |id: u32, seen: &mut [(u32, u32)], list: &mut Vec<(u32, (f32, Method))>| {
                            slot(id, seen, list);
                        };
                    let known = self.vocab_id(ckey);
                    if let Some(id) = known {
                        consider(id, &mut seen, &mut list);
                    }
                    if let Some(g) = qt.group {
                        for &id in self.by_group.get(&g).map(Vec::as_slice).unwrap_or(&[]) {
                            consider(id, &mut seen, &mut list);
                        }
                    }
                    if qt.skel.len() >= 2 || qt.script.is_abjad() && !qt.skel.is_empty() {
                        for &id in self.by_skel.get(&qt.skel).map(Vec::as_slice).unwrap_or(&[]) {
                            consider(id, &mut seen, &mut list);
                        }
                    }
                    self.trigram_candidates(&qt.form, s);
                    for &id in &s.tri_out {
                        consider(id, &mut seen, &mut list);
                    }
                    // A name written in Cyrillic letters: compare its rendering-neutral form too (дж / j,
                    // х / h / kh, й / y / i: Джонсон finds Johnson, Хайраллах finds Khayrallah).
                    if qt.script == Script::Cyrillic {
                        let canon = cyrillic_neutral(&qt.form);
                        for id in self.by_canon.get(form_hash(canon.as_bytes())) {
                            if cyrillic_neutral(self.tok(id).form) == canon {
                                consider(id, &mut seen, &mut list);
                            }
                        }
                        self.trigram_candidates(&canon, s);
                        for &id in &s.tri_out {
                            consider(id, &mut seen, &mut list);
                        }
                    }
                    let ql = qt.form.len();
                    // Short tokens share too few trigrams with their variants (tog / tong): compare them with the
                    // short vocabulary tokens sharing their first two letters.
                    let qb = qt.form.as_bytes();
                    if qb.len() >= 2 && qb.len() <= SHORT_TOKEN {
                        for &id in self
                            .short_prefix
                            .get(&[qb[0], qb[1]])
                            .map(Vec::as_slice)
                            .unwrap_or(&[])
                        {
                            if (self.vocab[id as usize].form_len as usize).abs_diff(ql) <= 2 {
                                consider(id, &mut seen, &mut list);
                            }
                        }
                    }
                    // The `abd` element (list names read Abdul, Abdel, ... as `abd`) and a slip of one of its
                    // written forms ("abul" for Abdul), either way.
                    if qt.form == "abd" {
                        for &id in &self.abd_slips {
                            consider(id, &mut seen, &mut list);
                        }
                    } else if !qt.script.is_abjad() && abd_slip(&qt.form) {
                        if let Some(id) = self.vocab_id("abd") {
                            consider(id, &mut seen, &mut list);
                        }
                    }
                    // One inserted, deleted or transposed letter (tokens of up to DELETE_KEY_MAX letters): the
                    // query form or one of its one-letter deletions equals a vocabulary form or one of its
                    // one-letter deletions.
                    if (2..=DELETE_KEY_MAX + 1).contains(&ql)
                        && qt.form.is_ascii()
                        && !qt.script.is_abjad()
                    {
                        if let Some(id) = known {
                            let near = &self.edit_near[self.edit_starts[id as usize] as usize
                                ..self.edit_starts[id as usize + 1] as usize];
                            for &n in near {
                                consider(n, &mut seen, &mut list);
                            }
                        } else {
                            let mut hashes = std::mem::take(&mut s.slip_hashes);
                            self.one_edit_tokens(qt.form.as_bytes(), &mut hashes, |n| {
                                consider(n, &mut seen, &mut list)
                            });
                            s.slip_hashes = hashes;
                        }
                    }
                    // The same name in another romanisation system of its family (Gim / Kim, Hsi / Xi).
                    if qt.class == TokenClass::Name {
                        let keys = if qt.romanised() && qt.roman.is_empty() {
                            crate::romanise::keys(&qt.form)
                        } else {
                            qt.roman.clone()
                        };
                        for &k in &keys {
                            for id in self.by_roman.get(k) {
                                let at = slot(id, &mut seen, &mut list);
                                let e = &mut list[at].1;
                                if e.0 < ROMAN_SIM {
                                    *e = (ROMAN_SIM, Method::Romanisation);
                                }
                            }
                        }
                    }
                    let kept = list.iter().filter(|(_, (sim, _))| *sim >= MIN_TOKEN_SIM);
                    let mut found: TokenSims = FxHashMap::with_capacity_and_hasher(
                        kept.clone().count(),
                        Default::default(),
                    );
                    found.extend(kept.copied());
                    s.seen = seen;
                    s.considered = list;
                    if s.expansions.len() >= EXPANSION_CACHE {
                        s.expansions.clear();
                    }
                    let found = Rc::new(found);
                    s.expansions.insert(cache_key.clone(), Rc::clone(&found));
                    cache[qi] = found;
                }
                let w = qt.weight();
                qsum += w;
                for (&id, &(sim, _)) in cache[qi].iter() {
                    for &vi in self.postings_of(id) {
                        let a = &mut s.acc[vi as usize];
                        if *a == 0.0 {
                            s.touched.push(vi);
                        }
                        *a += sim * w;
                    }
                }
            }
            for o in &qn.original {
                if let Some(p) = self.original_postings.get(o.as_str()) {
                    for &vi in p {
                        let a = &mut s.acc[vi as usize];
                        if *a == 0.0 {
                            s.touched.push(vi);
                        }
                        *a += 1.0;
                    }
                }
            }
            let known_form = if qn.compact.len() >= COMPACT_EXACT_MIN {
                self.compact_forms.get(qn.compact.as_str()).copied()
            } else {
                None
            };
            if let Some(f) = known_form {
                for &vi in self.compact_variants_of(f) {
                    let a = &mut s.acc[vi as usize];
                    if *a == 0.0 {
                        s.touched.push(vi);
                    }
                    *a += qsum.max(1.0);
                }
            }
            // One slip in the whole name: the query's compact form or one of its one-letter deletions equals a
            // list compact form or one of its one-letter deletions (by hash; scoring decides).
            let qc = qn.compact.as_bytes();
            if qc.len() + 1 >= COMPACT_SLIP_MIN && qn.compact.is_ascii() {
                s.slips.clear();
                if let Some(f) = known_form {
                    let near = &self.slip_near[self.slip_starts[f as usize] as usize
                        ..self.slip_starts[f as usize + 1] as usize];
                    for &g in near {
                        s.slips.extend_from_slice(self.compact_variants_of(g));
                    }
                } else {
                    let mut hashes = std::mem::take(&mut s.slip_hashes);
                    let mut slips = std::mem::take(&mut s.slips);
                    self.compact_slip_forms(qc, &mut hashes, |g| {
                        slips.extend_from_slice(self.compact_variants_of(g))
                    });
                    s.slip_hashes = hashes;
                    s.slips = slips;
                }
                s.slips.sort_unstable();
                s.slips.dedup();
                let credit = qsum.max(1.0) * MIN_TOKEN_SIM;
                for &vi in &s.slips {
                    let a = &mut s.acc[vi as usize];
                    if *a == 0.0 {
                        s.touched.push(vi);
                    }
                    *a += credit;
                }
            }
            if qn.compact.len() >= 6 {
                // One Chinese or Korean name whose syllables are split differently in two romanisations.
                for &k in &qn.compact_roman {
                    for vi in self.compact_roman.get(k) {
                        let a = &mut s.acc[vi as usize];
                        if *a == 0.0 {
                            s.touched.push(vi);
                        }
                        *a += qsum.max(1.0) * ROMAN_SIM;
                    }
                }
            }
            // Initials ("H. J. Friedrich") are not looked up (every name shares a first letter with many): credit
            // them on the variants the other tokens found, once per list name that starts with the letter.
            let initials: Vec<(u8, f32)> = qn
                .tokens
                .iter()
                .filter(|t| t.class == TokenClass::Name && t.form.len() == 1)
                .filter_map(|t| {
                    let b = t.form.as_bytes()[0];
                    b.is_ascii_lowercase().then_some((b, t.weight()))
                })
                .collect();
            if !initials.is_empty() {
                let letters = initials.iter().fold(0u32, |m, &(b, _)| m | 1 << (b - b'a'));
                for &vi in &s.touched {
                    if self.variant_rank[vi as usize].first_letters & letters == 0 {
                        continue;
                    }
                    let v = &self.variants[vi as usize];
                    let mut used = 0u64;
                    for &(letter, w) in &initials {
                        let hit = self
                            .toks_of(v)
                            .iter()
                            .enumerate()
                            .take(64)
                            .find(|&(li, &id)| {
                                let f = self.form_bytes(id);
                                used & (1 << li) == 0 && f.len() > 1 && f[0] == letter
                            });
                        if let Some((li, _)) = hit {
                            used |= 1 << li;
                            s.acc[vi as usize] += INITIAL_SIM * w;
                        }
                    }
                }
            }
            // A variant whose matched query weight `a` cannot reach the threshold even if every list token were
            // matched (score <= 2a / (qsum + a)) is not scored; the margin covers qualifiers and compact matches.
            let floor = (threshold as f32 - PRUNE_MARGIN).max(0.0);
            let mut cands: Vec<(f32, u32)> = s
                .touched
                .iter()
                .filter_map(|&vi| {
                    let a = std::mem::take(&mut s.acc[vi as usize]);
                    if qsum > 0.0 && 2.0 * a / (qsum + a) < floor {
                        return None;
                    }
                    // Rank by the share of both names covered.
                    let w = self.variant_rank[vi as usize].total_weight;
                    Some((a / w.max(1.0), vi))
                })
                .collect();
            if cands.len() > MAX_CANDIDATES {
                cands.select_nth_unstable_by(MAX_CANDIDATES, |a, b| b.0.total_cmp(&a.0));
                cands.truncate(MAX_CANDIDATES);
            }
            (cands.into_iter().map(|(_, v)| v).collect(), cache)
        })
    }

    /// Vocabulary tokens sharing enough character trigrams with `form` (at least half of them, all of them for
    /// tokens of up to 3 trigrams), of a length within ±max(3, len/2); written to `s.tri_out`.
    fn trigram_candidates(&self, form: &str, s: &mut Scratch) {
        trigram_keys(form, &mut s.tri_keys);
        let nq = s.tri_keys.len();
        // Jaro-Winkler >= 0.8 needs a good share of common trigrams; short tokens need all of them
        // (their fuzzy variants come through skeletons, deletions and equivalence groups instead).
        let need = if nq <= 3 {
            nq as u16
        } else {
            ((nq as f32) * 0.5).ceil().max(2.0) as u16
        };
        s.tri_touched.clear();
        for k in &s.tri_keys {
            if let Some(&t) = self.trigrams.get(k) {
                let p = &self.tri_tokens[self.tri_starts[t as usize] as usize
                    ..self.tri_starts[t as usize + 1] as usize];
                for &id in p {
                    let c = &mut s.tri_count[id as usize];
                    if *c == 0 {
                        s.tri_touched.push(id);
                    }
                    *c += 1;
                }
            }
        }
        let ql = form.len();
        s.tri_out.clear();
        for &id in &s.tri_touched {
            let c = std::mem::take(&mut s.tri_count[id as usize]);
            if c >= need
                && (self.vocab[id as usize].form_len as usize).abs_diff(ql) <= 3.max(ql / 2)
            {
                s.tri_out.push(id);
            }
        }
    }

    fn sim(&self, qi: usize, qt: &Token, id: u32, cache: Option<&SimCache>) -> (f32, Method) {
        let t = &self.vocab[id as usize];
        match cache {
            Some(c) if qt.class == TokenClass::Name && t.class == TokenClass::Name => {
                match c[qi].get(&id) {
                    Some(&r) => r,
                    // Retrieval keeps only tokens that share enough trigrams; the typing slips it cannot see
                    // (kim / ikm, an initial, digits for letters) are checked here, cheaply.
                    None => typing_sim(qt.form.as_bytes(), self.form_bytes(id))
                        .unwrap_or((0.0, Method::Fuzzy)),
                }
            }
            _ => {
                let v = t.read(&self.vocab_text);
                let r = tok_sim(qt, &v);
                if r.0 < ROMAN_SIM
                    && v.class == TokenClass::Name
                    && !v.abjad
                    && !qt.roman.is_empty()
                    && crate::romanise::keys(v.form)
                        .iter()
                        .any(|k| qt.roman.contains(k))
                {
                    return (ROMAN_SIM, Method::Romanisation);
                }
                r
            }
        }
    }

    /// Score one variant. The aligned pairs are listed only when the score is above `explain_above` (the
    /// caller keeps the best variant per entry and explains a few of those).
    fn score_variant(
        &self,
        qn: &PreparedName,
        v: &Variant,
        cache: Option<&SimCache>,
        explain_above: f64,
    ) -> Scored {
        let n = qn.tokens.len();
        let (v_toks, v_weights) = (self.toks_of(v), self.weights_of(v));
        let m = v_toks.len();
        let mut best = Scored::default();
        // The Latin comparison's aligned pairs and similarity matrix, listed at the end if needed.
        let mut latin = None;
        let mut pair_buf = [(0usize, 0usize); 64];
        if n > 0 && m > 0 && m <= 64 {
            // The similarity matrix lives in a per-thread buffer (this runs for every candidate).
            let mut sim_buf = SIM_BUF.with(|b| std::mem::take(&mut *b.borrow_mut()));
            sim_buf.clear();
            sim_buf.resize(n * m, (0.0f32, Method::Fuzzy));
            let sims: &mut [(f32, Method)] = &mut sim_buf;
            let mut qw = [0f32; 64];
            for (qi, qt) in qn.tokens.iter().enumerate().take(64) {
                qw[qi] = qt.weight();
                for (li, &id) in v_toks.iter().enumerate() {
                    let s = self.sim(qi, qt, id, cache);
                    if s.0 >= MIN_TOKEN_SIM {
                        sims[qi * m + li] = s;
                    }
                }
            }
            let n = n.min(64);
            let np = align(sims, &qw[..n], v_weights, n, m, &mut pair_buf);
            let pairs = &pair_buf[..np];
            let middle = if v.person {
                self.middle_names(qn, v, pairs, sims)
            } else {
                Vec::new()
            };
            // The score is computed from exactly what the explanation shows: similarities rounded to 4
            // decimals, the weights of every token, the factors.
            // (Iterators rather than buffers: n and m are at most 64, and this runs for every candidate.)
            let (mut used_q, mut used_l) = (0u64, 0u64);
            for &(q, l) in pairs {
                used_q |= 1 << q;
                used_l |= 1 << l;
            }
            let sims_ro: &[(f32, Method)] = sims;
            let terms = pairs.iter().map(|&(q, l)| {
                (
                    round4(sims_ro[q * m + l].0 as f64),
                    weight64(qw[q]),
                    weight64(v_weights[l]),
                )
            });
            let uq = (0..n)
                .filter(|&q| used_q & (1 << q) == 0)
                .map(|q| weight64(qw[q]));
            let middle_ref = &middle;
            let ul = (0..m).filter(|&l| used_l & (1 << l) == 0).map(|l| {
                if middle_ref.contains(&l) {
                    weight64(MIDDLE_NAME_WEIGHT)
                } else {
                    weight64(v_weights[l])
                }
            });
            // Pairs are one-to-one, so the unmatched tokens are the ones whose bit is not set.
            let nq = n - used_q.count_ones() as usize;
            let nl = m - used_l.count_ones() as usize;
            let mut score = dice_from(terms, uq, ul);
            let mut factors = Vec::new();
            let names = |w: &[f32]| w.iter().filter(|&&w| w >= 1.0).count();
            let (qnames, lnames) = (names(&qw[..n]), names(v_weights));
            if n == 1 && qnames == 1 && lnames > 1 {
                // A lone name is weak evidence against a longer name. (A name with its legal form or particle,
                // "Pishgam Industries", is not a lone name.)
                score *= SINGLE_TOKEN_FACTOR;
                factors.push(Factor::SingleName);
            }
            // (A particle or organisation word of the query standing for a name by a slip, "ibn" for Ibnu, is
            // no evidence by itself.)
            let distinctive = pairs.iter().any(|&(q, l)| {
                let (qt, lt) = (&qn.tokens[q], self.tok(v_toks[l]));
                qt.form.chars().count() >= MIN_DISTINCTIVE_CHARS
                    && lt.form.chars().count() >= MIN_DISTINCTIVE_CHARS
                    && (qt.class == TokenClass::Name || lt.class != TokenClass::Name)
            });
            // A full-name match, or a person's given and family name matched exactly with only middle names
            // left out ("Ri Ho" for "Ri Won Ho"), counts however short the names.
            let exact_given_family = !middle.is_empty()
                && nq == 0
                && nl == middle.len()
                && pairs.iter().all(|&(q, l)| sims[q * m + l].0 >= 1.0);
            let full = (nq == 0 && nl == 0) || exact_given_family;
            if !pairs.is_empty() && !distinctive && !full {
                // Initials and two-letter words alone are no evidence of identity.
                score = 0.0;
                factors.push(Factor::NoDistinctiveToken);
            }
            best = Scored {
                score,
                method: Comparison::Latin,
                factors,
                middle,
                ..Scored::default()
            };
            latin = Some((np, sim_buf, m));
            // Names split or joined differently ("Jin Ping" / "Jinping"): compare without spaces.
            let (a, b) = (qn.compact.len(), v.compact_len as usize);
            if (n != m || qnames != lnames || qn.compact.as_str() == self.compact_of(v))
                && score < 0.95
                && (a >= 6 && b >= 6
                    || a >= COMPACT_EXACT_MIN && qn.compact.as_str() == self.compact_of(v))
                && a.abs_diff(b) * 100 <= 15 * a.max(b)
            {
                // The letter-count difference bounds the edit distance from below: most pairs are ruled out
                // without the quadratic Levenshtein table.
                let (qc, lc) = (qn.compact.as_bytes(), self.compact_of(v).as_bytes());
                // Similarities that round to 0.85 or more are at most this many edits apart.
                let k = (0.15005 * a.max(b) as f64) as usize;
                let c = if bag_distance(qc, lc) > k {
                    0.0
                } else {
                    edit_distance_within(qc, lc, k)
                        .map_or(0.0, |d| round4(1.0 - d as f64 / a.max(b) as f64))
                };
                if c >= 0.85 && c > best.score {
                    best = Scored {
                        score: c,
                        method: Comparison::Compact,
                        compact: c,
                        ..Scored::default()
                    };
                }
            }
            // One Chinese or Korean name split differently by two romanisations (Zhihong / Chih-hung).
            let c = f64::from(ROMAN_SIM);
            if n != m
                && c > best.score
                && qn
                    .compact_roman
                    .iter()
                    .any(|k| self.compact_keys_of(v).contains(k))
            {
                best = Scored {
                    score: c,
                    method: Comparison::Compact,
                    compact: c,
                    compact_roman: true,
                    ..Scored::default()
                };
            }
        }
        if !qn.original.is_empty()
            && qn.original_script.is_some()
            && qn.original_script == v.original_script
        {
            let (o, pairs, factors) = original_score(&qn.original, self.originals_of(v));
            if o > best.score {
                best = Scored {
                    score: o,
                    method: Comparison::Original,
                    pairs: pairs
                        .into_iter()
                        .map(|(q, l, s)| (q, l, s as f32, Method::Fuzzy))
                        .collect(),
                    factors,
                    ..Scored::default()
                };
            }
        }
        if v.quality == NameQuality::Low {
            best.score *= LOW_QUALITY_FACTOR;
            best.factors.push(Factor::LowQuality);
        }
        best.score = round4(best.score);
        if let Some((np, sim_buf, m)) = latin {
            if best.method == Comparison::Latin && best.score > explain_above {
                best.pairs = pair_buf[..np]
                    .iter()
                    .map(|&(q, l)| (q, l, sim_buf[q * m + l].0, sim_buf[q * m + l].1))
                    .collect();
            }
            SIM_BUF.with(|b| *b.borrow_mut() = sim_buf);
        }
        best
    }

    /// The list tokens that are a person's middle names left out by a query of given and family name: every
    /// query name token is aligned, at least two of them, and so are the first name token of the list name and
    /// its family name (the last name token, or every surname token of a name written "SURNAME, Given"), each
    /// with a similarity of at least 0.9; the unaligned name tokens between the first name and the family name
    /// are the middle names. Not for names compared through consonant skeletons (abjad scripts), whose short
    /// skeletons align too easily.
    fn middle_names(
        &self,
        qn: &PreparedName,
        v: &Variant,
        pairs: &[(usize, usize)],
        sims: &[(f32, Method)],
    ) -> Vec<usize> {
        let m = self.toks_of(v).len();
        let vocab = |l: usize| self.tok(self.toks_of(v)[l]);
        let is_name = |l: usize| vocab(l).class == TokenClass::Name;
        if (0..m).any(|l| vocab(l).abjad) {
            return Vec::new();
        }
        let q_names = qn
            .tokens
            .iter()
            .take(64)
            .filter(|t| t.class == TokenClass::Name);
        let q_aligned = pairs
            .iter()
            .filter(|&&(q, _)| qn.tokens[q].class == TokenClass::Name)
            .count();
        if q_aligned < 2 || q_aligned != q_names.count() {
            return Vec::new();
        }
        let strong = |l: usize| {
            pairs
                .iter()
                .any(|&(q, pl)| pl == l && sims[q * m + l].0 >= 0.9)
        };
        let aligned = |l: usize| pairs.iter().any(|&(_, pl)| pl == l);
        let (Some(first), Some(last)) =
            ((0..m).find(|&l| is_name(l)), (0..m).rfind(|&l| is_name(l)))
        else {
            return Vec::new();
        };
        let family_from = match v.surname_from {
            Some(s) if (s as usize) > first && (s as usize) <= last => s as usize,
            _ => last,
        };
        let family_ok = (family_from..=last).filter(|&l| is_name(l)).all(strong);
        if !strong(first) || !family_ok {
            return Vec::new();
        }
        (first + 1..family_from)
            .filter(|&l| is_name(l) && !aligned(l))
            .collect()
    }

    fn explain(
        &self,
        qn: &PreparedName,
        v: &Variant,
        s: Scored,
        name_score: f64,
        quals: Vec<QualifierEffect>,
    ) -> Explanation {
        let mut tokens = Vec::new();
        let (mut unmatched_query, mut unmatched_list) = (Vec::new(), Vec::new());
        let unmatched = |token: &str, weight: f64| UnmatchedToken {
            token: token.to_string(),
            weight,
            middle_name: false,
        };
        match s.method {
            Comparison::Latin => {
                let n = qn.tokens.len().min(64);
                let mut used_q = vec![false; n];
                let mut used_l = vec![false; self.toks_of(v).len()];
                for &(qi, li, sim, method) in &s.pairs {
                    used_q[qi] = true;
                    used_l[li] = true;
                    let vt = self.tok(self.toks_of(v)[li]);
                    let qt = &qn.tokens[qi];
                    tokens.push(TokenMatch {
                        query: qt.form.clone(),
                        list: vt.form.to_string(),
                        similarity: round4(sim as f64),
                        method: match method {
                            Method::Equivalent => format!(
                                "{} ({})",
                                method.as_str(),
                                group_name(qt.group.unwrap_or(0))
                            ),
                            _ => method.as_str().to_string(),
                        },
                        query_weight: weight64(qt.weight()),
                        list_weight: weight64(self.weights_of(v)[li]),
                    });
                }
                for (t, _) in qn.tokens[..n].iter().zip(&used_q).filter(|(_, u)| !**u) {
                    unmatched_query.push(unmatched(&t.form, weight64(t.weight())));
                }
                for (li, _) in used_l.iter().enumerate().filter(|(_, u)| !**u) {
                    let form = self.tok(self.toks_of(v)[li]).form;
                    if s.middle.contains(&li) {
                        unmatched_list.push(UnmatchedToken {
                            middle_name: true,
                            ..unmatched(form, weight64(MIDDLE_NAME_WEIGHT))
                        });
                    } else {
                        unmatched_list.push(unmatched(form, weight64(self.weights_of(v)[li])));
                    }
                }
            }
            Comparison::Original => {
                let mut used_q = vec![false; qn.original.len()];
                let mut used_l = vec![false; self.originals_of(v).len()];
                for &(qi, li, sim, _) in &s.pairs {
                    used_q[qi] = true;
                    used_l[li] = true;
                    tokens.push(TokenMatch {
                        query: qn.original[qi].clone(),
                        list: self.originals_of(v)[li].to_string(),
                        similarity: round4(sim as f64),
                        method: Method::Fuzzy.as_str().into(),
                        query_weight: 1.0,
                        list_weight: 1.0,
                    });
                }
                for (t, _) in qn.original.iter().zip(&used_q).filter(|(_, u)| !**u) {
                    unmatched_query.push(unmatched(t, 1.0));
                }
                for (t, _) in self
                    .originals_of(v)
                    .iter()
                    .zip(&used_l)
                    .filter(|(_, u)| !**u)
                {
                    unmatched_list.push(unmatched(t, 1.0));
                }
            }
            Comparison::Compact => {}
        }
        Explanation {
            variant: MatchedVariant {
                name: self.name_of(v).to_string(),
                kind: v.kind,
                quality: v.quality,
            },
            comparison: s.method.as_str().into(),
            name_score,
            tokens,
            unmatched_query,
            unmatched_list,
            compact: (s.method == Comparison::Compact).then(|| CompactMatch {
                query: qn.compact.clone(),
                list: self.compact_of(v).to_string(),
                method: if s.compact_roman {
                    "romanisation"
                } else {
                    "levenshtein"
                }
                .into(),
                similarity: s.compact,
            }),
            factors: s.factors.iter().map(|f| f.explain()).collect(),
            qualifiers: quals,
        }
    }
}

/// A lower bound of the edit distance of two byte strings: the larger of the letters in excess on either side.
fn bag_distance(a: &[u8], b: &[u8]) -> usize {
    let mut count = [0i16; 256];
    for &c in a {
        count[c as usize] += 1;
    }
    for &c in b {
        count[c as usize] -= 1;
    }
    let (mut more, mut fewer) = (0usize, 0usize);
    for &n in &count {
        if n > 0 {
            more += n as usize;
        } else {
            fewer += n.unsigned_abs() as usize;
        }
    }
    more.max(fewer)
}

fn round4(x: f64) -> f64 {
    // Exact matches (and zero) are most of what is rounded, and `round` is a library call on baseline x86-64.
    if x == 1.0 || x == 0.0 {
        return x;
    }
    (x * 10_000.0).round() / 10_000.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Comparison {
    #[default]
    Latin,
    Compact,
    Original,
}

impl Comparison {
    fn as_str(self) -> &'static str {
        match self {
            Comparison::Latin => "latin-tokens",
            Comparison::Compact => "latin-compact",
            Comparison::Original => "original-script",
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Scored {
    /// Name score, rounded to 4 decimals.
    score: f64,
    method: Comparison,
    /// Aligned pairs: query token, list token (Latin tokens, or original-script tokens for
    /// `Comparison::Original`), similarity, method.
    pairs: Vec<(usize, usize, f32, Method)>,
    /// Similarity of the compact forms (`Comparison::Compact`).
    compact: f64,
    /// The compact forms are one name in two romanisations (`Comparison::Compact`).
    compact_roman: bool,
    factors: Vec<Factor>,
    /// List tokens counted as left-out middle names (weight [`MIDDLE_NAME_WEIGHT`]).
    middle: Vec<usize>,
}

/// A multiplier applied to a name score, shown in the explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Factor {
    SingleName,
    LowQuality,
    NoDistinctiveToken,
}

impl Factor {
    fn explain(self) -> ScoreFactor {
        let (factor, value, detail) = match self {
            Factor::SingleName => (
                "single-name",
                SINGLE_TOKEN_FACTOR,
                "a one-name query against a list name of several names",
            ),
            Factor::LowQuality => (
                "low-quality-alias",
                LOW_QUALITY_FACTOR,
                "the list marks this alias weak or low quality",
            ),
            Factor::NoDistinctiveToken => (
                "no-distinctive-token",
                0.0,
                "no aligned token has 3 or more characters and the names do not match in full",
            ),
        };
        ScoreFactor {
            factor: factor.into(),
            value,
            detail: detail.into(),
        }
    }
}

/// A token weight as shown in the explanation (0.15, not the nearest `f32`).
fn weight64(w: f32) -> f64 {
    round4(w as f64)
}

/// Weighted Dice over aligned pairs `(similarity, query weight, list weight)` and the weights of unmatched query
/// and list tokens: `Σ s·(w_q + w_l) / (Σ w_query + Σ w_list − 0.45 · Σ w_unmatched_list)`. The explanation test
/// recomputes scores with the same formula in the same order.
fn dice(pairs: &[(f64, f64, f64)], unmatched_q: &[f64], unmatched_l: &[f64]) -> f64 {
    dice_from(
        pairs.iter().copied(),
        unmatched_q.iter().copied(),
        unmatched_l.iter().copied(),
    )
}

/// [`dice`] over iterators (same sums in the same order).
fn dice_from(
    pairs: impl Iterator<Item = (f64, f64, f64)> + Clone,
    unmatched_q: impl Iterator<Item = f64>,
    unmatched_l: impl Iterator<Item = f64> + Clone,
) -> f64 {
    let num: f64 = pairs.clone().map(|(s, q, l)| s * (q + l)).sum();
    let wq: f64 = pairs.clone().map(|p| p.1).chain(unmatched_q).sum();
    let wl: f64 = pairs.map(|p| p.2).chain(unmatched_l.clone()).sum();
    let ul: f64 = unmatched_l.sum();
    let den = wq + wl - UNMATCHED_LIST_DISCOUNT * ul;
    if den > 0.0 {
        num / den
    } else {
        0.0
    }
}

/// Token alignment maximising Σ sim·(w_q + w_l) over one-to-one pairs. Similarity matrices are sparse (pairs
/// under [`MIN_TOKEN_SIM`] are zero), so an exact branch-and-bound over each query token's non-zero options is
/// cheap; when the option product is large it falls back to greedy best-pair-first. `n` and `m` are at most 64
/// (each query token's options are a bit set of list tokens); the pairs are written to `out`, their number
/// returned. It runs for every candidate, so nothing is allocated on the usual paths.
fn align(
    sims: &[(f32, Method)],
    qw: &[f32],
    lw: &[f32],
    n: usize,
    m: usize,
    out: &mut [(usize, usize); 64],
) -> usize {
    debug_assert!(n <= 64 && m <= 64);
    let val = |q: usize, l: usize| {
        let s = sims[q * m + l].0;
        if s > 0.0 {
            s * (qw[q] + lw[l])
        } else {
            0.0
        }
    };
    let mut opts = [0u64; 64];
    let mut product: usize = 1;
    let mut conflict = false;
    let mut seen = 0u64;
    for (q, o) in opts.iter_mut().enumerate().take(n) {
        for l in 0..m {
            if sims[q * m + l].0 > 0.0 {
                *o |= 1 << l;
            }
        }
        product = product.saturating_mul(o.count_ones() as usize + 1);
        conflict |= seen & *o != 0 || o.count_ones() > 1;
        seen |= *o;
    }
    let opts = &opts[..n];
    if !conflict {
        let mut k = 0;
        for (q, &o) in opts.iter().enumerate() {
            if o != 0 {
                out[k] = (q, o.trailing_zeros() as usize);
                k += 1;
            }
        }
        return k;
    }
    if product <= 512 {
        struct Search<'a, F: Fn(usize, usize) -> f32> {
            opts: &'a [u64],
            val: F,
            path: [(u8, u8); 64],
            best: (f32, [(u8, u8); 64], usize),
        }
        fn rec<F: Fn(usize, usize) -> f32>(
            s: &mut Search<'_, F>,
            q: usize,
            depth: usize,
            used: u64,
            cur: f32,
        ) {
            if q == s.opts.len() {
                if cur > s.best.0 {
                    s.best = (cur, s.path, depth);
                }
                return;
            }
            let mut bits = s.opts[q] & !used;
            while bits != 0 {
                let l = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                s.path[depth] = (q as u8, l as u8);
                let v = (s.val)(q, l);
                rec(s, q + 1, depth + 1, used | (1 << l), cur + v);
            }
            rec(s, q + 1, depth, used, cur);
        }
        let mut search = Search {
            opts,
            val,
            path: [(0, 0); 64],
            best: (f32::NEG_INFINITY, [(0, 0); 64], 0),
        };
        rec(&mut search, 0, 0, 0, 0.0);
        let (_, best, k) = search.best;
        for (o, &(q, l)) in out.iter_mut().zip(&best[..k]) {
            *o = (q as usize, l as usize);
        }
        return k;
    }
    let mut all: Vec<(f32, usize, usize)> = Vec::new();
    for (q, &o) in opts.iter().enumerate() {
        for l in (0..m).filter(|&l| o & (1 << l) != 0) {
            all.push((val(q, l), q, l));
        }
    }
    all.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut uq, mut ul) = (0u64, 0u64);
    let mut k = 0;
    for (_, q, l) in all {
        if uq & (1 << q) == 0 && ul & (1 << l) == 0 {
            uq |= 1 << q;
            ul |= 1 << l;
            out[k] = (q, l);
            k += 1;
        }
    }
    k
}

/// Original-script comparison: greedy alignment of tokens by Jaro-Winkler over characters, Dice-style with
/// weight 1 per token. Returns the score, the aligned pairs and the factors applied.
fn original_score(q: &[String], l: &[Box<str>]) -> (f64, Vec<(usize, usize, f64)>, Vec<Factor>) {
    let qc: Vec<Vec<char>> = q.iter().map(|s| s.chars().collect()).collect();
    let lc: Vec<Vec<char>> = l.iter().map(|s| s.chars().collect()).collect();
    let mut all = Vec::new();
    for (i, a) in qc.iter().enumerate() {
        for (j, b) in lc.iter().enumerate() {
            let s = jaro_winkler(a, b);
            if s >= MIN_TOKEN_SIM as f64 {
                all.push((s, i, j));
            }
        }
    }
    all.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut uq, mut ul) = (vec![false; qc.len()], vec![false; lc.len()]);
    let mut pairs = Vec::new();
    for (s, i, j) in all {
        if !uq[i] && !ul[j] {
            uq[i] = true;
            ul[j] = true;
            pairs.push((i, j, round4(s)));
        }
    }
    let terms: Vec<(f64, f64, f64)> = pairs.iter().map(|&(_, _, s)| (s, 1.0, 1.0)).collect();
    let unmatched_q = vec![1.0; uq.iter().filter(|u| !**u).count()];
    let unmatched_l = vec![1.0; ul.iter().filter(|u| !**u).count()];
    let distinctive = pairs.iter().any(|&(i, j, _)| {
        qc[i].len() >= MIN_DISTINCTIVE_CHARS && lc[j].len() >= MIN_DISTINCTIVE_CHARS
    });
    let full = unmatched_q.is_empty() && unmatched_l.is_empty();
    if !pairs.is_empty() && !distinctive && !full {
        return (0.0, pairs, vec![Factor::NoDistinctiveToken]);
    }
    (dice(&terms, &unmatched_q, &unmatched_l), pairs, Vec::new())
}

/// Birth date, countries and entity kind move the name score by bounded amounts.
fn qualify(q: &Query, e: &IndexedEntry, score: &mut f64, out: &mut Vec<QualifierEffect>) {
    let mut add = |name: &str, effect: f64, detail: String| {
        *score += effect;
        out.push(QualifierEffect {
            qualifier: name.into(),
            effect,
            detail,
        });
    };
    if let Some(d) = &q.birth_date {
        if !e.birth_dates.is_empty() {
            if e.birth_dates.iter().any(|x| dates_agree(d, x)) {
                add(
                    "birth_date",
                    0.05,
                    format!("query {d} agrees with list {}", e.birth_dates.join(", ")),
                );
            } else if e.birth_dates.iter().any(|x| years_near(d, x)) {
                add(
                    "birth_date",
                    0.0,
                    format!(
                        "query {d} is within a year of list {}",
                        e.birth_dates.join(", ")
                    ),
                );
            } else {
                add(
                    "birth_date",
                    -0.15,
                    format!("query {d} differs from list {}", e.birth_dates.join(", ")),
                );
            }
        }
    }
    if !q.countries.is_empty() && !e.countries.is_empty() {
        let common: Vec<&String> = q
            .countries
            .iter()
            .filter(|c| e.countries.contains(c))
            .collect();
        if common.is_empty() {
            add(
                "countries",
                -0.05,
                format!(
                    "query {} share nothing with list {}",
                    q.countries.join(","),
                    e.countries.join(",")
                ),
            );
        } else {
            add(
                "countries",
                0.03,
                format!(
                    "{} in both",
                    common
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            );
        }
    }
    if let Some(k) = q.kind {
        let known = |k: EntityKind| k != EntityKind::Unknown;
        if known(k) && known(e.kind) && k != e.kind {
            add(
                "kind",
                -0.15,
                format!("query is {k:?}, list entry is {:?}", e.kind).to_lowercase(),
            );
        }
    }
}

fn dates_agree(q: &str, l: &str) -> bool {
    let n = q.len().min(l.len());
    n >= 4 && q[..n] == l[..n]
}

fn years_near(q: &str, l: &str) -> bool {
    match (
        q.get(..4).and_then(|y| y.parse::<i32>().ok()),
        l.get(..4).and_then(|y| y.parse::<i32>().ok()),
    ) {
        (Some(a), Some(b)) => (a - b).abs() <= 1,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lists::{Identifier, ListEntry, ListFormat, NameVariant};

    fn nv(name: &str) -> NameVariant {
        NameVariant {
            name: name.into(),
            kind: NameKind::Primary,
            quality: NameQuality::Good,
            script: None,
        }
    }

    fn entry(
        id: &str,
        kind: EntityKind,
        names: &[&str],
        dob: &[&str],
        countries: &[&str],
    ) -> ListEntry {
        ListEntry {
            source_id: id.into(),
            kind,
            names: names.iter().map(|n| nv(n)).collect(),
            birth_dates: dob.iter().map(|s| s.to_string()).collect(),
            countries: countries.iter().map(|s| s.to_string()).collect(),
            addresses: vec![],
            identifiers: vec![],
            programs: vec![],
            remarks: None,
        }
    }

    fn index() -> Index {
        let mut e4 = entry(
            "ORG1",
            EntityKind::Organization,
            &["Rosoboronexport OAO", "ОАО Рособоронэкспорт"],
            &[],
            &["RU"],
        );
        e4.identifiers.push(Identifier {
            kind: "registration-number".into(),
            number: "1117746521452".into(),
            country: None,
        });
        let snap = ListSnapshot {
            format: ListFormat::UnScXml,
            source: None,
            version: "sha256:test".into(),
            published: None,
            entries: vec![
                entry(
                    "IQi.001",
                    EntityKind::Person,
                    &["SADDAM HUSSEIN AL-TIKRITI", "Abu Ali", "صدام حسين التكريتي"],
                    &["1937-04-28"],
                    &["IQ"],
                ),
                entry(
                    "X2",
                    EntityKind::Person,
                    &["Muhammad Yusuf Abd al-Rahman"],
                    &["1970"],
                    &["SO"],
                ),
                entry(
                    "X3",
                    EntityKind::Person,
                    &["PUTIN, Vladimir Vladimirovich"],
                    &["1952-10-07"],
                    &["RU"],
                ),
                e4,
                entry(
                    "X5",
                    EntityKind::Person,
                    &["XI Jinping", "习近平"],
                    &[],
                    &["CN"],
                ),
            ],
        };
        Index::build(&[("un-sc-xml".into(), snap)])
    }

    fn top(ix: &Index, q: &Query) -> Option<Match> {
        ix.screen(q, &Options::default()).into_iter().next()
    }

    /// Issue 8: "X" scored 0.8929 and "X Y" 0.8368 against "E. X. Co." from one initial, with the explanation
    /// omitting the weights of the unmatched tokens.
    #[test]
    fn initials_alone_never_match() {
        let snap = ListSnapshot {
            format: ListFormat::UnScXml,
            source: None,
            version: "sha256:test".into(),
            published: None,
            entries: vec![
                entry("E1", EntityKind::Organization, &["E. X. Co."], &[], &[]),
                entry("E2", EntityKind::Person, &["X"], &[], &[]),
            ],
        };
        let ix = Index::build(&[("un-sc-xml".into(), snap)]);
        for n in ["X", "X Y", "E X", "x. y."] {
            for exhaustive in [false, true] {
                let opts = Options {
                    exhaustive,
                    ..Options::default()
                };
                let hits = ix.screen(&Query::name(n).unwrap(), &opts);
                assert!(
                    hits.iter().all(|m| m.source_id == "E2" && n == "X"),
                    "{n}: {hits:?}"
                );
            }
        }
        // A full-name match still counts, however short the name.
        let exact = top(&ix, &Query::name("E. X. Co.").unwrap()).unwrap();
        assert_eq!((exact.source_id.as_str(), exact.score), ("E1", 1.0));
        // Every token is shown with its weight; the explanation says why the score is 0.
        let e1 = ix.find_entry("un-sc-xml", "E1").unwrap();
        let m = ix.score_entry(&Query::name("X Y").unwrap(), e1).unwrap();
        assert_eq!(m.score, 0.0);
        let ex = &m.explanation;
        assert_eq!(ex.tokens.len(), 1);
        assert_eq!(
            (ex.tokens[0].query_weight, ex.tokens[0].list_weight),
            (1.0, 1.0)
        );
        let weights = |u: &[UnmatchedToken]| {
            u.iter()
                .map(|t| (t.token.clone(), t.weight))
                .collect::<Vec<_>>()
        };
        assert_eq!(weights(&ex.unmatched_query), [("y".to_string(), 0.15)]);
        assert_eq!(
            weights(&ex.unmatched_list),
            [("e".to_string(), 0.15), ("company".to_string(), 0.25)]
        );
        assert_eq!(ex.factors[0].factor, "no-distinctive-token");
    }

    #[test]
    fn finds_variants() {
        let ix = index();
        for name in [
            "Saddam Hussein al-Tikriti",
            "Hussein, Saddam",
            "Sadam Husein al Tikriti",
            "Saddam Husain",
            "صدام حسين",
            "Tikriti Saddam Hussein",
        ] {
            let m = top(&ix, &Query::name(name).unwrap());
            assert_eq!(
                m.as_ref().map(|m| m.source_id.as_str()),
                Some("IQi.001"),
                "{name}: {m:?}"
            );
        }
        for (name, id) in [
            ("Mohammed Yousef Abdul Rahman", "X2"),
            ("Mohamad Yusuf Abdelrahman", "X2"),
            ("Vladimir Putin", "X3"),
            ("Владимир Владимирович Путин", "X3"),
            ("Rosoboronexport JSC", "ORG1"),
            ("Рособоронэкспорт", "ORG1"),
            ("习近平", "X5"),
            ("Xi Jin Ping", "X5"),
        ] {
            let m = top(&ix, &Query::name(name).unwrap());
            assert_eq!(
                m.as_ref().map(|m| m.source_id.as_str()),
                Some(id),
                "{name}: {m:?}"
            );
        }
        for name in [
            "Margaret Ostrowska-Lindqvist",
            "John Smith",
            "Acme Trading LLC",
            "Ali",
        ] {
            let m = top(&ix, &Query::name(name).unwrap());
            assert!(m.is_none(), "{name}: {m:?}");
        }
    }

    fn index15() -> Index {
        let snap = ListSnapshot {
            format: ListFormat::UnScXml,
            source: None,
            version: "sha256:test".into(),
            published: None,
            entries: vec![
                entry("K1", EntityKind::Person, &["KIM JONG UN"], &[], &["KP"]),
                entry("J1", EntityKind::Person, &["JOHNSON ANDRE"], &[], &[]),
                entry(
                    "P1",
                    EntityKind::Person,
                    &["PUTIN, Vladimir Vladimirovich"],
                    &[],
                    &["RU"],
                ),
                entry(
                    "H1",
                    EntityKind::Person,
                    &["Hans Juergen FRIEDRICH"],
                    &[],
                    &[],
                ),
                entry(
                    "T1",
                    EntityKind::Organization,
                    &["TACTICAL MISSILES CORPORATION JOINT STOCK COMPANY"],
                    &[],
                    &["RU"],
                ),
                entry(
                    "S1",
                    EntityKind::Organization,
                    &["AL-SHABAAB"],
                    &[],
                    &["SO"],
                ),
                entry(
                    "G1",
                    EntityKind::Organization,
                    &["GOLDEN STAR 44 TRADING LLC"],
                    &[],
                    &[],
                ),
                entry("B1", EntityKind::Person, &["William BURNS"], &[], &[]),
            ],
        };
        Index::build(&[("un-sc-xml".into(), snap)])
    }

    /// Issue 15: simple misspellings and everyday variants find the entry, through the index (not only in an
    /// exhaustive scan), each with the method the explanation names.
    #[test]
    fn simple_misspellings_and_variants() {
        let ix = index15();
        for (q, id, method) in [
            ("KMI JONG UN", "K1", "one-edit"),
            ("KIM JONGG UN", "K1", "jaro-winkler"),
            ("KIM JOG UN", "K1", "one-edit"),
            ("Джонсон Андре", "J1", "cyrillic-rendering"),
            ("H. J. Friedrich", "H1", "initial"),
            ("H.J. Friedrich", "H1", "initial"),
            ("K1M JONG UN", "K1", "digit-for-letter"),
            ("Bill Burns", "B1", "equivalent-name (william)"),
        ] {
            let m = top(&ix, &Query::name(q).unwrap());
            let m = m.unwrap_or_else(|| panic!("{q}: no match"));
            assert_eq!(m.source_id, id, "{q}");
            assert!(
                m.explanation.tokens.iter().any(|t| t.method == method),
                "{q}: {:?}",
                m.explanation.tokens
            );
        }
        for (q, id) in [
            ("JSC TACTICAL MISSILES CORP.", "T1"),
            ("OAO Tactical Missiles Corporation", "T1"),
            ("Alshabaab", "S1"),
            ("Al Shabaab", "S1"),
            (
                "Golden Star Forty-Four Trading Limited Liability Company",
                "G1",
            ),
            ("GOLDENSTAR 44 TRADING LLC", "G1"),
            ("Vladimir Putin", "P1"),
        ] {
            let m = top(&ix, &Query::name(q).unwrap());
            assert_eq!(
                m.as_ref().map(|m| m.source_id.as_str()),
                Some(id),
                "{q}: {m:?}"
            );
        }
        // The legal form written out and abbreviated, in any order, is the same name.
        let m = top(&ix, &Query::name("JSC TACTICAL MISSILES CORP.").unwrap()).unwrap();
        assert_eq!(m.score, 1.0, "{m:?}");
        // A left-out middle name is shown as such, with its reduced weight.
        let m = top(&ix, &Query::name("Vladimir Putin").unwrap()).unwrap();
        let mid = &m.explanation.unmatched_list;
        assert_eq!(mid.len(), 1);
        assert!(mid[0].middle_name && mid[0].weight == 0.25, "{mid:?}");
        // Substituted letters in short tokens are not one-edit slips: Kin Jong Um is not Kim Jong Un by that rule.
        let m = ix
            .score_entry(
                &Query::name("KIN JONG").unwrap(),
                ix.find_entry("un-sc-xml", "K1").unwrap(),
            )
            .unwrap();
        assert!(
            m.explanation.tokens.iter().all(|t| t.method != "one-edit"),
            "{m:?}"
        );
    }

    /// Issue 15: slips that change what a word is read as or how a name splits into words.
    #[test]
    fn slips_that_change_a_word_or_the_split() {
        let e = |id: &str, kind, name: &str| entry(id, kind, &[name], &[], &[]);
        let snap = ListSnapshot {
            format: ListFormat::UnScXml,
            source: None,
            version: "sha256:test".into(),
            published: None,
            entries: vec![
                e("O1", EntityKind::Organization, "BM PROEKT, OOO"),
                // "OO" and "PO" are words of list names, so the query keeps them as name words.
                e("O2", EntityKind::Organization, "OO PO TRADING HOUSE"),
                e("R1", EntityKind::Organization, "JSC RUSELECTRONICS"),
                e("A1", EntityKind::Person, "ABDUL WAHED SHAFIQ"),
                e("T1", EntityKind::Person, "THOYIB, Ibnu"),
                e("V1", EntityKind::Person, "ALEXIS VLACHOS"),
                e("E1", EntityKind::Person, "IHSAN ELASHI"),
            ],
        };
        let ix = Index::build(&[("un-sc-xml".into(), snap)]);
        for (q, id, method) in [
            // A legal form one letter short, read as the form by a list name that carries it.
            ("BM PROEKT, OO", "O1", Some("exact")),
            // A written abd element one letter short.
            ("ABUL WAHED SHAFIQ", "A1", Some("one-edit")),
            // A given name misspelt into a particle.
            ("Thoyib, Ibn", "T1", Some("one-edit")),
            // A legal form one letter short at the start.
            ("SC RUSELECTRONICS", "R1", Some("exact")),
            // A slip that changes how the name splits ("ALEXIS" is read as al + exis, "ALEXS" is not): found
            // through the whole name without spaces.
            ("ALEXS VLACHOS", "V1", None),
        ] {
            let m = top(&ix, &Query::name(q).unwrap()).unwrap_or_else(|| panic!("{q}: no match"));
            assert_eq!(m.source_id, id, "{q}");
            match method {
                Some(method) => assert!(
                    m.explanation.tokens.iter().any(|t| t.method == method),
                    "{q}: {:?}",
                    m.explanation
                ),
                None => assert_eq!(m.explanation.comparison, "latin-compact", "{q}"),
            }
        }
        // The legal-form reading shows the form it read.
        let m = top(&ix, &Query::name("BM PROEKT, OO").unwrap()).unwrap();
        assert!(
            m.explanation.tokens.iter().any(|t| t.query == "liability"),
            "{:?}",
            m.explanation
        );
        // A particle standing for a name is no evidence alone: an initial and "ash" do not make Ihsan Elashi.
        assert!(top(&ix, &Query::name("I. ASH").unwrap()).is_none());
    }

    /// Issue 15: one name in two romanisation systems of its family (Korean RR / McCune–Reischauer / common,
    /// pinyin / Wade–Giles, English / French / German renderings of Russian and Arabic names), and names written
    /// in their original script against list entries that have only a Latin name.
    #[test]
    fn romanisation_families_and_original_scripts() {
        let e = |id: &str, kind, name: &str| entry(id, kind, &[name], &[], &[]);
        let snap = ListSnapshot {
            format: ListFormat::UnScXml,
            source: None,
            version: "sha256:test".into(),
            published: None,
            entries: vec![
                e("K1", EntityKind::Person, "KIM JONG UN"),
                e("K2", EntityKind::Person, "CHOE RYONG HAE"),
                e("K3", EntityKind::Person, "RI PYONG CHOL"),
                e("K4", EntityKind::Organization, "PYONGYANG TRADING BANK"),
                e("C1", EntityKind::Person, "ZHANG QIANG"),
                e("C2", EntityKind::Person, "XIE ZHIHONG"),
                e("R1", EntityKind::Person, "KHRUSHCHEV, Nikita Sergeyevich"),
                e("R2", EntityKind::Person, "ZHUKOV, Yevgeny"),
                e("A1", EntityKind::Person, "SHUKRI GHANEM"),
                e("A2", EntityKind::Person, "JAMEL BOUCHAIB"),
                e("H1", EntityKind::Person, "DAVID COHEN"),
                e("F1", EntityKind::Person, "MAHMOUD AHMADINEJAD"),
                e("V1", EntityKind::Person, "PUTIN, Vladimir Vladimirovich"),
                e("R3", EntityKind::Person, "GRANOVSKY, Aleksey Ivanovich"),
            ],
        };
        let ix = Index::build(&[("un-sc-xml".into(), snap)]);
        for (q, id) in [
            // Korean: Revised Romanisation, McCune–Reischauer, common spellings, Hangul.
            ("Gim Jeong-eun", "K1"),
            ("Kim Jŏng-ŭn", "K1"),
            ("Kim Jong-un", "K1"),
            ("김정은", "K1"),
            ("Choi Ryong Hae", "K2"),
            ("Chwe Ryong-hae", "K2"),
            ("최룡해", "K2"),
            ("Lee Byeong-cheol", "K3"),
            ("Rhee Pyong Chol", "K3"),
            ("리병철", "K3"),
            ("P'yŏngyang Trading Bank", "K4"),
            ("Pyeongyang Trading Bank", "K4"),
            // Chinese: Wade–Giles for pinyin, and Han characters.
            ("Chang Ch'iang", "C1"),
            ("张强", "C1"),
            ("Hsieh Chih-hung", "C2"),
            // Russian: French and German renderings, Cyrillic.
            ("Nikita Khrouchtchev", "R1"),
            ("Nikita Chruschtschow", "R1"),
            ("Хрущёв Никита", "R1"),
            ("Jewgeni Schukow", "R2"),
            ("Evgueni Joukov", "R2"),
            ("granowsky, aleksej iwanowitsch", "R3"),
            // Arabic and Persian: French renderings, Arabic and Persian script.
            ("Choukri Ghanem", "A1"),
            ("Djamel Bouchaib", "A2"),
            // Persian writes the compound with a zero-width non-joiner (removed as a format character).
            ("محمود احمدی\u{200c}نژاد", "F1"),
            // Hebrew and Cyrillic scripts.
            ("דוד כהן", "H1"),
            ("Владимир Путин", "V1"),
        ] {
            let m = top(&ix, &Query::name(q).unwrap());
            assert_eq!(
                m.as_ref().map(|m| m.source_id.as_str()),
                Some(id),
                "{q}: {m:?}"
            );
        }
        // The explanation names the romanisation rule.
        let m = top(&ix, &Query::name("Gim Jeong-eun").unwrap()).unwrap();
        assert!(
            m.explanation
                .tokens
                .iter()
                .any(|t| t.method == "romanisation"),
            "{:?}",
            m.explanation.tokens
        );
        // Different Korean and Chinese names stay apart.
        for q in ["Park Jong Un", "Ri Pyong Kim", "Zhao Qiang"] {
            let m = top(&ix, &Query::name(q).unwrap());
            assert!(m.as_ref().is_none_or(|m| m.score < 0.9), "{q}: {m:?}");
        }
    }

    /// Matches tied with the last one within the limit are returned too (up to MAX_TIED): a cut inside a tie
    /// would drop an equally good match by list order.
    #[test]
    fn ties_at_the_limit_are_not_cut() {
        let names: Vec<String> = (0..14)
            .map(|i| {
                format!(
                    "GAZPROM {}, OOO",
                    [
                        "ALFA", "BETA", "GAMMA", "DELTA", "SIGMA", "OMEGA", "KAPPA", "THETA",
                        "ZETA", "IOTA", "LAMBDA", "RHO", "TAU", "PHI"
                    ][i]
                )
            })
            .collect();
        let snap = ListSnapshot {
            format: ListFormat::UnScXml,
            source: None,
            version: "sha256:test".into(),
            published: None,
            entries: names
                .iter()
                .enumerate()
                .map(|(i, n)| entry(&format!("G{i}"), EntityKind::Organization, &[n], &[], &[]))
                .collect(),
        };
        let ix = Index::build(&[("un-sc-xml".into(), snap)]);
        let q = Query::name("GAZPROM OOO").unwrap();
        let ms = ix.screen(&q, &Options::default());
        assert_eq!(ms.len(), 14, "{ms:?}");
        assert!(ms.iter().all(|m| m.score == ms[0].score));
        let ms = ix.screen(
            &q,
            &Options {
                limit: 3,
                ..Options::default()
            },
        );
        assert_eq!(ms.len(), 14);
        // No tie: the limit holds.
        let ms = ix.screen(
            &Query::name("GAZPROM ALFA OOO").unwrap(),
            &Options {
                limit: 1,
                ..Options::default()
            },
        );
        assert_eq!(ms.len(), 1);
        assert_eq!(ms[0].source_id, "G0");
    }

    /// Issue 15: a matched alias or original-script variant names the entry's primary listed name.
    #[test]
    fn matches_name_the_primary_name() {
        let ix = index();
        let m = top(&ix, &Query::name("صدام حسين التكريتي").unwrap()).unwrap();
        assert_eq!(m.name, "صدام حسين التكريتي");
        assert_eq!(m.primary_name, "SADDAM HUSSEIN AL-TIKRITI");
        let m = top(&ix, &Query::name("Saddam Hussein al-Tikriti").unwrap()).unwrap();
        assert_eq!(m.primary_name, m.name);
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["primary_name"], "SADDAM HUSSEIN AL-TIKRITI");
    }

    /// Issue 15: a malformed birth date or country never keeps the name from being screened.
    #[test]
    fn malformed_qualifiers_are_left_out() {
        let ix = index();
        let q = Query::new(
            "Saddam Hussein al-Tikriti",
            Some(EntityKind::Person),
            Some("1937-02-30"),
            &["ZZ".into()],
            &[],
        )
        .unwrap();
        assert_eq!(q.warnings.len(), 2);
        let m = top(&ix, &q).unwrap();
        assert_eq!(m.source_id, "IQi.001");
        assert!(m.explanation.qualifiers.is_empty(), "{m:?}");
    }

    #[test]
    fn qualifiers_and_identifiers() {
        let ix = index();
        let base = top(&ix, &Query::name("Saddam Husain al Tikriti").unwrap()).unwrap();
        let q = Query::new(
            "Saddam Husain al Tikriti",
            Some(EntityKind::Person),
            Some("1937"),
            &["IQ".into()],
            &[],
        )
        .unwrap();
        let up = top(&ix, &q).unwrap();
        assert!(up.score > base.score);
        assert_eq!(up.explanation.qualifiers.len(), 2);
        let q = Query::new(
            "Saddam Husain al Tikriti",
            Some(EntityKind::Organization),
            Some("1990-01-01"),
            &[],
            &[],
        )
        .unwrap();
        assert!(top(&ix, &q).is_none_or(|m| m.score < base.score));
        let q = Query::new(
            "Completely Different Name",
            None,
            None,
            &[],
            &["1117746521452".into()],
        )
        .unwrap();
        let m = top(&ix, &q).unwrap();
        assert_eq!((m.source_id.as_str(), m.score), ("ORG1", 1.0));
        assert_eq!(
            m.explanation.qualifiers.last().unwrap().qualifier,
            "identifier"
        );
    }

    #[test]
    fn explanation_and_limits() {
        let ix = index();
        let m = top(&ix, &Query::name("Mohammed Yousef Abdul Rahman").unwrap()).unwrap();
        assert!(m.explanation.tokens.iter().any(|t| t.query == "mohammed"
            && t.list == "muhammad"
            && t.method.starts_with("equivalent")));
        let json = serde_json::to_value(&m).unwrap();
        assert!(json["explanation"]["tokens"].is_array());
        assert!(m.score > 0.0 && m.score <= 1.0);
        let all = ix.screen(
            &Query::name("Saddam").unwrap(),
            &Options {
                threshold: 0.0,
                limit: 1,
                exhaustive: false,
            },
        );
        assert!(all.len() <= 1);
        // exhaustive and indexed agree on these
        for n in ["Saddam Hussein", "Vladimir Putin", "Muhammad Yusuf"] {
            let q = Query::name(n).unwrap();
            let a = ix.screen(&q, &Options::default());
            let b = ix.screen(
                &q,
                &Options {
                    exhaustive: true,
                    ..Options::default()
                },
            );
            assert_eq!(
                a.iter().map(|m| &m.source_id).collect::<Vec<_>>(),
                b.iter().map(|m| &m.source_id).collect::<Vec<_>>(),
                "{n}"
            );
        }
    }

    #[test]
    fn bad_input_never_panics() {
        let ix = index();
        let long = "Saddam ".repeat(140);
        let q = Query::name(&long).unwrap();
        let _ = ix.screen(&q, &Options::default());
        for n in [
            "a",
            "1",
            "Saddam صدام Путин 习 דוד Γιώργος",
            "..a..",
            "ⅫⅫ",
            "🙂 x",
            "\u{200d}x\u{202e}y",
        ] {
            if let Ok(q) = Query::name(n) {
                let _ = ix.screen(&q, &Options::default());
            }
        }
    }

    #[test]
    fn round4_shortcuts_are_exact() {
        for x in [1.0f64, 0.0, -0.0] {
            assert_eq!(
                round4(x).to_bits(),
                ((x * 10_000.0).round() / 10_000.0).to_bits()
            );
        }
    }

    #[test]
    fn deletion_hashes_are_hashes_of_deletions() {
        let (mut all, mut one) = (Vec::new(), Vec::new());
        for w in ["ruselectronics", "ab", "a", "oobmproekt", "aaab"] {
            let b = w.as_bytes();
            deletion_hashes(b, &mut all);
            assert_eq!(all.len(), b.len() + 1);
            for d in 0..b.len() {
                let del = [&b[..d], &b[d + 1..]].concat();
                deletion_hashes(&del, &mut one);
                assert_eq!(all[d], one[del.len()], "{w} without {d}");
            }
        }
        deletion_hashes(b"abc", &mut all);
        deletion_hashes(b"abd", &mut one);
        assert_ne!(all[3], one[3]);
    }

    #[test]
    fn index_is_send_sync() {
        fn f<T: Send + Sync>() {}
        f::<Index>();
    }
}
