//! `socklab serve --recv-size N`: the buffer each TCP `recv` is given, as strace sees it in
//! the `recvfrom` calls; the echo stays byte-exact whatever the size, in every mode; UDP,
//! whose datagrams are read whole, refuses it.

mod common;

use std::net::Shutdown;
use std::process::Command;

use common::*;

/// `strace -f -e trace=recvfrom -o LOG socklab serve echo --recv-size SIZE`, 100 KiB echoed
/// through it, stopped: the buffer sizes of the server's `recvfrom` calls on the connection.
fn recv_sizes_under_strace(size: Option<&str>) -> Vec<u64> {
    let dir = temp_dir("recv-size-strace");
    let log = dir.join("strace.log");
    let mut c = Command::new("strace");
    c.args([
        "-f",
        "-qq",
        "-e",
        "trace=recvfrom",
        "-e",
        "signal=none",
        "-o",
    ])
    .arg(&log)
    .arg(socklab())
    .args([
        "serve", "echo", "--port", "0", "--trace", "off", "--lang", "en",
    ]);
    if let Some(size) = size {
        c.args(["--recv-size", size]);
    }
    let server = Server::start(c);
    let data = Rng(7).bytes(100 * 1024);
    let mut s = connect(server.addr);
    let reader = read_to_end_in_background(&s);
    std::io::Write::write_all(&mut s, &data).unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    assert!(reader.join().unwrap() == data, "the echo is byte-exact");
    stop(server);
    // `[pid N] recvfrom(5, "..."..., 65536, 0, NULL, NULL) = 1500`: the size is the fourth
    // argument from the end (the data before it may hold anything).
    read_to_string(&log)
        .lines()
        .filter(|l| l.contains("recvfrom("))
        .filter_map(|l| {
            let call = l.split(") = ").next()?;
            call.rsplit(", ").nth(3)?.parse().ok()
        })
        .collect()
}

#[test]
fn strace_sees_the_size_given_to_recv() {
    if !have_tool("strace") {
        return;
    }
    let default = recv_sizes_under_strace(None);
    assert!(!default.is_empty(), "no recvfrom seen");
    assert!(default.iter().all(|&n| n == 1500), "{default:?}");
    let large = recv_sizes_under_strace(Some("65536"));
    assert!(!large.is_empty(), "no recvfrom seen");
    assert!(large.iter().all(|&n| n == 65536), "{large:?}");
    // 100 KiB in 64 KiB reads takes fewer calls than in the labs' 1500-byte ones (at least
    // 69 of those).
    assert!(default.len() >= 69, "{}", default.len());
    assert!(
        large.len() < default.len(),
        "{} vs {}",
        large.len(),
        default.len()
    );
}

#[test]
fn every_mode_echoes_exactly_with_a_tiny_buffer() {
    for mode in ["threads", "select", "iterative", "fork"] {
        let server = serve("echo", &["--mode", mode, "--recv-size", "7"]);
        let data = Rng(11).bytes(20_000);
        let mut s = connect(server.addr);
        let reader = read_to_end_in_background(&s);
        std::io::Write::write_all(&mut s, &data).unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        assert!(
            reader.join().unwrap() == data,
            "{mode}: the echo is byte-exact"
        );
        stop(server);
    }
}

#[test]
fn udp_and_zero_are_usage_errors() {
    for (args, says) in [
        (
            &["serve", "echo", "--proto", "udp", "--recv-size", "4096"][..],
            "--recv-size is for TCP",
        ),
        (&["serve", "echo", "--recv-size", "0"][..], "--recv-size"),
    ] {
        let out = socklab_run("en", args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", err(&out));
        assert!(err(&out).contains(says), "{args:?}: {}", err(&out));
        assert!(!err(&out).contains("panicked"), "{}", err(&out));
    }
    let out = socklab_run(
        "fr",
        &["serve", "echo", "--proto", "udp", "--recv-size", "9"],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err(&out).contains("un serveur UDP lit chaque datagramme en entier"),
        "{}",
        err(&out)
    );
}
