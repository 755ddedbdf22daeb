//! socklab's own servers, graded by socklab's own grader: `socklab serve` with the service, the
//! mode and the protocol of a step passes every criterion of that step's server, as a
//! student's program would be graded (`socklab check ID -- COMMAND {port}`), the criteria read
//! from its trace included.

mod common;

use std::path::Path;
use std::process::Command;

use socklab::grade::catalogue::Catalogue;
use socklab::grade::{scenario, traced};

/// `socklab check ID [--part P] -- socklab serve ARGS --host :: --port {port}` exits 0, and its
/// checklist shows every criterion of the part's scenario passed.
fn graded_whole(id: &str, part: Option<&str>, serve: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalogue = Catalogue::load(Some(root)).expect("the catalogue loads");
    let exercise = catalogue.find(id).expect("the step exists");
    let the_part = exercise.part(part).expect("the part exists");
    let scenario_criteria = scenario::criteria(&the_part.scenario).expect("the scenario exists");
    // The trace criteria too: socklab's own servers make the calls the steps ask for.
    let criteria = traced::part_criteria(scenario_criteria, &the_part.trace);

    let mut check = Command::new(common::socklab());
    check.args(["--lang", "en", "--color", "never", "check", id]);
    if let Some(p) = part {
        check.args(["--part", p]);
    }
    check
        .arg("--")
        .arg(common::socklab())
        .arg("serve")
        .args(serve)
        .args(["--host", "::", "--port", "{port}"])
        .current_dir(root)
        .env("NO_COLOR", "1");
    let (status, stdout, stderr) = common::run_with_input(check, b"");
    let checklist = String::from_utf8_lossy(&stdout);
    let shown = format!("socklab serve {}:\n{checklist}\n{stderr}", serve.join(" "));

    // Some containers have no IPv6 loopback: there the grader says it could not check IPv6.
    let ipv6 = common::have_ipv6_loopback();
    for c in &criteria {
        let passed = format!("  ✔ {}\n", c.en);
        let skipped = format!("  – {}\n", c.en);
        assert!(
            checklist.contains(&passed)
                || (!ipv6 && c.id == "ipv4_ipv6" && checklist.contains(&skipped)),
            "criterion {} not passed by {shown}",
            c.id
        );
    }
    assert!(!checklist.contains('✘'), "a criterion failed: {shown}");
    if ipv6 {
        let n = criteria.len();
        assert!(checklist.contains(&format!("score: {n}/{n}")), "{shown}");
    }
    assert!(status.success(), "exit status {status:?}: {shown}");
}

/// Step 03: the TCP echo server, one client at a time.
#[test]
fn iterative_tcp_echo_passes_step_03() {
    graded_whole("03", None, &["echo", "--mode", "iterative"]);
}

/// Step 05: the UDP echo server, a 4,000-byte datagram included.
#[test]
fn udp_echo_passes_step_05() {
    graded_whole("05", None, &["echo", "--proto", "udp"]);
}

/// Step 06, the server: the message server over TCP, one client at a time as in the workshop.
#[test]
fn tcp_message_server_passes_step_06() {
    graded_whole("06", Some("serveur"), &["message", "--mode", "iterative"]);
}

/// Step 07, the server: the message server over UDP.
#[test]
fn udp_message_server_passes_step_07() {
    graded_whole("07", Some("serveur"), &["message", "--proto", "udp"]);
}

/// Step 09, the server: the relay giving the roles 1 and 2, one pair at a time as in the lab.
#[test]
fn relay_with_roles_passes_step_09() {
    graded_whole("09", Some("serveur"), &["relay", "--mode", "iterative"]);
}

/// Step 10: the echo server with poll (the labs' select).
#[test]
fn select_echo_passes_step_10() {
    graded_whole("10", None, &["echo", "--mode", "select"]);
}

/// Step 11: the echo server with a veilleur and an exécutant per connection.
#[test]
fn threads_echo_passes_step_11() {
    graded_whole("11", None, &["echo", "--mode", "threads"]);
}
