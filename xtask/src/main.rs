//! `cargo xtask test`: everything CI runs, in order, stopping at the first failure.
//!
//! 1. rustfmt check  2. clippy with `-D warnings`  3. every Rust test on SQLite
//! 4. the storage contract and API tests again on a throwaway PostgreSQL (initdb/pg_ctl in a
//!    temp dir on a free port)  5. the UI unit tests  6. the release build  7. Playwright browser
//!    tests in Debian's Chromium against the release server.
#![forbid(unsafe_code)]

mod postgres;
mod process;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use process::{free_port, run, Server};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => match args.get(1).map(String::as_str) {
            None => test_all(None),
            Some("--only") if args.len() == 3 => test_all(Some(&args[2])),
            _ => usage(),
        },
        _ => usage(),
    };
    if let Err(e) = result {
        eprintln!("xtask: {e:#}");
        std::process::exit(1);
    }
}

fn usage() -> Result<()> {
    eprintln!("usage: cargo xtask test [--only <step name part, e.g. postgres, browser>]");
    std::process::exit(2);
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// One named stage of the pipeline.
type Step = Box<dyn Fn() -> Result<()>>;

fn test_all(only: Option<&str>) -> Result<()> {
    let web = root().join("web");
    let steps: Vec<(&str, Step)> = vec![
        (
            "rustfmt",
            Box::new(|| {
                run(cargo()
                    .args(["fmt", "--all", "--", "--check"])
                    .current_dir(root()))
            }),
        ),
        (
            "clippy",
            Box::new(|| {
                run(cargo()
                    .args([
                        "clippy",
                        "--workspace",
                        "--all-targets",
                        "--",
                        "-D",
                        "warnings",
                    ])
                    .current_dir(root()))
            }),
        ),
        (
            "rust tests (SQLite)",
            Box::new(|| {
                run(cargo()
                    .args(["test", "--workspace"])
                    .env_remove("YUVERSE_TEST_DATABASE_URL")
                    .current_dir(root()))
            }),
        ),
        ("API tests (PostgreSQL)", Box::new(postgres_suite)),
        ("UI unit tests", Box::new(move || ui_unit_tests(&web))),
        (
            "release build",
            Box::new(|| {
                run(cargo()
                    .args(["build", "--release", "-p", "yuverse"])
                    .current_dir(root()))
            }),
        ),
        ("browser tests", Box::new(browser_tests)),
    ];
    let steps: Vec<_> = steps
        .into_iter()
        .filter(|(name, _)| only.is_none_or(|o| name.to_lowercase().contains(&o.to_lowercase())))
        .collect();
    let total = steps.len();
    let mut passed = 0;
    for (name, step) in steps {
        let started = Instant::now();
        eprintln!("\n==> xtask: {name}");
        step().with_context(|| format!("step `{name}` failed"))?;
        passed += 1;
        eprintln!("==> xtask: {name} ok ({:.0?})", started.elapsed());
    }
    println!("xtask: {passed} passed, {} failed", total - passed);
    Ok(())
}

fn postgres_suite() -> Result<()> {
    let cluster = postgres::Cluster::start()?;
    let url = cluster.url();
    run(cargo()
        .args([
            "test",
            "-p",
            "yuverse-server",
            "--test",
            "api",
            "--test",
            "twin",
            "--test",
            "devices",
            "--test",
            "sim",
            "--test",
            "plan",
        ])
        .env("YUVERSE_TEST_DATABASE_URL", &url)
        .current_dir(root()))
}

fn npm_install_if_missing(web: &Path) -> Result<()> {
    if !web.join("node_modules").exists() {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(web))?;
    }
    Ok(())
}

fn ui_unit_tests(web: &Path) -> Result<()> {
    npm_install_if_missing(web)?;
    run(Command::new("npm")
        .args(["run", "test:unit"])
        .current_dir(web))
}

const E2E_ADMIN_PASSWORD: &str = "E2e-Admin-Passw0rd!";
const E2E_DEMO_PASSWORD: &str = "E2e-Demo-Passw0rd!";

fn browser_tests() -> Result<()> {
    let root = root();
    let web = root.join("web");
    if !Path::new("/usr/bin/chromium").exists() {
        bail!("Debian's Chromium is missing: apt-get install chromium (as .ci/run does)");
    }
    let data = tempdir("yuverse-e2e")?;
    let port = free_port()?;
    let mqtt_port = free_port()?;
    let binary = root.join("target/release/yuverse");
    let mut command = Command::new(&binary);
    // The demo runs the district simulator over the embedded broker: a few hundred devices
    // reporting every few seconds, so the map test sees simulated markers change.
    command
        .args([
            "serve",
            "--demo",
            "--sim-devices",
            "300",
            "--sim-interval-seconds",
            "3",
        ])
        .arg("--mqtt-listen")
        .arg(format!("127.0.0.1:{mqtt_port}"))
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(&data)
        .env("YUVERSE_ADMIN_PASSWORD", E2E_ADMIN_PASSWORD)
        .env("YUVERSE_DEMO_PASSWORD", E2E_DEMO_PASSWORD)
        .env_remove("YUVERSE_DATABASE_URL");
    let server = Server::start(command, port, &data.join("server.log"))?;
    let result = run(Command::new("npm")
        .args(["run", "test:e2e"])
        .env("E2E_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("E2E_ADMIN_PASSWORD", E2E_ADMIN_PASSWORD)
        .env("E2E_DEMO_PASSWORD", E2E_DEMO_PASSWORD)
        .current_dir(&web));
    server.stop();
    if result.is_ok() {
        let _ = std::fs::remove_dir_all(&data);
    } else {
        eprintln!("server log kept in {}", data.join("server.log").display());
    }
    result
}

pub fn tempdir(prefix: &str) -> Result<PathBuf> {
    let dir =
        std::env::temp_dir().join(format!("{prefix}-{}-{}", std::process::id(), free_port()?));
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    Ok(dir)
}
