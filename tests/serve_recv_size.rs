//! `socklab serve --recv-size N`: the buffer each TCP `recv` is given, as strace sees it in
//! the `recvfrom` calls; the echo stays byte-exact whatever the size, in every mode; UDP,
//! whose datagrams are read whole, refuses it.

mod common;

use std::net::Shutdown;
use std::process::Command;

use common::*;

/// What strace saw of a server and what the server said when it stopped.
struct Seen {
    /// The buffer size of each `recvfrom` that returned.
    sizes: Vec<u64>,
    /// Every `recvfrom` and `sendto` strace saw, returned or not yet.
    recvfrom: usize,
    sendto: usize,
    /// What the server printed after its banner (its summary).
    printed: String,
}

/// `strace -f -e trace=recvfrom,sendto -o LOG socklab serve echo --recv-size SIZE`, 100 KiB
/// echoed through it, stopped: the server's `recvfrom` and `sendto` calls, and its summary.
fn under_strace(size: Option<&str>) -> Seen {
    let dir = temp_dir("recv-size-strace");
    let log = dir.join("strace.log");
    let mut c = Command::new("strace");
    c.args([
        "-f",
        "-qq",
        "-e",
        "trace=recvfrom,sendto",
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
    let (printed, _) = stop(server);
    let log = read_to_string(&log);
    // `[pid N] recvfrom(5, "..."..., 65536, 0, NULL, NULL) = 1500`: the size is the fourth
    // argument from the end (the data before it may hold anything).
    let sizes = log
        .lines()
        .filter(|l| l.contains("recvfrom("))
        .filter_map(|l| {
            let call = l.split(") = ").next()?;
            call.rsplit(", ").nth(3)?.parse().ok()
        })
        .collect();
    Seen {
        sizes,
        // A call that blocked shows as `recvfrom(5, <unfinished ...>` then `<... recvfrom
        // resumed>`: counted once, by its opening parenthesis.
        recvfrom: log.matches("recvfrom(").count(),
        sendto: log.matches("sendto(").count(),
        printed,
    }
}

#[test]
fn strace_sees_the_size_given_to_recv() {
    if !have_tool("strace") {
        return;
    }
    let default = under_strace(None).sizes;
    assert!(!default.is_empty(), "no recvfrom seen");
    assert!(default.iter().all(|&n| n == 1500), "{default:?}");
    let large = under_strace(Some("65536")).sizes;
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

/// The summary counts the server's own socket calls (what `socklab bench --compare-buffers`
/// reads): exactly the `recvfrom` and `sendto` strace saw, whatever the buffer.
#[test]
fn the_summary_counts_the_calls_strace_sees() {
    if !have_tool("strace") {
        return;
    }
    for size in ["1500", "16384"] {
        let seen = under_strace(Some(size));
        let line = seen
            .printed
            .lines()
            .find(|l| l.starts_with("System calls on sockets:"))
            .unwrap_or_else(|| panic!("no calls line: {}", seen.printed));
        let numbers: Vec<usize> = line
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|w| w.parse().ok())
            .collect();
        let [total, receives, sends, others] = numbers[..] else {
            panic!("{line}");
        };
        assert_eq!(receives, seen.recvfrom, "{size}: {line}");
        assert_eq!(sends, seen.sendto, "{size}: {line}");
        assert_eq!(total, receives + sends + others, "{line}");
        // socket, setsockopt, bind, listen, accept4, close at least.
        assert!(others >= 6, "{line}");
        // 100 KiB, each recv taking at most SIZE bytes, and one more for the end of stream.
        let size: usize = size.parse().unwrap();
        assert!(receives > 100 * 1024 / size, "{size}: {line}");
    }
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
