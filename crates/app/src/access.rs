//! Who may read which records: one definition per record kind, serving both list queries (as a store
//! [`Filter`]) and single reads (as a predicate on the record), so the two cannot disagree.
//!
//! A record outside the caller's scope answers exactly like a missing one ([`AppError::NotFound`]); a list the
//! caller's role may not read at all answers [`AppError::Forbidden`].

use crate::{AppError, AppResult, Principal};
use domain::{ReviewKind, Role};
use store::{Filter, Record};

/// The records of one kind a caller may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Every record of the kind.
    All,
    /// The records of one organisation.
    Org(String),
    /// The records tagged with one review kind (cases on which that advice was requested).
    Tag(String),
    /// None: the role does not read this kind.
    Nothing,
}

/// Record kinds with a visibility rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Case,
    Registration,
    Product,
    Exemption,
    Organisation,
    /// Licences follow their case: the holder's users, and the staff who may read the case.
    Licence,
    /// Reporting obligations, end-use checks and compliance audits (`app::monitoring`): the organisation's
    /// exporters (each use case narrows what they see) and the authority's staff.
    Monitoring,
    /// Evidence of misuse and reassessments: officers, auditors, administrators and human-rights advisers;
    /// exporters read only a reassessment's outcome addressed to them, through its own use case.
    Evidence,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Case => "application",
            Kind::Registration => "registration",
            Kind::Product => "product",
            Kind::Exemption => "exemption",
            Kind::Organisation => "organisation",
            Kind::Licence => "licence",
            Kind::Monitoring => "monitoring record",
            Kind::Evidence => "evidence",
        }
    }
}

impl Principal {
    /// The one visibility rule for each record kind.
    pub(crate) fn scope(&self, kind: Kind) -> Scope {
        let org = || {
            self.org_id
                .clone()
                .map(Scope::Org)
                .unwrap_or(Scope::Nothing)
        };
        match (self.role, kind) {
            (Role::Officer | Role::Auditor | Role::Admin, _) => Scope::All,
            (Role::Exporter, Kind::Evidence) => Scope::Nothing,
            (Role::Exporter, _) => org(),
            (Role::Adviser, Kind::Evidence)
                if self.review_kind == Some(ReviewKind::HumanRights) =>
            {
                Scope::All
            }
            (Role::Adviser, Kind::Case | Kind::Licence) => self
                .review_kind
                .map(|k| Scope::Tag(k.as_str().to_string()))
                .unwrap_or(Scope::Nothing),
            // Defence advisers classify products, so they read every product (and nothing else of exporters).
            (Role::Adviser, Kind::Product) if self.review_kind == Some(ReviewKind::Defence) => {
                Scope::All
            }
            // Customs read no record: they record shipments and look a licence up by its number
            // (`app::shipments`), which answers validity and what remains, nothing more.
            (Role::Adviser | Role::PolicyAdmin | Role::Customs, _) => Scope::Nothing,
        }
    }

    /// The store filter for listing `kind`, narrowed by `base`; Forbidden when the role reads none of it.
    pub(crate) fn list_filter(&self, kind: Kind, base: Filter) -> AppResult<Filter> {
        match self.scope(kind) {
            Scope::All => Ok(base),
            Scope::Org(o) => Ok(Filter {
                org_id: Some(o),
                ..base
            }),
            Scope::Tag(t) => {
                let mut f = base;
                f.tags.push(t);
                Ok(f)
            }
            Scope::Nothing => Err(AppError::Forbidden(format!(
                "a user with role {} may not list {}s",
                self.role,
                kind.noun()
            ))),
        }
    }

    /// Whether the caller may read this one record.
    pub(crate) fn admits<T>(&self, kind: Kind, r: &Record<T>) -> bool {
        match self.scope(kind) {
            Scope::All => true,
            Scope::Org(o) => r.org_id.as_deref() == Some(o.as_str()),
            Scope::Tag(t) => r.tags.split(',').any(|x| x == t),
            Scope::Nothing => false,
        }
    }

    /// `r` if the caller may read it, else NotFound (the same answer as for a missing record).
    pub(crate) fn visible<T>(&self, kind: Kind, r: Record<T>) -> AppResult<Record<T>> {
        if self.admits(kind, &r) {
            Ok(r)
        } else {
            Err(AppError::NotFound(kind.noun()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(role: Role, kind: Option<ReviewKind>, org: Option<&str>) -> Principal {
        Principal {
            role,
            review_kind: kind,
            org_id: org.map(str::to_string),
            origin: crate::Origin::Api,
            ..Principal::system()
        }
    }

    fn rec(org: &str, tags: &str) -> Record<()> {
        Record {
            tags: tags.into(),
            ..Record::new(
                "r".into(),
                "case",
                Some(org.into()),
                "draft",
                (),
                "t".into(),
            )
        }
    }

    /// A record out of scope answers with the same error, word for word, as a missing record of its kind
    /// (`not_found("application")` and the like in the use cases); a list the role may not read names the role.
    #[test]
    fn out_of_scope_is_not_found_in_the_kind_s_words() {
        let other = p(Role::Exporter, None, Some("o2"));
        for (kind, noun) in [
            (Kind::Case, "application"),
            (Kind::Registration, "registration"),
            (Kind::Product, "product"),
            (Kind::Exemption, "exemption"),
            (Kind::Organisation, "organisation"),
            (Kind::Licence, "licence"),
            (Kind::Monitoring, "monitoring record"),
        ] {
            let e = other.visible(kind, rec("o1", "")).unwrap_err();
            assert_eq!(e.to_string(), format!("{noun} not found"));
            assert!(other.visible(kind, rec("o2", "")).is_ok());
        }
        let e = p(Role::PolicyAdmin, None, None)
            .list_filter(Kind::Case, Filter::default())
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "forbidden: a user with role policy-admin may not list applications"
        );
    }

    /// The whole rule as a table, every role (advisers of every review kind, with and without an
    /// organisation) against every kind: what PRODUCT.md and docs/security.md say each reader sees.
    #[test]
    fn the_visibility_table() {
        use Kind::*;
        const KINDS: [Kind; 8] = [
            Case,
            Registration,
            Product,
            Exemption,
            Organisation,
            Licence,
            Monitoring,
            Evidence,
        ];
        let all = || Scope::All;
        let tag = |t: &str| Scope::Tag(t.into());
        let org = || Scope::Org("o1".into());
        let expect = |who: &Principal, kind: Kind| -> Scope {
            match (who.role, who.review_kind, kind) {
                (Role::Officer | Role::Auditor | Role::Admin, _, _) => all(),
                (Role::Exporter, _, Evidence) => Scope::Nothing,
                (Role::Exporter, _, _) if who.org_id.is_some() => org(),
                (Role::Exporter, _, _) => Scope::Nothing,
                (Role::Adviser, Some(k), Case | Licence) => tag(k.as_str()),
                (Role::Adviser, Some(ReviewKind::HumanRights), Evidence) => all(),
                (Role::Adviser, Some(ReviewKind::Defence), Product) => all(),
                _ => Scope::Nothing,
            }
        };
        let mut callers = vec![
            p(Role::Exporter, None, Some("o1")),
            p(Role::Exporter, None, None),
            p(Role::Officer, None, None),
            p(Role::Auditor, None, None),
            p(Role::Admin, None, None),
            p(Role::PolicyAdmin, None, None),
            p(Role::Customs, None, None),
            p(Role::Adviser, None, None),
        ];
        for k in [
            ReviewKind::HumanRights,
            ReviewKind::Defence,
            ReviewKind::ForeignAffairs,
            ReviewKind::EconomyCyber,
        ] {
            callers.push(p(Role::Adviser, Some(k), None));
        }
        for who in &callers {
            for kind in KINDS {
                assert_eq!(who.scope(kind), expect(who, kind), "{who:?} {kind:?}");
            }
        }
        // The rows that differ between advisers, spelt out.
        let hr = p(Role::Adviser, Some(ReviewKind::HumanRights), None);
        let def = p(Role::Adviser, Some(ReviewKind::Defence), None);
        assert_eq!(hr.scope(Evidence), Scope::All);
        assert_eq!(def.scope(Evidence), Scope::Nothing);
        assert_eq!(def.scope(Product), Scope::All);
        assert_eq!(hr.scope(Product), Scope::Nothing);
        assert_eq!(hr.scope(Case), Scope::Tag("human-rights".into()));
        assert_eq!(def.scope(Licence), Scope::Tag("defence".into()));
    }

    /// The list filter and the single-record predicate are the same rule: a record matches the filter's
    /// org/tag exactly when `admits` says yes.
    #[test]
    fn list_filter_and_single_read_agree() {
        let callers = [
            p(Role::Exporter, None, Some("o1")),
            p(Role::Exporter, None, None),
            p(Role::Officer, None, None),
            p(Role::Auditor, None, None),
            p(Role::Admin, None, None),
            p(Role::PolicyAdmin, None, None),
            p(Role::Adviser, Some(ReviewKind::HumanRights), None),
            p(Role::Adviser, Some(ReviewKind::Defence), None),
        ];
        let records = [
            rec("o1", ""),
            rec("o2", ",human-rights,"),
            rec("o1", ",defence,human-rights,"),
        ];
        for kind in [
            Kind::Case,
            Kind::Registration,
            Kind::Product,
            Kind::Exemption,
            Kind::Organisation,
            Kind::Licence,
            Kind::Monitoring,
            Kind::Evidence,
        ] {
            for c in &callers {
                for r in &records {
                    let by_filter = match c.list_filter(kind, Filter::default()) {
                        Err(_) => false,
                        Ok(f) => {
                            f.org_id
                                .as_deref()
                                .is_none_or(|o| r.org_id.as_deref() == Some(o))
                                && f.tags.iter().all(|t| r.tags.contains(&format!(",{t},")))
                        }
                    };
                    assert_eq!(by_filter, c.admits(kind, r), "{kind:?} {c:?} {r:?}");
                }
            }
        }
        // Spot checks of the rule itself.
        let exp = &callers[0];
        assert!(exp.admits(Kind::Case, &records[0]) && !exp.admits(Kind::Case, &records[1]));
        assert!(
            !callers[1].admits(Kind::Case, &records[0]),
            "exporter without org"
        );
        let hr = &callers[6];
        assert!(!hr.admits(Kind::Case, &records[0]) && hr.admits(Kind::Case, &records[1]));
        assert!(!hr.admits(Kind::Product, &records[0]));
        assert!(callers[7].admits(Kind::Product, &records[1]));
        assert!(!callers[5].admits(Kind::Case, &records[0]));
    }
}
