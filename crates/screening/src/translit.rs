//! Script detection and transliteration of name tokens into Latin comparison forms.
//!
//! Arabic, Persian, Hebrew and Cyrillic use hand-written tables (see `docs/screening.md` for why); Greek, Han and
//! every other script go through [`deunicode`], which carries Unicode-wide romanisation tables (pinyin for Han).
//! Every output is lower-case ASCII.

use serde::{Deserialize, Serialize};

/// The writing system of a character or token, coarse enough for comparison decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Script {
    Latin,
    Cyrillic,
    Greek,
    Arabic,
    Hebrew,
    Han,
    Hangul,
    Other,
}

impl Script {
    /// Whether the script is an abjad (short vowels unwritten): comparison then falls back on consonant skeletons.
    pub fn is_abjad(self) -> bool {
        matches!(self, Script::Arabic | Script::Hebrew)
    }

    /// ISO 15924 code.
    pub fn iso15924(self) -> &'static str {
        match self {
            Script::Latin => "Latn",
            Script::Cyrillic => "Cyrl",
            Script::Greek => "Grek",
            Script::Arabic => "Arab",
            Script::Hebrew => "Hebr",
            Script::Han => "Hani",
            Script::Hangul => "Hang",
            Script::Other => "Zyyy",
        }
    }
}

/// Script of one character; `None` for digits and characters common to all scripts.
pub fn char_script(c: char) -> Option<Script> {
    let u = c as u32;
    Some(match u {
        0x30..=0x39 => return None,
        0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF | 0xFF21..=0xFF5A => {
            Script::Latin
        }
        0x370..=0x3FF | 0x1F00..=0x1FFF => Script::Greek,
        0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
        0x590..=0x5FF | 0xFB1D..=0xFB4F => Script::Hebrew,
        0x600..=0x6FF | 0x750..=0x77F | 0x8A0..=0x8FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
            Script::Arabic
        }
        0x2E80..=0x2FDF
        | 0x3005..=0x3007
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0x20000..=0x3134F => Script::Han,
        0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xAC00..=0xD7AF | 0xD7B0..=0xD7FF => {
            Script::Hangul
        }
        _ if c.is_alphabetic() => Script::Other,
        _ => return None,
    })
}

/// Dominant script of a token (first scripted character wins; tokens are split at script changes).
pub fn token_script(s: &str) -> Script {
    s.chars().find_map(char_script).unwrap_or(Script::Latin)
}

/// Transliterate one token (single script) into lower-case ASCII.
pub fn to_latin(token: &str, script: Script) -> String {
    match script {
        Script::Latin => fold_latin(token),
        Script::Cyrillic => cyrillic(token),
        Script::Arabic => arabic(token),
        Script::Hebrew => hebrew(token),
        Script::Hangul => crate::romanise::hangul_syllables(token).concat(),
        Script::Greek | Script::Han | Script::Other => {
            let mut out = String::new();
            for c in token.chars() {
                let d = deunicode::deunicode_char(c).unwrap_or("");
                out.push_str(d);
            }
            out.to_ascii_lowercase()
        }
    }
}

/// Han names: one romanised syllable per character, e.g. 习近平 -> ["xi", "jin", "ping"].
pub fn han_syllables(token: &str) -> Vec<String> {
    token
        .chars()
        .filter_map(|c| deunicode::deunicode_char(c).map(|s| s.trim().to_ascii_lowercase()))
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect()
}

/// Remove diacritics from Latin text (é -> e, ß -> ss, ø -> o, ı -> i) and keep ASCII letters and digits.
pub fn fold_latin(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            }
        } else if let Some(d) = deunicode::deunicode_char(c) {
            for b in d.chars() {
                if b.is_ascii_alphanumeric() {
                    out.push(b.to_ascii_lowercase());
                }
            }
        }
    }
    out
}

/// Cyrillic (Russian, Ukrainian, Belarusian, Bulgarian, Serbian, Kazakh letters) after BGN/PCGN-style romanisation,
/// the convention most Western lists use for Russian names.
fn cyrillic(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    let chars: Vec<char> = s.chars().flat_map(|c| c.to_lowercase()).collect();
    for (i, &c) in chars.iter().enumerate() {
        let prev_vowel_or_start = i == 0
            || matches!(
                chars[i - 1],
                'а' | 'е' | 'ё' | 'и' | 'о' | 'у' | 'ы' | 'э' | 'ю' | 'я' | 'ь' | 'ъ'
            );
        let r: &str = match c {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'ґ' => "g",
            'д' => "d",
            'ђ' => "dj",
            'е' => {
                if prev_vowel_or_start {
                    "ye"
                } else {
                    "e"
                }
            }
            'ё' => "yo",
            'є' => "ye",
            'ж' => "zh",
            'з' => "z",
            'и' => "i",
            'і' => "i",
            'ї' => "yi",
            'й' => "y",
            'ј' => "j",
            'к' => "k",
            'л' => "l",
            'љ' => "lj",
            'м' => "m",
            'н' => "n",
            'њ' => "nj",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'ћ' => "c",
            'у' => "u",
            'ў' => "w",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'џ' => "dz",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' => "",
            'ы' => "y",
            'ь' => "",
            'э' => "e",
            'ю' => "yu",
            'я' => "ya",
            'ә' => "a",
            'ғ' => "g",
            'қ' => "q",
            'ң' => "n",
            'ө' => "o",
            'ұ' | 'ү' => "u",
            'һ' => "h",
            _ => {
                let d = deunicode::deunicode_char(c).unwrap_or("");
                out.push_str(&d.to_ascii_lowercase());
                continue;
            }
        };
        // "ий"/"ый" endings are written -iy / -y / -i in lists; we keep the short form "-i"/"-y".
        if c == 'й' && i + 1 == chars.len() && i > 0 && matches!(chars[i - 1], 'и' | 'ы') {
            continue;
        }
        out.push_str(r);
    }
    out.retain(|c| c.is_ascii_alphanumeric());
    out
}

/// Arabic and Persian letters to a conventional English-style romanisation. Short vowels are not written in
/// Arabic script, so the output is close to the consonant skeleton; `و` and `ي` become vowels (u, i) inside a
/// word and consonants (w, y) at its start.
fn arabic(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let initial = i == 0;
        let r: &str = match c {
            'ا' | 'ٱ' | 'أ' | 'آ' => "a",
            'إ' => "i",
            'ب' => "b",
            'پ' => "p",
            'ت' => "t",
            'ث' => "th",
            'ج' => "j",
            'چ' => "ch",
            'ح' => "h",
            'خ' => "kh",
            'د' => "d",
            'ذ' => "dh",
            'ر' => "r",
            'ز' => "z",
            'ژ' => "zh",
            'س' => "s",
            'ش' => "sh",
            'ص' => "s",
            'ض' => "d",
            'ط' => "t",
            'ظ' => "z",
            'ع' if initial => "a",
            'ع' => "",
            'غ' => "gh",
            'ف' => "f",
            'ق' => "q",
            'ك' | 'ک' => "k",
            'گ' => "g",
            'ل' => "l",
            'م' => "m",
            'ن' => "n",
            'ه' | 'ۀ' => "h",
            'ة' => "a",
            'و' => {
                if initial {
                    "w"
                } else {
                    "u"
                }
            }
            'ؤ' => "u",
            'ي' | 'ی' | 'ې' => {
                if initial {
                    "y"
                } else {
                    "i"
                }
            }
            'ى' => "a",
            'ئ' => "i",
            'ء' => "",
            // harakat (short vowels), when present
            '\u{064E}' => "a",
            '\u{064F}' => "u",
            '\u{0650}' => "i",
            _ => "",
        };
        out.push_str(r);
    }
    out
}

/// Hebrew consonants to a simple romanisation (vav and yod as vowels inside a word).
fn hebrew(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let initial = i == 0;
        let r: &str = match c {
            'א' => "a",
            'ב' => "b",
            'ג' => "g",
            'ד' => "d",
            'ה' => "h",
            'ו' => {
                if initial || chars.get(i + 1) == Some(&'ו') {
                    "v"
                } else if i > 0 && chars[i - 1] == 'ו' {
                    ""
                } else {
                    "o"
                }
            }
            'ז' => "z",
            'ח' => "kh",
            'ט' => "t",
            'י' => {
                if initial {
                    "y"
                } else {
                    "i"
                }
            }
            // Before ה, "kh" would read as ח (Cohen, כהן): q keeps the two letters apart (skeleton k-h).
            'כ' if chars.get(i + 1) == Some(&'ה') => "q",
            'כ' | 'ך' => "k",
            'ל' => "l",
            'מ' | 'ם' => "m",
            'נ' | 'ן' => "n",
            'ס' => "s",
            'ע' if initial => "a",
            'ע' => "",
            'פ' | 'ף' => "p",
            'צ' | 'ץ' => "ts",
            'ק' => "k",
            'ר' => "r",
            'ש' => "sh",
            'ת' => "t",
            _ => "",
        };
        out.push_str(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts() {
        assert_eq!(token_script("Путин"), Script::Cyrillic);
        assert_eq!(token_script("صدام"), Script::Arabic);
        assert_eq!(token_script("习近平"), Script::Han);
        assert_eq!(token_script("김정은"), Script::Hangul);
        assert_eq!(to_latin("평양", Script::Hangul), "pyeongyang");
        assert_eq!(token_script("Γιώργος"), Script::Greek);
        assert_eq!(token_script("דוד"), Script::Hebrew);
        assert_eq!(token_script("Müller"), Script::Latin);
    }

    #[test]
    fn transliterations() {
        assert_eq!(to_latin("путин", Script::Cyrillic), "putin");
        assert_eq!(to_latin("владимир", Script::Cyrillic), "vladimir");
        assert_eq!(to_latin("хрущёв", Script::Cyrillic), "khrushchyov");
        assert_eq!(to_latin("евгений", Script::Cyrillic), "yevgeni");
        assert_eq!(to_latin("محمد", Script::Arabic), "mhmd");
        assert_eq!(to_latin("حسين", Script::Arabic), "hsin");
        assert_eq!(to_latin("Müller", Script::Latin), "muller");
        assert_eq!(to_latin("γιωργος", Script::Greek), "giorgos");
        assert_eq!(han_syllables("习近平"), vec!["xi", "jin", "ping"]);
        assert_eq!(to_latin("דוד", Script::Hebrew), "dod");
    }
}
