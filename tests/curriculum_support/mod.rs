//! Shared by the curriculum tests: the catalogue, the fifteen steps' programs built once, and
//! `socklab check` run with its JSON read back. Uses `tests/common`, which the test declares.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use socklab::grade::catalogue::Catalogue;
use socklab::grade::catalogue::Exercise;

use super::common::socklab_in;

/// `socklab ARGS...` in the project's root, where the catalogue is.
pub fn socklab_in_root(args: &[&str]) -> Output {
    socklab_in(root(), args)
}

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn catalogue() -> Catalogue {
    Catalogue::load(Some(root())).expect("the catalogue loads")
}

/// Every example (the fifteen exercises and the fifteen solutions), built by one
/// `cargo build --examples` by name. With the test profile, which `cargo test` builds the
/// examples with: after a whole `cargo test` build there is nothing left to do.
pub fn examples() -> &'static HashMap<String, PathBuf> {
    static BUILT: OnceLock<HashMap<String, PathBuf>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let out = Command::new(cargo)
            .args([
                "build",
                "--quiet",
                "--examples",
                "--profile",
                "test",
                "--message-format=json",
            ])
            .current_dir(root())
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .expect("run cargo");
        assert!(out.status.success(), "cargo build --examples failed");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["reason"] == "compiler-artifact")
            .filter_map(|v| {
                let name = v["target"]["name"].as_str()?.to_string();
                let exe = v["executable"].as_str()?;
                Some((name, PathBuf::from(exe)))
            })
            .collect()
    })
}

/// The built program of a step: its exercise or its solution.
pub fn program(ex: &Exercise, solution: bool) -> PathBuf {
    let name = ex.example(solution);
    examples()
        .get(&name)
        .unwrap_or_else(|| panic!("example {name} was not built"))
        .clone()
}

/// `socklab check ID --json [args...]`: the exit status and the report.
pub fn check_json(id: &str, args: &[&str]) -> (Output, serde_json::Value) {
    let mut all = vec!["--lang", "en", "check", id, "--json"];
    all.extend_from_slice(args);
    let out = socklab_in_root(&all);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "socklab check {id} {args:?} printed no JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, json)
}

/// The criteria that failed in a report, with their reasons.
pub fn failures(report: &serde_json::Value) -> Vec<(String, String)> {
    report["parts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["criteria"].as_array().cloned().unwrap_or_default())
        .filter(|c| c["status"] == "fail")
        .map(|c| {
            (
                c["id"].as_str().unwrap_or("").to_string(),
                c["reason"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The status of one criterion.
pub fn status(report: &serde_json::Value, criterion: &str) -> String {
    report["parts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["criteria"].as_array().cloned().unwrap_or_default())
        .find(|c| c["id"] == criterion)
        .and_then(|c| c["status"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no criterion {criterion} in {report}"))
}
