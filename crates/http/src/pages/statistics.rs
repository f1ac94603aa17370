//! The public statistics page (`/statistics`, no sign-in): the tables of a period with server-rendered SVG bar
//! charts, and the same tables as a standalone HTML report (`exportctl stats report --format html`).

use super::{render, Catalogue, Lang, Layout, MaybeSession, EN};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use stats::{Figure, Report};

pub fn routes() -> Router<AppState> {
    Router::new().route("/statistics", get(statistics))
}

/// One bar of a chart: a published count, or none when withheld.
pub struct Bar {
    pub label: String,
    pub y: u32,
    pub width: Option<u32>,
    pub value: u64,
}

pub struct Chart {
    pub width: u32,
    pub height: u32,
    pub bars: Vec<Bar>,
}

/// A table ready for the template: message keys, and each row's figures as text.
pub struct TableView {
    pub id: String,
    pub title_key: &'static str,
    pub column_keys: Vec<&'static str>,
    pub rows: Vec<(String, Vec<String>)>,
    pub chart: Option<Chart>,
    pub as_of: String,
    pub data_version: String,
}

pub struct ReportView {
    pub r: Report,
    pub tables: Vec<TableView>,
}

fn title_key(id: &str) -> &'static str {
    match id {
        "by-licence-kind" => key!("stats-t-by-licence-kind"),
        "by-destination" => key!("stats-t-by-destination"),
        "by-control-entry" => key!("stats-t-by-control-entry"),
        "by-end-user-type" => key!("stats-t-by-end-user-type"),
        "cyber-surveillance" => key!("stats-t-cyber-surveillance"),
        "after-issue" => key!("stats-t-after-issue"),
        _ => key!("stats-t-refusals-by-criterion"),
    }
}

fn column_key(c: &str) -> &'static str {
    match c {
        "applications" => key!("stats-col-applications"),
        "issued" => key!("stats-col-issued"),
        "refused" => key!("stats-col-refused"),
        "withdrawn" => key!("stats-col-withdrawn"),
        "lapsed" => key!("stats-col-lapsed"),
        "no_licence_required" => key!("stats-col-no-licence-required"),
        "licences" => key!("stats-col-licences"),
        "median_working_days" => key!("stats-col-median"),
        "p90_working_days" => key!("stats-col-p90"),
        "within_target_share" => key!("stats-col-within-target"),
        _ => key!("stats-col-refusals"),
    }
}

fn text(f: &Figure) -> String {
    match f {
        Figure::Suppressed => "suppressed".into(),
        Figure::Missing => "–".into(),
        other => other.to_string(),
    }
}

/// A horizontal bar chart of the first column (applications, or refusals) of each row, scaled to 360 px.
fn chart(t: &stats::Table) -> Option<Chart> {
    let col = t.columns.first()?;
    let max = t
        .rows
        .iter()
        .filter_map(|r| match r.get(col) {
            Some(Figure::Count(n)) => Some(*n),
            _ => None,
        })
        .max()
        .unwrap_or(0)
        .max(1);
    let bars: Vec<Bar> = t
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (width, value) = match r.get(col) {
                Some(Figure::Count(n)) => (Some(((*n * 360) / max).max(1) as u32), *n),
                _ => (None, 0),
            };
            Bar {
                label: r.key.clone(),
                y: i as u32 * 20,
                width,
                value,
            }
        })
        .collect();
    if bars.is_empty() {
        return None;
    }
    Some(Chart {
        width: 620,
        height: bars.len() as u32 * 20,
        bars,
    })
}

pub fn view(r: Report) -> ReportView {
    let tables = r
        .tables
        .iter()
        .map(|t| TableView {
            id: t.id.clone(),
            title_key: title_key(&t.id),
            column_keys: t.columns.iter().map(|c| column_key(c)).collect(),
            rows: t
                .rows
                .iter()
                .chain(t.total.iter())
                .map(|row| {
                    (
                        row.key.clone(),
                        row.figures.iter().map(|(_, f)| text(f)).collect(),
                    )
                })
                .collect(),
            chart: chart(t),
            as_of: t.as_of.clone(),
            data_version: t.data_version.clone(),
        })
        .collect();
    ReportView { r, tables }
}

#[derive(Template)]
#[template(path = "statistics.html")]
struct StatisticsPage {
    l: Layout,
    period: String,
    view: Option<ReportView>,
}

#[derive(Template)]
#[template(path = "statistics_report.html")]
struct StandaloneReport<'a> {
    m: &'static Catalogue,
    r: &'a Report,
    tables: &'a [TableView],
    css: &'static str,
}

/// The report as a standalone HTML document (stylesheet embedded, no script).
pub fn report_html(r: Report) -> Result<String, askama::Error> {
    let v = view(r);
    StandaloneReport {
        m: &EN,
        r: &v.r,
        tables: &v.tables,
        css: include_str!("style.css"),
    }
    .render()
}

#[derive(serde::Deserialize)]
struct PeriodQuery {
    period: Option<String>,
}

/// `GET /statistics[?period=...]`: by default the last full year.
async fn statistics(
    State(s): State<AppState>,
    MaybeSession(sess): MaybeSession,
    lang: Lang,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let period = q
        .period
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| (chrono::Datelike::year(&s.app.today()) - 1).to_string());
    let l = Layout::in_lang(&lang, key!("stats-title"), sess.as_ref());
    match s.app.public_statistics(&period, None).await {
        Ok(r) => render(
            StatusCode::OK,
            &StatisticsPage {
                l,
                period,
                view: Some(view(r)),
            },
        ),
        Err(app::AppError::Invalid { reason, .. }) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &StatisticsPage {
                l: l.error("period", reason),
                period,
                view: None,
            },
        ),
        Err(e) => super::app_error(sess.as_ref(), e),
    }
}
