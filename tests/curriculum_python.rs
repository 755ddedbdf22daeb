//! The grader on programs written as the labs write them, in Python: the good ones pass, the
//! classic mistakes fail on the criterion they break, with a reason a student can act on; and
//! a whole class is graded at once with `--each`.

mod common;
mod curriculum_support;

use curriculum_support::{check_json, failures, socklab_in_root, status};

const DIR: &str = "tests/python/curriculum";

/// `socklab check ID [--part P] -- python3 FILE ARGS...`.
fn check_python(id: &str, part: Option<&str>, file: &str, args: &[&str]) -> serde_json::Value {
    let path = format!("{DIR}/{file}");
    let mut all: Vec<&str> = Vec::new();
    if let Some(p) = part {
        all.extend(["--part", p]);
    }
    all.extend(["--", "python3", &path]);
    all.extend(args);
    let (out, json) = check_json(id, &all);
    assert_eq!(
        out.status.success(),
        json["ok"] == true,
        "the exit status says what the report says: {json}"
    );
    json
}

#[test]
fn lab_style_programs_pass_their_steps() {
    if !common::have_tool("python3") {
        return;
    }
    let client = ["{host}", "{port}"];
    let server = ["{port}"];
    let cases: &[(&str, Option<&str>, &str, &[&str])] = &[
        ("01", None, "01_daytime.py", &client),
        ("02", None, "02_httpget.py", &client),
        ("03", None, "03_echo_server.py", &server),
        ("05", None, "05_echo_udp.py", &server),
        ("06", None, "06_message_server.py", &server),
        ("06", Some("client"), "06_message_client.py", &client),
        ("09", None, "09_relay_server.py", &server),
        ("09", Some("client"), "09_relay_client.py", &client),
        ("10", None, "10_echo_select.py", &server),
        ("11", None, "11_echo_threads.py", &server),
        ("13", None, "13_one_way_server.py", &server),
        ("13", Some("client"), "13_one_way_client.py", &client),
        (
            "13",
            Some("serveur-udp"),
            "13_one_way_server_udp.py",
            &server,
        ),
        (
            "13",
            Some("client-udp"),
            "13_one_way_client_udp.py",
            &client,
        ),
        ("14", None, "14_relay_udp.py", &server),
        ("15", None, "15_select_client.py", &client),
    ];
    std::thread::scope(|s| {
        for &(id, part, file, args) in cases {
            s.spawn(move || {
                let json = check_python(id, part, file, args);
                assert!(
                    json["ok"] == true,
                    "{file} fails step {id}: {:?}",
                    failures(&json)
                );
            });
        }
    });
}

/// A broken variant fails exactly the criteria given, each with a reason containing the text.
fn assert_fails_on(json: &serde_json::Value, expected: &[(&str, &str)]) {
    let failed = failures(json);
    let ids: Vec<&str> = failed.iter().map(|(id, _)| id.as_str()).collect();
    let want: Vec<&str> = expected.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, want, "{failed:#?}");
    for ((_, reason), (id, text)) in failed.iter().zip(expected) {
        assert!(
            reason.contains(text),
            "{id}: reason {reason:?} lacks {text:?}"
        );
    }
}

/// The lab's `data = sc.recv(1024); sc.send(data)` without the loop.
#[test]
fn an_echo_that_stops_at_the_first_1024_bytes_fails_the_large_echo() {
    if !common::have_tool("python3") {
        return;
    }
    let json = check_python("03", None, "03_echo_server_1024.py", &["{port}"]);
    assert_fails_on(
        &json,
        &[(
            "echo_large",
            "one recv does not get the whole message: receive and send back in a loop",
        )],
    );
    let reason = &failures(&json)[0].1;
    assert!(reason.starts_with("sent 102400 bytes, "), "{reason}");
    // It closed with most of the 100 KiB unread: its kernel reset the connection, and the
    // reason says why rather than quoting the error.
    assert!(
        reason.contains("then the server reset the connection (RST) instead of closing it (FIN)")
            && reason.contains("bytes the grader sent that the server never read"),
        "{reason}"
    );
}

/// The lab's first httpget.py: one `recv(1024)`, "why is the page truncated?".
#[test]
fn an_http_client_that_prints_only_the_first_recv_fails_the_whole_page() {
    if !common::have_tool("python3") {
        return;
    }
    let json = check_python(
        "02",
        None,
        "02_httpget_first_recv.py",
        &["{host}", "{port}"],
    );
    assert_fails_on(
        &json,
        &[
            (
                "whole_page",
                "one recv does not get the whole page; receive in a loop",
            ),
            (
                "trace_recv_until_eof",
                "the program stops reading before the server closes",
            ),
        ],
    );
    assert_eq!(status(&json, "refused"), "pass");
}

/// A one-recv echo client, its buffer smaller than a piece of the echo: part of the echo is
/// still unread in its receive buffer when it closes, so its kernel sends RST instead of FIN.
/// The reason says so, in both languages, not that the connection was left open.
#[test]
fn an_echo_client_that_closes_with_unread_echo_is_told_it_reset_the_connection() {
    if !common::have_tool("python3") {
        return;
    }
    let file = "04_echo_client_one_recv.py";
    let json = check_python("04", None, file, &["{host}", "{port}"]);
    assert_fails_on(
        &json,
        &[
            ("prints_echo", "the 3,000-byte line is not printed whole"),
            (
                "empty_line_ends",
                "the program reset the connection (RST) instead of closing it (FIN)",
            ),
        ],
    );
    let reason = &failures(&json)[1].1;
    assert!(
        reason.contains("still unread")
            && reason.contains("part of the echo, still in its receive buffer when it closed"),
        "{reason}"
    );
    let path = format!("{DIR}/{file}");
    let out = socklab_in_root(&[
        "--lang", "fr", "--color", "never", "check", "04", "--", "python3", &path, "{host}",
        "{port}",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("le programme a réinitialisé la connexion (RST) au lieu de la fermer (FIN)")
            && text.contains("n'ont pas été lus")
            && !text.contains("n'a pas été fermée"),
        "{text}"
    );
}

/// The daytime client's single `recv(1024)` kept for the echo: it reads the first piece of a
/// long echo and closes (FIN), before the rest arrives. It fails on the echo printed, not on
/// the close. Should it be slow enough for the next piece to arrive before its close, the close
/// is a reset, and said so.
#[test]
fn an_echo_client_that_closes_before_the_whole_echo_came_fails_on_the_echo_only() {
    if !common::have_tool("python3") {
        return;
    }
    let json = check_python(
        "04",
        None,
        "04_echo_client_recv_1024.py",
        &["{host}", "{port}"],
    );
    let failed = failures(&json);
    assert_eq!(
        failed.first().map(|(id, _)| id.as_str()),
        Some("prints_echo"),
        "{failed:#?}"
    );
    assert_eq!(status(&json, "sends_lines"), "pass");
    for (id, reason) in &failed[1..] {
        assert!(
            id == "empty_line_ends" && reason.contains("reset the connection (RST)"),
            "{failed:#?}"
        );
    }
}

#[test]
fn a_relay_that_swaps_the_roles_fails_on_the_roles() {
    if !common::have_tool("python3") {
        return;
    }
    let json = check_python("09", None, "09_relay_swapped.py", &["{port}"]);
    assert_fails_on(
        &json,
        &[
            (
                "role_1",
                "the first client to connect received \"2\" instead of \"1\"",
            ),
            ("role_2", "received \"1\" instead of \"2\""),
            ("relays", "not checked: the roles are wrong"),
            ("order", "not checked: the roles are wrong"),
            // The grader stopped at the wrong roles: nothing was relayed in the trace either.
            (
                "trace_relay",
                "nothing received on one connection is sent on another",
            ),
        ],
    );
}

/// `select` on the listening socket only, then each client served to the end.
#[test]
fn a_select_server_that_serves_one_client_at_a_time_fails_concurrency() {
    if !common::have_tool("python3") {
        return;
    }
    let json = check_python("10", None, "10_echo_select_one_at_a_time.py", &["{port}"]);
    assert_fails_on(
        &json,
        &[
            (
                "concurrent",
                "the second client got no echo within 3 s while the first stayed connected: \
                 the server serves one client at a time",
            ),
            ("many", "client 1 of 5"),
            // The trace shows why: a second recv on one client with no select between.
            (
                "trace_poll",
                "with no select/poll before it: that recv may block",
            ),
        ],
    );
    assert_eq!(status(&json, "echo_large"), "pass");
}

/// The lab's server without `if not data: break`: once the client has closed, every recv
/// returns b"" at once, and the loop prints empty messages without end.
#[test]
fn a_one_way_server_that_ignores_the_end_of_the_stream_fails_on_the_client_leaving() {
    if !common::have_tool("python3") {
        return;
    }
    let json = check_python("13", None, "13_one_way_server_no_end.py", &["{port}"]);
    assert_fails_on(
        &json,
        &[
            (
                "client_leaves",
                "once the client has closed, recv returns 0, at once and on every call",
            ),
            (
                "next_client",
                "not checked: the server loops on the client that left",
            ),
        ],
    );
    assert_eq!(status(&json, "several"), "pass");
}

/// A UDP relay that passes on whatever arrives once the roles are given, from any address.
#[test]
fn a_udp_relay_that_ignores_the_senders_address_fails_on_the_stranger() {
    if !common::have_tool("python3") {
        return;
    }
    let json = check_python("14", None, "14_relay_udp_any_sender.py", &["{port}"]);
    assert_fails_on(
        &json,
        &[(
            "only_emitter",
            "the receiver got \"intrus\", sent from a third address: compare the address \
             recvfrom gives with the emitter's",
        )],
    );
    assert_eq!(status(&json, "role_1"), "pass");
}

/// The client without select: readline, send, recv. Blocked in readline, it neither prints
/// what the server says unprompted nor sees the server close; the end of input it does see.
#[test]
fn a_client_blocked_on_the_keyboard_fails_where_the_server_speaks_first() {
    if !common::have_tool("python3") {
        return;
    }
    let json = check_python(
        "15",
        None,
        "15_client_stdin_first.py",
        &["{host}", "{port}"],
    );
    assert_fails_on(
        &json,
        &[
            (
                "prints_unprompted",
                "sent by the server while nothing was typed, is not printed within 3 s",
            ),
            (
                "prints_again",
                "sent right after it while nothing was typed: is the client blocked reading its \
                 standard input?",
            ),
            (
                "ends_on_close",
                "blocked reading its standard input, it does not see it",
            ),
            (
                "trace_poll",
                "recvfrom(3, \"bienvenue, ici le serveur\\n\", 1000, 0, NULL, NULL) = 26` with no \
                 select/poll before it",
            ),
        ],
    );
    assert_eq!(status(&json, "sends_typed"), "pass");
    assert_eq!(status(&json, "ends_on_eof"), "pass");
}

/// Five programs for step 03, some right, some with one classic mistake each: one row per
/// file, one column per criterion.
#[test]
fn each_grades_a_whole_class() {
    if !common::have_tool("python3") {
        return;
    }
    let run = |format: &[&str]| {
        let class = format!("{DIR}/class03/*.py");
        let mut args = vec![
            "--lang", "en", "--color", "never", "check", "03", "--each", &class,
        ];
        args.extend_from_slice(format);
        args.extend(["--", "python3", "{file}", "{port}"]);
        let out = socklab_in_root(&args);
        // Some students fail: the class as a whole does not pass.
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stdout).unwrap()
    };
    let csv = run(&["--csv"]);
    assert_eq!(
        csv,
        "file,listens,echo_small,echo_large,ipv4_ipv6,next_client,closes,restart,\
         trace_reuseaddr,trace_iterative,passed,total\n\
         alice.py,pass,pass,pass,pass,pass,pass,pass,pass,pass,9,9\n\
         bruno.py,pass,pass,fail,pass,pass,pass,pass,pass,pass,8,9\n\
         chloe.py,pass,pass,pass,pass,pass,pass,fail,fail,pass,7,9\n\
         david.py,pass,pass,pass,pass,pass,pass,pass,pass,pass,9,9\n\
         emma.py,pass,pass,pass,fail,pass,pass,pass,pass,pass,8,9\n"
    );
    let table = run(&[]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 6, "{table}");
    assert!(
        lines[0].starts_with("file") && lines[0].ends_with("trace_iterative  score"),
        "{table}"
    );
    assert!(
        lines[2].starts_with("bruno.py") && lines[2].ends_with("8/9"),
        "{table}"
    );
    assert_eq!(lines[2].matches('✘').count(), 1, "{table}");
    let json: serde_json::Value = serde_json::from_str(&run(&["--json"])).unwrap();
    let reports = json.as_array().unwrap();
    assert_eq!(reports.len(), 5);
    assert_eq!(reports[2]["subject"], "chloe.py");
    let chloe = failures(&reports[2]);
    // The restart fails, and the trace says why: no SO_REUSEADDR before bind.
    assert_eq!(chloe.len(), 2, "{chloe:?}");
    assert!(
        chloe[0].1.contains("set SO_REUSEADDR before bind"),
        "{chloe:?}"
    );
    assert!(
        chloe[1].0 == "trace_reuseaddr" && chloe[1].1.contains("bind("),
        "{chloe:?}"
    );
}

/// The port is also given as `PORT` in the environment, and a program started through a shell
/// is stopped whole (its process group): the restart criterion would find the old server
/// still listening otherwise.
#[test]
fn a_program_can_read_its_port_from_the_environment_through_a_shell() {
    if !common::have_tool("python3") {
        return;
    }
    let script = format!("python3 {DIR}/03_echo_server.py \"$PORT\"");
    let (out, json) = check_json("03", &["--", "sh", "-c", &script]);
    assert!(out.status.success(), "{:?}", failures(&json));
    assert_eq!(status(&json, "restart"), "pass");
}

/// A server that never closes its connected socket: the client that half-closes waits for an
/// end of stream that never comes, and the reason names the missing close. (It passed every
/// other criterion: the next client is served all the same.)
#[test]
fn a_server_that_never_closes_its_connection_fails_on_the_close() {
    if !common::have_tool("python3") {
        return;
    }
    for (step, file) in [
        ("03", "03_echo_server_no_close.py"),
        ("11", "11_echo_threads_no_close.py"),
    ] {
        let json = check_python(step, None, file, &["{port}"]);
        let failed = failures(&json);
        let ids: Vec<&str> = failed.iter().map(|(id, _)| id.as_str()).collect();
        // Step 03's restart criterion may fail too: connections the server never closed keep
        // the port. The close is what must be named, by the network criterion and by the
        // step's trace criterion.
        assert!(ids.contains(&"closes"), "{step}: {failed:#?}");
        let traced = if step == "03" {
            "trace_iterative"
        } else {
            "trace_thread_per_connection"
        };
        assert!(ids.contains(&traced), "{step}: {failed:#?}");
        assert!(
            ids.iter()
                .all(|id| ["closes", "restart", traced].contains(id)),
            "{step}: only the close (and its consequence) fails: {failed:#?}"
        );
        let reason = &failed.iter().find(|(id, _)| id == "closes").unwrap().1;
        assert!(
            reason.contains("does not close the connected socket")
                && reason.contains("close() at the end of the conversation is missing"),
            "{step}: {reason}"
        );
        let traced_reason = &failed.iter().find(|(id, _)| id == traced).unwrap().1;
        assert!(traced_reason.contains("close"), "{step}: {traced_reason}");
    }
}
