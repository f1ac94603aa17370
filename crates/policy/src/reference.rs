//! The shipped reference policy (`policy/reference/` at the repository root), embedded in the binary so it
//! works without the repository.

use crate::model::PolicySet;
use std::sync::OnceLock;

macro_rules! embed {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../../../policy/reference/", $name)))),+]
    };
}

const FILES: &[(&str, &str)] = embed!(
    "assessments.toml",
    "calendar.toml",
    "control-entries.toml",
    "countries.toml",
    "deadlines.toml",
    "embargoes.toml",
    "holidays-2017.toml",
    "holidays-2018.toml",
    "holidays-2019.toml",
    "holidays-2020.toml",
    "holidays-2021.toml",
    "holidays-2022.toml",
    "holidays-2023.toml",
    "holidays-2024.toml",
    "holidays-2025.toml",
    "holidays-2026.toml",
    "holidays-2027.toml",
    "policy.toml",
    "regimes.toml",
    "rules.toml",
    "vocabulary.toml",
    "wassenaar.toml",
);

/// The reference policy's files as `(file name, content)` pairs, e.g. to store them as the first version.
pub fn reference_files() -> Vec<(String, String)> {
    FILES
        .iter()
        .map(|(n, c)| (n.to_string(), c.to_string()))
        .collect()
}

/// The shipped reference policy, loaded once.
///
/// # Panics
/// Only if the embedded files are invalid, which the crate's tests rule out.
pub fn reference() -> &'static PolicySet {
    static SET: OnceLock<PolicySet> = OnceLock::new();
    SET.get_or_init(|| match PolicySet::load_files(reference_files()) {
        Ok(set) => set,
        Err(e) => panic!("the embedded reference policy is invalid: {e}"),
    })
}
