//! `serve --config FILE` and `exportctl config check FILE`: a TOML file keyed by `serve`'s flag names; the
//! command line wins over the environment, which wins over the file.

use std::process::Command;

fn exportctl() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_exportctl"));
    c.env_remove("EXPORTCTL_LISTEN")
        .env_remove("EXPORTCTL_CONFIG");
    c
}

fn taken() -> (std::net::TcpListener, String) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap().to_string();
    (l, a)
}

#[test]
fn config_check_accepts_a_good_file_and_names_the_bad_setting() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "listen = \"0.0.0.0:8080\"\nreload-interval = 5\nrequired-lists = [\"un-sc\", \"ofac-sdn\"]\n\
         database = \"postgres://exportctl:secret@db/exportctl\"\nsecure-cookies = true\n",
    )
    .unwrap();
    let out = exportctl()
        .args(["config", "check"])
        .arg(&good)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("ok, 6 setting(s)"), "{stdout}");
    assert!(stdout.contains("listen = 0.0.0.0:8080"), "{stdout}");
    assert!(stdout.contains("database = <redacted>"), "{stdout}");
    assert!(!stdout.contains("secret"), "{stdout}");

    for (text, needle) in [
        ("listn = \"0.0.0.0:1\"\n", "unknown setting \"listn\""),
        ("reload-interval = 0\n", "--reload-interval"),
        ("listen = \"not an address\"\n", "--listen"),
        (
            "secure-cookies = \"yes\"\n",
            "secure-cookies: expected true or false",
        ),
        ("listen = [\n", "is not valid TOML"),
    ] {
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, text).unwrap();
        let out = exportctl()
            .args(["config", "check"])
            .arg(&bad)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{text}: accepted");
        assert!(err.contains(needle), "{text}: {err}");
    }
}

#[test]
fn serve_takes_settings_from_the_file_unless_given_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let (_a, in_file) = taken();
    let (_b, in_env) = taken();
    let (_c, on_line) = taken();
    let file = dir.path().join("exportctl.toml");
    std::fs::write(&file, format!("listen = \"{in_file}\"\n")).unwrap();
    let data = dir.path().join("data");
    // Each run fails to bind, naming the address it took: which one shows where the setting came from.
    let bound = |cmd: &mut Command| {
        let out = cmd.arg("--data-dir").arg(&data).output().unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = bound(exportctl().args(["serve", "--config"]).arg(&file));
    assert!(
        err.contains(&format!("cannot listen on {in_file}")),
        "{err}"
    );
    let err = bound(
        exportctl()
            .env("EXPORTCTL_CONFIG", &file)
            .env("EXPORTCTL_LISTEN", &in_env)
            .arg("serve"),
    );
    assert!(err.contains(&format!("cannot listen on {in_env}")), "{err}");
    let err = bound(
        exportctl()
            .env("EXPORTCTL_LISTEN", &in_env)
            .args(["serve", "--listen", &on_line, "--config"])
            .arg(&file),
    );
    assert!(
        err.contains(&format!("cannot listen on {on_line}")),
        "{err}"
    );
    assert!(!data.exists(), "nothing was created");
}
