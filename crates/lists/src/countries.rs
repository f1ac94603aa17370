//! Country name -> ISO 3166-1 alpha-2 resolution.
//!
//! One compact table: every ISO 3166-1 code with its English short name and the other spellings the shipped
//! lists use ("Iran (Islamic Republic of)", "Viet Nam", "Burma", "Korea, North", "Türkiye", ...). Lookups are
//! case-, punctuation- and whitespace-insensitive; exact two-letter codes are accepted as they are.

use std::collections::HashMap;
use std::sync::OnceLock;

/// `(alpha-2, names)`. The first name is the English short name.
const TABLE: &[(&str, &[&str])] = &[
    ("AD", &["Andorra"]),
    ("AE", &["United Arab Emirates", "UAE", "U.A.E."]),
    ("AF", &["Afghanistan"]),
    ("AG", &["Antigua and Barbuda"]),
    ("AI", &["Anguilla"]),
    ("AL", &["Albania"]),
    ("AM", &["Armenia"]),
    ("AO", &["Angola"]),
    ("AQ", &["Antarctica"]),
    ("AR", &["Argentina"]),
    ("AS", &["American Samoa"]),
    ("AT", &["Austria"]),
    ("AU", &["Australia"]),
    ("AW", &["Aruba"]),
    ("AX", &["Aland Islands", "Åland Islands"]),
    ("AZ", &["Azerbaijan"]),
    (
        "BA",
        &[
            "Bosnia and Herzegovina",
            "Bosnia-Herzegovina",
            "Bosnia & Herzegovina",
            "Bosnia",
        ],
    ),
    ("BB", &["Barbados"]),
    ("BD", &["Bangladesh"]),
    ("BE", &["Belgium"]),
    ("BF", &["Burkina Faso"]),
    ("BG", &["Bulgaria"]),
    ("BH", &["Bahrain"]),
    ("BI", &["Burundi"]),
    ("BJ", &["Benin"]),
    ("BL", &["Saint Barthelemy", "Saint Barthélemy"]),
    ("BM", &["Bermuda"]),
    ("BN", &["Brunei", "Brunei Darussalam"]),
    (
        "BO",
        &[
            "Bolivia",
            "Bolivia (Plurinational State of)",
            "Plurinational State of Bolivia",
        ],
    ),
    (
        "BQ",
        &["Bonaire, Sint Eustatius and Saba", "Caribbean Netherlands"],
    ),
    ("BR", &["Brazil"]),
    ("BS", &["Bahamas", "The Bahamas", "Bahamas, The"]),
    ("BT", &["Bhutan"]),
    ("BV", &["Bouvet Island"]),
    ("BW", &["Botswana"]),
    ("BY", &["Belarus", "Byelorussia"]),
    ("BZ", &["Belize"]),
    ("CA", &["Canada"]),
    ("CC", &["Cocos (Keeling) Islands", "Cocos Islands"]),
    (
        "CD",
        &[
            "Democratic Republic of the Congo",
            "Congo, Democratic Republic of the",
            "Congo, The Democratic Republic of the",
            "Congo (Kinshasa)",
            "DR Congo",
            "DRC",
            "Zaire",
            "Congo, Dem. Rep.",
            "Democratic Republic of Congo",
        ],
    ),
    ("CF", &["Central African Republic", "CAR"]),
    (
        "CG",
        &[
            "Congo",
            "Republic of the Congo",
            "Congo, Republic of the",
            "Congo (Brazzaville)",
            "Congo-Brazzaville",
        ],
    ),
    ("CH", &["Switzerland"]),
    ("CI", &["Cote d'Ivoire", "Côte d'Ivoire", "Ivory Coast"]),
    ("CK", &["Cook Islands"]),
    ("CL", &["Chile"]),
    ("CM", &["Cameroon"]),
    (
        "CN",
        &[
            "China",
            "People's Republic of China",
            "PRC",
            "China, People's Republic of",
        ],
    ),
    ("CO", &["Colombia"]),
    ("CR", &["Costa Rica"]),
    ("CU", &["Cuba"]),
    ("CV", &["Cabo Verde", "Cape Verde"]),
    ("CW", &["Curacao", "Curaçao"]),
    ("CX", &["Christmas Island"]),
    ("CY", &["Cyprus"]),
    ("CZ", &["Czechia", "Czech Republic"]),
    ("DE", &["Germany", "Federal Republic of Germany"]),
    ("DJ", &["Djibouti"]),
    ("DK", &["Denmark"]),
    ("DM", &["Dominica"]),
    ("DO", &["Dominican Republic"]),
    ("DZ", &["Algeria"]),
    ("EC", &["Ecuador"]),
    ("EE", &["Estonia"]),
    ("EG", &["Egypt"]),
    ("EH", &["Western Sahara"]),
    ("ER", &["Eritrea"]),
    ("ES", &["Spain"]),
    ("ET", &["Ethiopia"]),
    ("FI", &["Finland"]),
    ("FJ", &["Fiji"]),
    ("FK", &["Falkland Islands", "Falkland Islands (Malvinas)"]),
    (
        "FM",
        &[
            "Micronesia",
            "Micronesia, Federated States of",
            "Micronesia (Federated States of)",
        ],
    ),
    ("FO", &["Faroe Islands"]),
    ("FR", &["France"]),
    ("GA", &["Gabon"]),
    (
        "GB",
        &[
            "United Kingdom",
            "United Kingdom of Great Britain and Northern Ireland",
            "UK",
            "U.K.",
            "Great Britain",
            "Britain",
            "England",
            "Scotland",
            "Wales",
            "Northern Ireland",
        ],
    ),
    ("GD", &["Grenada"]),
    ("GE", &["Georgia"]),
    ("GF", &["French Guiana"]),
    ("GG", &["Guernsey"]),
    ("GH", &["Ghana"]),
    ("GI", &["Gibraltar"]),
    ("GL", &["Greenland"]),
    ("GM", &["Gambia", "The Gambia", "Gambia, The"]),
    ("GN", &["Guinea"]),
    ("GP", &["Guadeloupe"]),
    ("GQ", &["Equatorial Guinea"]),
    ("GR", &["Greece"]),
    ("GS", &["South Georgia and the South Sandwich Islands"]),
    ("GT", &["Guatemala"]),
    ("GU", &["Guam"]),
    ("GW", &["Guinea-Bissau", "Guinea Bissau"]),
    ("GY", &["Guyana"]),
    (
        "HK",
        &[
            "Hong Kong",
            "China, Hong Kong Special Administrative Region",
            "Hong Kong SAR",
            "Hong Kong, China",
            "Hong Kong Special Administrative Region",
        ],
    ),
    ("HM", &["Heard Island and McDonald Islands"]),
    ("HN", &["Honduras"]),
    ("HR", &["Croatia"]),
    ("HT", &["Haiti"]),
    ("HU", &["Hungary"]),
    ("ID", &["Indonesia"]),
    ("IE", &["Ireland"]),
    ("IL", &["Israel"]),
    ("IM", &["Isle of Man"]),
    ("IN", &["India"]),
    ("IO", &["British Indian Ocean Territory"]),
    ("IQ", &["Iraq"]),
    (
        "IR",
        &[
            "Iran",
            "Iran (Islamic Republic of)",
            "Islamic Republic of Iran",
            "Iran, Islamic Republic of",
        ],
    ),
    ("IS", &["Iceland"]),
    ("IT", &["Italy"]),
    ("JE", &["Jersey"]),
    ("JM", &["Jamaica"]),
    ("JO", &["Jordan"]),
    ("JP", &["Japan"]),
    ("KE", &["Kenya"]),
    ("KG", &["Kyrgyzstan", "Kyrgyz Republic", "Kirghizia"]),
    ("KH", &["Cambodia"]),
    ("KI", &["Kiribati"]),
    ("KM", &["Comoros"]),
    ("KN", &["Saint Kitts and Nevis", "St. Kitts and Nevis"]),
    (
        "KP",
        &[
            "North Korea",
            "Democratic People's Republic of Korea",
            "Korea, North",
            "Korea, Democratic People's Republic of",
            "DPRK",
            "Korea (North)",
            "Korea, Dem. People's Rep.",
        ],
    ),
    (
        "KR",
        &[
            "South Korea",
            "Republic of Korea",
            "Korea, South",
            "Korea, Republic of",
            "Korea (South)",
            "Korea",
        ],
    ),
    ("KW", &["Kuwait"]),
    ("KY", &["Cayman Islands"]),
    ("KZ", &["Kazakhstan"]),
    (
        "LA",
        &["Laos", "Lao People's Democratic Republic", "Lao PDR"],
    ),
    ("LB", &["Lebanon"]),
    ("LC", &["Saint Lucia", "St. Lucia"]),
    ("LI", &["Liechtenstein"]),
    ("LK", &["Sri Lanka"]),
    ("LR", &["Liberia"]),
    ("LS", &["Lesotho"]),
    ("LT", &["Lithuania"]),
    ("LU", &["Luxembourg"]),
    ("LV", &["Latvia"]),
    ("LY", &["Libya", "Libyan Arab Jamahiriya"]),
    ("MA", &["Morocco"]),
    ("MC", &["Monaco"]),
    (
        "MD",
        &["Moldova", "Republic of Moldova", "Moldova, Republic of"],
    ),
    ("ME", &["Montenegro"]),
    ("MF", &["Saint Martin", "Saint Martin (French part)"]),
    ("MG", &["Madagascar"]),
    ("MH", &["Marshall Islands"]),
    (
        "MK",
        &[
            "North Macedonia",
            "Macedonia",
            "The former Yugoslav Republic of Macedonia",
            "Republic of North Macedonia",
        ],
    ),
    ("ML", &["Mali"]),
    ("MM", &["Myanmar", "Burma"]),
    ("MN", &["Mongolia"]),
    (
        "MO",
        &[
            "Macao",
            "Macau",
            "China, Macao Special Administrative Region",
        ],
    ),
    ("MP", &["Northern Mariana Islands"]),
    ("MQ", &["Martinique"]),
    ("MR", &["Mauritania"]),
    ("MS", &["Montserrat"]),
    ("MT", &["Malta"]),
    ("MU", &["Mauritius"]),
    ("MV", &["Maldives"]),
    ("MW", &["Malawi"]),
    ("MX", &["Mexico"]),
    ("MY", &["Malaysia"]),
    ("MZ", &["Mozambique"]),
    ("NA", &["Namibia"]),
    ("NC", &["New Caledonia"]),
    ("NE", &["Niger"]),
    ("NF", &["Norfolk Island"]),
    ("NG", &["Nigeria"]),
    ("NI", &["Nicaragua"]),
    (
        "NL",
        &[
            "Netherlands",
            "The Netherlands",
            "Holland",
            "Netherlands (Kingdom of the)",
        ],
    ),
    ("NO", &["Norway"]),
    ("NP", &["Nepal"]),
    ("NR", &["Nauru"]),
    ("NU", &["Niue"]),
    ("NZ", &["New Zealand"]),
    ("OM", &["Oman"]),
    ("PA", &["Panama"]),
    ("PE", &["Peru"]),
    ("PF", &["French Polynesia"]),
    ("PG", &["Papua New Guinea"]),
    ("PH", &["Philippines", "The Philippines"]),
    ("PK", &["Pakistan"]),
    ("PL", &["Poland"]),
    ("PM", &["Saint Pierre and Miquelon"]),
    ("PN", &["Pitcairn"]),
    ("PR", &["Puerto Rico"]),
    (
        "PS",
        &[
            "Palestine",
            "State of Palestine",
            "Palestinian Territories",
            "Palestinian Territory",
            "Occupied Palestinian Territory",
            "West Bank",
            "Gaza",
            "Gaza Strip",
            "West Bank and Gaza",
        ],
    ),
    ("PT", &["Portugal"]),
    ("PW", &["Palau"]),
    ("PY", &["Paraguay"]),
    ("QA", &["Qatar"]),
    ("RE", &["Reunion", "Réunion"]),
    ("RO", &["Romania"]),
    ("RS", &["Serbia"]),
    ("RU", &["Russia", "Russian Federation"]),
    ("RW", &["Rwanda"]),
    ("SA", &["Saudi Arabia", "Kingdom of Saudi Arabia"]),
    ("SB", &["Solomon Islands"]),
    ("SC", &["Seychelles"]),
    ("SD", &["Sudan"]),
    ("SE", &["Sweden"]),
    ("SG", &["Singapore"]),
    (
        "SH",
        &[
            "Saint Helena",
            "Saint Helena, Ascension and Tristan da Cunha",
        ],
    ),
    ("SI", &["Slovenia"]),
    ("SJ", &["Svalbard and Jan Mayen"]),
    ("SK", &["Slovakia", "Slovak Republic"]),
    ("SL", &["Sierra Leone"]),
    ("SM", &["San Marino"]),
    ("SN", &["Senegal"]),
    ("SO", &["Somalia"]),
    ("SR", &["Suriname"]),
    ("SS", &["South Sudan"]),
    ("ST", &["Sao Tome and Principe", "São Tomé and Príncipe"]),
    ("SV", &["El Salvador"]),
    ("SX", &["Sint Maarten", "Sint Maarten (Dutch part)"]),
    ("SY", &["Syria", "Syrian Arab Republic"]),
    ("SZ", &["Eswatini", "Swaziland"]),
    ("TC", &["Turks and Caicos Islands"]),
    ("TD", &["Chad"]),
    ("TF", &["French Southern Territories"]),
    ("TG", &["Togo"]),
    ("TH", &["Thailand"]),
    ("TJ", &["Tajikistan"]),
    ("TK", &["Tokelau"]),
    ("TL", &["Timor-Leste", "East Timor"]),
    ("TM", &["Turkmenistan"]),
    ("TN", &["Tunisia"]),
    ("TO", &["Tonga"]),
    ("TR", &["Turkey", "Türkiye", "Turkiye"]),
    ("TT", &["Trinidad and Tobago"]),
    ("TV", &["Tuvalu"]),
    (
        "TW",
        &["Taiwan", "Taiwan, Province of China", "Chinese Taipei"],
    ),
    (
        "TZ",
        &[
            "Tanzania",
            "United Republic of Tanzania",
            "Tanzania, United Republic of",
        ],
    ),
    ("UA", &["Ukraine"]),
    ("UG", &["Uganda"]),
    ("UM", &["United States Minor Outlying Islands"]),
    (
        "US",
        &[
            "United States",
            "United States of America",
            "USA",
            "U.S.A.",
            "U.S.",
            "US",
        ],
    ),
    ("UY", &["Uruguay"]),
    ("UZ", &["Uzbekistan"]),
    ("VA", &["Holy See", "Vatican", "Vatican City"]),
    (
        "VC",
        &[
            "Saint Vincent and the Grenadines",
            "St. Vincent and the Grenadines",
        ],
    ),
    (
        "VE",
        &[
            "Venezuela",
            "Venezuela (Bolivarian Republic of)",
            "Bolivarian Republic of Venezuela",
        ],
    ),
    (
        "VG",
        &[
            "British Virgin Islands",
            "Virgin Islands, British",
            "Virgin Islands (British)",
        ],
    ),
    (
        "VI",
        &[
            "U.S. Virgin Islands",
            "Virgin Islands, U.S.",
            "United States Virgin Islands",
        ],
    ),
    ("VN", &["Vietnam", "Viet Nam"]),
    ("VU", &["Vanuatu"]),
    ("WF", &["Wallis and Futuna"]),
    ("WS", &["Samoa"]),
    ("XK", &["Kosovo"]),
    ("YE", &["Yemen"]),
    ("YT", &["Mayotte"]),
    ("ZA", &["South Africa"]),
    ("ZM", &["Zambia"]),
    ("ZW", &["Zimbabwe"]),
];

/// Comparison key: lower case, letters and digits only, single spaces; "&" counts as "and".
fn key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if c == '\'' || c == '’' || c == '.' {
            continue;
        }
        if c == '&' {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str("and");
            pending_space = true;
            continue;
        }
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

fn index() -> &'static HashMap<String, &'static str> {
    static INDEX: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut m = HashMap::new();
        for (code, names) in TABLE {
            for n in *names {
                m.insert(key(n), *code);
            }
        }
        m
    })
}

/// Resolve a country name (or an ISO alpha-2 code) to its ISO 3166-1 alpha-2 code.
pub fn to_alpha2(name: &str) -> Option<&'static str> {
    let t = name.trim();
    if t.is_empty() {
        return None;
    }
    if t.len() == 2 && t.bytes().all(|b| b.is_ascii_uppercase()) {
        if let Some((code, _)) = TABLE.iter().find(|(c, _)| *c == t) {
            return Some(code);
        }
    }
    let k = key(t);
    if let Some(c) = index().get(&k) {
        return Some(c);
    }
    // "the Netherlands", "Republic of Iraq"
    for prefix in ["the ", "republic of ", "kingdom of ", "state of "] {
        if let Some(rest) = k.strip_prefix(prefix) {
            if let Some(c) = index().get(rest) {
                return Some(c);
            }
        }
    }
    None
}

/// The English short name of an alpha-2 code.
pub fn name_of(alpha2: &str) -> Option<&'static str> {
    TABLE
        .iter()
        .find(|(c, _)| *c == alpha2)
        .and_then(|(_, names)| names.first().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_list_spellings() {
        assert_eq!(to_alpha2("Iran (Islamic Republic of)"), Some("IR"));
        assert_eq!(
            to_alpha2("Democratic People's Republic of Korea"),
            Some("KP")
        );
        assert_eq!(to_alpha2("Korea, North"), Some("KP"));
        assert_eq!(to_alpha2("Türkiye"), Some("TR"));
        assert_eq!(to_alpha2("Viet Nam"), Some("VN"));
        assert_eq!(
            to_alpha2("china, hong kong special administrative region"),
            Some("HK")
        );
        assert_eq!(
            to_alpha2("United Kingdom of Great Britain and Northern Ireland"),
            Some("GB")
        );
        assert_eq!(to_alpha2("DE"), Some("DE"));
        assert_eq!(to_alpha2("Bosnia & Herzegovina"), Some("BA"));
        assert_eq!(to_alpha2("Atlantis"), None);
        assert_eq!(to_alpha2(""), None);
        assert_eq!(name_of("RU"), Some("Russia"));
    }
}
