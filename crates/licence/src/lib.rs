//! Licences as signed documents, for people and for machines: the licence's content as a canonical JSON
//! payload ([`LicencePayload`], [`canonical`]), signed with Ed25519 into a JWS compact token (RFC 7515 with
//! RFC 8037's `EdDSA`, the key id in `kid`: [`sign`]), verified offline with the authority's public keys
//! ([`verify`]), and rendered as a PDF with a QR code carrying the licence number and the token ([`pdf`]).
//!
//! Pure: no storage, no network, no clock (callers pass "today"). docs/licences.md describes the format
//! precisely enough for an outside verifier.

#![forbid(unsafe_code)]

pub mod canonical;
pub mod pdf;
mod token;

pub use token::{parse_qr_text, qr_text, sign, verify, KeySet, Signer, Verified, VerifyError};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The format version in every payload's `v`.
pub const PAYLOAD_VERSION: u64 = 1;

/// What a licence grants, as signed. Only strings, integers, arrays and objects; an absent optional field is
/// left out (never `null`), so the canonical encoding of a payload is unique.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LicencePayload {
    /// Format version: 1.
    pub v: u64,
    /// The licence number, e.g. `L-EL-2026-000001`.
    pub number: String,
    /// `marketing` or `export`.
    pub kind: String,
    /// The reference of the case the licence was issued on.
    pub case: String,
    pub holder: Holder,
    pub products: Vec<Product>,
    /// ISO 3166-1 alpha-2 destination countries.
    pub destinations: Vec<String>,
    pub end_users: Vec<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consignee: Option<Party>,
    /// The quantity applied for (export licences).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u64>,
    /// The value applied for (export licences).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Money>,
    /// The most that may be exported under the licence, when a condition limits it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity_limit: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_limit: Option<Money>,
    /// The licence's conditions in words, in the order the officer set them.
    pub conditions: Vec<String>,
    /// First day of validity (ISO 8601 date).
    pub valid_from: NaiveDate,
    /// Last day of validity (ISO 8601 date).
    pub valid_until: NaiveDate,
    /// When the licence was issued (RFC 3339 UTC).
    pub issued_at: String,
}

/// The licence holder (the exporter's organisation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = LicenceHolder)]
pub struct Holder {
    pub name: String,
    /// ISO 3166-1 alpha-2 country of establishment.
    pub country: String,
}

/// A licensed product with the control entries the authority classified it under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = LicensedProduct)]
pub struct Product {
    pub name: String,
    pub version: String,
    pub control_entries: Vec<String>,
}

/// An end user or consignee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = LicensedParty)]
pub struct Party {
    pub name: String,
    /// ISO 3166-1 alpha-2, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// End users: the end-user type (e.g. `government-law-enforcement`).
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub party_type: Option<String>,
}

/// An amount of money: a decimal string and an ISO 4217 currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = LicenceMoney)]
pub struct Money {
    pub amount: String,
    pub currency: String,
}

impl LicencePayload {
    /// The payload's canonical bytes (what is signed).
    pub fn to_canonical(&self) -> Vec<u8> {
        let value = serde_json::to_value(self).expect("a payload serialises to JSON");
        canonical::encode(&value)
            .expect("a payload holds only strings, integers, arrays and objects")
    }

    /// Whether `today` lies within the validity (both ends included).
    pub fn valid_on(&self, today: NaiveDate) -> bool {
        self.valid_from <= today && today <= self.valid_until
    }
}
