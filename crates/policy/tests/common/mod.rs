//! Builders shared by the policy integration tests.
#![allow(dead_code)]

use chrono::NaiveDate;
use domain::{CountryCode, EndUserType, LicenceKind, Outcome, ReviewKind, SecurityGrade};
use policy::{Determination, Request};

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

/// A request builder with sensible defaults: marketing, 4A005, restricted, DE, private, 2022-06-01.
#[derive(Clone)]
pub struct Req(pub Request);

pub fn req() -> Req {
    Req(Request {
        as_of: date("2022-06-01"),
        licence: LicenceKind::Marketing,
        control_entries: vec!["4A005".into()],
        security_grade: SecurityGrade::Restricted,
        destination: CountryCode::parse("DE").expect("code"),
        end_user_type: EndUserType::Private,
        catch_all_notified: false,
        denial_match: false,
        evidence_of_misuse: false,
    })
}

impl Req {
    pub fn on(mut self, d: &str) -> Self {
        self.0.as_of = date(d);
        self
    }
    pub fn export(mut self) -> Self {
        self.0.licence = LicenceKind::Export;
        self
    }
    pub fn marketing(mut self) -> Self {
        self.0.licence = LicenceKind::Marketing;
        self
    }
    pub fn to(mut self, c: &str) -> Self {
        self.0.destination = CountryCode::parse(c).expect("code");
        self
    }
    pub fn entries(mut self, e: &[&str]) -> Self {
        self.0.control_entries = e.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn grade(mut self, g: SecurityGrade) -> Self {
        self.0.security_grade = g;
        self
    }
    pub fn user(mut self, u: EndUserType) -> Self {
        self.0.end_user_type = u;
        self
    }
    pub fn catch_all(mut self) -> Self {
        self.0.catch_all_notified = true;
        self
    }
    pub fn eval(&self) -> Determination {
        policy::evaluate(&self.0, policy::reference()).expect("evaluates")
    }
    pub fn outcome(&self) -> Outcome {
        self.eval().outcome
    }
    pub fn reviews(&self) -> Vec<ReviewKind> {
        self.eval().required_reviews
    }
    pub fn documents(&self) -> Vec<String> {
        self.eval().required_documents
    }
    pub fn err(&self) -> String {
        policy::evaluate(&self.0, policy::reference())
            .expect_err("must fail")
            .to_string()
    }
}

/// The reference files with textual edits `(file, from, to)`; each `from` must occur.
pub fn reference_with(edits: &[(&str, &str, &str)]) -> Vec<(String, String)> {
    let mut files = policy::reference_files();
    for (file, from, to) in edits {
        let f = files
            .iter_mut()
            .find(|(n, _)| n == file)
            .expect("file exists");
        assert!(f.1.contains(from), "{file} does not contain {from:?}");
        f.1 = f.1.replacen(from, to, 1);
    }
    files
}

/// 1-based line of the first occurrence of `needle` in `file` of `files`.
pub fn line_of(files: &[(String, String)], file: &str, needle: &str) -> usize {
    let text = &files.iter().find(|(n, _)| n == file).expect("file").1;
    let at = text.find(needle).expect("needle present");
    text[..at].matches('\n').count() + 1
}
