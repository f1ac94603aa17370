//! `exportctl screen --list FORMAT:PATH [--list ...] --input FILE|- [--threshold T] [--limit N]`: import each list,
//! build the screening index, screen JSON Lines queries on all cores and write one result line per query, in
//! input order. Exits 1 when any line was answered with an error.
use anyhow::{bail, Context as _};
use clap::Args;
use lists::ListFormat;
use rayon::prelude::*;
use std::io::{BufRead, BufReader, BufWriter};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args)]
pub struct ScreenArgs {
    /// FORMAT:PATH of a list file to screen against; repeatable. FORMAT is one of un-sc-xml, ofac-csv,
    /// ofac-enhanced-xml, us-csl-csv, bis-dpl, eu-fsf-xml, uk-sanctions.
    #[arg(long = "list", required = true)]
    pub lists: Vec<String>,
    /// JSON Lines queries, or - for standard input.
    #[arg(long)]
    pub input: String,
    /// Report matches scoring at least this (0..=1).
    #[arg(long, default_value_t = screening::DEFAULT_THRESHOLD)]
    pub threshold: f64,
    /// This many matches per query (best first), plus any tied with the last one (50 in all at most).
    #[arg(long, default_value_t = screening::DEFAULT_LIMIT)]
    pub limit: usize,
}

/// Parse `FORMAT:PATH`.
fn parse_list_arg(s: &str) -> anyhow::Result<(ListFormat, PathBuf)> {
    let (f, p) = s
        .split_once(':')
        .with_context(|| format!("--list {s:?}: expected FORMAT:PATH"))?;
    let format: ListFormat = f
        .parse()
        .map_err(|e: String| anyhow::anyhow!("--list {s:?}: {e}"))?;
    if p.is_empty() {
        bail!("--list {s:?}: empty PATH");
    }
    Ok((format, PathBuf::from(p)))
}

pub fn run(a: ScreenArgs) -> anyhow::Result<ExitCode> {
    let t = a.threshold;
    if !(0.0..=1.0).contains(&t) {
        bail!("--threshold {t}: must be between 0 and 1");
    }
    if a.limit == 0 {
        bail!("--limit 0: must be at least 1");
    }
    let opts = screening::Options {
        threshold: t,
        limit: a.limit,
        ..screening::Options::default()
    };
    let specs = a
        .lists
        .iter()
        .map(|s| parse_list_arg(s))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let t0 = Instant::now();
    let snapshots = specs
        .par_iter()
        .map(|(format, path)| {
            lists::import(*format, path)
                .with_context(|| format!("importing {format}:{}", path.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    // Hits name their list by format; a format given twice is told apart by its path.
    let labelled: Vec<(String, lists::ListSnapshot)> = specs
        .iter()
        .zip(snapshots)
        .map(|((format, path), snap)| {
            let dup = specs.iter().filter(|(f, _)| f == format).count() > 1;
            let label = if dup {
                format!("{format}:{}", path.display())
            } else {
                format.to_string()
            };
            (label, snap)
        })
        .collect();
    let t1 = Instant::now();
    let index = screening::Index::build(&labelled);
    let t2 = Instant::now();
    let stdout = std::io::stdout();
    let out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let input: Box<dyn BufRead> = if a.input == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        let f = std::fs::File::open(&a.input).with_context(|| format!("--input {}", a.input))?;
        Box::new(BufReader::with_capacity(1 << 16, f))
    };
    let summary = screening::batch::screen_jsonl(&index, input, out, &opts).context("screening")?;
    let t3 = Instant::now();
    let secs = (t3 - t2).as_secs_f64();
    eprintln!(
        "screen: {} lists, {} entries, {} names; import {:.2}s, index {:.2}s; {} queries in {:.2}s ({:.0}/s), {} with matches, {} errors",
        index.lists().len(),
        index.len(),
        index.variant_count(),
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
        summary.queries,
        secs,
        summary.queries as f64 / secs.max(1e-9),
        summary.with_matches,
        summary.errors
    );
    Ok(if summary.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
