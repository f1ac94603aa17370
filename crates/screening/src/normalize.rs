//! Normalisation of a raw name into comparison tokens, keeping script information.
//!
//! Steps: control characters removed, Unicode NFKC, case folding, "SURNAME, Given" reordering, tokenisation on
//! whitespace and punctuation (apostrophes are dropped inside words, dotted initialisms such as "S.A." are
//! joined), splitting at script changes, transliteration into a Latin comparison form (keeping the original-script
//! form), Arabic article and `abd`-compound splitting, token classes (name / organisation word / particle),
//! equivalence groups and consonant skeletons.

use crate::names::{equivalence_group, skeleton, token_class, TokenClass};
use crate::translit::{char_script, fold_latin, han_syllables, to_latin, token_script, Script};
use unicode_normalization::UnicodeNormalization;

/// One comparison token.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// Latin comparison form: lower-case ASCII letters and digits.
    pub form: String,
    /// Consonant skeleton of `form` (phonetic key).
    pub skel: String,
    /// Equivalence group (Mohammed/Muhammad/...), if known.
    pub group: Option<u16>,
    pub class: TokenClass,
    /// Script the token was written in.
    pub script: Script,
}

impl Token {
    fn new(form: String, script: Script) -> Token {
        let class = if form.chars().all(|c| c.is_ascii_digit()) {
            TokenClass::Name
        } else {
            token_class(&form)
        };
        Token {
            skel: skeleton(&form),
            group: equivalence_group(&form),
            class,
            script,
            form,
        }
    }

    pub fn weight(&self) -> f32 {
        self.class.weight()
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
    /// Name-class forms concatenated: catches "Jin Ping" vs "Jinping", "Abdel Rahman" vs "Abdelrahman".
    pub compact: String,
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
            out.push(parts.concat());
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

fn push_latin(form: String, script: Script, toks: &mut Vec<Token>) {
    if form.is_empty() {
        return;
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

/// Prepare a raw name for comparison.
pub fn prepare(raw: &str) -> PreparedName {
    let cleaned = clean(raw);
    // "SURNAME, Given" -> "Given SURNAME", unless what follows the comma is only a legal form ("Foo, Ltd.").
    let text = match cleaned.split_once(',') {
        Some((a, b)) if !b.contains(',') && !a.trim().is_empty() && !b.trim().is_empty() => {
            let tail = pieces(b);
            if tail
                .iter()
                .all(|p| token_class(&fold_latin(p)) != TokenClass::Name)
            {
                format!("{a} {b}")
            } else {
                format!("{b} {a}")
            }
        }
        _ => cleaned,
    };
    let mut tokens = Vec::new();
    let mut original = Vec::new();
    let mut original_script = None;
    for p in pieces(&text) {
        let script = token_script(&p);
        match script {
            Script::Latin => push_latin(fold_latin(&p), script, &mut tokens),
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
            _ => {
                original.push(p.clone());
                original_script.get_or_insert(script);
                push_latin(to_latin(&p, script), script, &mut tokens);
            }
        }
    }
    let compact = tokens
        .iter()
        .filter(|t| t.class == TokenClass::Name)
        .map(|t| t.form.as_str())
        .collect::<String>();
    PreparedName {
        tokens,
        original,
        original_script,
        compact,
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
            ["banco", "nacional", "de", "cuba", "sa"]
        );
        assert_eq!(
            forms("O'Neil  Müller-Lüdenscheidt"),
            ["oneil", "muller", "ludenscheidt"]
        );
        assert_eq!(forms("Abdul Rahman"), ["abd", "rahman"]);
        assert_eq!(forms("Abdelrahman"), ["abd", "rahman"]);
        assert_eq!(forms("Abd al-Rahman"), ["abd", "al", "rahman"]);
        assert_eq!(forms("Abdullah"), ["abdullah"]);
        assert_eq!(forms("ＡＢＣ\u{0007} Ltd"), ["abc", "ltd"]);
        assert_eq!(prepare("ABC Ltd").tokens[1].class, TokenClass::OrgType);
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
