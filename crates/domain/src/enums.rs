//! Closed vocabularies: licence kinds, security grades, end-user types, review kinds, roles.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// The wire strings are captured as `tt`, not `literal`: a `literal` fragment reaches the derive macros as an
// opaque group, which serde reads but utoipa silently skips, so the OpenAPI document showed the Rust variant
// names instead of the strings serde accepts. With `tt` both derives read the same `#[serde(rename)]`.
macro_rules! kebab_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $s:tt),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $s)] $variant),+
        }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($s => Ok($name::$variant),)+
                    _ => Err(format!("{s:?} is not one of: {}", [$($s),+].join(", "))),
                }
            }
        }
    };
}

kebab_enum!(
    /// Which licence an application or determination concerns.
    LicenceKind { Marketing => "marketing", Export => "export" }
);

kebab_enum!(
    /// The authority's classification of a product's sensitivity.
    SecurityGrade {
        Unclassified => "unclassified",
        Restricted => "restricted",
        Confidential => "confidential",
        Secret => "secret",
    }
);

kebab_enum!(
    /// Type of a (prospective) end user.
    EndUserType {
        GovernmentLawEnforcement => "government-law-enforcement",
        GovernmentIntelligence => "government-intelligence",
        GovernmentMilitary => "government-military",
        GovernmentOther => "government-other",
        Private => "private",
    }
);

impl EndUserType {
    pub fn is_government(self) -> bool {
        !matches!(self, EndUserType::Private)
    }
}

kebab_enum!(
    /// An advisory review a case may require; also the specialism of an adviser.
    ReviewKind {
        HumanRights => "human-rights",
        Defence => "defence",
        ForeignAffairs => "foreign-affairs",
        EconomyCyber => "economy-cyber",
    }
);

kebab_enum!(
    /// Outcome of evaluating licensing policy for one request.
    Outcome {
        NotControlled => "not-controlled",
        Exempt => "exempt",
        LicenceRequired => "licence-required",
        Prohibited => "prohibited",
    }
);

kebab_enum!(
    /// A user's role. Advisers additionally carry a review kind (their specialism).
    Role {
        Exporter => "exporter",
        Officer => "officer",
        Adviser => "adviser",
        PolicyAdmin => "policy-admin",
        Auditor => "auditor",
        Admin => "admin",
        /// Customs: records shipments against licences and looks up a licence's validity and what remains.
        Customs => "customs",
    }
);

kebab_enum!(
    /// An officer's grade. A senior officer gives the countersignature that the policy reserves to one
    /// (`app::final_advice`); administrators set it (`PUT /users/{id}/grade`, `exportctl admin set-grade`).
    OfficerGrade {
        Standard => "standard",
        Senior => "senior",
    }
);

kebab_enum!(
    /// Refusal criteria: EU Common Position 2008/944 criteria 1-8, the ATT Art. 6 prohibitions and the Art. 7
    /// overriding-risk test. The policy's vocabulary (`policy/reference/vocabulary.toml`) lists each with its
    /// source and says which are in force.
    RefusalCriterion {
        C1 => "criterion-1",
        C2 => "criterion-2",
        C3 => "criterion-3",
        C4 => "criterion-4",
        C5 => "criterion-5",
        C6 => "criterion-6",
        C7 => "criterion-7",
        C8 => "criterion-8",
        AttArt6 => "att-art-6",
        AttArt7 => "att-art-7",
    }
);

kebab_enum!(
    /// An adviser's recommendation.
    AdviceRecommendation {
        Approve => "approve",
        ApproveWithConditions => "approve-with-conditions",
        Refuse => "refuse",
        /// The item needs no licence (for the whole case, or the entity the advice targets).
        NoLicenceRequired => "no-licence-required",
        /// No view: information for the record.
        Inform => "inform",
    }
);

kebab_enum!(
    /// State of a company registration.
    RegistrationState { Pending => "pending", Approved => "approved", Rejected => "rejected" }
);

kebab_enum!(
    /// Items of the human-rights due-diligence checklist (PRODUCT.md).
    DueDiligenceItem {
        ProductCapabilities => "product-capabilities",
        EndUserRecord => "end-user-record",
        OtherParties => "other-parties",
        ContractualSafeguards => "contractual-safeguards",
        TechnicalSafeguards => "technical-safeguards",
        PostSaleMonitoring => "post-sale-monitoring",
        Remedy => "remedy",
        Reporting => "reporting",
    }
);

kebab_enum!(
    /// Red flags a human-rights reviewer can mark.
    RedFlag {
        DocumentedMisuse => "documented-misuse",
        TargetingProtectedGroups => "targeting-protected-groups",
        DisableLogging => "disable-logging",
        OpaqueEndUse => "opaque-end-use",
        NoIndependentOversight => "no-independent-oversight",
        PopulationSurveillanceIntegration => "population-surveillance-integration",
        AbusiveSecurityBody => "abusive-security-body",
    }
);

/// An ISO 3166-1 alpha-2 code in upper case. Format only: membership is checked against reference data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if t.len() == 2 && t.chars().all(|c| c.is_ascii_alphabetic()) {
            Ok(CountryCode(t.to_ascii_uppercase()))
        } else {
            Err(format!("{s:?} is not an ISO 3166-1 alpha-2 country code"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CountryCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        CountryCode::parse(&s)
    }
}
impl From<CountryCode> for String {
    fn from(c: CountryCode) -> String {
        c.0
    }
}
impl std::fmt::Display for CountryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_through_strings_and_json() {
        for g in SecurityGrade::ALL {
            assert_eq!(g.as_str().parse::<SecurityGrade>().unwrap(), *g);
            assert_eq!(
                serde_json::to_string(g).unwrap(),
                format!("\"{}\"", g.as_str())
            );
        }
        assert!("top-secret".parse::<SecurityGrade>().is_err());
        assert!(EndUserType::GovernmentOther.is_government());
        assert!(!EndUserType::Private.is_government());
    }

    #[test]
    fn country_codes_are_normalised_or_rejected() {
        assert_eq!(CountryCode::parse("de").unwrap().as_str(), "DE");
        assert!(CountryCode::parse("DEU").is_err());
        assert!(CountryCode::parse("1A").is_err());
        assert!(CountryCode::parse("").is_err());
    }
}
