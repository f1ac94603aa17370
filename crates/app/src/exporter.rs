//! Company registrations and products: what an exporter records before it can apply.

use crate::access::Kind;
use crate::listing::{page_of, Page, Paged};
use crate::model::*;
use crate::{
    audit, known_country, new_id, not_found, now, text, App, AppError, AppResult, Principal,
};
use domain::{RegistrationState, ReviewKind, Role};
use store::{Filter, Record};

pub const REGISTRATION: &str = "registration";
pub const PRODUCT: &str = store::kinds::PRODUCT;
/// A product's states: recorded by its exporter, then classified by a defence adviser.
pub const PRODUCT_STATES: &[&str] = &["awaiting-classification", "classified"];

fn registration_view(who: &Principal, r: Record<RegistrationBody>) -> AppResult<Registration> {
    Ok(crate::views::redact_registration(
        who,
        Registration {
            id: r.id,
            org_id: r.org_id.unwrap_or_default(),
            state: r.state.parse().map_err(|e: String| AppError::Internal(e))?,
            company_name: r.body.details.company_name,
            registration_number: r.body.details.registration_number,
            address: r.body.details.address,
            country: r.body.details.country,
            contact_email: r.body.details.contact_email,
            decision_reason: r.body.decision_reason,
            decided_by: r.body.decided_by,
            decided_at: r.body.decided_at,
            version: r.version,
            created_at: r.created_at,
        },
    ))
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RegistrationBody {
    pub details: NewRegistration,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct ProductBody {
    pub name: String,
    pub version: String,
    pub description: String,
    pub claimed_control_entries: Vec<String>,
    pub capability_tags: Vec<String>,
    pub classification: Option<Classification>,
}

fn product_view(who: &Principal, r: Record<ProductBody>) -> Product {
    Product {
        id: r.id,
        org_id: r.org_id.unwrap_or_default(),
        name: r.body.name,
        version: r.body.version,
        description: r.body.description,
        claimed_control_entries: r.body.claimed_control_entries,
        capability_tags: r.body.capability_tags,
        state: r.state,
        classification: r
            .body
            .classification
            .map(|c| crate::views::ClassificationView::of(who, c)),
        record_version: r.version,
        created_at: r.created_at,
    }
}

impl App {
    /// Canonicalises control-entry codes (aliases accepted) against the policy in force.
    pub fn canonical_entries(&self, field: &str, codes: &[String]) -> AppResult<Vec<String>> {
        crate::bounded_unique(field, codes, 50)?;
        let set = self.policy_now();
        let mut out: Vec<String> = Vec::new();
        for (i, c) in codes.iter().enumerate() {
            let e = set.control_entry(c).ok_or_else(|| {
                AppError::invalid(
                    format!("{field}[{i}]"),
                    format!("{c:?} is not an entry of the control list"),
                )
            })?;
            if !out.contains(&e.code) {
                out.push(e.code.clone());
            }
        }
        Ok(out)
    }

    pub async fn file_registration(
        &self,
        who: &Principal,
        new: NewRegistration,
    ) -> AppResult<Registration> {
        let org = who.exporter_org("file a registration")?.to_string();
        let details = NewRegistration {
            company_name: text("company_name", &new.company_name, 200)?,
            registration_number: text("registration_number", &new.registration_number, 100)?,
            address: text("address", &new.address, 500)?,
            country: new.country,
            contact_email: text("contact_email", &new.contact_email, 200)?,
        };
        known_country(self, "country", &details.country)?;
        if !details.contact_email.contains('@')
            || details.contact_email.contains(char::is_whitespace)
        {
            return Err(AppError::invalid(
                "contact_email",
                "is not an e-mail address",
            ));
        }
        let t = now();
        let body = RegistrationBody {
            details,
            decision_reason: None,
            decided_by: None,
            decided_at: None,
        };
        let rec = Record::new(
            new_id(),
            REGISTRATION,
            Some(org),
            RegistrationState::Pending.as_str(),
            body,
            t,
        );
        // The uniqueness check and the insert share one writing transaction (writers are serialised by the
        // audit head lock), so parallel filings cannot both pass the check.
        let mut tx = self.store.begin().await?;
        tx.lock_writes().await?;
        let existing = tx
            .list::<RegistrationBody>(
                REGISTRATION,
                &Filter {
                    org_id: rec.org_id.clone(),
                    states: vec!["pending".into(), "approved".into()],
                    ..Default::default()
                },
            )
            .await?;
        if let Some(e) = existing.first() {
            return Err(AppError::Conflict(format!(
                "the organisation already has a registration in state {}",
                e.state
            )));
        }
        tx.insert(&rec).await?;
        audit(
            &mut tx,
            who,
            "file-registration",
            REGISTRATION,
            &rec.id,
            None::<&()>,
            Some(&rec.body),
            None,
        );
        tx.commit().await?;
        registration_view(who, rec)
    }

    /// Registrations the caller may see, optionally in one state, one page at a time.
    pub async fn registrations(
        &self,
        who: &Principal,
        state: Option<&str>,
        page: &Page,
    ) -> AppResult<Paged<Registration>> {
        let mut base = Filter::default();
        if let Some(s) = state.map(str::trim) {
            let st = s
                .parse::<RegistrationState>()
                .map_err(|e| AppError::invalid("state", e))?;
            base.states.push(st.as_str().to_string());
        }
        let filter = who.list_filter(Kind::Registration, base)?;
        page_of(
            &self.store,
            REGISTRATION,
            filter,
            page,
            |_: &Record<RegistrationBody>| true,
        )
        .await?
        .try_map(|r| registration_view(who, r))
    }

    pub async fn registration(&self, who: &Principal, id: &str) -> AppResult<Registration> {
        let r = self
            .store
            .get::<RegistrationBody>(REGISTRATION, id)
            .await
            .map_err(not_found("registration"))?;
        registration_view(who, who.visible(Kind::Registration, r)?)
    }

    pub async fn decide_registration(
        &self,
        who: &Principal,
        id: &str,
        d: RegistrationDecision,
    ) -> AppResult<Registration> {
        who.require(&[Role::Officer], "decide registrations")?;
        let reason = text("reason", &d.reason, 2000)?;
        let mut tx = self.store.begin().await?;
        let before = tx
            .get::<RegistrationBody>(REGISTRATION, id)
            .await
            .map_err(not_found("registration"))?;
        if let Some(v) = d.expected_version {
            if v != before.version {
                return Err(AppError::Conflict(format!(
                    "registration is at version {}, not {v}",
                    before.version
                )));
            }
        }
        if before.state != RegistrationState::Pending.as_str() {
            return Err(AppError::Conflict(format!(
                "registration is already {}",
                before.state
            )));
        }
        let mut after = before.clone();
        after.state = if d.approve {
            RegistrationState::Approved
        } else {
            RegistrationState::Rejected
        }
        .as_str()
        .into();
        after.version += 1;
        after.updated_at = now();
        after.body.decision_reason = Some(reason.clone());
        after.body.decided_by = Some(who.user_id.clone());
        after.body.decided_at = Some(after.updated_at.clone());
        tx.update(&after).await?;
        audit(
            &mut tx,
            who,
            if d.approve {
                "approve-registration"
            } else {
                "reject-registration"
            },
            REGISTRATION,
            id,
            Some(&before.state),
            Some(&after.state),
            Some(&reason),
        );
        if let Some(org) = after.org_id.as_deref() {
            let subject = crate::notify::Subject {
                record_kind: REGISTRATION,
                record_id: &after.id,
                reference: after.reference.as_deref(),
                state: &after.state,
                org_id: Some(org),
            };
            self.notify(
                &mut tx,
                who,
                crate::notify::Event::RegistrationDecided,
                &subject,
                crate::notify::Audience::Org(org.to_string()),
            )
            .await?;
        }
        tx.commit().await?;
        registration_view(who, after)
    }

    /// Whether an organisation has an approved registration.
    pub async fn org_is_registered(&self, org: &str) -> AppResult<bool> {
        Ok(!self
            .store
            .list::<RegistrationBody>(
                REGISTRATION,
                &Filter {
                    org_id: Some(org.into()),
                    states: vec![RegistrationState::Approved.as_str().into()],
                    ..Default::default()
                },
            )
            .await?
            .is_empty())
    }

    pub async fn create_product(&self, who: &Principal, new: NewProduct) -> AppResult<Product> {
        let org = who.exporter_org("record products")?.to_string();
        crate::bounded_unique("capability_tags", &new.capability_tags, 50)?;
        let body = ProductBody {
            name: text("name", &new.name, 200)?,
            version: text("version", &new.version, 50)?,
            description: text("description", &new.description, 5000)?,
            claimed_control_entries: self
                .canonical_entries("control_entries", &new.control_entries)?,
            capability_tags: new
                .capability_tags
                .iter()
                .enumerate()
                .map(|(i, t)| text(&format!("capability_tags[{i}]"), t, 100))
                .collect::<AppResult<_>>()?,
            classification: None,
        };
        let t = now();
        let rec = Record::new(
            new_id(),
            PRODUCT,
            Some(org),
            "awaiting-classification",
            body,
            t,
        );
        self.insert_audited(who, "create-product", &rec).await?;
        Ok(product_view(who, rec))
    }

    /// Products the caller may see, optionally in one state (`awaiting-classification` is a defence adviser's
    /// work queue), one page at a time.
    pub async fn products(
        &self,
        who: &Principal,
        state: Option<&str>,
        page: &Page,
    ) -> AppResult<Paged<Product>> {
        let mut base = Filter::default();
        if let Some(s) = state.map(str::trim) {
            if !PRODUCT_STATES.contains(&s) {
                return Err(AppError::invalid(
                    "state",
                    format!(
                        "{s:?} is not a product state; one of: {}",
                        PRODUCT_STATES.join(", ")
                    ),
                ));
            }
            base.states.push(s.to_string());
        }
        let filter = who.list_filter(Kind::Product, base)?;
        page_of(
            &self.store,
            PRODUCT,
            filter,
            page,
            |_: &Record<ProductBody>| true,
        )
        .await?
        .try_map(|r| Ok(product_view(who, r)))
    }

    pub async fn product(&self, who: &Principal, id: &str) -> AppResult<Product> {
        let r = who.visible(Kind::Product, self.product_record(id).await?)?;
        Ok(product_view(who, r))
    }

    pub(crate) async fn product_record(&self, id: &str) -> AppResult<Record<ProductBody>> {
        self.store
            .get::<ProductBody>(PRODUCT, id)
            .await
            .map_err(not_found("product"))
    }

    /// An exporter changes its product. A classified product whose description, version or claimed entries
    /// change goes back to the defence advisers for classification: the classification described the old product.
    /// Cases already submitted keep the determinations they were evaluated with.
    pub async fn update_product(
        &self,
        who: &Principal,
        id: &str,
        c: ProductChange,
    ) -> AppResult<Product> {
        who.exporter_org("change products")?;
        let name = c
            .name
            .as_deref()
            .map(|v| text("name", v, 200))
            .transpose()?;
        let version = c
            .version
            .as_deref()
            .map(|v| text("version", v, 50))
            .transpose()?;
        let description = c
            .description
            .as_deref()
            .map(|v| text("description", v, 5000))
            .transpose()?;
        let entries = c
            .control_entries
            .as_deref()
            .map(|e| self.canonical_entries("control_entries", e))
            .transpose()?;
        let tags = match &c.capability_tags {
            Some(t) => {
                crate::bounded_unique("capability_tags", t, 50)?;
                Some(
                    t.iter()
                        .enumerate()
                        .map(|(i, t)| text(&format!("capability_tags[{i}]"), t, 100))
                        .collect::<AppResult<Vec<_>>>()?,
                )
            }
            None => None,
        };
        let mut tx = self.store.begin().await?;
        let before = tx
            .get::<ProductBody>(PRODUCT, id)
            .await
            .map_err(not_found("product"))?;
        let before = who.visible(Kind::Product, before)?;
        if let Some(v) = c.expected_version.filter(|v| *v != before.version) {
            return Err(AppError::Conflict(format!(
                "the product is at version {}, not {v}; reload and retry",
                before.version
            )));
        }
        let mut after = before.clone();
        let b = &mut after.body;
        if let Some(v) = name {
            b.name = v;
        }
        if let Some(v) = version {
            b.version = v;
        }
        if let Some(v) = description {
            b.description = v;
        }
        if let Some(v) = entries {
            b.claimed_control_entries = v;
        }
        if let Some(v) = tags {
            b.capability_tags = v;
        }
        if after.body == before.body {
            tx.rollback().await?;
            return Ok(product_view(who, before));
        }
        let substance_changed = after.body.version != before.body.version
            || after.body.description != before.body.description
            || after.body.claimed_control_entries != before.body.claimed_control_entries
            || after.body.capability_tags != before.body.capability_tags;
        if substance_changed && after.body.classification.is_some() {
            after.body.classification = None;
            after.state = "awaiting-classification".into();
        }
        after.version += 1;
        after.updated_at = now();
        tx.update(&after).await?;
        audit(
            &mut tx,
            who,
            "update-product",
            PRODUCT,
            id,
            Some(&before.body),
            Some(&after.body),
            None,
        );
        tx.commit().await?;
        Ok(product_view(who, after))
    }

    /// A defence adviser confirms or corrects the classification and sets the security grade.
    pub async fn classify_product(
        &self,
        who: &Principal,
        id: &str,
        c: ClassifyProduct,
    ) -> AppResult<Product> {
        who.require(&[Role::Adviser], "classify products")?;
        if who.review_kind != Some(ReviewKind::Defence) {
            return Err(AppError::Forbidden(
                "only a defence adviser classifies products".into(),
            ));
        }
        let entries = self.canonical_entries("control_entries", &c.control_entries)?;
        let note = c.note.map(|n| text("note", &n, 2000)).transpose()?;
        let mut tx = self.store.begin().await?;
        let before = tx
            .get::<ProductBody>(PRODUCT, id)
            .await
            .map_err(not_found("product"))?;
        let mut after = before.clone();
        after.version += 1;
        after.updated_at = now();
        after.state = "classified".into();
        after.body.classification = Some(Classification {
            control_entries: entries,
            security_grade: c.security_grade,
            legacy_catch_all: false,
            note,
            classified_by: who.user_id.clone(),
            classified_at: after.updated_at.clone(),
        });
        tx.update(&after).await?;
        audit(
            &mut tx,
            who,
            "classify-product",
            PRODUCT,
            id,
            Some(&before.body.classification),
            Some(&after.body.classification),
            None,
        );
        tx.commit().await?;
        Ok(product_view(who, after))
    }
}

/// The products one use case has read, each read once however many steps look at it (a submission validates,
/// matches denials and determines with the same products).
#[derive(Default)]
pub(crate) struct Products(std::collections::HashMap<String, Record<ProductBody>>);

impl Products {
    /// Product `id`, read from `store` the first time it is asked for.
    pub(crate) async fn fetch(
        &mut self,
        store: &store::Store,
        id: &str,
    ) -> store::Result<Record<ProductBody>> {
        if let Some(p) = self.0.get(id) {
            return Ok(p.clone());
        }
        let p = store.get::<ProductBody>(PRODUCT, id).await?;
        self.0.insert(id.to_string(), p.clone());
        Ok(p)
    }
}
