//! `socklab serve http`, the local stand-in for the labs' web servers (TP3 §2), checked with
//! clients nobody here wrote (Python's `urllib.request`, `curl`), with raw sockets for what
//! those clients would never send, with the lab's own one-`recv(1024)` client, and with
//! `socklab connect http-get`.
//!
//! Also `socklab serve daytime --port 13`: inside a network namespace the test makes (where
//! socklab is root and the port is free), and as an unprivileged user, who gets a clear
//! message and exit code 8.

mod common;

use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use common::*;
use socklab::services::http::PAGE;

/// `socklab serve http` on a free port of 127.0.0.1, trace off.
fn http_server(extra: &[&str]) -> Server {
    let mut args = vec!["http", "--port", "0"];
    args.extend_from_slice(extra);
    let mut c = serve_command(&args);
    c.args(["--trace", "off"]);
    Server::start(c)
}

/// Sends `request` as is and reads until the server closes.
fn raw(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut s = connect(addr);
    s.write_all(request).unwrap();
    read_to_end(&mut s)
}

/// A response cut into its status code, its head (as text) and its body.
struct Response {
    code: u16,
    head: String,
    body: Vec<u8>,
}

impl Response {
    fn parse(bytes: &[u8]) -> Response {
        let end = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no end of head in {:?}", String::from_utf8_lossy(bytes)));
        let head = String::from_utf8(bytes[..end].to_vec()).unwrap();
        let code = head
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("no HTTP/1.1 status line: {head}"));
        Response {
            code,
            body: bytes[end + 4..].to_vec(),
            head,
        }
    }

    /// A header's value (names compared without case).
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then_some(v.trim())
        })
    }

    fn content_length(&self) -> usize {
        self.header("Content-Length")
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no Content-Length: {}", self.head))
    }
}

fn get(addr: SocketAddr, path: &str) -> Response {
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    Response::parse(&raw(addr, req.as_bytes()))
}

fn python_run(script: &str, args: &[&str]) -> Output {
    let mut c = Command::new("python3");
    c.args(["-c", script]).args(args);
    output_with_input(c, b"")
}

/// Python's `urllib.request`: the body of `/` byte for byte, 404 for `/nope` (an `HTTPError`
/// with its status), and HEAD: 200 with the page's length announced and no body.
#[test]
fn python_urllib_gets_the_page_a_404_and_a_head() {
    if !have_tool("python3") {
        return;
    }
    let server = http_server(&[]);
    let base = format!("http://{}", server.addr);
    let script = "\
import sys, urllib.error, urllib.request
base = sys.argv[1]
with urllib.request.urlopen(base + '/', timeout=10) as r:
    body = r.read()
    sys.stderr.write('GET %d %s\\n' % (r.status, r.headers['Content-Type']))
sys.stdout.buffer.write(body)
try:
    urllib.request.urlopen(base + '/nope', timeout=10)
    sys.stderr.write('NOPE no error\\n')
except urllib.error.HTTPError as e:
    sys.stderr.write('NOPE %d %d\\n' % (e.code, len(e.read())))
req = urllib.request.Request(base + '/', method='HEAD')
with urllib.request.urlopen(req, timeout=10) as r:
    sys.stderr.write('HEAD %d %s %d\\n' % (r.status, r.headers['Content-Length'], len(r.read())))
";
    let out = python_run(script, &[&base]);
    let stderr = err(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(out.stdout == PAGE.as_bytes(), "the page differs: {stderr}");
    assert!(
        stderr.contains("GET 200 text/html; charset=utf-8"),
        "{stderr}"
    );
    assert!(stderr.contains("NOPE 404 "), "{stderr}");
    assert!(
        stderr.contains(&format!("HEAD 200 {} 0", PAGE.len())),
        "{stderr}"
    );
}

/// curl: the page byte for byte with a 200, 404 for `/nope`, and the headers of a HEAD.
#[test]
fn curl_gets_the_page_and_a_404() {
    if !have_tool("curl") {
        return;
    }
    let server = http_server(&[]);
    let url = format!("http://{}/", server.addr);
    let curl = |args: &[&str]| {
        let mut c = Command::new("curl");
        c.args(["-sS", "--max-time", "10"]).args(args);
        run_with_input(c, b"")
    };
    let (status, stdout, stderr) = curl(&["-w", "\n%{http_code}", &url]);
    assert!(status.success(), "{stderr}");
    let expected = [PAGE.as_bytes(), b"\n200"].concat();
    assert!(stdout == expected, "{}", String::from_utf8_lossy(&stdout));

    let (status, stdout, stderr) = curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &format!("{url}nope"),
    ]);
    assert!(status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&stdout), "404");

    let (status, stdout, stderr) = curl(&["-I", &url]);
    assert!(status.success(), "{stderr}");
    let head = String::from_utf8_lossy(&stdout);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.contains(&format!("Content-Length: {}\r\n", PAGE.len())),
        "{head}"
    );
    assert!(head.contains("Connection: close\r\n"), "{head}");
}

/// What no polite client sends: a malformed request line gets 400 with a body saying why; a
/// HEAD gets the head alone, nothing after its empty line; a request typed line by line with
/// bare `\n` ends (as in `nc`) gets the whole page.
#[test]
fn raw_requests_malformed_head_and_typed_by_hand() {
    let server = http_server(&[]);
    let addr = server.addr;

    let bad = Response::parse(&raw(addr, b"GARBAGE\r\n\r\n"));
    assert_eq!(bad.code, 400, "{}", bad.head);
    assert_eq!(bad.body.len(), bad.content_length());
    assert!(
        String::from_utf8_lossy(&bad.body).contains("request line"),
        "{:?}",
        bad.body
    );
    let bad = Response::parse(&raw(addr, b"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n"));
    assert_eq!(bad.code, 400, "{}", bad.head);

    let head = Response::parse(&raw(addr, b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert_eq!(head.code, 200, "{}", head.head);
    assert_eq!(head.content_length(), PAGE.len());
    assert!(head.body.is_empty(), "HEAD sent a body: {:?}", head.body);

    // One line per write, as someone types into nc; the server waits for the empty line.
    let mut s = connect(addr);
    s.set_nodelay(true).unwrap();
    for line in [
        "GET / HTTP/1.1\n",
        "Host: 127.0.0.1\n",
        "Connection: close\n",
        "\n",
    ] {
        s.write_all(line.as_bytes()).unwrap();
        s.flush().unwrap();
    }
    let page = Response::parse(&read_to_end(&mut s));
    assert_eq!(page.code, 200, "{}", page.head);
    assert!(page.body == PAGE.as_bytes(), "the page differs");

    let missing = get(addr, "/nope");
    assert_eq!(missing.code, 404, "{}", missing.head);
    assert_eq!(missing.body.len(), missing.content_length());
    assert!(!missing.body.is_empty());
}

/// The lab's first `httpget.py` (TP3 §2.2): one `recv(1024)`, printed. It gets the status
/// line and the head, and only the start of the page: fewer bytes than the head plus the
/// `Content-Length` it announces. That is the lab's "why is it truncated?".
#[test]
fn one_recv_lab_client_gets_a_truncated_page() {
    if !have_tool("python3") {
        return;
    }
    let server = http_server(&[]);
    let script = "\
import socket, sys
host = sys.argv[1]
port = int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(10)
s.connect((host, port))
request = 'GET / HTTP/1.1\\r\\n' \\
          'Host: ' + host + '\\r\\n' \\
          'Connection: close\\r\\n\\r\\n'
s.sendall(request.encode('utf-8'))
data = s.recv(1024)
sys.stdout.buffer.write(data)
s.close()
";
    let port = server.addr.port().to_string();
    let out = python_run(script, &["127.0.0.1", &port]);
    assert!(out.status.success(), "{}", err(&out));
    let got = out.stdout;
    assert!(!got.is_empty() && got.len() <= 1024, "{} bytes", got.len());
    let part = Response::parse(&got);
    assert_eq!(part.code, 200, "{}", part.head);
    let whole = part.head.len() + 4 + part.content_length();
    assert!(
        got.len() < whole,
        "one recv got {} bytes, the whole answer is {whole}",
        got.len()
    );
    assert!(
        PAGE.as_bytes().starts_with(&part.body),
        "not the page's start"
    );
}

/// socklab's own client prints the whole response, and with `--body` the page alone.
#[test]
fn socklab_http_get_prints_the_page() {
    let server = http_server(&[]);
    let url = format!("http://{}/", server.addr);
    let out = socklab_run("en", &["--trace", "off", "connect", "http-get", &url], b"");
    assert!(out.status.success(), "{}", err(&out));
    assert!(out.stdout.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert!(
        out.stdout.ends_with(PAGE.as_bytes()),
        "the page is not whole"
    );

    let out = socklab_run(
        "fr",
        &["--trace", "off", "connect", "http-get", &url, "--body"],
        b"",
    );
    assert!(out.status.success(), "{}", err(&out));
    assert!(
        out.stdout == PAGE.as_bytes(),
        "the body differs from the page"
    );

    let out = socklab_run(
        "en",
        &[
            "--trace",
            "off",
            "connect",
            "http-get",
            &format!("{url}nope"),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(9), "a 404 exits 9: {}", err(&out));
}

/// The other TCP modes serve the same page: one client at a time, and poll.
#[test]
fn iterative_and_select_modes_serve_the_page() {
    for mode in ["iterative", "select"] {
        let server = http_server(&["--mode", mode]);
        for _ in 0..2 {
            let page = get(server.addr, "/index.html");
            assert_eq!(page.code, 200, "{mode}: {}", page.head);
            assert!(page.body == PAGE.as_bytes(), "{mode}: the page differs");
        }
        stop(server);
    }
}

/// `--root DIR`: its files with their types, `index.html` for `/`, 404 for what is missing,
/// and nothing outside DIR: `..` (plain or %-escaped) and a symbolic link that leads out get
/// 403, and the secret next to DIR never shows.
#[test]
fn root_serves_files_and_refuses_dot_dot() {
    let base = temp_dir("http-root");
    let dir = base.join("site");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("index.html"), "<p>accueil / home</p>\n").unwrap();
    std::fs::write(dir.join("hello.txt"), "bonjour, hello\n").unwrap();
    std::fs::write(dir.join("style.css"), "p { color: red }\n").unwrap();
    let png: Vec<u8> = (0..=255u8).collect();
    std::fs::write(dir.join("sub/image.png"), &png).unwrap();
    std::fs::write(dir.join("data.bin"), [0u8, 255, 10, 13]).unwrap();
    std::fs::write(base.join("secret.txt"), "SECRET\n").unwrap();
    std::os::unix::fs::symlink(base.join("secret.txt"), dir.join("link.txt")).unwrap();

    let server = http_server(&["--root", dir.to_str().unwrap()]);
    let addr = server.addr;

    let cases: [(&str, &str, &[u8]); 5] = [
        ("/", "text/html; charset=utf-8", b"<p>accueil / home</p>\n"),
        (
            "/hello.txt",
            "text/plain; charset=utf-8",
            b"bonjour, hello\n",
        ),
        (
            "/style.css",
            "text/css; charset=utf-8",
            b"p { color: red }\n",
        ),
        ("/sub/image.png", "image/png", &png),
        ("/data.bin", "application/octet-stream", &[0, 255, 10, 13]),
    ];
    for (path, ty, body) in cases {
        let r = get(addr, path);
        assert_eq!(r.code, 200, "{path}: {}", r.head);
        assert_eq!(r.header("Content-Type"), Some(ty), "{path}");
        assert_eq!(r.content_length(), body.len(), "{path}");
        assert!(r.body == body, "{path}: the body differs");
    }
    assert_eq!(get(addr, "/missing.html").code, 404);
    for path in [
        "/../secret.txt",
        "/sub/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/link.txt",
    ] {
        let r = get(addr, path);
        assert_eq!(r.code, 403, "{path}: {}", r.head);
        assert!(
            !String::from_utf8_lossy(&r.body).contains("SECRET"),
            "{path} leaked the file"
        );
    }
    // The built-in page is not served when a directory is.
    let r = get(addr, "/index.html");
    assert!(r.body != PAGE.as_bytes());
}

/// `--root` must name a directory: a clear usage error otherwise, in the user's language.
#[test]
fn root_that_is_no_directory_is_a_usage_error() {
    let missing = temp_dir("http-no-root").join("absent");
    let missing = missing.to_str().unwrap();
    for (lang, words) in [("en", "does not exist"), ("fr", "n'existe pas")] {
        let out = socklab_run(
            lang,
            &[
                "--trace", "off", "serve", "http", "--port", "0", "--root", missing,
            ],
            b"",
        );
        assert_clean_failure(&out, 2);
        assert!(err(&out).contains(words), "{lang}: {}", err(&out));
    }
}

/// True when `unshare -rn` works here (user namespaces allowed), and `ip` is there to bring
/// the new namespace's loopback up.
fn have_netns() -> bool {
    common::have_netns(&["ip"], &["ip", "link", "set", "lo", "up"])
}

/// In a network namespace of its own, socklab is root there and port 13 is free: `serve
/// daytime --port 13` binds it, as the standard service does, and `connect daytime
/// 127.0.0.1 13` in the same namespace gets a date line. The client starts once the server's
/// banner came through a fifo: the banner is printed after `listen`.
#[test]
fn daytime_on_port_13_inside_a_namespace() {
    if !have_netns() {
        return;
    }
    let dir = temp_dir("daytime-13");
    let script = r#"
set -u
ip link set lo up || exit 91
mkfifo "$1/banner" || exit 92
"$2" --trace off serve daytime --port 13 > "$1/banner" 2> "$1/server.err" &
pid=$!
{
    read -r banner || { cat "$1/server.err" >&2; exit 93; }
    echo "banner: $banner" >&2
    "$2" --trace off connect daytime 127.0.0.1 13 --timeout 10
    rc=$?
    kill -INT "$pid"
    cat > /dev/null
    wait "$pid"
    echo "server exit: $?" >&2
    exit "$rc"
} < "$1/banner"
"#;
    let mut c = Command::new("unshare");
    c.args(["-rn", "sh", "-c", script, "sh"])
        .arg(&dir)
        .arg(socklab());
    let (status, stdout, stderr) = run_with_input(c, b"");
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("listening on 127.0.0.1:13"), "{stderr}");
    assert!(stderr.contains("server exit: 0"), "{stderr}");
    let line = String::from_utf8_lossy(&stdout);
    // `Wed Dec  2 15:42:09 2026`: five fields, a time, a year.
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields.len(), 5, "{line:?}");
    assert_eq!(fields[3].matches(':').count(), 2, "{line:?}");
    assert!(
        fields[4].parse::<u32>().is_ok_and(|y| y >= 2024),
        "{line:?}"
    );
}

/// Without privileges and without namespaces, port 13 is refused (`EACCES`): exit code 8 and a
/// message that says why (root or CAP_NET_BIND_SERVICE) and what to use instead (1313), in
/// both languages. As root the test drops to `nobody` with setpriv, running a copy of the
/// binary from a directory that user can read.
#[test]
fn daytime_on_port_13_unprivileged_is_refused_clearly() {
    let start: u16 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1024);
    if start <= 13 {
        eprintln!(
            "skipped: this machine lets anyone bind port 13 (ip_unprivileged_port_start={start})"
        );
        return;
    }
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if root && !have_tool("setpriv") {
        return;
    }
    let dir = temp_dir("daytime-13-nobody");
    let bin = dir.join("socklab");
    std::fs::copy(socklab(), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for (lang, words) in [("en", "privileged"), ("fr", "privilégiés")] {
        let out = unprivileged(
            root,
            &bin,
            &[
                "--lang", lang, "--trace", "off", "serve", "daytime", "--port", "13",
            ],
        );
        assert_clean_failure(&out, 8);
        let stderr = err(&out);
        assert!(stderr.contains("bind 127.0.0.1:13"), "{stderr}");
        assert!(stderr.contains("EACCES"), "{stderr}");
        assert!(stderr.contains(words), "{lang}: {stderr}");
        assert!(stderr.contains("CAP_NET_BIND_SERVICE"), "{stderr}");
        assert!(stderr.contains("--port 1313"), "{stderr}");
    }
}

fn unprivileged(root: bool, bin: &Path, args: &[&str]) -> Output {
    let mut c = if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin);
        c
    } else {
        Command::new(bin)
    };
    c.args(args);
    output_with_input(c, b"")
}
