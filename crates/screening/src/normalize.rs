//! Normalisation of a raw name into comparison tokens, keeping script information.
//!
//! Steps: control characters removed, Unicode NFKC, case folding, "SURNAME, Given" reordering, tokenisation on
//! whitespace and punctuation (apostrophes are dropped inside words, dotted initialisms such as "S.A." are
//! joined), splitting at script changes, transliteration into a Latin comparison form (keeping the original-script
//! form), Arabic article and `abd`-compound splitting, token classes (name / organisation word / particle),
//! equivalence groups and consonant skeletons.

use crate::names::{equivalence_group, skeleton, token_class, TokenClass, ORG_WORDS, PARTICLES};
use crate::similarity::{one_edit, one_substitution};
use crate::translit::{char_script, fold_latin, han_syllables, to_latin, token_script, Script};
use unicode_normalization::UnicodeNormalization;

/// One comparison token.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// Latin comparison form: lower-case ASCII letters and digits.
    pub form: String,
    /// Consonant skeleton of `form` (phonetic key); empty in a list name prepared for the index
    /// ([`prepare_list_name`]), which computes it once per distinct token.
    pub skel: String,
    /// Equivalence group (Mohammed/Muhammad/...), if known.
    pub group: Option<u16>,
    pub class: TokenClass,
    /// Script the token was written in.
    pub script: Script,
    /// Weight in the score: the class weight, or a share of it for the words of a legal form written out.
    pub weight: f32,
    /// Romanisation-family keys of `form` ([`crate::romanise::keys`]); empty for abjad-script and
    /// non-name tokens.
    pub roman: Vec<u64>,
}

impl Token {
    fn new(form: String, script: Script) -> Token {
        let class = if form.chars().all(|c| c.is_ascii_digit()) {
            TokenClass::Name
        } else {
            token_class(&form)
        };
        Token {
            roman: Vec::new(),
            skel: String::new(),
            group: equivalence_group(&form),
            weight: class.weight(),
            class,
            script,
            form,
        }
    }

    pub fn weight(&self) -> f32 {
        self.weight
    }

    /// Whether the token has romanisation keys: a name token not written in an abjad.
    pub fn romanised(&self) -> bool {
        self.class == TokenClass::Name && !self.script.is_abjad()
    }
}

/// A name ready for comparison.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PreparedName {
    /// Latin comparison tokens in reading order (after "SURNAME, Given" reordering).
    pub tokens: Vec<Token>,
    /// Original-script tokens (case-folded, NFKC) when the name is written in a non-Latin script.
    pub original: Vec<String>,
    /// The non-Latin script of `original`, if any.
    pub original_script: Option<Script>,
    /// Every token's form concatenated (before legal forms are expanded): catches "Jin Ping" vs "Jinping",
    /// "Shipp ing" vs "Shipping", "TradingCo" vs "Trading Co".
    pub compact: String,
    /// Chinese and Korean romanisation keys of `compact` ([`crate::romanise::compact_keys`]).
    pub compact_roman: Vec<u64>,
    /// For a name written "SURNAME, Given Names": the index of the first surname token in `tokens` (after
    /// reordering, the surname comes last).
    pub surname_from: Option<usize>,
    /// For the legal-form reading of a query ([`prepare_query_legal`]): the legal-form abbreviations its words
    /// were read as.
    pub legal_slips: Vec<&'static str>,
}

impl PreparedName {
    /// Total weight of the Latin tokens.
    pub fn weight(&self) -> f32 {
        self.tokens.iter().map(|t| t.weight()).sum()
    }
}

/// Remove control characters (including format characters such as zero-width joiners and bidi marks) and apply
/// NFKC and case folding.
pub fn clean(raw: &str) -> String {
    if raw.is_ascii() {
        // NFKC leaves ASCII as it is, and no ASCII character is a format character.
        return raw
            .chars()
            .map(|c| {
                if c.is_control() {
                    ' '
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
    }
    let s: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .filter(|c| !is_format(*c))
        .nfkc()
        .collect();
    s.to_lowercase()
}

fn is_format(c: char) -> bool {
    matches!(c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0xFEFF | 0x00AD | 0x0640)
        || matches!(c as u32, 0x064B..=0x065F | 0x0670 | 0x05B0..=0x05C7)
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '’' | 'ʼ' | '‘' | '`' | '´' | 'ʻ' | 'ʿ' | 'ʾ' | '′'
    )
}

/// Split cleaned text into raw word pieces: on whitespace and punctuation; dotted initialisms joined.
fn pieces(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, out: &mut Vec<String>| {
        if cur.is_empty() {
            return;
        }
        let parts: Vec<&str> = cur.split('.').filter(|p| !p.is_empty()).collect();
        if parts.len() > 1 && parts.iter().all(|p| p.chars().count() == 1) {
            let joined = parts.concat();
            if parts.len() == 2 && token_class(&fold_latin(&joined)) == TokenClass::Name {
                // Two initials written together ("H.J. Friedrich") are two given names, as "H. J." is;
                // legal forms ("S.A.", "A.G.") stay one token.
                out.extend(parts.into_iter().map(str::to_string));
            } else {
                out.push(joined);
            }
        } else {
            out.extend(parts.into_iter().map(str::to_string));
        }
        cur.clear();
    };
    let mut last_script: Option<Script> = None;
    for c in s.chars() {
        if is_apostrophe(c) {
            continue;
        }
        if c.is_alphanumeric() || c == '.' || (c as u32 >= 0x0300 && (c as u32) <= 0x036F) {
            let sc = char_script(c);
            if let (Some(a), Some(b)) = (last_script, sc) {
                if a != b {
                    flush(&mut cur, &mut out);
                }
            }
            if sc.is_some() {
                last_script = sc;
            }
            cur.push(c);
        } else {
            flush(&mut cur, &mut out);
            last_script = None;
        }
    }
    flush(&mut cur, &mut out);
    out
}

const ABD_PREFIXES: &[&str] = &[
    "abdoul", "abdul", "abdel", "abdal", "abdol", "abdur", "abdus", "abdu",
];

/// Whether a token is "abdul" (or abdel, abdal, abdoul, ...) with one letter inserted, deleted, swapped or
/// replaced ("abddul", "abudl", "bdul"): the `abd` element mistyped.
fn mistyped_abd(form: &str) -> bool {
    form.len() >= 4
        && form != "abul"
        && ABD_PREFIXES.iter().filter(|p| p.len() >= 5).any(|p| {
            one_edit(form.as_bytes(), p.as_bytes())
                || (form.len() >= 5 && one_substitution(form.as_bytes(), p.as_bytes()))
        })
}

/// Whether a word is one inserted, deleted, doubled or transposed letter from a written form of the `abd`
/// element ("abul" / "abdul", "abdle" / "abdel"), which name preparation reads as `abd`: the scorer compares
/// such a word with `abd` as with the form it is a slip of. (Unlike [`mistyped_abd`], which reads the word as
/// `abd` outright, this keeps names such as Abul, a form of Abu al-, as they are.)
pub(crate) fn abd_slip(form: &str) -> bool {
    form.len() >= 4
        && form.len() <= 7
        && ABD_PREFIXES
            .iter()
            .any(|p| p.len() >= 5 && one_edit(form.as_bytes(), p.as_bytes()))
}

/// Arabic article written together with the name ("Alshabaab", "Elhamri") is split as "al-Shabaab" is:
/// `al` / `el` followed by at least four letters, unless the word is a known name (Alexander, Elizabeth). The
/// same rule applies to list names, so a word such as "Alberto" splits alike on both sides.
fn glued_article(form: &str) -> Option<(&'static str, &str)> {
    let (art, rest) = if let Some(r) = form.strip_prefix("al") {
        ("al", r)
    } else {
        ("el", form.strip_prefix("el")?)
    };
    (rest.len() >= 4
        && rest.bytes().all(|b| b.is_ascii_lowercase())
        && equivalence_group(form).is_none())
    .then_some((art, rest))
}

fn push_latin(form: String, script: Script, toks: &mut Vec<Token>) {
    if form.is_empty() {
        return;
    }
    if script == Script::Latin {
        if let Some((art, rest)) = glued_article(&form) {
            toks.push(Token::new(art.into(), script));
            let rest = rest.to_string();
            return push_latin(rest, script, toks);
        }
        if equivalence_group(&form).is_none() && mistyped_abd(&form) {
            toks.push(Token::new("abd".into(), script));
            return;
        }
    }
    if equivalence_group(&form).is_none() {
        for p in ABD_PREFIXES {
            if let Some(rest) = form.strip_prefix(p) {
                if rest.is_empty() {
                    toks.push(Token::new("abd".into(), script));
                    return;
                }
                if rest.len() >= 3 {
                    toks.push(Token::new("abd".into(), script));
                    toks.push(Token::new(rest.to_string(), script));
                    return;
                }
            }
        }
    }
    toks.push(Token::new(form, script));
}

/// Prepare a raw name for comparison, with the romanisation keys of its name tokens ([`Token::roman`]).
pub fn prepare(raw: &str) -> PreparedName {
    prepare_with(raw, true, false, None, None)
}

/// Prepare a list name for the index: as [`prepare`], but without [`Token::roman`], [`Token::skel`] and
/// [`PreparedName::compact_roman`] (the index computes the keys and skeletons once per distinct token and compact
/// form, not once per occurrence).
pub(crate) fn prepare_list_name(raw: &str) -> PreparedName {
    prepare_with(raw, false, true, None, None)
}

/// Prepare a query name. Unless `roman_keys`, [`Token::roman`] is left empty: token expansions are looked up in
/// a cache first, and the keys are computed only on a cache miss (`crate::romanise::keys` of the form). A Latin word that is not
/// a word of any list name (`known` says which are) and is one slip from a legal-form word ("joit", "stok",
/// "oepn") or, as the first or last word, from a legal-form abbreviation ("LCL", "OOA", "ZZAO", "JSCE", "OO"),
/// is read as that word, and so is one a slip from a generic organisation word or a particle ("grop", "holing",
/// "teh", "nad"): a misspelt legal form or organisation word must not become a name word that matches nothing.
pub fn prepare_query(raw: &str, known: &dyn Fn(&str) -> bool, roman_keys: bool) -> PreparedName {
    prepare_with(raw, roman_keys, false, Some(known), None)
}

/// The legal-form reading of a query whose first or last word is one inserted, deleted, doubled or transposed
/// letter from a legal-form abbreviation but also a word of some list name, so that [`prepare_query`] keeps it
/// as a name word ("BM PROEKT, OO", "RUSGIDRO, PO", "BANK GPB JCS", "INFOCOM CORPORATION, NIC"): that word read
/// as the abbreviation ([`PreparedName::legal_slips`] names which), one reading per legal form the word may
/// stand for ("OO": OOO or OAO). Empty when no such word is at either end of `qn`, the query as
/// [`prepare_query`] prepared it. The caller compares a reading only with list names that carry its legal form
/// (where the rest of the name supports it) and keeps the best score.
pub fn prepare_query_legal(
    raw: &str,
    qn: &PreparedName,
    known: &dyn Fn(&str) -> bool,
    roman_keys: bool,
) -> Vec<PreparedName> {
    let n = qn.tokens.len();
    if n < 2 {
        return Vec::new();
    }
    let mut readings: Vec<PreparedName> = Vec::new();
    let mut forms: Vec<&[&str]> = Vec::new();
    for t in [&qn.tokens[0], &qn.tokens[n - 1]] {
        if t.class != TokenClass::Name || t.script != Script::Latin {
            continue;
        }
        for a in abbreviation_slips(&t.form) {
            let words = legal_form_words(a);
            if forms.contains(&words) {
                continue;
            }
            forms.push(words);
            let p = prepare_with(raw, roman_keys, false, Some(known), Some(a));
            if !p.legal_slips.is_empty() {
                readings.push(p);
            }
        }
    }
    readings
}

/// The legal-form abbreviations a word of 2 to 5 letters is one inserted, deleted, doubled or transposed letter
/// from (not the abbreviation itself).
fn abbreviation_slips(form: &str) -> impl Iterator<Item = &'static str> + '_ {
    let f = form.as_bytes();
    LEGAL_ABBREVIATIONS
        .iter()
        .filter(move |w| (2..=5).contains(&f.len()) && one_edit(f, w.as_bytes()))
        .copied()
}

/// The words a legal-form abbreviation stands for after [`prepare`] ("ooo" → limited liability company; "fze",
/// which is not folded, → itself).
pub fn legal_form_words(abbreviation: &str) -> &'static [&'static str] {
    LEGAL_FORMS
        .iter()
        .find(|(words, _)| words.len() == 1 && words[0] == abbreviation)
        .map(|(_, canonical)| *canonical)
        .or_else(|| {
            LEGAL_ABBREVIATIONS
                .iter()
                .find(|w| **w == abbreviation)
                .map(std::slice::from_ref)
        })
        .unwrap_or(&[])
}

fn prepare_with(
    raw: &str,
    roman: bool,
    for_index: bool,
    known: Option<&dyn Fn(&str) -> bool>,
    legal: Option<&'static str>,
) -> PreparedName {
    let cleaned = clean(raw);
    // Pieces of the given names of a name written "SURNAME, Given Names" (they come first after reordering).
    let mut given_pieces = None;
    // "SURNAME, Given" -> "Given SURNAME", unless what follows the comma is only a legal form ("Foo, Ltd.").
    let text = match cleaned.split_once(',') {
        Some((a, b)) if !b.contains(',') && !a.trim().is_empty() && !b.trim().is_empty() => {
            let tail = pieces(b);
            if tail.iter().all(|p| {
                let f = fold_latin(p);
                token_class(&f) != TokenClass::Name
                    || legal.is_some_and(|a| one_edit(f.as_bytes(), a.as_bytes()))
            }) {
                format!("{a} {b}")
            } else {
                given_pieces = Some(tail.len());
                format!("{b} {a}")
            }
        }
        _ => cleaned,
    };
    let mut tokens: Vec<Token> = Vec::new();
    let mut original = Vec::new();
    let mut original_script = None;
    // Tokens of the given names, as they would be prepared alone (pieces split at spaces, so the given names'
    // pieces are the first ones and give the same tokens as on their own).
    let mut given_tokens: Option<Vec<Token>> = None;
    // Every word as written (legal forms not yet expanded, Latin words not split into article or `abd` and
    // name), without spaces: a stray space or a missing one ("Jin Ping" / "Jinping", "Shipp ing" / "Shipping",
    // "TradingCo" / "Trading Co") leaves it unchanged, and so does a slip that changes how a word splits
    // ("kAbdoulaye" / "Abdoulaye", "Abdulalh" / "Abdullah"). Tokens from `compact_upto` on are not in it yet.
    let mut compact = String::new();
    let mut compact_upto = 0;
    for (pi, p) in pieces(&text).into_iter().enumerate() {
        tokens[compact_upto..]
            .iter()
            .for_each(|t| compact.push_str(&t.form));
        compact_upto = tokens.len();
        if given_pieces == Some(pi) {
            given_tokens = Some(tokens.clone());
        }
        let script = token_script(&p);
        match script {
            Script::Latin => {
                let f = fold_latin(&p);
                compact.push_str(&f);
                push_latin(f, script, &mut tokens);
                compact_upto = tokens.len();
            }
            Script::Arabic => {
                original.push(p.clone());
                original_script.get_or_insert(script);
                let mut rest: &str = &p;
                if rest.chars().count() > 3 {
                    if let Some(r) = rest.strip_prefix("ال") {
                        tokens.push(Token::new("al".into(), script));
                        rest = r;
                    } else if let Some(r) = rest.strip_prefix("عبد") {
                        let r = r.strip_prefix("ال").unwrap_or(r);
                        if matches!(r, "له" | "لہ" | "لله") {
                            tokens.push(Token::new("abdallah".into(), script));
                            continue;
                        }
                        tokens.push(Token::new("abd".into(), script));
                        rest = r;
                    }
                }
                if matches!(rest, "بن" | "ابن") {
                    tokens.push(Token::new("bin".into(), script));
                    continue;
                }
                push_latin(to_latin(rest, script), script, &mut tokens);
            }
            Script::Han => {
                original.push(p.clone());
                original_script.get_or_insert(script);
                let syl = han_syllables(&p);
                match syl.len() {
                    0 => {}
                    1 => tokens.push(Token::new(syl[0].clone(), script)),
                    2 | 3 => {
                        tokens.push(Token::new(syl[0].clone(), script));
                        tokens.push(Token::new(syl[1..].concat(), script));
                    }
                    _ => tokens.push(Token::new(syl.concat(), script)),
                }
            }
            // Korean names are written as one word of syllables (김정은) and listed as separate syllables (Kim Jong
            // Un): a word of up to 4 syllables gives one token per syllable, in Revised Romanisation.
            Script::Hangul => {
                original.push(p.clone());
                original_script.get_or_insert(script);
                let syl = crate::romanise::hangul_syllables(&p);
                if syl.len() <= 4 {
                    for s in syl {
                        tokens.push(Token::new(s, script));
                    }
                } else {
                    push_latin(syl.concat(), script, &mut tokens);
                }
            }
            _ => {
                original.push(p.clone());
                original_script.get_or_insert(script);
                push_latin(to_latin(&p, script), script, &mut tokens);
            }
        }
    }
    tokens[compact_upto..]
        .iter()
        .for_each(|t| compact.push_str(&t.form));
    let mut legal_slips = Vec::new();
    if let Some(known) = known {
        correct_legal_slips(&mut tokens, known);
        if let Some(a) = legal {
            // The legal-form reading: a known word at either end read as the abbreviation it is one slip from.
            let n = tokens.len();
            for i in [0, n.saturating_sub(1)] {
                let t = &tokens[i];
                if n < 2 || t.class != TokenClass::Name || t.script != Script::Latin {
                    continue;
                }
                if one_edit(t.form.as_bytes(), a.as_bytes()) && legal_slips.is_empty() {
                    tokens[i] = Token::new(a.to_string(), Script::Latin);
                    legal_slips.push(a);
                }
            }
        }
    }
    fold_legal_forms(&mut tokens);
    fold_numbers(&mut tokens);
    if roman {
        for t in tokens.iter_mut().filter(|t| t.romanised()) {
            t.roman = crate::romanise::keys(&t.form);
        }
    }
    if !for_index {
        for t in &mut tokens {
            t.skel = skeleton(&t.form);
        }
    }
    // The surname starts after the given names' tokens (counted after legal forms and numbers are folded in
    // the given names alone).
    let surname_from = given_tokens
        .map(|mut g| {
            fold_legal_forms(&mut g);
            fold_numbers(&mut g);
            g.len()
        })
        .filter(|&n| n < tokens.len());
    // Keys of the whole name without spaces: Chinese and Korean names split differently by two romanisations,
    // and (since these readings merge voicing and doubled letters) a strong retrieval hint for typo'd names.
    let compact_roman = if !for_index {
        crate::romanise::compact_keys(&compact)
    } else {
        Vec::new()
    };
    PreparedName {
        tokens,
        original,
        original_script,
        compact_roman,
        compact,
        surname_from,
        legal_slips,
    }
}

const JSC: &[&str] = &["joint", "stock", "company"];
const LLC: &[&str] = &["limited", "liability", "company"];

/// Legal forms, abbreviated or written out in several languages, and the English words each stands for
/// (matched word by word on Latin comparison forms; a pattern ending in `*` matches any word starting with it,
/// for inflected Russian and Ukrainian forms). One legal form across languages therefore compares equal:
/// OAO / OJSC / JSC / PAO / AO / Open Joint Stock Company / AG / SA / Société anonyme all become "joint stock
/// company"; LLC / OOO / GmbH / Sp. z o.o. / SARL / TOV / Limited Liability Company become "limited liability
/// company"; Ltd / Limited, Corp. / Corporation, Co. / Company, Inc. / Incorporated. The words of a form share
/// one organisation word's weight, so a legal form counts the same however it is written, and a form broken up
/// by word order ("COMPANY ... JOINT STOCK") still aligns word by word.
const LEGAL_FORMS: &[(&[&str], &[&str])] = &[
    (&["open", "joint", "stock", "company"], JSC),
    (&["closed", "joint", "stock", "company"], JSC),
    (&["public", "joint", "stock", "company"], JSC),
    (&["private", "joint", "stock", "company"], JSC),
    (&["joint", "stock", "company"], JSC),
    (&["jointstock", "company"], JSC),
    (&["limited", "liability", "company"], LLC),
    (
        &["limited", "liability", "partnership"],
        &["limited", "liability", "partnership"],
    ),
    (
        &["public", "limited", "company"],
        &["public", "limited", "company"],
    ),
    (&["gesellschaft", "mit", "beschrankter", "haftung"], LLC),
    (&["gesellschaft", "mit", "beschraenkter", "haftung"], LLC),
    (&["societe", "anonyme"], JSC),
    (&["sociedad", "anonima"], JSC),
    (&["sociedade", "anonima"], JSC),
    (&["societa", "per", "azioni"], JSC),
    (&["naamloze", "vennootschap"], JSC),
    (&["kabushiki", "kaisha"], JSC),
    (&["societe", "a", "responsabilite", "limitee"], LLC),
    (&["societa", "a", "responsabilita", "limitata"], LLC),
    (&["sociedad", "de", "responsabilidad", "limitada"], LLC),
    (&["spolka", "z", "ograniczona", "odpowiedzialnoscia"], LLC),
    (&["spolka", "z", "oo"], LLC),
    (&["spolka", "z", "o", "o"], LLC),
    (&["sp", "z", "oo"], LLC),
    (&["sp", "z", "o", "o"], LLC),
    (
        &["besloten", "vennootschap"],
        &["private", "limited", "company"],
    ),
    (&["obshch*", "s", "ogranich*", "otvetstv*"], LLC),
    (&["tovarystvo", "z", "obmezh*", "vidpovidaln*"], LLC),
    (&["otkryt*", "aktsioner*", "obshch*"], JSC),
    (&["zakryt*", "aktsioner*", "obshch*"], JSC),
    (&["publichn*", "aktsioner*", "obshch*"], JSC),
    (&["aktsioner*", "obshch*"], JSC),
    (&["aktiengesellschaft"], JSC),
    (&["jsc"], JSC),
    (&["ojsc"], JSC),
    (&["oao"], JSC),
    (&["cjsc"], JSC),
    (&["zao"], JSC),
    (&["pjsc"], JSC),
    (&["pao"], JSC),
    (&["ao"], JSC),
    (&["ag"], JSC),
    (&["sa"], JSC),
    (&["spa"], JSC),
    (&["nv"], JSC),
    (&["ead"], JSC),
    (&["kk"], JSC),
    (&["llc"], LLC),
    (&["ooo"], LLC),
    (&["tov"], LLC),
    (&["gmbh"], LLC),
    (&["sarl"], LLC),
    (&["srl"], LLC),
    (&["spzoo"], LLC),
    (&["sro"], LLC),
    (&["ltda"], LLC),
    (&["doo"], LLC),
    (&["llp"], &["limited", "liability", "partnership"]),
    (&["plc"], &["public", "limited", "company"]),
    (&["bv"], &["private", "limited", "company"]),
    (&["ltd"], &["limited"]),
    (&["corp"], &["corporation"]),
    (&["co"], &["company"]),
    (&["cie"], &["company"]),
    (&["cia"], &["company"]),
    (&["inc"], &["incorporated"]),
    (&["intl"], &["international"]),
    (&["est"], &["establishment"]),
];

/// Words of legal forms that a misspelling should not hide ("kompany", "stocc", "juint"): a name-class token one
/// edit or one substitution from one of these (all have 5 letters or more) is read as the word.
const LEGAL_WORDS: &[&str] = &[
    "company",
    "limited",
    "liability",
    "corporation",
    "joint",
    "stock",
    "public",
    "closed",
    "private",
    "incorporated",
    "international",
    "partnership",
    "aktsionernoe",
    "obshchestvo",
    "otkrytoe",
    "zakrytoe",
    "publichnoe",
    "ogranichennoy",
    "ogranichennoi",
    "otvetstvennostyu",
    "aktiengesellschaft",
    "gesellschaft",
];

/// Words of Russian legal forms left over when the form is not written in order, and the English word each
/// stands for (a pattern ending in `*` matches any word starting with it).
const LEGAL_WORD_MEANINGS: &[(&str, &str)] = &[
    ("obshch*", "company"),
    ("aktsioner*", "stock"),
    ("otkryt*", "open"),
    ("zakryt*", "closed"),
    ("publichn*", "public"),
    ("ogranich*", "limited"),
    ("otvetstv*", "liability"),
];

/// Legal-form abbreviations of three letters or more whose misspellings a query may carry (and FZE, which
/// is not folded but is often mistyped).
const LEGAL_ABBREVIATIONS: &[&str] = &[
    "ooo", "llc", "oao", "zao", "pao", "jsc", "ojsc", "cjsc", "pjsc", "ltd", "inc", "corp", "sarl",
    "srl", "gmbh", "plc", "llp", "ltda", "tov", "fze",
];

/// Legal-form words whose slips in a word of 3 or 4 letters [`LEGAL_WORDS`] does not correct ("opn", "joit").
const SHORT_LEGAL_WORDS: &[&str] = &["open", "joint", "stock"];

/// See [`prepare_query`]: words unknown to the lists, one inserted, deleted, doubled or transposed letter from a
/// legal-form word, an organisation word of 4 letters or more, a particle of 3 or more (any position), or a
/// legal-form abbreviation (first or last word of a name of two words or more).
fn correct_legal_slips(tokens: &mut [Token], known: &dyn Fn(&str) -> bool) {
    let n = tokens.len();
    for (i, t) in tokens.iter_mut().enumerate() {
        if t.class != TokenClass::Name
            || t.script != Script::Latin
            || t.group.is_some()
            || t.form.len() < 2
            || !t.form.bytes().all(|b| b.is_ascii_lowercase())
            || number_word(&t.form).is_some()
            || known(&t.form)
        {
            continue;
        }
        let f = t.form.as_bytes();
        let edge = n >= 2 && (i == 0 || i == n - 1);
        let fix = SHORT_LEGAL_WORDS
            .iter()
            .filter(|_| f.len() >= 3)
            .chain(LEGAL_ABBREVIATIONS.iter().filter(|_| edge))
            .chain(ORG_WORDS.iter().filter(|w| f.len() >= 4 && w.len() >= 4))
            .chain(
                PARTICLES
                    .iter()
                    .filter(|w| n >= 2 && f.len() >= 3 && w.len() >= 3),
            )
            .find(|w| one_edit(f, w.as_bytes()));
        if let Some(w) = fix {
            *t = Token::new(w.to_string(), Script::Latin);
        }
    }
}

fn correct_legal_word(t: &mut Token) {
    if t.class != TokenClass::Name || t.form.len() < 5 || t.script != Script::Latin {
        return;
    }
    let f = t.form.as_bytes();
    let fix = LEGAL_WORDS.iter().find(|w| {
        let w = w.as_bytes();
        one_edit(f, w) || one_substitution(f, w)
    });
    if let Some(w) = fix {
        *t = Token::new(w.to_string(), t.script);
    }
}

/// Whether a word is the first word of some legal form (a quick test before trying every form).
fn may_start_legal_form(form: &str) -> bool {
    static FIRST: std::sync::OnceLock<(rustc_hash::FxHashSet<&'static str>, Vec<&'static str>)> =
        std::sync::OnceLock::new();
    let (exact, stems) = FIRST.get_or_init(|| {
        let mut exact = rustc_hash::FxHashSet::default();
        let mut stems = Vec::new();
        for (words, _) in LEGAL_FORMS {
            match words[0].strip_suffix('*') {
                Some(stem) => stems.push(stem),
                None => {
                    exact.insert(words[0]);
                }
            }
        }
        (exact, stems)
    });
    exact.contains(form) || stems.iter().any(|s| form.starts_with(s))
}

fn word_matches(pattern: &str, form: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(stem) => form.starts_with(stem),
        None => pattern == form,
    }
}

/// Replace legal forms (abbreviated or written out, "OAO", "Open Joint Stock Company", "Общество с
/// ограниченной ответственностью") with the English words they stand for, sharing one organisation word's
/// weight. The longest form starting at each word wins.
fn fold_legal_forms(tokens: &mut Vec<Token>) {
    tokens.iter_mut().for_each(correct_legal_word);
    let mut i = 0;
    while i < tokens.len() {
        if !may_start_legal_form(&tokens[i].form) {
            i += 1;
            continue;
        }
        let hit = LEGAL_FORMS
            .iter()
            .filter(|(words, _)| {
                matches!(tokens[i].script, Script::Latin | Script::Cyrillic)
                    && tokens.len() - i >= words.len()
                    && words
                        .iter()
                        .zip(&tokens[i..])
                        .all(|(w, t)| word_matches(w, &t.form))
            })
            .max_by_key(|(words, _)| words.len());
        let Some((words, canonical)) = hit else {
            i += 1;
            continue;
        };
        let script = tokens[i].script;
        let share = TokenClass::OrgType.weight() / canonical.len() as f32;
        let new = canonical.iter().map(|w| {
            let mut t = Token::new(w.to_string(), script);
            t.class = TokenClass::OrgType;
            t.weight = share;
            t
        });
        tokens.splice(i..i + words.len(), new);
        i += canonical.len();
    }
    for t in tokens.iter_mut() {
        if let Some((_, meaning)) = LEGAL_WORD_MEANINGS
            .iter()
            .find(|(p, _)| word_matches(p, &t.form))
        {
            let script = t.script;
            *t = Token::new(meaning.to_string(), script);
        }
    }
}

const UNITS: &[&str] = &[
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const UNIT_ORDINALS: &[&str] = &[
    "zeroth",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
];
const TENS: &[&str] = &[
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const TEN_ORDINALS: &[&str] = &[
    "",
    "",
    "twentieth",
    "thirtieth",
    "fortieth",
    "fiftieth",
    "sixtieth",
    "seventieth",
    "eightieth",
    "ninetieth",
];

/// An English number word: (value, ordinal?, is a tens word).
fn number_word(form: &str) -> Option<(u32, bool, bool)> {
    let pos = |t: &[&str]| t.iter().position(|w| !w.is_empty() && *w == form);
    if let Some(n) = pos(UNITS) {
        return Some((n as u32, false, false));
    }
    if let Some(n) = pos(UNIT_ORDINALS) {
        return Some((n as u32, true, false));
    }
    if let Some(n) = pos(TENS) {
        return Some((n as u32 * 10, false, true));
    }
    pos(TEN_ORDINALS).map(|n| (n as u32 * 10, true, true))
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 100, n % 10) {
        (11..=13, _) => "th",
        (_, 1) => "st",
        (_, 2) => "nd",
        (_, 3) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Numbers as words and ordinals become digits: "Forty-Four" and "44" both give `44`, "First" and "1st" give
/// `1st`, "Twenty First" gives `21st`. Only Latin-script tokens.
fn fold_numbers(tokens: &mut Vec<Token>) {
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].script != Script::Latin {
            i += 1;
            continue;
        }
        let form = tokens[i].form.as_str();
        // Digit ordinals in the standard spelling (1st, 2nd, 3rd, 4th; "2d" / "3d" as some lists write them).
        let digits = form.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && digits < form.len() && digits <= 6 {
            if matches!(&form[digits..], "st" | "nd" | "rd" | "th" | "d") {
                let n: u32 = form[..digits].parse().unwrap_or(0);
                tokens[i] = Token::new(ordinal(n), Script::Latin);
            }
            i += 1;
            continue;
        }
        let Some((n, ord, tens)) = number_word(form) else {
            i += 1;
            continue;
        };
        let mut value = (n, ord);
        let mut span = 1;
        if tens && !ord {
            if let Some((u, uord, false)) = tokens.get(i + 1).and_then(|t| number_word(&t.form)) {
                if (1..=9).contains(&u) {
                    value = (n + u, uord);
                    span = 2;
                }
            }
        }
        let form = if value.1 {
            ordinal(value.0)
        } else {
            value.0.to_string()
        };
        tokens.splice(i..i + span, [Token::new(form, Script::Latin)]);
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(s: &str) -> Vec<String> {
        prepare(s).tokens.into_iter().map(|t| t.form).collect()
    }

    #[test]
    fn latin_basics() {
        assert_eq!(forms("HUSSEIN, Saddam"), ["saddam", "hussein"]);
        assert_eq!(
            forms("Saddam Hussein al-Tikriti"),
            ["saddam", "hussein", "al", "tikriti"]
        );
        assert_eq!(
            forms("BANCO NACIONAL DE CUBA, S.A."),
            ["banco", "nacional", "de", "cuba", "joint", "stock", "company"]
        );
        assert_eq!(
            forms("O'Neil  Müller-Lüdenscheidt"),
            ["oneil", "muller", "ludenscheidt"]
        );
        assert_eq!(forms("Abdul Rahman"), ["abd", "rahman"]);
        assert_eq!(forms("Abdelrahman"), ["abd", "rahman"]);
        assert_eq!(forms("Abd al-Rahman"), ["abd", "al", "rahman"]);
        assert_eq!(forms("Abdullah"), ["abdullah"]);
        assert_eq!(forms("Abddul Haq"), ["abd", "haq"]);
        assert_eq!(forms("Badul Haq"), ["abd", "haq"]);
        assert_eq!(forms("Abu Bakr"), ["abu", "bakr"]);
        assert_eq!(forms("Alshabaab"), ["al", "shabaab"]);
        assert_eq!(forms("al-Shabaab"), ["al", "shabaab"]);
        assert_eq!(forms("Elhamri Alexander"), ["el", "hamri", "alexander"]);
        assert_eq!(forms("ＡＢＣ\u{0007} Ltd"), ["abc", "limited"]);
        assert_eq!(prepare("ABC Ltd").tokens[1].class, TokenClass::OrgType);
        assert_eq!(forms("H.J. Friedrich"), ["h", "j", "friedrich"]);
        assert_eq!(forms("J.-C. Juncker"), ["j", "c", "juncker"]);
    }

    #[test]
    fn legal_forms_and_numbers() {
        let jsc = |name: &str| {
            let mut f = forms(name);
            f.retain(|w| !["joint", "stock", "company"].contains(&w.as_str()));
            f
        };
        assert_eq!(
            forms("TACTICAL MISSILES CORPORATION JOINT STOCK COMPANY"),
            [
                "tactical",
                "missiles",
                "corporation",
                "joint",
                "stock",
                "company"
            ]
        );
        assert_eq!(
            forms("JSC TACTICAL MISSILES CORP."),
            [
                "joint",
                "stock",
                "company",
                "tactical",
                "missiles",
                "corporation"
            ]
        );
        for name in [
            "Foo OAO",
            "Foo Open Joint-Stock Company",
            "PAO Foo",
            "Foo AG",
            "Foo Aktiengesellschaft",
            "Foo S.A.",
            "Foo Société Anonyme",
        ] {
            assert_eq!(jsc(name), ["foo"], "{name}");
            assert_eq!(forms(name).len(), 4, "{name}");
        }
        for name in [
            "Foo LLC",
            "Foo Limited Liability Company",
            "OOO Foo",
            "Foo spółka z o.o.",
            "Foo Sp. z o.o.",
            "Foo GmbH",
        ] {
            let mut f = forms(name);
            f.sort();
            assert_eq!(f, ["company", "foo", "liability", "limited"], "{name}");
        }
        assert_eq!(
            forms("Общество с ограниченной ответственностью Ромашка"),
            ["limited", "liability", "company", "romashka"]
        );
        // The words of a legal form share one organisation word's weight.
        let p = prepare("Foo Open Joint Stock Company");
        assert_eq!(p.tokens[1].class, TokenClass::OrgType);
        let w: f32 = p.tokens[1..].iter().map(|t| t.weight()).sum();
        assert!((w - 0.25).abs() < 1e-6, "{w}");
        assert_eq!(forms("Foo Ltd"), ["foo", "limited"]);
        // Misspelt or reordered words of a legal form are still the legal form.
        assert_eq!(jsc("Public Joint Stocc Kompany Foo"), ["foo"]);
        assert_eq!(
            forms("Foo Obshchestvo Aktsionernoe"),
            ["foo", "company", "stock"]
        );
        assert_eq!(
            prepare("Foo Obshchestvo Aktsionernoe").tokens[1].class,
            TokenClass::OrgType
        );
        assert_eq!(forms("First Bank"), ["1st", "bank"]);
        assert_eq!(forms("1ST Bank"), ["1st", "bank"]);
        assert_eq!(forms("Forty-Four Holdings"), ["44", "holdings"]);
        assert_eq!(forms("Brigade Twenty First"), ["brigade", "21st"]);
        assert_eq!(forms("Unit 44"), ["unit", "44"]);
    }

    #[test]
    fn other_scripts() {
        assert_eq!(
            forms("صدام حسين التكريتي"),
            ["sdam", "hsin", "al", "tkriti"]
        );
        assert_eq!(forms("Путин Владимир"), ["putin", "vladimir"]);
        assert_eq!(forms("习近平"), ["xi", "jinping"]);
        let p = prepare("Putin Путин");
        assert_eq!(p.original, ["путин"]);
        assert_eq!(p.original_script, Some(Script::Cyrillic));
        assert_eq!(forms("Putin Путин"), ["putin", "putin"]);
        assert!(forms("   ,,, ").is_empty());
    }
}
