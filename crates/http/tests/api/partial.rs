//! Partial decisions (issue 12) through the API, on both backends: final advice per product line and
//! destination, countersigned, decided as advised into a licence for the approved subset (the signed licence
//! names only it), a refusal with criteria for the rest (its own statistics fact and denials), and a "no
//! licence required" letter for the product line that needs none; per-entity advice checked against the case.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};

both_backends!(
    a_partial_decision_licenses_the_approved_subset_only,
    final_advice_per_entity_is_checked_against_the_case,
    a_refusal_by_default_with_a_product_needing_no_licence,
);

fn path(id: &str, action: &str) -> String {
    format!("/api/v1/applications/{id}/{action}")
}

/// A marketing case for both of the first exporter's products to France and Germany, each destination with
/// its own end user, every advice in: ready for final advice.
async fn two_by_two(t: &TestApp, w: &World) -> String {
    let c = t
        .post(
            &w.exporter,
            "/api/v1/applications",
            json!({"licence": "marketing", "marketing": {
            "products": [w.secret_product, w.restricted_product],
            "destinations": ["FR", "DE"],
            "end_users": [
                {"name": "Police Nationale", "type": "government-law-enforcement", "country": "FR"},
                {"name": "Bundeskriminalamt", "type": "government-law-enforcement", "country": "DE"}
            ]}}),
        )
        .await
        .ok();
    let id = c["id"].as_str().unwrap().to_string();
    t.post(&w.exporter, &path(&id, "submit"), json!({}))
        .await
        .ok();
    t.post(&w.officer, &path(&id, "assign"), json!({}))
        .await
        .ok();
    let case = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    t.advise_all(w, &case).await;
    id
}

/// Submits `advice` as final advice, has it countersigned as often as the policy asks, and answers the case.
async fn countersigned(t: &TestApp, w: &World, id: &str, advice: Value) -> Value {
    t.post(&w.officer, &path(id, "final-advice"), advice)
        .await
        .ok();
    let c = t
        .post(&w.officer, &path(id, "final-advice/submit"), json!({}))
        .await
        .ok();
    let count = c["countersigning"]["count"].as_u64().unwrap();
    assert!(
        count >= 1,
        "a cyber-surveillance line needs countersigning: {c}"
    );
    t.post(
        &w.officer2,
        &path(id, "countersignatures"),
        json!({"decision": "accept"}),
    )
    .await
    .ok();
    if count >= 2 {
        let senior = t.senior_officer().await;
        t.post(
            &senior,
            &path(id, "countersignatures"),
            json!({"decision": "accept"}),
        )
        .await
        .ok();
    }
    c
}

fn product(id: &str) -> Value {
    json!({"entity": "product", "id": id})
}

fn destination(code: &str) -> Value {
    json!({"entity": "destination", "country": code})
}

/// The case's decision facts (its own and its parts'), as (case id suffix, outcome, products, destinations,
/// criteria) in the order recorded.
async fn facts(
    t: &TestApp,
    w: &World,
    id: &str,
) -> Vec<(String, String, Vec<String>, Vec<String>, Vec<String>)> {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    t.get(&w.officer, &path(id, "decision-facts"))
        .await
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let fact = &f["fact"];
            (
                fact["case_id"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches(id)
                    .to_string(),
                fact["outcome"].as_str().unwrap().to_string(),
                fact["lines"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l["product"].as_str().unwrap().to_string())
                    .collect(),
                strings(&fact["destinations"]),
                strings(&fact["criteria"]),
            )
        })
        .collect()
}

async fn a_partial_decision_licenses_the_approved_subset_only(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let id = two_by_two(&t, &w).await;
    // Approve the whole case, except: the forensics product needs no licence, and Germany is refused.
    let c = countersigned(
        &t,
        &w,
        &id,
        json!({"outcome": "approve", "reason": "safeguards adequate for France",
        "conditions": [{"type": "text", "text": "No resale"}],
        "entities": [
            {"target": product(&w.restricted_product), "outcome": "no-licence-required"},
            {"target": destination("DE"), "outcome": "refuse", "criteria": ["criterion-7"]}
        ]}),
    )
    .await;
    assert_eq!(c["final_advice"]["entities"].as_array().unwrap().len(), 2);

    // The decision follows the advice: a refusal is not what it says.
    let r = t
        .post(
            &w.officer,
            &path(&id, "refuse"),
            json!({"reason": "no", "criteria": ["criterion-7"]}),
        )
        .await;
    assert!(r.problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("the final advice is to approve"),);
    let approved = t
        .post(
            &w.officer,
            &path(&id, "approve"),
            json!({"reason": "as advised"}),
        )
        .await
        .ok();
    assert_eq!(approved["state"], "approved");
    let parts = &approved["decision"]["parts"];
    assert_eq!(parts["licensed_products"], json!([w.secret_product]));
    assert_eq!(parts["licensed_destinations"], json!(["FR"]));
    assert_eq!(
        parts["refused"],
        json!([{"target": destination("DE"), "criteria": ["criterion-7"]}])
    );
    assert_eq!(parts["no_licence_required"], json!([w.restricted_product]));
    assert_eq!(approved["decision"]["criteria"], json!(["criterion-7"]));

    // The exporter sees the same parts in its view of the decision.
    let mine = t
        .get(&w.exporter, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(mine["view"], "exporter");
    assert_eq!(mine["decision"]["parts"], *parts);

    // The refused part is decided now: its own fact, and a denial of this authority for Germany only.
    let f = facts(&t, &w, &id).await;
    assert_eq!(
        f,
        vec![
            (
                "#refused".to_string(),
                "refused".to_string(),
                vec![w.secret_product.clone()],
                vec!["DE".to_string()],
                vec!["criterion-7".to_string()]
            ),
            (
                "#no-licence-required".to_string(),
                "no-licence-required".to_string(),
                vec![w.restricted_product.clone()],
                vec!["DE".to_string(), "FR".to_string()],
                vec![]
            ),
        ]
    );

    // This authority's denial covers the refused part: Germany's end user, the licensable line's entry only.
    let own: Vec<Value> = t
        .get(&w.officer, "/api/v1/denials?limit=500")
        .await
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["own"] == true)
        .cloned()
        .collect();
    assert_eq!(own.len(), 1, "{own:?}");
    assert_eq!(own[0]["event"], "refusal");
    assert_eq!(own[0]["details"]["destination"], "DE");
    assert_eq!(own[0]["details"]["end_user"]["name"], "Bundeskriminalamt");
    assert_eq!(own[0]["details"]["control_entries"], json!(["5A001.j"]));
    assert_eq!(own[0]["details"]["criteria"], json!(["criterion-7"]));

    // The letter names the product line that needs no licence, for every destination of the case (a refusal
    // concerns what needs a licence).
    let letter = t
        .get(&w.exporter, &path(&id, "no-licence-required-letter"))
        .await
        .ok();
    assert_eq!(letter["products"][0]["id"], w.restricted_product.as_str());
    assert_eq!(letter["products"][0]["name"], "Forensics");
    assert_eq!(letter["products"].as_array().unwrap().len(), 1);
    assert_eq!(letter["destinations"], json!(["FR", "DE"]));
    assert_eq!(letter["holder"], "Acme Cyber Ltd");
    assert_eq!(letter["reason"], "as advised");
    let reference = approved["reference"].as_str().unwrap();
    assert_eq!(letter["reference"], format!("NLR-{reference}"));
    assert!(
        letter["text"]
            .as_str()
            .unwrap()
            .contains("Forensics 1 needs no licence for marketing to FR, DE"),
        "{letter}"
    );
    // Another exporter cannot read it: like a missing case.
    t.get(&w.exporter2, &path(&id, "no-licence-required-letter"))
        .await
        .problem(404);

    // The signed licence covers the approved subset only: one product line, one destination, its end user.
    let issued = t
        .post(&w.officer, &path(&id, "issue"), json!({}))
        .await
        .ok();
    let number = issued["licence_issued"]["number"].as_str().unwrap();
    let lic = t
        .get(&w.exporter, &format!("/api/v1/licences/{number}"))
        .await
        .ok();
    let content = &lic["content"];
    let names: Vec<&str> = content["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Monitor"]);
    assert_eq!(content["destinations"], json!(["FR"]));
    let users: Vec<&str> = content["end_users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["Police Nationale"]);
    assert_eq!(content["conditions"], json!(["No resale"]));

    // The licence's fact counts the licensed part only.
    let f = facts(&t, &w, &id).await;
    assert_eq!(
        f.last().unwrap(),
        &(
            String::new(),
            "issued".to_string(),
            vec![w.secret_product.clone()],
            vec!["FR".to_string()],
            vec![]
        )
    );

    // Excluding the case from statistics excludes its parts with it.
    let ex = t
        .post(
            &w.officer,
            "/api/v1/statistics/exclusions",
            json!({"case_id": id, "reason": "test case"}),
        )
        .await;
    assert_eq!(ex.status, 201, "{:?}", ex.body);
    let all = t.get(&w.officer, &path(&id, "decision-facts")).await.ok();
    let excluded: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "exclusion")
        .map(|f| f["fact"]["case_id"].as_str().unwrap())
        .collect();
    assert_eq!(excluded.len(), 3, "{all}");
}

async fn final_advice_per_entity_is_checked_against_the_case(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let id = two_by_two(&t, &w).await;
    let head = t.audit_head().await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!([{"target": destination("BR"), "outcome": "refuse", "criteria": ["criterion-1"]}]),
            "entities[0].target",
            "destination BR is not a product line or destination of this case",
        ),
        (
            json!([{"target": {"entity": "party", "name": "Police Nationale"}, "outcome": "refuse", "criteria": ["criterion-1"]}]),
            "entities[0].target",
            "a party is decided through its destination",
        ),
        (
            json!([{"target": destination("FR"), "outcome": "no-licence-required"}]),
            "entities[0].outcome",
            "decided per product line",
        ),
        (
            json!([{"target": product(&w.secret_product), "outcome": "refuse"}]),
            "entities[0].criteria",
            "at least one refusal criterion",
        ),
        (
            json!([{"target": product(&w.secret_product), "outcome": "approve"}]),
            "entities[0].outcome",
            "name an entity only where the advice differs",
        ),
        (
            json!([{"target": destination("DE"), "outcome": "refuse", "criteria": ["criterion-1"]},
                   {"target": destination("DE"), "outcome": "refuse", "criteria": ["criterion-2"]}]),
            "entities[1].target",
            "named twice",
        ),
    ];
    for (entities, field, needle) in cases {
        let r = t
            .post(
                &w.officer,
                &path(&id, "final-advice"),
                json!({"outcome": "approve", "reason": "r", "entities": entities}),
            )
            .await;
        let p = r.problem(422);
        assert_eq!(p["field"], field, "{p}");
        assert!(p["detail"].as_str().unwrap().contains(needle), "{p}");
    }
    // Conditions go with a licence: advice that licenses nothing carries none.
    let r = t
        .post(
            &w.officer,
            &path(&id, "final-advice"),
            json!({"outcome": "refuse", "reason": "r", "criteria": ["criterion-2"],
                "conditions": [{"type": "text", "text": "No resale"}],
                "entities": [{"target": product(&w.secret_product), "outcome": "approve"}]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "conditions");
    assert_eq!(t.audit_head().await, head, "a refused draft writes nothing");
}

async fn a_refusal_by_default_with_a_product_needing_no_licence(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let id = two_by_two(&t, &w).await;
    countersigned(
        &t,
        &w,
        &id,
        json!({"outcome": "refuse", "reason": "risk of internal repression", "criteria": ["criterion-2"],
            "entities": [{"target": product(&w.restricted_product), "outcome": "no-licence-required"}]}),
    )
    .await;
    // Nothing is licensed: the case is refused, citing the criteria, and the letter covers the other line.
    let r = t
        .post(&w.officer, &path(&id, "approve"), json!({"reason": "x"}))
        .await;
    r.refused(409, "the final advice is to refuse");
    let refused = t
        .post(
            &w.officer,
            &path(&id, "refuse"),
            json!({"reason": "as advised", "criteria": []}),
        )
        .await
        .ok();
    assert_eq!(refused["state"], "refused");
    assert_eq!(refused["decision"]["criteria"], json!(["criterion-2"]));
    assert!(refused["appeal_until"].is_string(), "{refused}");
    let f = facts(&t, &w, &id).await;
    let outcomes: Vec<(&str, &str, &Vec<String>)> = f
        .iter()
        .map(|(part, outcome, lines, _, _)| (part.as_str(), outcome.as_str(), lines))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            (
                "#no-licence-required",
                "no-licence-required",
                &vec![w.restricted_product.clone()]
            ),
            ("", "refused", &vec![w.secret_product.clone()]),
        ]
    );
    let letter = t
        .get(&w.exporter, &path(&id, "no-licence-required-letter"))
        .await
        .ok();
    assert_eq!(letter["destinations"], json!(["FR", "DE"]));
    // A case decided whole has no letter.
    let whole = t.case(&w).to("FR").approved().await;
    let r = t
        .get(&w.exporter, &path(&whole, "no-licence-required-letter"))
        .await;
    r.refused(409, "there is no letter");
}
