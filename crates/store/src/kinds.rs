//! What the store knows of a record kind beyond "a JSON document": the schema of its stored body (the current
//! number and the upgrade steps from every earlier one) and the references it makes to other records, which
//! every write checks (issue 16).
//!
//! **Body schemas.** Every row of `records` carries `body_schema` (migration 0061; rows stored before it are
//! schema 1). A write stamps the current schema of its kind ([`current_schema`]); every read decodes through
//! [`decode`], which applies the kind's upgrade steps in order to a body of an earlier schema before
//! deserialising it, so an old row reads as the current type without being rewritten (the next write of the
//! record stores it in the current schema). A body of a schema newer than this code knows is refused
//! ([`StoreError::NewerSchema`]), never misread. The steps work on the JSON of the kind, not on a Rust type, so
//! every reader of the kind (the full body type or a partial view of it) sees the same upgraded document.
//!
//! To change the stored format of a kind: write a step `fn(&mut Value) -> Result<(), String>` that turns a
//! body of the current schema into the new shape, append it to the kind's `upgrades` in [`KINDS`] (its index
//! plus 1 is the schema it upgrades from), change the stored type, and add a fixture of the old schema to the
//! reading test (`crates/app/tests/stored_versions.rs`, which fails when a schema has no fixture). Steps are
//! never edited or removed once released: a database may hold rows of any earlier schema.
//!
//! **References.** The kinds that name other records list them in [`KINDS`]: the organisation a product, a
//! case or a user belongs to, the products a case names. [`crate::Tx::insert`], [`crate::Tx::update`] and
//! [`crate::Tx::insert_user`] refuse a write naming a record that does not exist (or, for a case's products, one
//! of another organisation) with [`StoreError::MissingReference`], naming the field, inside the writing
//! transaction, so nothing is stored. The check is a read in that transaction, not a lock: organisations and
//! products are never deleted (only draft cases are), so what it finds stays. A use case that ever deletes a
//! referenced kind must first refuse while references to the record remain. SQL foreign keys do not fit here:
//! every kind lives in the one `records` table, and the product references are inside the JSON body.

use crate::{Result, StoreError};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The kind of organisation records.
pub const ORGANISATION: &str = "organisation";
/// The kind of product records.
pub const PRODUCT: &str = "product";
/// The kind of case records (applications and their licences).
pub const CASE: &str = "case";
/// The kind of marketing-licence exemption records.
pub const EXEMPTION: &str = "exemption";

/// An upgrade step: rewrites, in place, a body of one schema into the next, or says why it cannot.
pub type Upgrade = fn(&mut Value) -> std::result::Result<(), String>;

/// Where a record names another record.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// The row's `org_id` column (required: the record must belong to an organisation).
    OrgColumn,
    /// A string in the body at a dotted path; a segment ending in `[]` is an array whose every element is
    /// followed. An absent or null value names nothing.
    Body(&'static str),
}

/// A reference from records of a kind to records of `to`.
#[derive(Debug, Clone, Copy)]
pub struct Reference {
    pub from: Source,
    pub to: &'static str,
    /// The referenced record must belong to the same organisation as the referring one.
    pub same_org: bool,
}

/// What the store knows of one kind.
pub struct KindSpec {
    pub kind: &'static str,
    /// `upgrades[n - 1]` turns a body of schema `n` into schema `n + 1`; the current schema is
    /// `upgrades.len() + 1`.
    pub upgrades: &'static [Upgrade],
    pub references: &'static [Reference],
}

/// Every kind with an upgrade step or a reference; any other kind is at schema 1 and names nothing.
pub const KINDS: &[KindSpec] = &[
    KindSpec {
        kind: PRODUCT,
        upgrades: &[product_1_to_2],
        references: &[Reference {
            from: Source::OrgColumn,
            to: ORGANISATION,
            same_org: false,
        }],
    },
    KindSpec {
        kind: CASE,
        upgrades: &[case_1_to_2],
        references: &[
            Reference {
                from: Source::OrgColumn,
                to: ORGANISATION,
                same_org: false,
            },
            Reference {
                from: Source::Body("marketing.products[]"),
                to: PRODUCT,
                same_org: true,
            },
            Reference {
                from: Source::Body("export.product"),
                to: PRODUCT,
                same_org: true,
            },
        ],
    },
    KindSpec {
        kind: EXEMPTION,
        upgrades: &[exemption_1_to_2],
        references: &[],
    },
];

/// The spec of `kind`, if it has one.
pub fn spec(kind: &str) -> Option<&'static KindSpec> {
    KINDS.iter().find(|s| s.kind == kind)
}

/// The schema every write of `kind` stores.
pub fn current_schema(kind: &str) -> i64 {
    spec(kind).map_or(1, |s| s.upgrades.len() as i64 + 1)
}

/// Applies the upgrade steps of `kind` from schema `from` to the current one, in order.
pub fn upgrade(kind: &str, id: &str, from: i64, body: &mut Value) -> Result<()> {
    let current = current_schema(kind);
    if from > current {
        return Err(StoreError::NewerSchema(format!(
            "{kind} {id} is stored in body schema {from}, newer than this exportctl knows ({current}): \
             it was written by a later release; run that release, or restore a backup made with this one"
        )));
    }
    if from < 1 {
        return Err(StoreError::Corrupt(format!(
            "{kind} {id}: body schema {from} does not exist (schemas start at 1)"
        )));
    }
    let steps = spec(kind).map_or(&[][..], |s| s.upgrades);
    for (n, step) in steps.iter().enumerate().skip((from - 1) as usize) {
        step(body).map_err(|e| {
            StoreError::Corrupt(format!(
                "{kind} {id}: upgrading its body from schema {} to {}: {e}",
                n + 1,
                n + 2
            ))
        })?;
    }
    Ok(())
}

/// A stored body of `kind` in `schema`, upgraded to the current schema and deserialised.
pub(crate) fn decode<T: DeserializeOwned>(
    kind: &str,
    id: &str,
    schema: i64,
    body: &str,
) -> Result<T> {
    let bad = |e: serde_json::Error| StoreError::Corrupt(format!("{kind} {id}: record body: {e}"));
    if schema == current_schema(kind) {
        return serde_json::from_str(body).map_err(bad);
    }
    let mut value: Value = serde_json::from_str(body).map_err(bad)?;
    upgrade(kind, id, schema, &mut value)?;
    serde_json::from_value(value).map_err(bad)
}

/// The (field, referenced id) pairs of a body at a dotted path (see [`Source::Body`]); the field is written the
/// way the API names it (`marketing.products[1]`).
pub(crate) fn body_references(body: &Value, path: &str) -> Vec<(String, String)> {
    let mut at: Vec<(String, &Value)> = vec![(String::new(), body)];
    for segment in path.split('.') {
        let (name, each) = match segment.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (segment, false),
        };
        let mut next = Vec::new();
        for (field, v) in at {
            let Some(child) = v.get(name) else { continue };
            let field = if field.is_empty() {
                name.to_string()
            } else {
                format!("{field}.{name}")
            };
            if each {
                if let Some(items) = child.as_array() {
                    for (i, item) in items.iter().enumerate() {
                        next.push((format!("{field}[{i}]"), item));
                    }
                }
            } else {
                next.push((field, child));
            }
        }
        at = next;
    }
    at.into_iter()
        .filter_map(|(field, v)| v.as_str().map(|s| (field, s.to_string())))
        .collect()
}

// ---------- upgrade steps ----------

/// Product, schema 1 -> 2: the catch-all flag on the classification.
///
/// Before catch-all notifications concerned a specific export (`app::catch_all`, EU 2021/821 Art. 5), a
/// classification could set `catch_all_notified: true`, and the product was then notified for every export.
/// Those products stay controlled; no new classification sets the flag. Schema 2 stores the flag under the
/// name that says what it is now, `legacy_catch_all`, on every classification (false when the old one was
/// absent), so the stored type needs no rename and no default.
fn product_1_to_2(body: &mut Value) -> std::result::Result<(), String> {
    let Some(class) = body.get_mut("classification") else {
        return Ok(());
    };
    let Some(class) = class.as_object_mut() else {
        // null: not classified yet.
        return Ok(());
    };
    let notified = match class.remove("catch_all_notified") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => b,
        Some(other) => {
            return Err(format!(
                "classification.catch_all_notified: expected a boolean, found {other}"
            ))
        }
    };
    class.insert("legacy_catch_all".into(), Value::Bool(notified));
    Ok(())
}

/// Case, schema 1 -> 2: screening hits left the case body (migrations 77 and 78).
///
/// A case's hits are rows of `screening_hits` (`crate::hits`): migration 78 moved every
/// stored body's `screening` array into it and stamped the bodies schema 2. A schema 1 body read after that
/// has an empty (or no) `screening`, which this step drops; one that still lists hits was written after the
/// migration by a release that stored them in the body, and is refused rather than read without its hits.
fn case_1_to_2(body: &mut Value) -> std::result::Result<(), String> {
    let Some(obj) = body.as_object_mut() else {
        return Ok(());
    };
    match obj.remove("screening") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(hits)) if hits.is_empty() => Ok(()),
        Some(_) => Err(
            "screening: the body still lists screening hits, which live in screening_hits since \
             migration 77; it was written by an earlier release after this database was upgraded"
                .into(),
        ),
    }
}

/// Exemption, schema 1 -> 2: exemptions became requests an officer decides.
///
/// Schema 1 exemptions were recorded by the exporter from an `exempt` answer and carried no `state` (they were
/// self-declared). Since exemptions are granted by an officer, such a record is a request that authorises
/// nothing until granted: the step sets `state` to `requested` where it is absent.
fn exemption_1_to_2(body: &mut Value) -> std::result::Result<(), String> {
    let obj = body
        .as_object_mut()
        .ok_or_else(|| "an exemption body is a JSON object".to_string())?;
    if obj.get("state").is_none_or(Value::is_null) {
        obj.insert("state".into(), Value::String("requested".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn body_references_follow_arrays_and_name_the_field() {
        let case = json!({"marketing": {"products": ["a", "b"]}, "export": null});
        assert_eq!(
            body_references(&case, "marketing.products[]"),
            vec![
                ("marketing.products[0]".to_string(), "a".to_string()),
                ("marketing.products[1]".to_string(), "b".to_string())
            ]
        );
        assert!(body_references(&case, "export.product").is_empty());
        let export = json!({"export": {"product": "p"}});
        assert_eq!(
            body_references(&export, "export.product"),
            vec![("export.product".to_string(), "p".to_string())]
        );
    }

    #[test]
    fn product_step_moves_the_flag_and_refuses_a_non_boolean() {
        let mut v = json!({"classification": {"catch_all_notified": true, "note": null}});
        product_1_to_2(&mut v).unwrap();
        assert_eq!(
            v,
            json!({"classification": {"legacy_catch_all": true, "note": null}})
        );
        let mut v = json!({"classification": {}});
        product_1_to_2(&mut v).unwrap();
        assert_eq!(v, json!({"classification": {"legacy_catch_all": false}}));
        let mut v = json!({"classification": null});
        product_1_to_2(&mut v).unwrap();
        assert_eq!(v, json!({"classification": null}));
        let mut v = json!({"classification": {"catch_all_notified": "yes"}});
        assert!(product_1_to_2(&mut v)
            .unwrap_err()
            .contains("catch_all_notified"));
    }

    #[test]
    fn case_step_drops_an_empty_screening_and_refuses_hits_left_in_the_body() {
        let mut v = json!({"screening": [], "history": []});
        case_1_to_2(&mut v).unwrap();
        assert_eq!(v, json!({"history": []}));
        let mut v = json!({"history": []});
        case_1_to_2(&mut v).unwrap();
        assert_eq!(v, json!({"history": []}));
        let mut v = json!({"screening": [{"id": "h1", "status": "open"}]});
        assert!(case_1_to_2(&mut v).unwrap_err().contains("screening"));
    }

    #[test]
    fn newer_schema_is_refused_and_schema_zero_is_corrupt() {
        let mut v = json!({});
        let e = upgrade(PRODUCT, "p1", current_schema(PRODUCT) + 1, &mut v).unwrap_err();
        assert!(matches!(e, StoreError::NewerSchema(_)), "{e}");
        assert!(e.to_string().contains("product p1"), "{e}");
        let e = upgrade(PRODUCT, "p1", 0, &mut v).unwrap_err();
        assert!(matches!(e, StoreError::Corrupt(_)), "{e}");
    }
}
