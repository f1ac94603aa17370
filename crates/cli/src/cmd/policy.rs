//! `exportctl policy ...`: evaluate JSON Lines requests, check a policy directory, preview a staged policy's
//! impact on cases.
use anyhow::Context as _;
use clap::Subcommand;
use policy::{ImpactCase, PolicySet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Evaluate JSON Lines requests; write one determination (or error) per line to stdout.
    Evaluate {
        /// Policy directory (default: the shipped reference policy).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Input file of JSON Lines requests, or `-` for standard input.
        #[arg(long)]
        input: PathBuf,
    },
    /// Check a policy directory (default: the shipped reference policy); print `file:line: reason` per problem.
    Check { dir: Option<PathBuf> },
    /// Preview which case determinations a staged policy would change.
    Impact {
        /// The staged policy directory.
        #[arg(long)]
        staged: PathBuf,
        /// The current policy directory (default: the shipped reference policy).
        #[arg(long)]
        current: Option<PathBuf>,
        /// JSON Lines of `{"case_ref": ..., "decided": bool, "request": {...}}`; default: every open and
        /// decided case in the service database (--data-dir / --database).
        #[arg(long)]
        cases: Option<PathBuf>,
        #[command(flatten)]
        db: crate::config::DbArgs,
    },
}

pub fn run(c: PolicyCommand) -> anyhow::Result<ExitCode> {
    match c {
        PolicyCommand::Evaluate { policy, input } => evaluate(policy.as_deref(), &input),
        PolicyCommand::Check { dir } => check(dir.as_deref()),
        PolicyCommand::Impact {
            staged,
            current,
            cases: None,
            db,
        } => impact_stored(&staged, current.as_deref(), &db),
        PolicyCommand::Impact {
            staged,
            current,
            cases: Some(cases),
            ..
        } => impact(&staged, current.as_deref(), Some(&cases)),
    }
}

/// The shipped reference policy or one loaded from a directory.
enum Loaded {
    Reference(&'static PolicySet),
    Dir(Box<PolicySet>),
}

impl std::ops::Deref for Loaded {
    type Target = PolicySet;
    fn deref(&self) -> &PolicySet {
        match self {
            Loaded::Reference(s) => s,
            Loaded::Dir(s) => s,
        }
    }
}

/// Loads a policy directory, or the reference policy when `None`. Diagnostics go to stderr.
fn load(dir: Option<&Path>) -> anyhow::Result<Loaded> {
    match dir {
        None => Ok(Loaded::Reference(policy::reference())),
        Some(d) => match PolicySet::load_dir(d) {
            Ok(set) => Ok(Loaded::Dir(Box::new(set))),
            Err(e) => {
                for diag in e.diagnostics() {
                    eprintln!("{}: {diag}", d.display());
                }
                Err(anyhow::anyhow!(e)).with_context(|| format!("loading policy {}", d.display()))
            }
        },
    }
}

fn evaluate(dir: Option<&Path>, input: &Path) -> anyhow::Result<ExitCode> {
    let set = load(dir)?;
    let stdout = std::io::stdout().lock();
    let out = std::io::BufWriter::new(stdout);
    let errors = if input == Path::new("-") {
        policy::jsonl::evaluate_stream(std::io::stdin().lock(), out, &set)
    } else {
        let file =
            std::fs::File::open(input).with_context(|| format!("opening {}", input.display()))?;
        policy::jsonl::evaluate_stream(BufReader::new(file), out, &set)
    }
    .context("writing determinations")?;
    if errors > 0 {
        eprintln!("{errors} line(s) could not be evaluated");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn check(dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (name, files) = match dir {
        None => (
            "reference policy (built in)".to_string(),
            policy::reference_files(),
        ),
        Some(d) => (d.display().to_string(), read_dir(d)?),
    };
    match PolicySet::load_files(files) {
        Ok(set) => {
            let sources = set.provenance();
            let illustrative = sources
                .iter()
                .filter(|(_, s)| s.illustrative.is_some())
                .count();
            let moratoria = match set.moratoria().len() {
                0 => String::new(),
                1 => ", 1 moratorium".to_string(),
                n => format!(", {n} moratoria"),
            };
            println!(
                "OK {name}: policy {} from {}: {} rules{moratoria}, {} control entries, {} countries, {} sourced items ({} illustrative)",
                set.version(),
                set.effective_from(),
                set.rules().len(),
                set.control_entries().len(),
                set.countries().len(),
                sources.len(),
                illustrative
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(policy::LoadError::Invalid(diags)) => {
            let mut out = std::io::stdout().lock();
            for d in &diags {
                match dir {
                    Some(p) if d.line > 0 => writeln!(
                        out,
                        "{}:{}: {}",
                        p.join(&d.file).display(),
                        d.line,
                        d.message
                    )?,
                    Some(p) => writeln!(out, "{}: {}", p.join(&d.file).display(), d.message)?,
                    None => writeln!(out, "{d}")?,
                }
            }
            eprintln!("{}: {} problem(s)", name, diags.len());
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}

fn read_dir(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
            let content = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push((name, content));
        }
    }
    files.sort();
    Ok(files)
}

/// Impact on every open and decided case stored in the service database, against the policy in force there
/// (or `--current DIR`).
fn impact_stored(
    staged: &Path,
    current: Option<&Path>,
    db: &crate::config::DbArgs,
) -> anyhow::Result<ExitCode> {
    let staged = load(Some(staged))?;
    let report = crate::config::runtime()?.block_on(async {
        let app = db.open_app().await?;
        let cases = app
            .impact_cases()
            .await
            .map_err(|e| anyhow::anyhow!("reading stored cases: {e}"))?;
        let report = match current {
            Some(dir) => policy::impact(&cases, &*load(Some(dir))?, &staged),
            None => policy::impact(&cases, &app.policy_now(), &staged),
        };
        app.store.close().await;
        anyhow::Ok(report)
    })?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &report)?;
    writeln!(out)?;
    Ok(ExitCode::SUCCESS)
}

fn impact(staged: &Path, current: Option<&Path>, cases: Option<&Path>) -> anyhow::Result<ExitCode> {
    let Some(cases_path) = cases else {
        anyhow::bail!("--cases: no case file given")
    };
    let current = load(current)?;
    let staged = load(Some(staged))?;
    let file = std::fs::File::open(cases_path)
        .with_context(|| format!("opening {}", cases_path.display()))?;
    let mut cases = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", cases_path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let case: ImpactCase = serde_json::from_str(&line).with_context(|| {
            format!(
                "{}:{}: not a case (case_ref, decided, request)",
                cases_path.display(),
                i + 1
            )
        })?;
        cases.push(case);
    }
    let report = policy::impact(&cases, &current, &staged);
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &report)?;
    writeln!(out)?;
    Ok(ExitCode::SUCCESS)
}
