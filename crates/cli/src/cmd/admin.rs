//! `exportctl admin ...`: administration from the shell, acting directly on the database as the
//! administrator of the machine (audited as actor "system").

use crate::config::{runtime, DbArgs};
use app::model::{GradeChange, NewOrganisation, NewToken, NewUser};
use app::Principal;
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Args)]
pub struct AdminArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create an organisation (an exporting company).
    CreateOrg {
        #[arg(long)]
        name: String,
        /// ISO 3166-1 alpha-2 country of establishment.
        #[arg(long)]
        country: String,
    },
    /// List organisations (a header line, then one tab-separated line each; or JSON).
    ListOrgs(ListFormat),
    /// Create a user and print its API token once.
    CreateUser {
        #[arg(long)]
        username: String,
        /// exporter, officer, adviser, policy-admin, auditor or admin.
        #[arg(long)]
        role: String,
        /// For advisers: human-rights, defence, foreign-affairs or economy-cyber.
        #[arg(long)]
        review_kind: Option<String>,
        /// For exporters: the organisation id.
        #[arg(long)]
        org: Option<String>,
        /// Token lifetime in days.
        #[arg(long)]
        days: Option<u32>,
        /// Also set the user's password for the web pages, read from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password for the web pages, read from the first line of standard input (never from the
    /// command line); ends the user's sessions.
    SetPassword { username: String },
    /// List users (a header line, then one tab-separated line each; or JSON).
    ListUsers(ListFormat),
    /// Set an officer's grade: `senior` (gives the countersignature the policy reserves to a senior officer)
    /// or `standard`. Audited with the reason.
    SetGrade {
        /// The officer's username or id.
        user: String,
        /// standard or senior.
        grade: String,
        #[arg(long)]
        reason: String,
    },
    /// Issue another token for a user and print it once.
    CreateToken {
        /// The user's username or id.
        #[arg(long)]
        user: String,
        #[arg(long)]
        days: Option<u32>,
        #[arg(long)]
        label: Option<String>,
    },
    /// List tokens, never their secrets (a header line, then one tab-separated line each; or JSON).
    ListTokens(ListFormat),
    /// Revoke a token by id.
    RevokeToken { id: String },
    /// Verify the audit log (an alias of `exportctl audit verify`).
    VerifyAudit,
}

/// How `list-*` commands print.
#[derive(Args)]
pub struct ListFormat {
    /// `table`: a header line, then one tab-separated line per record; `json`: a JSON array.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Table,
    Json,
}

/// Prints `rows` as a table under `header` (tab-separated) or as a JSON array of `records`.
fn print_list<T: serde::Serialize>(
    f: &ListFormat,
    header: &[&str],
    records: &[T],
    rows: Vec<Vec<String>>,
) {
    match f.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(records).unwrap_or_else(|_| "[]".into())
        ),
        Format::Table => {
            println!("{}", header.join("\t"));
            for r in rows {
                println!("{}", r.join("\t"));
            }
        }
    }
}

/// The first line of standard input, without its line ending (a prompt on standard error when it is a terminal).
fn read_password() -> Result<String, String> {
    use std::io::{BufRead, IsTerminal, Write};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (input is shown; pipe it in to hide it): ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let p = line.strip_suffix('\n').unwrap_or(&line);
    let p = p.strip_suffix('\r').unwrap_or(p);
    if p.is_empty() {
        return Err("no password on standard input".into());
    }
    Ok(p.to_string())
}

fn parse<T: std::str::FromStr<Err = String>>(field: &str, v: &str) -> anyhow::Result<T> {
    v.parse().map_err(|e| anyhow::anyhow!("--{field}: {e}"))
}

pub fn run(a: AdminArgs) -> anyhow::Result<ExitCode> {
    if let AdminCommand::VerifyAudit = a.command {
        let keys = crate::config::KeyArgs {
            signing_key_file: std::env::var_os("EXPORTCTL_SIGNING_KEY_FILE").map(Into::into),
        };
        return crate::cmd::audit::verify(&a.db, &keys, None);
    }
    runtime()?.block_on(async move {
        let app = a.db.open_app().await?;
        let root = Principal::shell_operator();
        let r: Result<(), app::AppError> = async {
            match a.command {
                AdminCommand::CreateOrg { name, country } => {
                    let country = domain::CountryCode::parse(&country)
                        .map_err(|e| app::AppError::invalid("country", e))?;
                    let o = app
                        .create_organisation(&root, NewOrganisation { name, country })
                        .await?;
                    println!("{}", serde_json::to_string_pretty(&o).unwrap_or_default());
                }
                AdminCommand::ListOrgs(f) => {
                    let orgs = app
                        .organisations(&root, &app::listing::Page::all())
                        .await?
                        .items;
                    let rows = orgs
                        .iter()
                        .map(|o| vec![o.id.clone(), o.country.to_string(), o.name.clone()])
                        .collect();
                    print_list(&f, &["id", "country", "name"], &orgs, rows);
                }
                AdminCommand::CreateUser {
                    username,
                    role,
                    review_kind,
                    org,
                    days,
                    password_stdin,
                } => {
                    let password = if password_stdin {
                        let p =
                            read_password().map_err(|e| app::AppError::invalid("password", e))?;
                        app::auth::check_password("password", &p)?;
                        Some(p)
                    } else {
                        None
                    };
                    let role = parse::<domain::Role>("role", &role)
                        .map_err(|e| app::AppError::invalid("role", e.to_string()))?;
                    let review_kind = review_kind
                        .map(|k| parse::<domain::ReviewKind>("review-kind", &k))
                        .transpose()
                        .map_err(|e| app::AppError::invalid("review-kind", e.to_string()))?;
                    let u = app
                        .create_user(
                            &root,
                            NewUser {
                                username,
                                role,
                                review_kind,
                                org_id: org,
                                token_days: days,
                            },
                        )
                        .await?;
                    println!(
                        "user {} ({}) created: id {}",
                        u.user.username, u.user.role, u.user.id
                    );
                    if let Some(t) = u.token {
                        println!("token (shown once, expires {}): {}", t.expires_at, t.token);
                    }
                    if let Some(p) = password {
                        app.set_password(&root, &u.user.username, &p).await?;
                        println!("password set");
                    }
                }
                AdminCommand::SetPassword { username } => {
                    let p = read_password().map_err(|e| app::AppError::invalid("password", e))?;
                    app.set_password(&root, &username, &p).await?;
                    println!("password set for {username}; its sessions have ended");
                }
                AdminCommand::ListUsers(f) => {
                    let users = app.users(&root, &app::listing::Page::all()).await?.items;
                    let rows = users
                        .iter()
                        .map(|u| {
                            vec![
                                u.id.clone(),
                                u.username.clone(),
                                u.role.to_string(),
                                u.review_kind.map(|k| k.to_string()).unwrap_or_default(),
                                u.org_id.clone().unwrap_or_default(),
                                u.grade.map(|g| g.to_string()).unwrap_or_default(),
                            ]
                        })
                        .collect();
                    print_list(
                        &f,
                        &["id", "username", "role", "review_kind", "org_id", "grade"],
                        &users,
                        rows,
                    );
                }
                AdminCommand::SetGrade {
                    user,
                    grade,
                    reason,
                } => {
                    let grade = parse::<domain::OfficerGrade>("grade", &grade)
                        .map_err(|e| app::AppError::invalid("grade", e.to_string()))?;
                    let users = app.users(&root, &app::listing::Page::all()).await?.items;
                    let id = users
                        .iter()
                        .find(|u| u.username == user || u.id == user)
                        .map(|u| u.id.clone())
                        .ok_or(app::AppError::NotFound("user"))?;
                    let u = app
                        .set_user_grade(&root, &id, GradeChange { grade, reason })
                        .await?;
                    println!(
                        "{} is now a {} officer",
                        u.username,
                        u.grade.map(|g| g.to_string()).unwrap_or_default()
                    );
                }
                AdminCommand::CreateToken { user, days, label } => {
                    let t = app
                        .create_token(&root, &user, NewToken { label, days })
                        .await?;
                    println!(
                        "token {} (shown once, expires {}): {}",
                        t.token_id, t.expires_at, t.token
                    );
                }
                AdminCommand::ListTokens(f) => {
                    let tokens = app.tokens(&root, &app::listing::Page::all()).await?.items;
                    let rows = tokens
                        .iter()
                        .map(|t| {
                            vec![
                                t.id.clone(),
                                t.user_id.clone(),
                                t.label.clone(),
                                t.expires_at.clone(),
                                t.revoked_at
                                    .as_ref()
                                    .map(|r| format!("revoked {r}"))
                                    .unwrap_or_else(|| "live".into()),
                            ]
                        })
                        .collect();
                    print_list(
                        &f,
                        &["id", "user_id", "label", "expires_at", "status"],
                        &tokens,
                        rows,
                    );
                }
                AdminCommand::RevokeToken { id } => {
                    let t = app.revoke_token(&root, &id).await?;
                    println!(
                        "token {} revoked at {}",
                        t.id,
                        t.revoked_at.unwrap_or_default()
                    );
                }
                AdminCommand::VerifyAudit => unreachable!("handled by audit::verify above"),
            }
            Ok(())
        }
        .await;
        app.store.close().await;
        match r {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(e) => {
                eprintln!("error: {e}");
                Ok(ExitCode::from(1))
            }
        }
    })
}
