//! CSV rendering: one line per published figure, each with the period, as-of time and data version.

use crate::tables::{Figure, Report};

/// The report as CSV: `period,as_of,data_version,table,row,column,value,suppressed`.
pub fn to_csv(r: &Report) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut put = |fields: [&str; 8]| {
        // Writing to a Vec cannot fail.
        let _ = w.write_record(fields);
    };
    put([
        "period",
        "as_of",
        "data_version",
        "table",
        "row",
        "column",
        "value",
        "suppressed",
    ]);
    for t in &r.tables {
        for row in t.rows.iter().chain(t.total.iter()) {
            for (col, f) in &row.figures {
                let value = match f {
                    Figure::Suppressed | Figure::Missing => String::new(),
                    other => other.to_string(),
                };
                let sup = if *f == Figure::Suppressed {
                    "true"
                } else {
                    "false"
                };
                put([
                    &r.period,
                    &t.as_of,
                    &t.data_version,
                    &t.id,
                    &row.key,
                    col,
                    &value,
                    sup,
                ]);
            }
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
