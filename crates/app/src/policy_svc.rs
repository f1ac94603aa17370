//! Policy in the service: the published versions and their effective dates, pre-application checks,
//! recorded marketing-licence exemptions, staged versions and their impact preview.

use crate::cases::EXEMPTION;
use crate::model::*;
use crate::{audit, new_id, not_found, now, App, AppError, AppResult, Principal};
use chrono::NaiveDate;
use domain::{CaseState, LicenceKind, Outcome, Role};
use policy::PolicySet;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::Arc;
use store::{Filter, Record};
use utoipa::ToSchema;

pub const POLICY_VERSION: &str = "policy-version";

/// The id under which the shipped reference policy is listed.
const REFERENCE_ID: &str = "reference";

/// Where the reference policy sits in the listing of versions: before any stored record's creation time.
fn reference_position() -> store::Position {
    store::Position {
        created_at: "1970-01-01T00:00:00Z".into(),
        id: REFERENCE_ID.into(),
    }
}

/// A policy set, either the shipped reference or an uploaded version.
#[derive(Clone)]
pub enum PolicyHandle {
    Reference(&'static PolicySet),
    Uploaded(Arc<PolicySet>),
}

impl Deref for PolicyHandle {
    type Target = PolicySet;
    fn deref(&self) -> &PolicySet {
        match self {
            PolicyHandle::Reference(p) => p,
            PolicyHandle::Uploaded(p) => p,
        }
    }
}

/// Published versions in effective-date order (the shipped reference first, effective from its own date).
pub struct Policies {
    versions: Vec<(NaiveDate, PolicyHandle)>,
}

impl Policies {
    pub fn reference_only() -> Policies {
        let r = policy::reference();
        Policies {
            versions: vec![(r.effective_from(), PolicyHandle::Reference(r))],
        }
    }

    fn on(&self, day: NaiveDate) -> PolicyHandle {
        self.versions
            .iter()
            .rev()
            .find(|(from, _)| *from <= day)
            .or(self.versions.first())
            .map(|(_, p)| p.clone())
            .expect("the reference policy is always present")
    }
}

/// Stored body of an uploaded policy version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyVersionBody {
    pub policy_version: String,
    pub files: BTreeMap<String, String>,
    pub effective_from: Option<NaiveDate>,
    pub uploaded_by: String,
    pub published_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PolicyVersionView {
    /// Record id ("reference" for the shipped policy).
    pub id: String,
    pub policy_version: String,
    /// staged or published.
    pub state: String,
    pub effective_from: Option<NaiveDate>,
    pub uploaded_at: Option<String>,
    pub files: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StagePolicy {
    /// File name -> content, as in a policy directory.
    pub files: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishPolicy {
    /// The day the version takes effect; today or later (never retroactive).
    pub effective_from: NaiveDate,
}

impl App {
    /// The policy in force today.
    pub fn policy_now(&self) -> PolicyHandle {
        self.policy_on(self.today())
    }

    /// The policy in force on `day`.
    pub fn policy_on(&self, day: NaiveDate) -> PolicyHandle {
        self.policies
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .on(day)
    }

    /// Rebuilds the published-version list from the store.
    pub async fn reload_policies(&self) -> AppResult<()> {
        let _one_at_a_time = self.reload_lock.lock().await;
        let fingerprint = self
            .store
            .record_versions(POLICY_VERSION, "published")
            .await?;
        let recs = self
            .store
            .list::<PolicyVersionBody>(
                POLICY_VERSION,
                &Filter {
                    states: vec!["published".into()],
                    ..Default::default()
                },
            )
            .await?;
        let mut p = Policies::reference_only();
        let mut published: Vec<(NaiveDate, PolicyHandle)> = Vec::new();
        for r in recs {
            let set = load_policy(r.body.files.into_iter().collect())
                .await?
                .map_err(|e| {
                    AppError::Internal(format!("published policy {} no longer loads: {e}", r.id))
                })?;
            if let Some(from) = r.body.effective_from {
                published.push((from, PolicyHandle::Uploaded(Arc::new(set))));
            }
        }
        published.sort_by_key(|(d, _)| *d);
        p.versions.extend(published);
        *self.policies.write().unwrap_or_else(|e| e.into_inner()) = p;
        self.loaded_from
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .policies = fingerprint;
        Ok(())
    }

    /// "Do I need a licence for product P to country C?" — an explained determination as of today, optionally
    /// recorded as a marketing-licence exemption when the answer is `exempt`.
    pub async fn pre_application_check(
        &self,
        who: &Principal,
        q: PreApplicationCheck,
    ) -> AppResult<PreApplicationAnswer> {
        let org = who.exporter_org("run a pre-application check")?.to_string();
        // What is being exported: a classified product, or control entries and a grade given directly (an
        // exporter's first question comes before it has a product record).
        let (product_id, control_entries, security_grade, catch_all_notified) = match (
            &q.product,
            &q.control_entries,
            q.security_grade,
        ) {
            (Some(pid), None, None) => {
                crate::record_id("product", pid)?;
                let product = self.product_record(pid).await.and_then(|p| {
                    if p.org_id.as_deref() == Some(org.as_str()) {
                        Ok(p)
                    } else {
                        Err(AppError::NotFound("product"))
                    }
                });
                let product = product.map_err(|e| match e {
                    AppError::NotFound(_) => {
                        AppError::invalid("product", format!("no product {pid:?}"))
                    }
                    other => other,
                })?;
                let class = product.body.classification.clone().ok_or_else(|| {
                        AppError::invalid(
                            "product",
                            "the product has not been classified by a defence adviser yet; give control_entries and security_grade to check without it",
                        )
                    })?;
                (
                    Some(pid.clone()),
                    class.control_entries,
                    class.security_grade,
                    class.legacy_catch_all,
                )
            }
            (None, Some(entries), Some(grade)) => {
                if entries.is_empty() {
                    return Err(AppError::invalid(
                        "control_entries",
                        "give at least one control entry",
                    ));
                }
                (
                    None,
                    self.canonical_entries("control_entries", entries)?,
                    grade,
                    false,
                )
            }
            (None, Some(_), None) => {
                return Err(AppError::invalid(
                    "security_grade",
                    "required with control_entries",
                ))
            }
            (None, None, Some(_)) => {
                return Err(AppError::invalid(
                    "control_entries",
                    "required with security_grade",
                ))
            }
            (None, None, None) => {
                return Err(AppError::invalid(
                    "product",
                    "give a product, or control_entries and security_grade",
                ))
            }
            (Some(_), _, _) => {
                return Err(AppError::invalid(
                    "product",
                    "give a product, or control_entries and security_grade, not both",
                ))
            }
        };
        crate::known_country(self, "destination", &q.destination)?;
        let licence = q.licence.unwrap_or(LicenceKind::Marketing);
        let as_of = self.today();
        let set = self.policy_on(as_of);
        let req = policy::Request {
            as_of,
            licence,
            control_entries,
            security_grade,
            destination: q.destination.clone(),
            end_user_type: q.end_user_type,
            catch_all_notified,
            denial_match: false,
            evidence_of_misuse: false,
        };
        let start = std::time::Instant::now();
        let det = policy::evaluate(&req, &set);
        crate::metrics::policy(start);
        let det = det.map_err(|e| AppError::invalid("product", e.to_string()))?;
        let det_json = serde_json::to_value(&det).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut exemption = None;
        if q.record_exemption {
            let Some(product) = product_id.clone() else {
                return Err(AppError::invalid(
                    "record_exemption",
                    "an exemption is requested for a product: give `product` to request one",
                ));
            };
            if det.outcome != Outcome::Exempt || licence != LicenceKind::Marketing {
                return Err(AppError::Conflict(format!(
                    "only an `exempt` marketing determination can be requested as an exemption; this one is {}",
                    det.outcome
                )));
            }
            // Requested, not self-declared: an officer grants or refuses it (`app::exemptions`).
            exemption = Some(
                self.store_exemption_request(
                    who,
                    &org,
                    product,
                    &q.destination,
                    q.end_user_type,
                    &det,
                    None,
                )
                .await?,
            );
        }
        Ok(PreApplicationAnswer {
            determination: det_json,
            exemption,
        })
    }

    pub async fn exemptions(
        &self,
        who: &Principal,
        page: &crate::listing::Page,
    ) -> AppResult<crate::listing::Paged<Exemption>> {
        let filter = who.list_filter(crate::access::Kind::Exemption, Filter::default())?;
        crate::listing::page_of(
            &self.store,
            EXEMPTION,
            filter,
            page,
            |_: &store::Record<Exemption>| true,
        )
        .await?
        .try_map(|r| Ok(crate::exemptions::exemption_for(who, r.body)))
    }

    /// The policy versions, a page at a time: the built-in reference policy first (it is always in force
    /// from its own date), then every uploaded version in upload order.
    pub async fn policy_versions(
        &self,
        who: &Principal,
        page: &crate::listing::Page,
    ) -> AppResult<crate::listing::Paged<PolicyVersionView>> {
        who.require(
            &[Role::PolicyAdmin, Role::Officer, Role::Auditor, Role::Admin],
            "list policy versions",
        )?;
        let size = page.size()?;
        let mut items = Vec::new();
        // The reference policy sits before every stored version, at a position no stored record can
        // have, so that its cursor continues with the first upload.
        let rest = if page.position()?.is_none() {
            let r = policy::reference();
            items.push(PolicyVersionView {
                id: REFERENCE_ID.into(),
                policy_version: r.version().into(),
                state: "published".into(),
                effective_from: Some(r.effective_from()),
                uploaded_at: None,
                files: policy::reference_files()
                    .into_iter()
                    .map(|(n, _)| n)
                    .collect(),
            });
            let after = Some(crate::listing::cursor(&reference_position()));
            match size {
                1 => {
                    let any = !self
                        .store
                        .list::<PolicyVersionBody>(
                            POLICY_VERSION,
                            &Filter {
                                limit: Some(1),
                                ..Filter::default()
                            },
                        )
                        .await?
                        .is_empty();
                    return Ok(crate::listing::Paged {
                        items,
                        next: any.then_some(after).flatten(),
                    });
                }
                u32::MAX => crate::listing::Page::all(),
                n => crate::listing::Page {
                    after: None,
                    limit: Some(n - 1),
                },
            }
        } else {
            page.clone()
        };
        let stored = crate::listing::page_of(
            &self.store,
            POLICY_VERSION,
            Filter::default(),
            &rest,
            |_: &store::Record<PolicyVersionBody>| true,
        )
        .await?;
        items.extend(stored.items.into_iter().map(|rec| PolicyVersionView {
            id: rec.id,
            policy_version: rec.body.policy_version,
            state: rec.state,
            effective_from: rec.body.effective_from,
            uploaded_at: Some(rec.created_at),
            files: rec.body.files.into_keys().collect(),
        }));
        Ok(crate::listing::Paged {
            items,
            next: stored.next,
        })
    }

    /// A policy administrator uploads a new version as staged. It must pass `policy check`.
    pub async fn stage_policy(
        &self,
        who: &Principal,
        s: StagePolicy,
    ) -> AppResult<PolicyVersionView> {
        who.require(&[Role::PolicyAdmin], "upload policy versions")?;
        if s.files.is_empty() {
            return Err(AppError::invalid("files", "give the policy files"));
        }
        let set = load_policy(s.files.clone().into_iter().collect())
            .await?
            .map_err(|e| {
                let diags: Vec<String> = e.diagnostics().iter().map(|d| d.to_string()).collect();
                AppError::invalid("files", diags.join("; "))
            })?;
        let t = now();
        let body = PolicyVersionBody {
            policy_version: set.version().into(),
            files: s.files,
            effective_from: None,
            uploaded_by: who.user_id.clone(),
            published_by: None,
        };
        let rec = Record::new(new_id(), POLICY_VERSION, None, "staged", body, t);
        let mut tx = self.store.begin().await?;
        tx.insert(&rec).await?;
        audit(
            &mut tx,
            who,
            "stage-policy",
            POLICY_VERSION,
            &rec.id,
            None::<&()>,
            Some(
                &serde_json::json!({"policy_version": rec.body.policy_version, "files": rec.body.files.keys().collect::<Vec<_>>()}),
            ),
            None,
        );
        tx.commit().await?;
        Ok(PolicyVersionView {
            id: rec.id,
            policy_version: rec.body.policy_version,
            state: rec.state,
            effective_from: None,
            uploaded_at: Some(rec.created_at),
            files: rec.body.files.into_keys().collect(),
        })
    }

    /// Every open and decided case, as impact-preview input.
    pub async fn impact_cases(&self) -> AppResult<Vec<policy::ImpactCase>> {
        let mut out = Vec::new();
        for r in crate::case_store::list_without_hits(&self.store, &Filter::default()).await? {
            let state: CaseState = r.state.parse().map_err(AppError::Internal)?;
            if !(state.is_open() || state.is_decided()) {
                continue;
            }
            for d in &r.body.determinations {
                let request: policy::Request = serde_json::from_value(d.request.clone())
                    .map_err(|e| AppError::Internal(format!("stored request: {e}")))?;
                out.push(policy::ImpactCase {
                    case_ref: r.reference.clone().unwrap_or_default(),
                    decided: state.is_decided(),
                    state: Some(r.state.clone()),
                    request,
                });
            }
        }
        Ok(out)
    }

    /// Replays every open and decided case under a staged version and reports what would change.
    pub async fn policy_impact(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<policy::ImpactReport> {
        who.require(&[Role::PolicyAdmin, Role::Auditor], "preview policy impact")?;
        self.impact_of(id).await
    }

    /// The impact report of a stored policy version against the policy in force.
    pub(crate) async fn impact_of(&self, id: &str) -> AppResult<policy::ImpactReport> {
        let rec = self
            .store
            .get::<PolicyVersionBody>(POLICY_VERSION, id)
            .await
            .map_err(not_found("policy version"))?;
        let staged = load_policy(rec.body.files.into_iter().collect())
            .await?
            .map_err(|e| AppError::Internal(format!("stored policy no longer loads: {e}")))?;
        let cases = self.impact_cases().await?;
        let current = self.policy_now();
        Ok(policy::impact(&cases, &current, &staged))
    }

    /// Publishes a staged version from an effective date (today or later).
    pub async fn publish_policy(
        &self,
        who: &Principal,
        id: &str,
        p: PublishPolicy,
    ) -> AppResult<PolicyVersionView> {
        who.require(&[Role::PolicyAdmin], "publish policy versions")?;
        if p.effective_from < self.today() {
            return Err(AppError::invalid(
                "effective_from",
                "a policy version cannot take effect in the past (decisions are never changed retroactively)",
            ));
        }
        let mut tx = self.store.begin().await?;
        tx.lock_writes().await?;
        let before = tx
            .get::<PolicyVersionBody>(POLICY_VERSION, id)
            .await
            .map_err(not_found("policy version"))?;
        if before.state != "staged" {
            return Err(AppError::Conflict(format!(
                "policy version is {}, not staged",
                before.state
            )));
        }
        let mut after = before.clone();
        after.state = "published".into();
        after.version += 1;
        after.updated_at = now();
        after.body.effective_from = Some(p.effective_from);
        after.body.published_by = Some(who.user_id.clone());
        tx.update(&after).await?;
        audit(
            &mut tx,
            who,
            "publish-policy",
            POLICY_VERSION,
            id,
            Some(&before.state),
            Some(&serde_json::json!({"state": "published", "effective_from": p.effective_from})),
            None,
        );
        tx.commit().await?;
        self.reload_policies().await?;
        Ok(PolicyVersionView {
            id: after.id,
            policy_version: after.body.policy_version,
            state: after.state,
            effective_from: after.body.effective_from,
            uploaded_at: Some(after.created_at),
            files: after.body.files.into_keys().collect(),
        })
    }
}

/// Stack of the thread that loads policy files. Loading parses and tabulates CEL conditions; their size and
/// nesting are capped before that (`policy::MAX_CONDITION_BYTES`, `MAX_CONDITION_DEPTH`), and this stack is
/// known and several times what the deepest accepted condition needs, whatever the runtime's own threads have.
const POLICY_LOADER_STACK: usize = 16 * 1024 * 1024;

/// Loads policy files on a dedicated thread with a [`POLICY_LOADER_STACK`] stack, off the async runtime.
async fn load_policy(
    files: Vec<(String, String)>,
) -> AppResult<Result<PolicySet, policy::LoadError>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("policy-loader".into())
        .stack_size(POLICY_LOADER_STACK)
        .spawn(move || {
            let _ = tx.send(PolicySet::load_files(files));
        })
        .map_err(|e| AppError::Internal(format!("cannot start the policy loader: {e}")))?;
    rx.await
        .map_err(|_| AppError::Internal("the policy loader stopped without an answer".into()))
}
