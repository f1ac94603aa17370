//! Name knowledge: organisation-type words, particles, equivalence groups of common name variants, and the
//! consonant-skeleton phonetic key.

use rustc_hash::FxHashMap;
use std::sync::OnceLock;

/// Legal-form and generic organisation words: kept as tokens but with a low weight.
pub const ORG_WORDS: &[&str] = &[
    "llc",
    "ltd",
    "limited",
    "gmbh",
    "mbh",
    "ooo",
    "ao",
    "zao",
    "oao",
    "pao",
    "pjsc",
    "jsc",
    "cjsc",
    "ojsc",
    "co",
    "company",
    "corp",
    "corporation",
    "inc",
    "incorporated",
    "sa",
    "sarl",
    "sas",
    "srl",
    "spa",
    "ag",
    "kg",
    "bv",
    "nv",
    "plc",
    "pte",
    "pvt",
    "private",
    "public",
    "lp",
    "llp",
    "oy",
    "ab",
    "kft",
    "sro",
    "doo",
    "ead",
    "fze",
    "fzco",
    "fzc",
    "fzllc",
    "fz",
    "est",
    "establishment",
    "group",
    "holding",
    "holdings",
    "trading",
    "international",
    "intl",
    "industries",
    "industrial",
    "industry",
    "enterprise",
    "enterprises",
    "ltda",
    "cia",
    "sl",
    "tov",
    "bhd",
    "sdn",
    "tic",
    "san",
    "as",
    "aps",
    "asa",
    "oyj",
    "kk",
    "gk",
    "cv",
    "sac",
    "saic",
    "sae",
    "sal",
    "wll",
    "pty",
    "organization",
    "organisation",
    "foundation",
    "association",
    "society",
    "firm",
    "agency",
    "services",
    "service",
    "general",
    "commercial",
    "commerce",
    "import",
    "export",
    "shipping",
    "investment",
    "investments",
    "spzoo",
    "cie",
    "joint",
    "stock",
    "liability",
    "partnership",
    "open",
    "closed",
];

/// Particles and function words (al-, el-, bin, ibn, de, van, of, the, ...): kept with a very low weight.
pub const PARTICLES: &[&str] = &[
    "al", "el", "ul", "ad", "ar", "ash", "at", "az", "an", "bin", "ibn", "ben", "bint", "binti",
    "bn", "de", "da", "di", "del", "della", "der", "den", "van", "von", "la", "le", "du", "des",
    "y", "e", "of", "the", "and", "und", "et", "for", "und", "dos", "das",
];

/// Groups of spellings that are the same name. The first spelling names the group.
pub const EQUIVALENCES: &[&[&str]] = &[
    &[
        "muhammad",
        "mohammed",
        "mohammad",
        "mohamed",
        "mohamad",
        "muhammed",
        "muhamad",
        "mohd",
        "mehmet",
        "mehmed",
        "muhamed",
        "mouhamed",
        "mohamet",
        "mohammd",
        "muhammet",
        "mukhammad",
        "magomed",
        "mahamat",
        "mahomed",
    ],
    &["ahmad", "ahmed", "ahmet", "achmad", "akhmed", "ahmadi"],
    &["mahmud", "mahmoud", "mahmood", "mahmut"],
    &["mustafa", "mustapha", "moustafa", "mostafa", "moustapha"],
    &[
        "yusuf", "yousef", "yusef", "youssef", "yousif", "yousuf", "yussuf", "yosef", "yousof",
        "yusif", "jusuf",
    ],
    &[
        "husayn", "hussein", "husain", "hussain", "husein", "hussien", "hossein", "huseyn",
        "hussin", "hosein", "husseyn",
    ],
    &["hasan", "hassan", "hasen", "hassen"],
    &["husni", "hosni"],
    &["ali", "aly"],
    &["umar", "omar", "omer", "umer"],
    &["uthman", "othman", "osman", "usman", "othmane", "osmane"],
    &["abu", "abou", "abo"],
    &["ibrahim", "ebrahim", "ibraheem", "brahim", "ibragim"],
    &["ismail", "ismael", "esmail", "ismayil", "ismoil"],
    &["khalid", "khaled", "khaleed", "halid"],
    &[
        "said", "saeed", "saied", "sayed", "sayyid", "saiid", "seyed", "seyyed", "sayid",
    ],
    &[
        "sulayman", "suleiman", "sulaiman", "soliman", "suleyman", "sulejman", "soleiman",
        "soleyman", "sleiman",
    ],
    &["yahya", "yahia", "yehia", "yahiya", "yehya"],
    &[
        "yaqub", "yakub", "yacoub", "yaqoob", "yakoub", "yaakub", "yaqoub",
    ],
    &["musa", "mousa", "moussa", "mussa", "moosa"],
    &["isa", "issa", "eesa"],
    &["nasir", "nasser", "naser", "nassir", "nasr"],
    &["zakariya", "zakaria", "zakariyya", "zacharia", "zakariah"],
    &["jafar", "jaafar", "djafar", "jaffar"],
    &[
        "qasim", "qassem", "kasim", "qasem", "kassem", "kasem", "qassim", "gasim",
    ],
    &["karim", "kareem", "kerim"],
    &["rahman", "rehman", "rahmaan", "rakhman"],
    &["rahim", "raheem", "rakhim"],
    &["hamid", "hameed", "hamed"],
    &["rashid", "rasheed", "rachid", "rashed"],
    &["salih", "saleh", "salah"],
    &["salim", "saleem", "selim", "salem"],
    &[
        "jamal", "gamal", "djamel", "jamel", "jamil", "jameel", "gamil",
    ],
    &["faisal", "faysal", "feisal", "faycal", "faisel"],
    &["hafiz", "hafez", "hafeez"],
    &["hamza", "hamzah", "hamzeh"],
    &["haji", "hajji", "hadji", "hadj", "hajj", "hadzhi"],
    &["shaykh", "sheikh", "shaikh", "cheikh", "sheik", "shaikh"],
    &["amir", "ameer", "emir"],
    &["fatima", "fatimah", "fatemeh", "fatma"],
    &["aisha", "aysha", "aicha", "ayesha", "aishah"],
    &["zaynab", "zainab", "zeinab"],
    &["usama", "osama", "oussama", "usamah"],
    &["tariq", "tarek", "tareq", "tarik"],
    &["walid", "waleed"],
    &["majid", "majeed", "maged", "magid"],
    &["nur", "noor", "nour"],
    &[
        "abdallah", "abdullah", "abdulla", "abdalla", "abdollah", "abdellah",
    ],
    &["aziz", "azeez"],
    &["habib", "habeeb"],
    &["mujahid", "mujahed"],
    &["muhsin", "mohsen", "mohsin", "muhsen"],
    &["mansur", "mansour", "mansoor"],
    &["muammar", "moammar", "muamar", "moamar"],
    &[
        "qadhafi",
        "gaddafi",
        "qaddafi",
        "kadhafi",
        "gadhafi",
        "kaddafi",
        "qadhdhafi",
        "kadafi",
    ],
    &["anwar", "anouar", "anuar"],
    &["bashir", "basheer", "bachir"],
    &["nabil", "nabeel"],
    &["sharif", "shareef", "cherif"],
    &["abbas", "abas"],
    &["yasin", "yassin", "yaseen", "yassine"],
    &[
        "aleksandr",
        "alexander",
        "aleksander",
        "alexandr",
        "alexandre",
        "oleksandr",
        "aliaksandr",
    ],
    &["sergei", "sergey", "serguei", "sergiy", "serhiy", "siarhei"],
    &["yuri", "yury", "yuriy", "iouri", "iurii", "jurij", "yurii"],
    &["dmitri", "dmitry", "dmitriy", "dmitrii", "dmytro"],
    &["andrei", "andrey", "andriy", "andrii"],
    &[
        "aleksei", "alexei", "alexey", "aleksey", "oleksiy", "oleksii", "alexej", "aleksej",
    ],
    &["nikolai", "nikolay", "mykola", "nicolai"],
    &["mikhail", "mihail", "mykhailo", "mikhael"],
    &[
        "yevgeni", "evgeny", "evgeniy", "yevgeniy", "yevgeny", "evgenii", "yevhen",
    ],
    &["viktor", "victor"],
    &["grigori", "grigory", "grigoriy", "hryhoriy"],
    &["georgi", "georgy", "georgiy", "heorhiy"],
    &["anatoli", "anatoly", "anatoliy", "anatolii"],
    &["vitali", "vitaly", "vitaliy", "vitalii"],
    &["vasili", "vasily", "vasiliy", "vassily", "vasyl"],
    &["valeri", "valery", "valeriy", "valerii"],
    &["pyotr", "petr", "petro"],
    &["fyodor", "fedor", "fiodor"],
    &["ilya", "ilia", "illia"],
    &["maksim", "maxim", "maksym"],
    &["natalya", "natalia", "nataliya"],
    &["yelena", "elena", "olena"],
    &["tatyana", "tatiana", "tetiana"],
    &["yuliya", "yulia", "julia", "iuliia"],
    &["vyacheslav", "viacheslav", "vyacheslaw"],
    &["arkadi", "arkady", "arkadiy"],
    &["gennadi", "gennady", "gennadiy"],
    &["leonid", "leonide"],
    &["konstantin", "kostiantyn", "constantin"],
    &["vladimir", "volodymyr", "uladzimir"],
    &["oleg", "oleh", "aleh"],
    &["igor", "ihor"],
    &["jose", "josep"],
    &[
        "joseph", "josef", "iosif", "jozef", "giuseppe", "joe", "joey",
    ],
    &["chang", "zhang", "jang"],
    // Short forms of given names (English, Russian, Ukrainian).
    &["william", "bill", "billy", "will", "willy", "wilhelm"],
    &["robert", "bob", "bobby", "rob", "robbie"],
    &["richard", "dick", "rick", "ricky", "rich"],
    &["benjamin", "ben", "benny", "benji"],
    &["james", "jim", "jimmy", "jamie"],
    &["john", "jack", "johnny", "johnnie"],
    &["jonathan", "jon", "jonny"],
    &["michael", "mike", "mick", "mickey", "mikey"],
    &["thomas", "tom", "tommy"],
    &["charles", "charlie", "chuck"],
    &["edward", "ed", "eddie", "ted", "ned", "teddy"],
    &["elizabeth", "liz", "beth", "betty", "eliza", "lizzie"],
    &["margaret", "maggie", "peggy", "meg"],
    &[
        "katherine",
        "catherine",
        "kate",
        "katie",
        "cathy",
        "kathy",
        "katharine",
        "kathryn",
    ],
    &["daniel", "dan", "danny"],
    &["david", "dave", "davey"],
    &["anthony", "tony", "antony"],
    &["andrew", "andy", "drew"],
    &["christopher", "chris"],
    &["nicholas", "nick", "nicky", "nicolas"],
    &["samuel", "sam", "sammy"],
    &["matthew", "matt"],
    &["stephen", "steven", "steve"],
    &["timothy", "tim"],
    &["patrick", "pat", "paddy"],
    &["peter", "pete"],
    &["gregory", "greg"],
    &["jeffrey", "jeff", "geoffrey"],
    &["kenneth", "ken", "kenny"],
    &["ronald", "ron", "ronnie"],
    &["donald", "don", "donnie"],
    &["frederick", "fred", "freddie", "frederic"],
    &["henry", "harry", "hank"],
    &["lawrence", "larry", "laurence"],
    &["susan", "sue", "suzy"],
    &["abraham", "abe"],
    &["jacob", "jake"],
    &["joshua", "josh"],
    &["victoria", "vicky"],
    &["rebecca", "becky"],
    &["deborah", "debbie", "debra"],
    &["ivan", "vanya"],
    &["pavel", "pasha"],
    &["yekaterina", "ekaterina", "kateryna", "katya"],
    &["anastasia", "anastasiya", "nastya"],
];

/// Korean family names spelled in ways no romanisation rule covers ([`crate::romanise`] covers the rest):
/// 李 / 이 / 리 is Ri in the North, Lee, Yi or Rhee in the South; 朴 Park / Pak / Bak; 崔 Choe / Choi / Chwe;
/// 鄭 Jeong / Jong / Chung / Jung; 玄 Hyon / Hyun / Hyeon; 成 Song / Sung / Seong.
pub const KOREAN_SURNAMES: &[&[&str]] = &[
    &["ri", "rhee", "lee", "yi", "li", "rhie", "ree", "rie"],
    &["pak", "park", "bak"],
    &["choe", "choi", "chwe", "choy"],
    &["jong", "jeong", "chung", "jung", "chong"],
    &["hyon", "hyun", "hyeon"],
    &["song", "sung", "seong"],
];

/// Diminutives added to groups above (listed here so the groups stay readable): (diminutive, group's first
/// spelling).
const MORE_MEMBERS: &[(&str, &str)] = &[
    ("sasha", "aleksandr"),
    ("alex", "aleksandr"),
    ("volodya", "vladimir"),
    ("vova", "vladimir"),
    ("misha", "mikhail"),
    ("dima", "dmitri"),
    ("seryozha", "sergei"),
    ("zhenya", "yevgeni"),
    ("kolya", "nikolai"),
    ("alyosha", "aleksei"),
    ("yura", "yuri"),
    ("tanya", "tatyana"),
    ("natasha", "natalya"),
    ("lena", "yelena"),
    ("yulia", "yuliya"),
];

/// Weight class of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenClass {
    /// An ordinary name token (weight 1).
    Name,
    /// A legal-form or generic organisation word (LLC, GmbH, Trading, ...).
    OrgType,
    /// A particle or function word (al, bin, de, of, ...).
    Particle,
}

impl TokenClass {
    pub fn weight(self) -> f32 {
        match self {
            TokenClass::Name => 1.0,
            TokenClass::OrgType => 0.25,
            TokenClass::Particle => 0.15,
        }
    }
}

struct Tables {
    class: FxHashMap<&'static str, TokenClass>,
    group: FxHashMap<&'static str, u16>,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let mut class = FxHashMap::default();
        for w in ORG_WORDS {
            class.insert(*w, TokenClass::OrgType);
        }
        for w in PARTICLES {
            class.insert(*w, TokenClass::Particle);
        }
        let mut group = FxHashMap::default();
        for (i, g) in EQUIVALENCES.iter().enumerate() {
            for w in g.iter() {
                group.entry(*w).or_insert(i as u16);
            }
        }
        for (i, g) in KOREAN_SURNAMES.iter().enumerate() {
            for w in g.iter() {
                group.entry(*w).or_insert((EQUIVALENCES.len() + i) as u16);
            }
        }
        for (w, first) in MORE_MEMBERS {
            if let Some(i) = EQUIVALENCES.iter().position(|g| g[0] == *first) {
                group.entry(*w).or_insert(i as u16);
            }
        }
        Tables { class, group }
    })
}

/// Class of a Latin comparison form.
pub fn token_class(form: &str) -> TokenClass {
    tables()
        .class
        .get(form)
        .copied()
        .unwrap_or(TokenClass::Name)
}

/// Equivalence group of a Latin comparison form, if the name is a known variant.
pub fn equivalence_group(form: &str) -> Option<u16> {
    tables().group.get(form).copied()
}

/// The canonical spelling naming an equivalence group.
pub fn group_name(g: u16) -> &'static str {
    let g = g as usize;
    EQUIVALENCES
        .get(g)
        .or_else(|| KOREAN_SURNAMES.get(g.wrapping_sub(EQUIVALENCES.len())))
        .map(|g| g[0])
        .unwrap_or("")
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y' | b'w')
}

/// Consonant skeleton: a phonetic key that survives vowel changes, doubled letters, common digraph spellings and
/// the missing short vowels of abjad scripts. `muhammad`, `mohammed`, `mhmd` all give `mhmd`; `hussein`, `husain`,
/// `hsin` give `hsn`. An initial vowel is kept as `a`, so `omar`/`umar` give `amr`.
pub fn skeleton(form: &str) -> String {
    let b = form.as_bytes();
    let mut mapped: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let n = b.get(i + 1).copied();
        let (out, step): (&[u8], usize) = match (c, n) {
            (b'k', Some(b'h')) => (b"k", 2),
            (b's', Some(b'h')) => (b"s", 2),
            (b'c', Some(b'h')) => (b"s", 2),
            (b't', Some(b'h')) => (b"t", 2),
            (b'd', Some(b'h')) => (b"d", 2),
            (b'g', Some(b'h')) => (b"g", 2),
            (b'p', Some(b'h')) => (b"f", 2),
            (b'z', Some(b'h')) => (b"j", 2),
            (b'd', Some(b'j')) => (b"j", 2),
            (b't', Some(b's')) => (b"s", 2),
            (b'c', Some(b'k')) => (b"k", 2),
            (b'q', _) | (b'c', _) => (b"k", 1),
            (b'x', _) => (b"ks", 1),
            (b'z', _) => (b"s", 1),
            (b'v', _) => (b"w", 1),
            (b'g', Some(b'e' | b'i')) if i == 0 => (b"j", 1),
            _ => (std::slice::from_ref(&b[i]), 1),
        };
        mapped.extend_from_slice(out);
        i += step;
    }
    let mut out = String::with_capacity(mapped.len());
    let mut last = 0u8;
    for (i, &c) in mapped.iter().enumerate() {
        let k = if i == 0 {
            if matches!(c, b'a' | b'e' | b'i' | b'o' | b'u') {
                b'a'
            } else {
                c
            }
        } else if is_vowel(c) || c == b'h' && i + 1 == mapped.len() {
            continue;
        } else {
            c
        };
        if k != last {
            out.push(k as char);
            last = k;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skeletons() {
        assert_eq!(skeleton("muhammad"), "mhmd");
        assert_eq!(skeleton("mohammed"), "mhmd");
        assert_eq!(skeleton("mhmd"), "mhmd");
        assert_eq!(skeleton("hussein"), "hsn");
        assert_eq!(skeleton("hsin"), "hsn");
        assert_eq!(skeleton("omar"), "amr");
        assert_eq!(skeleton("umar"), "amr");
        assert_eq!(skeleton("saddam"), "sdm");
        assert_eq!(skeleton("tikriti"), "tkrt");
        assert_eq!(skeleton("tkriti"), "tkrt");
        assert_eq!(skeleton("fatimah"), "ftm");
    }

    #[test]
    fn classes_and_groups() {
        assert_eq!(token_class("llc"), TokenClass::OrgType);
        assert_eq!(token_class("al"), TokenClass::Particle);
        assert_eq!(token_class("saddam"), TokenClass::Name);
        assert_eq!(equivalence_group("mohamad"), equivalence_group("muhammad"));
        assert!(equivalence_group("mohamad").is_some());
        assert_eq!(group_name(equivalence_group("yousef").unwrap()), "yusuf");
        assert_eq!(group_name(equivalence_group("sasha").unwrap()), "aleksandr");
        assert_eq!(equivalence_group("bill"), equivalence_group("william"));
        assert_eq!(group_name(equivalence_group("rhee").unwrap()), "ri");
        assert_eq!(equivalence_group("lee"), equivalence_group("yi"));
        assert_eq!(group_name(equivalence_group("park").unwrap()), "pak");
    }
}
