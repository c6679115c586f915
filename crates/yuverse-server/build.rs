//! Builds the web UI (`web/`) into `web/dist` so the binary can embed it.
//!
//! With Node and npm on the machine, runs `npm ci` (when `node_modules` is missing) and
//! `npm run build`. Without them, or with `YUVERSE_SKIP_WEB_BUILD=1`, keeps an existing
//! `web/dist` or writes a one-page notice there, so that a machine with nothing but Rust still
//! builds and tests the server.

use std::path::Path;
use std::process::Command;

fn main() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    let dist = web.join("dist");
    for watched in [
        "src",
        "public",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=YUVERSE_SKIP_WEB_BUILD");

    let skip = std::env::var_os("YUVERSE_SKIP_WEB_BUILD").is_some_and(|v| v != "0");
    let npm_available = Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if skip || !npm_available || !web.join("package.json").exists() {
        if !dist.join("index.html").exists() {
            write_notice(&dist);
        }
        return;
    }
    if !web.join("node_modules").exists() {
        run(Command::new("npm")
            .arg("ci")
            .arg("--no-audit")
            .arg("--no-fund")
            .current_dir(&web));
    }
    run(Command::new("npm").args(["run", "build"]).current_dir(&web));
}

fn run(command: &mut Command) {
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(status.success(), "{command:?} failed; see its output above");
}

fn write_notice(dist: &Path) {
    std::fs::create_dir_all(dist).expect("create web/dist");
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>Yuverse</title>\
         <p>界面未构建：此二进制构建时没有 Node.js/npm。API 可用，见 <a href=\"/api/docs\">/api/docs</a>。</p>\
         <p>The web UI was not built (no Node.js/npm at build time). The API works: see \
         <a href=\"/api/docs\">/api/docs</a>.</p></html>\n",
    )
    .expect("write web/dist/index.html");
}
