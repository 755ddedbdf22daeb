//! The exit codes are documented in three places that must agree: the table in `error::exit`,
//! `socklab --help`, and the README. And `socklab connect --help` shows how to use each client.

mod common;

use std::process::Command;

use common::*;
use socklab::error::exit;

/// Every code of `error::exit` (and 130, a second Ctrl+C) has its line in `--help` and its row
/// in the README, and no other code appears there.
#[test]
fn help_readme_and_code_agree() {
    let codes = [
        exit::OK,
        exit::FAILURE,
        exit::USAGE,
        exit::UNKNOWN_HOST,
        exit::REFUSED,
        exit::TIMEOUT,
        exit::RESET,
        exit::UNREACHABLE,
        exit::CANNOT_LISTEN,
        exit::HTTP_ERROR,
        exit::NO_ANSWER,
        socklab::signals::INTERRUPTED,
    ];
    let out = Command::new(socklab()).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let section = help.split("Exit codes:").nth(1).expect(&help);
    let in_help: Vec<i32> = section
        .lines()
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    assert_eq!(in_help, codes, "{section}");

    let readme =
        read_to_string(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"));
    let table = readme
        .split("## Exit codes")
        .nth(1)
        .expect("README has an exit code table");
    let in_readme: Vec<i32> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| ")?.split(' ').next()?.parse().ok())
        .collect();
    assert_eq!(in_readme, codes, "{table}");
}

/// `socklab connect --help` names every client, the options, and examples.
#[test]
fn connect_help_has_examples() {
    let out = Command::new(socklab())
        .args(["connect", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for words in [
        "daytime",
        "http-get",
        "echo",
        "message",
        "relay",
        "--proto",
        "--timeout",
        "--body",
        "socklab connect http-get http://127.0.0.1:8000/page.html --body",
        "socklab connect daytime --proto udp",
    ] {
        assert!(help.contains(words), "{words}: {help}");
    }
}
