//! `serve --config FILE` (`EXPORTCTL_CONFIG`): the same settings as `serve`'s flags, in TOML, keyed by the
//! flags' long names without the dashes in front (`listen = "0.0.0.0:8080"`, `required-lists = ["un-sc",
//! "ofac-sdn"]`, `demo = false`). A value given on the command line wins over the environment, which wins
//! over the file, which wins over the default. The file is turned into command-line arguments before the
//! command line is parsed, so every value goes through the flag's own parser and range check, and an error
//! names the flag; a key that is no flag of `serve` is refused with the file's name.

use anyhow::{bail, Context};
use clap::ArgAction;
use std::ffi::OsString;
use std::path::Path;

/// The flags of `serve` that a file may set: (long name, environment variable, takes no value).
fn serve_flags(serve: &clap::Command) -> Vec<(String, Option<String>, bool)> {
    serve
        .get_arguments()
        .filter_map(|a| {
            let long = a.get_long()?;
            if matches!(long, "config" | "help" | "version") {
                return None;
            }
            let env = a.get_env().map(|e| e.to_string_lossy().into_owned());
            let switch = matches!(a.get_action(), ArgAction::SetTrue | ArgAction::SetFalse);
            Some((long.to_string(), env, switch))
        })
        .collect()
}

/// The command-line arguments a configuration file stands for, for the flags of `serve` (`serve`'s
/// `clap::Command`), leaving out the flags given in `given` (the command line) or set in the environment.
pub fn file_args(
    serve: &clap::Command,
    file: &Path,
    given: &[String],
    env_set: &dyn Fn(&str) -> bool,
) -> anyhow::Result<Vec<OsString>> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the configuration file {}", file.display()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", file.display()))?;
    let flags = serve_flags(serve);
    let mut out = Vec::new();
    for (key, value) in &table {
        let Some((long, env, switch)) = flags.iter().find(|(l, _, _)| l == key) else {
            let mut known: Vec<&str> = flags.iter().map(|(l, _, _)| l.as_str()).collect();
            known.sort_unstable();
            bail!(
                "{}: unknown setting {key:?}; the settings are the long flags of `exportctl serve`: {}",
                file.display(),
                known.join(", ")
            );
        };
        let flag = format!("--{long}");
        let on_command_line = given
            .iter()
            .any(|g| *g == flag || g.starts_with(&format!("{flag}=")));
        if on_command_line || env.as_deref().is_some_and(env_set) {
            continue;
        }
        let text = |v: &toml::Value| -> anyhow::Result<String> {
            Ok(match v {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => bail!(
                    "{}: {key}: expected a string, number or boolean, got {}",
                    file.display(),
                    other.type_str()
                ),
            })
        };
        match value {
            toml::Value::Boolean(b) if *switch => {
                if *b {
                    out.push(flag.into());
                }
            }
            _ if *switch => bail!(
                "{}: {key}: expected true or false, got {value}",
                file.display()
            ),
            toml::Value::Array(items) => {
                for item in items {
                    out.push(flag.clone().into());
                    out.push(text(item)?.into());
                }
            }
            v => {
                out.push(flag.into());
                out.push(text(v)?.into());
            }
        }
    }
    Ok(out)
}

/// The configuration file named by `--config FILE`/`--config=FILE` in `args`, or by `EXPORTCTL_CONFIG`.
pub fn named(args: &[String]) -> Option<std::path::PathBuf> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--config" {
            return it.next().map(Into::into);
        }
        if let Some(v) = a.strip_prefix("--config=") {
            return Some(v.into());
        }
    }
    std::env::var_os("EXPORTCTL_CONFIG").map(Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, Command};

    fn serve() -> Command {
        Command::new("serve")
            .arg(Arg::new("listen").long("listen").env("T_LISTEN"))
            .arg(Arg::new("demo").long("demo").action(ArgAction::SetTrue))
            .arg(
                Arg::new("required-lists")
                    .long("required-lists")
                    .env("T_REQUIRED")
                    .action(ArgAction::Append),
            )
            .arg(Arg::new("config").long("config"))
    }

    fn args(toml: &str, given: &[&str], env: &[&str]) -> anyhow::Result<Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, toml).unwrap();
        let given: Vec<String> = given.iter().map(|s| s.to_string()).collect();
        let env: Vec<String> = env.iter().map(|s| s.to_string()).collect();
        Ok(
            file_args(&serve(), &f, &given, &|e| env.iter().any(|x| x == e))?
                .into_iter()
                .map(|a| a.into_string().unwrap())
                .collect(),
        )
    }

    #[test]
    fn settings_become_flags_unless_given_or_in_the_environment() {
        let file = "listen = \"0.0.0.0:1\"\ndemo = true\nrequired-lists = [\"un-sc\", \"uk\"]\n";
        assert_eq!(
            args(file, &[], &[]).unwrap(),
            [
                "--demo",
                "--listen",
                "0.0.0.0:1",
                "--required-lists",
                "un-sc",
                "--required-lists",
                "uk"
            ]
        );
        assert_eq!(
            args(file, &["--listen=1.2.3.4:5"], &["T_REQUIRED"]).unwrap(),
            ["--demo"]
        );
        assert_eq!(
            args("demo = false\n", &[], &[]).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_refused_naming_the_key() {
        let e = args("listn = \"x\"\n", &[], &[]).unwrap_err().to_string();
        assert!(
            e.contains("\"listn\"") && e.contains("demo, listen, required-lists"),
            "{e}"
        );
        let e = args("demo = \"yes\"\n", &[], &[]).unwrap_err().to_string();
        assert!(e.contains("demo: expected true or false"), "{e}");
        let e = args("listen = { a = 1 }\n", &[], &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("listen: expected a string"), "{e}");
        let e = args("listen = \n", &[], &[]).unwrap_err().to_string();
        assert!(e.contains("is not valid TOML"), "{e}");
    }
}
