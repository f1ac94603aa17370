//! Usage against a licence's limits (issue 12): shipments recorded against an issued licence by its holder or
//! by customs, and the customs look-up.
//!
//! A shipment (date, quantity, value, customs declaration reference) is kept on the licence's case, in the
//! case's transaction and audit event, so the used quantity and value are always those of the stored
//! shipments. Recording is idempotent by declaration reference within a licence: the same reference with the
//! same details answers the stored shipment again (and changes nothing); the same reference with different
//! details is a conflict. Every shipment is either `accepted` or `rejected` with its reason (the licence is not
//! in force, the date is outside its validity, a currency differs from the limit's, or a quantity or value limit
//! would be exceeded); a rejected one is recorded too, so the answer to a retry stays the same. When accepted
//! shipments use up a quantity or value limit, the service moves the licence to `exhausted` in the same
//! transaction (the lifecycle's `exhaust` edge).
//!
//! The customs look-up answers, for a licence number, whether it is valid today and the quantity and value
//! that remain — nothing about the holder, the products, the parties or the conditions.

use crate::cases::{validate_money, MAX_QUANTITY};
use crate::licences::LICENCE;
use crate::model::{CaseBody, Condition, Money};
use crate::{now, text, App, AppError, AppResult, Principal};
use chrono::NaiveDate;
use domain::{CaseAction, CaseState, Role};
use serde::{Deserialize, Serialize};
use store::Record;
use utoipa::ToSchema;

/// The audit action of recording a shipment.
pub(crate) const RECORD_SHIPMENT: &str = "record-shipment";

/// A shipment as reported (by customs from the declaration, or by the holder after shipping).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NewShipment {
    /// The customs declaration reference (1 to 64 letters, digits, `-`, `/`, `.`); the idempotency key.
    #[schema(example = "26IL000123456789")]
    pub declaration_reference: String,
    /// The day the goods were shipped (not in the future).
    pub shipped_on: NaiveDate,
    /// Units shipped (at least 1).
    pub quantity: u64,
    /// The value shipped.
    pub value: Money,
}

/// Whether a shipment was counted against the licence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ShipmentStatus {
    Accepted,
    Rejected,
}

impl ShipmentStatus {
    pub const ALL: &'static [ShipmentStatus] =
        &[ShipmentStatus::Accepted, ShipmentStatus::Rejected];
}

/// A recorded shipment: what was reported, and the answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Shipment {
    pub declaration_reference: String,
    pub shipped_on: NaiveDate,
    pub quantity: u64,
    pub value: Money,
    pub status: ShipmentStatus,
    /// Why it was rejected (absent when accepted).
    pub reason: Option<String>,
    /// Who reported it: `customs` or `exporter`.
    #[schema(value_type = Role)]
    pub reported_by: Role,
    pub recorded_at: String,
}

/// The customs look-up: validity and what remains, nothing more.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CustomsLookup {
    pub number: String,
    /// Whether the licence may be used today (issued, within its validity, limits not used up).
    pub valid: bool,
    /// Units that may still be shipped; absent when the licence has no quantity limit.
    pub remaining_quantity: Option<u64>,
    /// Value that may still be shipped; absent when the licence has no value limit.
    pub remaining_value: Option<Money>,
}

/// A decimal amount in hundredths (amounts are validated to at most two decimal places).
fn cents(amount: &str) -> Option<u128> {
    let a = amount.trim();
    let (whole, frac) = a.split_once('.').unwrap_or((a, ""));
    if frac.len() > 2 || whole.is_empty() {
        return None;
    }
    let whole: u128 = whole.parse().ok()?;
    let frac: u128 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    Some(whole * 100 + frac)
}

fn amount(cents: u128) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// The limits of a licence, from its decision's conditions, and what its accepted shipments used.
struct Usage {
    quantity_max: Option<u64>,
    value_max: Option<(u128, String)>,
    quantity_used: u64,
    value_used: u128,
}

impl Usage {
    fn of(body: &CaseBody) -> AppResult<Usage> {
        let conditions = body
            .decision
            .as_ref()
            .map(|d| d.conditions.as_slice())
            .unwrap_or_default();
        let mut u = Usage {
            quantity_max: None,
            value_max: None,
            quantity_used: 0,
            value_used: 0,
        };
        for c in conditions {
            match c {
                Condition::QuantityLimit { max } => {
                    u.quantity_max = Some(u.quantity_max.map_or(*max, |m| m.min(*max)))
                }
                Condition::ValueLimit { max } => {
                    let c = cents(&max.amount).ok_or_else(|| {
                        AppError::Internal(format!("stored value limit {:?}", max.amount))
                    })?;
                    u.value_max = Some((c, max.currency.clone()));
                }
                _ => {}
            }
        }
        for s in body
            .shipments
            .iter()
            .filter(|s| s.status == ShipmentStatus::Accepted)
        {
            u.quantity_used += s.quantity;
            u.value_used += cents(&s.value.amount).ok_or_else(|| {
                AppError::Internal(format!("stored shipment value {:?}", s.value.amount))
            })?;
        }
        Ok(u)
    }

    fn remaining_quantity(&self) -> Option<u64> {
        self.quantity_max
            .map(|m| m.saturating_sub(self.quantity_used))
    }

    fn remaining_value(&self) -> Option<Money> {
        self.value_max.as_ref().map(|(m, currency)| Money {
            amount: amount(m.saturating_sub(self.value_used)),
            currency: currency.clone(),
        })
    }

    /// Whether a limit is used up (no further shipment of at least one unit and a positive value fits).
    fn used_up(&self) -> bool {
        self.remaining_quantity() == Some(0)
            || self
                .value_max
                .as_ref()
                .is_some_and(|(m, _)| self.value_used >= *m)
    }

    /// Why `s` cannot be counted, if it cannot.
    fn refusal(&self, s: &NewShipment) -> Option<String> {
        if let Some(left) = self.remaining_quantity() {
            if s.quantity > left {
                return Some(format!(
                    "the quantity {} exceeds the {left} remaining of the licence's limit of {}",
                    s.quantity,
                    self.quantity_max.unwrap_or_default()
                ));
            }
        }
        if let Some((max, currency)) = &self.value_max {
            if &s.value.currency != currency {
                return Some(format!(
                    "the value is in {}, the licence's value limit in {currency}",
                    s.value.currency
                ));
            }
            let v = cents(&s.value.amount).unwrap_or(u128::MAX);
            let left = max.saturating_sub(self.value_used);
            if v > left {
                return Some(format!(
                    "the value {} {currency} exceeds the {} {currency} remaining of the licence's limit of {} {currency}",
                    s.value.amount,
                    amount(left),
                    amount(*max)
                ));
            }
        }
        None
    }
}

fn validate(s: &NewShipment, today: NaiveDate) -> AppResult<NewShipment> {
    let r = text("declaration_reference", &s.declaration_reference, 64)?;
    if !r
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.'))
    {
        return Err(AppError::invalid(
            "declaration_reference",
            "may contain only ASCII letters, digits, '-', '/' and '.'",
        ));
    }
    if s.shipped_on > today {
        return Err(AppError::invalid(
            "shipped_on",
            format!("is after today ({today}): record a shipment once it has left"),
        ));
    }
    if s.quantity == 0 || s.quantity > MAX_QUANTITY {
        return Err(AppError::invalid(
            "quantity",
            format!("must be between 1 and {MAX_QUANTITY}"),
        ));
    }
    validate_money("value", &s.value)?;
    Ok(NewShipment {
        declaration_reference: r,
        value: Money {
            amount: s.value.amount.trim().to_string(),
            currency: s.value.currency.clone(),
        },
        ..s.clone()
    })
}

impl App {
    /// The case holding licence `number`, read without the caller's visibility (the callers check it).
    async fn licence_case(&self, number: &str) -> AppResult<Record<CaseBody>> {
        let l = self
            .store
            .get_by_reference::<crate::licences::LicenceBody>(LICENCE, number)
            .await
            .map_err(crate::not_found("licence"))?;
        crate::case_store::get(&self.store, &l.body.case_id)
            .await
            .map_err(crate::not_found("licence"))
    }

    /// Records a shipment against licence `number`, by customs or by an exporter of the holder (another
    /// organisation's licence answers 404 as a missing one). Returns the shipment and whether it was new
    /// (false: the same declaration reference with the same details was recorded before; nothing changed).
    pub async fn record_shipment(
        &self,
        who: &Principal,
        number: &str,
        s: NewShipment,
    ) -> AppResult<(Shipment, bool)> {
        who.require(&[Role::Customs, Role::Exporter], "record shipments")?;
        let today = self.today();
        let s = validate(&s, today)?;
        let case = self.licence_case(number).await?;
        if who.role == Role::Exporter && case.org_id.as_deref() != who.org_id.as_deref() {
            return Err(AppError::NotFound("licence"));
        }
        if let Some(old) = case
            .body
            .shipments
            .iter()
            .find(|x| x.declaration_reference == s.declaration_reference)
        {
            return same_or_conflict(old, &s).map(|x| (x, false));
        }
        // The answer, decided on the case as read; `change_case` refuses (409) if the case changed meanwhile.
        let state: CaseState = case.state.parse().map_err(AppError::Internal)?;
        let usage = Usage::of(&case.body)?;
        let issued = case
            .body
            .licence_issued
            .as_ref()
            .ok_or(AppError::NotFound("licence"))?;
        let from = crate::cases::date_of(&issued.issued_at, self.calendar());
        let refusal = if state != CaseState::Issued {
            Some(format!("the licence is {state}, not in force"))
        } else if s.shipped_on < from || issued.valid_until.is_some_and(|u| s.shipped_on > u) {
            Some(format!(
                "the shipment date {} is outside the licence's validity ({from} to {})",
                s.shipped_on,
                issued
                    .valid_until
                    .map_or_else(|| "no end".to_string(), |u| u.to_string())
            ))
        } else {
            usage.refusal(&s)
        };
        let shipment = Shipment {
            declaration_reference: s.declaration_reference.clone(),
            shipped_on: s.shipped_on,
            quantity: s.quantity,
            value: s.value.clone(),
            status: if refusal.is_some() {
                ShipmentStatus::Rejected
            } else {
                ShipmentStatus::Accepted
            },
            reason: refusal,
            reported_by: who.role,
            recorded_at: now(),
        };
        let mut after = case.body.clone();
        after.shipments.push(shipment.clone());
        let exhausts = shipment.status == ShipmentStatus::Accepted && Usage::of(&after)?.used_up();
        let audit_reason = format!(
            "shipment {} {}",
            shipment.declaration_reference,
            match &shipment.reason {
                None => "accepted".to_string(),
                Some(r) => format!("rejected: {r}"),
            }
        );
        let stored = shipment.clone();
        self.change_case(
            who,
            &case.id,
            Some(case.version),
            exhausts.then_some(CaseAction::Exhaust),
            RECORD_SHIPMENT,
            Some(&audit_reason),
            move |r| {
                r.body.shipments.push(stored);
                Ok(())
            },
        )
        .await
        .map_err(|e| match e {
            // A concurrent change of the case (another shipment): the client retries with the same body.
            AppError::Conflict(_) => AppError::Conflict(
                "the licence changed while the shipment was recorded; send the same shipment again"
                    .into(),
            ),
            other => other,
        })?;
        Ok((shipment, true))
    }

    /// The customs look-up of licence `number`: validity and what remains. Customs only.
    pub async fn customs_lookup(&self, who: &Principal, number: &str) -> AppResult<CustomsLookup> {
        who.require(&[Role::Customs], "look up licences for customs")?;
        let case = self.licence_case(number).await?;
        let usage = Usage::of(&case.body)?;
        let today = self.today();
        let in_time = case.body.licence_issued.as_ref().is_some_and(|l| {
            crate::cases::date_of(&l.issued_at, self.calendar()) <= today
                && l.valid_until.is_none_or(|u| today <= u)
        });
        Ok(CustomsLookup {
            number: number.to_string(),
            valid: case.state == CaseState::Issued.as_str() && in_time && !usage.used_up(),
            remaining_quantity: usage.remaining_quantity(),
            remaining_value: usage.remaining_value(),
        })
    }
}

/// The stored answer for a repeated declaration reference, or a conflict when the details differ.
fn same_or_conflict(old: &Shipment, new: &NewShipment) -> AppResult<Shipment> {
    let same = old.shipped_on == new.shipped_on
        && old.quantity == new.quantity
        && old.value.currency == new.value.currency
        && cents(&old.value.amount) == cents(&new.value.amount);
    if same {
        Ok(old.clone())
    } else {
        Err(AppError::Conflict(format!(
            "declaration_reference {} was recorded with other details (shipped on {}, quantity {}, value {} {}); \
             a declaration is recorded once",
            old.declaration_reference,
            old.shipped_on,
            old.quantity,
            old.value.amount,
            old.value.currency
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_counted_in_hundredths() {
        assert_eq!(cents("125000.00"), Some(12_500_000));
        assert_eq!(cents("1.5"), Some(150));
        assert_eq!(cents("7"), Some(700));
        assert_eq!(cents("1.234"), None);
        assert_eq!(amount(150), "1.50");
        assert_eq!(amount(12_500_000), "125000.00");
    }
}
