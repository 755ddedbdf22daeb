//! `socklab connect http-get` (TP3 §2): against Python's own `http.server`, which nobody here
//! wrote, a small server that answers chunked in many small pieces, and nc playing servers that
//! answer an error, a cut body or no HTTP at all.

mod common;
mod peers;

use std::path::Path;
use std::process::Command;

use common::*;
use peers::*;

/// `python3 -m http.server`, except that the port is 0 (the kernel picks a free one) and the
/// address loopback: the same handler class, started from these lines so the real port can be
/// printed once the server listens.
const HTTP_SERVER: &str = "\
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
print(server.server_address[1], flush=True)
server.serve_forever()
";

fn http_server(dir: &Path) -> Peer {
    let mut c = Command::new("python3");
    c.args(["-c", HTTP_SERVER]).arg(dir);
    Peer::start(c, Banner::Stdout, b"")
}

/// 200 KiB of every byte value, lines of text and invalid UTF-8 alike.
fn page() -> Vec<u8> {
    (0..200 * 1024u32)
        .map(|i| (i * 7 + i / 251) as u8)
        .collect()
}

/// The whole 200 KiB page comes back byte for byte, never cut at 1,024 bytes (the lab's
/// question): the client calls recv until the server closes. With `--body`, the page alone;
/// without, the whole response, head included. The JSON trace shows the many recvs it took,
/// ending with the one that returned 0.
#[test]
fn whole_page_from_python_http_server() {
    let dir = temp_dir("http-page");
    let page = page();
    std::fs::write(dir.join("page.bin"), &page).unwrap();
    let server = http_server(&dir);
    let url = format!("http://127.0.0.1:{}/page.bin", server.port);

    let out = socklab_run(
        "en",
        &["--trace", "off", "connect", "http-get", &url, "--body"],
        b"",
    );
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(out.stdout.len(), page.len());
    assert!(out.stdout == page, "the body differs from the file");
    assert!(
        err(&out).contains("server's answer: HTTP/1.0 200 OK"),
        "{}",
        err(&out)
    );

    let trace = dir.join("trace.jsonl");
    let out = socklab_json("fr", &trace, &["connect", "http-get", &url], b"");
    assert!(out.status.success(), "{}", err(&out));
    assert!(out.stdout.starts_with(b"HTTP/1.0 200 OK\r\n"));
    assert!(
        out.stdout.ends_with(&page),
        "the response ends with the page"
    );
    let head = String::from_utf8_lossy(&out.stdout[..out.stdout.len() - page.len()]);
    assert!(head.contains("Content-Length: 204800\r\n"), "{head}");
    assert!(head.ends_with("\r\n\r\n"), "{head}");
    assert!(
        err(&out).contains("réponse du serveur : HTTP/1.0 200 OK"),
        "{}",
        err(&out)
    );

    let recvs: Vec<i64> = json_lines(&read_to_string(&trace))
        .into_iter()
        .filter(|v| v["call"] == "recvfrom" && v["phase"] != "enter")
        .map(|v| v["ret"].as_i64().unwrap())
        .collect();
    assert!(recvs.len() > 200, "{} recvs", recvs.len());
    assert_eq!(
        recvs.last(),
        Some(&0),
        "the last recv saw the end of stream"
    );
    assert!(
        recvs.iter().all(|&n| n <= 1024),
        "recv(1024), as in the lab"
    );
    assert_eq!(recvs.iter().sum::<i64>(), out.stdout.len() as i64);
}

/// A server that answers with `Transfer-Encoding: chunked`, in hundreds of chunks of 1 to 300
/// bytes, each size line, data and CRLF sent apart: `--body` puts the page back together byte
/// for byte; without it, the chunks are shown as they came. The request on the wire is the
/// lab's, byte for byte.
#[test]
fn chunked_answer_in_small_pieces() {
    let dir = temp_dir("http-chunked");
    let body: Vec<u8> = (0..30_000u32).map(|i| (i * 13 % 256) as u8).collect();
    let file = dir.join("body.bin");
    std::fs::write(&file, &body).unwrap();
    let server = python("chunked_http.py", &[file.to_str().unwrap()]);
    let port = server.port;
    let trace = dir.join("trace.jsonl");
    let out = socklab_json(
        "en",
        &trace,
        &[
            "connect",
            "http-get",
            &format!("http://127.0.0.1:{port}/chunks?x=1"),
            "--body",
        ],
        b"",
    );
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(out.stdout.len(), body.len());
    assert!(out.stdout == body, "the decoded body differs");
    let request = server.next_line();
    let expected =
        format!("GET /chunks?x=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    assert_eq!(hex_decode(&request), expected.as_bytes());
    let recvs = read_to_string(&trace)
        .lines()
        .filter(|l| l.contains("\"call\":\"recvfrom\"") && !l.contains("\"phase\":\"enter\""))
        .count();
    assert!(recvs > 10, "the answer came in {recvs} pieces");

    // The same answer, raw: the chunk framing is there, trailer included.
    let server = python("chunked_http.py", &[file.to_str().unwrap()]);
    let out = socklab_run(
        "en",
        &[
            "--trace",
            "off",
            "connect",
            "http-get",
            "127.0.0.1",
            &server.port.to_string(),
        ],
        b"",
    );
    assert!(out.status.success(), "{}", err(&out));
    let raw = String::from_utf8_lossy(&out.stdout);
    assert!(raw.contains("Transfer-Encoding: chunked\r\n"), "{raw}");
    // The fourth chunk: 1 + 3 * 37 = 112 bytes, 0x70, with an extension.
    assert!(raw.contains("\r\n70;name=value\r\n"), "a chunk extension");
    assert!(raw.ends_with("\r\n0\r\nX-Checksum: none\r\n\r\n"), "{raw}");
    assert!(out.stdout.len() > body.len());
}

/// A page that does not exist: the server's 404 is reported plainly, with its own exit code,
/// in both languages, and its error page is still shown.
#[test]
fn not_found_is_reported() {
    let dir = temp_dir("http-404");
    let server = http_server(&dir);
    let url = format!("http://127.0.0.1:{}/missing.html", server.port);
    for (lang, words) in [
        ("en", "did not find the page"),
        ("fr", "n'a pas trouvé la page"),
    ] {
        let out = socklab_run(lang, &["--trace", "off", "connect", "http-get", &url], b"");
        assert_clean_failure(&out, 9);
        let stderr = err(&out);
        assert!(stderr.contains("404 File not found"), "{stderr}");
        assert!(stderr.contains("GET /missing.html"), "{stderr}");
        assert!(stderr.contains(words), "{lang}: {stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.starts_with("HTTP/1.0 404 File not found\r\n"),
            "{stdout}"
        );
    }
}

/// nc plays the server with canned answers. The request nc receives is exactly the lab's
/// (`Host`, `Connection: close`, the blank line), and each answer is judged: a body, a server
/// error (5xx), a body cut short of its Content-Length, no HTTP at all.
#[test]
fn canned_answers_from_nc() {
    if !have_tool("nc") {
        return;
    }
    let ask = |answer: &[u8], extra: &[&str]| {
        let nc = nc_tcp(answer);
        let port = nc.port.to_string();
        let mut args = vec!["--trace", "off", "connect", "http-get", "localhost", &port];
        args.extend_from_slice(extra);
        let out = socklab_run("en", &args, b"");
        let (_, _, request) = nc.finish();
        (out, request, port)
    };

    let (out, request, port) = ask(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        &["--body"],
    );
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(out.stdout, b"hello");
    assert_eq!(
        String::from_utf8_lossy(&request),
        format!("GET / HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n")
    );

    let (out, _, _) = ask(b"HTTP/1.1 500 Internal Server Error\r\n\r\noops", &[]);
    assert_clean_failure(&out, 9);
    assert!(
        err(&out).contains("the server is at fault"),
        "{}",
        err(&out)
    );

    let (out, _, _) = ask(
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello",
        &["--body"],
    );
    assert_clean_failure(&out, 1);
    assert!(
        err(&out).contains("closed after 5 of the 100 bytes"),
        "{}",
        err(&out)
    );

    let (out, _, _) = ask(b"SSH-2.0-OpenSSH_9.2\r\n", &[]);
    assert_clean_failure(&out, 1);
    assert!(
        err(&out).contains("does not start with an HTTP status line"),
        "{}",
        err(&out)
    );
    assert_eq!(
        out.stdout, b"SSH-2.0-OpenSSH_9.2\r\n",
        "what came back is shown"
    );
}

/// Arguments that make no sense are usage errors (exit 2), found before any socket is made.
#[test]
fn usage_errors() {
    for (args, words) in [
        (&["https://127.0.0.1/"][..], "needs TLS"),
        (
            &["http://127.0.0.1:8000/", "8001"][..],
            "port is given twice",
        ),
        (&["127.0.0.1", "--proto", "udp"][..], "TCP only"),
    ] {
        let mut all = vec!["connect", "http-get"];
        all.extend_from_slice(args);
        let out = socklab_run("en", &all, b"");
        assert_clean_failure(&out, 2);
        assert!(err(&out).contains(words), "{}", err(&out));
        assert!(
            !err(&out).contains("socket("),
            "no socket made: {}",
            err(&out)
        );
    }
}

fn hex_decode(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}
