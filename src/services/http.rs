//! A small static HTTP/1.1 server: the local stand-in for the web servers of TP3 §2
//! (www.perdu.com, www.w3.org), reachable without a network.
//!
//! Each connection carries one request: the server reads until the empty line that ends the
//! request's head, answers with `Connection: close`, and closes, so the client's `recv` loop
//! ends when `recv` returns 0, as the lab's refined client expects. Lines may end with `\r\n`
//! or a bare `\n`, so a request typed by hand in `nc` (TP3 §2.1) is understood.
//!
//! It serves a built-in page ([`PAGE`]) at `/` and `/index.html`, longer than 1,024 bytes so
//! that the lab's first client, which calls `recv(1024)` once, shows a truncated page; or, with
//! `--root DIR`, the files under DIR and nothing outside it.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::{Conversation, Flow, Out};

/// The built-in page, served at `/` and `/index.html`. Its length (over 1,024 bytes, and
/// accented letters that take two bytes each) is part of the lesson: `Content-Length` counts
/// bytes, and one `recv(1024)` cannot hold it.
pub const PAGE: &str = r#"<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>socklab : requête HTTP à la main / HTTP GET by hand</title>
</head>
<body>
<h1>socklab serve http</h1>

<p lang="fr">Bonjour ! Cette page vient de <code>socklab serve http</code>, le serveur web
local qui remplace www.perdu.com et www.w3.org pour le TP3, §2. Votre requête est bien
arrivée : la ligne d'état de la réponse, <code>HTTP/1.1 200 OK</code>, dit que le serveur l'a
comprise. Une requête mal formée aurait reçu <code>400 Bad Request</code>, une page inconnue
<code>404 Not Found</code>.</p>

<p lang="fr">Cette page fait plus de 1 024 octets, exprès. Un client qui appelle
<code>recv(1024)</code> une seule fois n'en reçoit que le début : TCP transporte un flot
d'octets, pas des messages, et un <code>recv</code> renvoie au plus la taille demandée. Pour tout
recevoir, il faut boucler sur <code>recv()</code> jusqu'à ce qu'il renvoie <code>b""</code> :
le serveur a fermé la connexion (<code>Connection: close</code>), la page est complète.
L'en-tête <code>Content-Length</code> donne la longueur du corps, en octets : les lettres
accentuées en prennent deux.</p>

<p lang="en">Hello! This page comes from <code>socklab serve http</code>, the local web
server standing in for www.perdu.com and www.w3.org in lab TP3, section 2. Your request
arrived: the status line of the answer, <code>HTTP/1.1 200 OK</code>, says the server
understood it. A malformed request would have got <code>400 Bad Request</code>, an unknown
page <code>404 Not Found</code>.</p>

<p lang="en">This page is longer than 1,024 bytes, on purpose. A client that calls
<code>recv(1024)</code> once gets only its beginning: TCP carries a stream of bytes, not
messages, and one <code>recv</code> returns at most the size asked for. To get it all, loop
on <code>recv()</code> until it returns <code>b""</code>: the server closed the connection
(<code>Connection: close</code>), the page is complete. The <code>Content-Length</code>
header gives the body's length in bytes: accented letters take two.</p>

<pre>
$ nc 127.0.0.1 8080
GET / HTTP/1.1
Host: 127.0.0.1
Connection: close

</pre>
<p>socklab connect http-get http://127.0.0.1:8080/</p>
</body>
</html>
"#;

/// The longest request head the server reads before giving up with 431: a client that never
/// sends the empty line must not make it buffer without end.
pub const MAX_HEAD: usize = 16 * 1024;

/// Files are sent in pieces of this size, so a large file is never read whole into memory.
const FILE_CHUNK: usize = 64 * 1024;

/// What the server serves.
#[derive(Debug, Clone)]
pub enum Site {
    /// The built-in page at `/` and `/index.html`, 404 elsewhere.
    Builtin,
    /// The files under this directory (canonical: symbolic links resolved), and only those.
    Root(PathBuf),
}

impl Site {
    /// The site for `--root DIR`: DIR must be a directory. Its canonical path is kept, so a
    /// file's own canonical path can be checked to lie inside it.
    pub fn root(dir: &Path) -> io::Result<Site> {
        let canonical = dir.canonicalize()?;
        if !canonical.is_dir() {
            return Err(io::Error::from_raw_os_error(libc::ENOTDIR));
        }
        Ok(Site::Root(canonical))
    }
}

/// One connection's request and answer.
pub struct Http {
    site: Arc<Site>,
    head: Vec<u8>,
}

impl Http {
    pub fn new(site: Arc<Site>) -> Http {
        Http {
            site,
            head: Vec::new(),
        }
    }
}

impl Conversation for Http {
    fn data(&mut self, data: &[u8], out: &mut Out<'_>) -> io::Result<Flow> {
        // TCP is a stream: the head may come in many pieces (one per line when typed by hand),
        // so it is gathered until its empty line has arrived.
        self.head.extend_from_slice(data);
        let answer = match head_end(&self.head) {
            Some(end) => answer(&self.head[..end], &self.site),
            None if self.head.len() > MAX_HEAD => Answer::error(
                431,
                Method::Other,
                "the request's head is too long",
                "les en-têtes de la requête sont trop longs",
            ),
            None => return Ok(Flow::Continue),
        };
        log(&self.head, &answer);
        answer.send(out)?;
        // One request per connection: the close that follows is what tells the client the
        // answer is complete.
        Ok(Flow::Close)
    }
}

/// Where the request's head ends: just past the empty line that follows the request line
/// and the header lines. Empty lines before the request line are skipped, as RFC 9112 §2.2
/// asks (a user may press Enter once too often in `nc`).
fn head_end(buf: &[u8]) -> Option<usize> {
    let mut start = 0;
    let mut seen_line = false;
    while let Some(i) = buf[start..].iter().position(|&b| b == b'\n') {
        let line = trim_cr(&buf[start..start + i]);
        start += i + 1;
        if !line.is_empty() {
            seen_line = true;
        } else if seen_line {
            return Some(start);
        }
    }
    None
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The head's lines, without their line ends, leading empty lines dropped.
fn lines(head: &[u8]) -> impl Iterator<Item = &[u8]> {
    head.split(|&b| b == b'\n')
        .map(trim_cr)
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Head,
    Other,
}

/// A request line that parsed: `GET /path HTTP/1.1`.
#[derive(Debug)]
struct Request {
    method: Method,
    /// The path, percent-decoded, query and fragment removed.
    path: String,
    minor_version: u8,
}

/// The answer: a status, and a body (sent unless the method is HEAD).
struct Answer {
    code: u16,
    method: Method,
    content_type: &'static str,
    body: Body,
}

enum Body {
    Bytes(Vec<u8>),
    Page,
    File(File, u64),
}

impl Body {
    fn len(&self) -> u64 {
        match self {
            Body::Bytes(b) => b.len() as u64,
            Body::Page => PAGE.len() as u64,
            Body::File(_, len) => *len,
        }
    }
}

impl Answer {
    /// An error answer: a short plain-text body saying what went wrong, in both languages (an
    /// HTTP server does not know its reader's language).
    fn error(code: u16, method: Method, en: &str, fr: &str) -> Answer {
        let body = format!("{code} {}\n{en}\n{fr}\n", reason(code));
        Answer {
            code,
            method,
            content_type: "text/plain; charset=utf-8",
            body: Body::Bytes(body.into_bytes()),
        }
    }

    /// Sends the status line, the headers, the empty line, and the body unless it was HEAD.
    fn send(self, out: &mut Out<'_>) -> io::Result<()> {
        let mut head = Vec::new();
        let _ = write!(
            head,
            "HTTP/1.1 {} {}\r\nServer: socklab\r\nDate: {}\r\nContent-Type: {}\r\n\
             Content-Length: {}\r\nConnection: close\r\n",
            self.code,
            reason(self.code),
            http_date(),
            self.content_type,
            self.body.len()
        );
        if self.code == 405 || self.code == 501 {
            head.extend_from_slice(b"Allow: GET, HEAD\r\n");
        }
        head.extend_from_slice(b"\r\n");
        if self.method == Method::Head {
            return out.send(&head);
        }
        match self.body {
            // The head and a small body go out together, in one `send`, as most servers do.
            Body::Bytes(b) => {
                head.extend_from_slice(&b);
                out.send(&head)
            }
            Body::Page => {
                head.extend_from_slice(PAGE.as_bytes());
                out.send(&head)
            }
            Body::File(mut file, len) => {
                out.send(&head)?;
                send_file(&mut file, len, out)
            }
        }
    }
}

/// Sends `len` bytes of `file`. A file that shrank meanwhile cannot keep the promise made in
/// `Content-Length`: the error ends the connection, which the client sees as a short body.
fn send_file(file: &mut File, len: u64, out: &mut Out<'_>) -> io::Result<()> {
    let mut buf = vec![0u8; FILE_CHUNK];
    let mut left = len;
    while left > 0 {
        let want = left.min(FILE_CHUNK as u64) as usize;
        let n = file.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        }
        out.send(&buf[..n])?;
        left -= n as u64;
    }
    Ok(())
}

/// The answer to a complete request head.
fn answer(head: &[u8], site: &Site) -> Answer {
    let mut lines = lines(head);
    let request_line = lines.next().unwrap_or_default();
    let req = match parse_request_line(request_line) {
        Ok(req) => req,
        Err(answer) => return answer,
    };
    let mut host = false;
    for line in lines {
        match header_name(line) {
            Some(name) if name.eq_ignore_ascii_case(b"host") => host = true,
            Some(_) => {}
            None => {
                return Answer::error(
                    400,
                    req.method,
                    "a header line is not `Name: value`",
                    "une ligne d'en-tête n'est pas de la forme `Nom: valeur`",
                );
            }
        }
    }
    if req.minor_version == 1 && !host {
        // RFC 9112 §3.2: an HTTP/1.1 request without Host gets 400. The lab's request has it.
        return Answer::error(
            400,
            req.method,
            "HTTP/1.1 needs a Host header (Host: 127.0.0.1)",
            "HTTP/1.1 exige un en-tête Host (Host: 127.0.0.1)",
        );
    }
    if req.method == Method::Other {
        return Answer::error(
            501,
            req.method,
            "this server only knows GET and HEAD",
            "ce serveur ne connaît que GET et HEAD",
        );
    }
    serve(&req, site)
}

/// `METHOD SP request-target SP HTTP/1.x`, or the error answer to give instead.
fn parse_request_line(line: &[u8]) -> Result<Request, Answer> {
    let bad = |en: &str, fr: &str| Answer::error(400, Method::Other, en, fr);
    let text = std::str::from_utf8(line).map_err(|_| {
        bad(
            "the request line is not text",
            "la ligne de requête n'est pas du texte",
        )
    })?;
    let parts: Vec<&str> = text.split_ascii_whitespace().collect();
    let [method, target, version] = parts[..] else {
        return Err(bad(
            "the request line is not `METHOD /path HTTP/1.1`",
            "la ligne de requête n'est pas de la forme `MÉTHODE /chemin HTTP/1.1`",
        ));
    };
    if !method.bytes().all(is_token_char) {
        return Err(bad(
            "the method is not a word (GET, HEAD...)",
            "la méthode n'est pas un mot (GET, HEAD...)",
        ));
    }
    let method = match method {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        _ => Method::Other,
    };
    let minor_version = match version {
        "HTTP/1.1" => 1,
        "HTTP/1.0" => 0,
        v if is_http_version(v) => {
            return Err(Answer::error(
                505,
                method,
                "this server speaks HTTP/1.0 and HTTP/1.1",
                "ce serveur ne connaît que HTTP/1.0 et HTTP/1.1",
            ));
        }
        _ => {
            return Err(bad(
                "the request line does not end with HTTP/1.1 (or HTTP/1.0)",
                "la ligne de requête ne finit pas par HTTP/1.1 (ou HTTP/1.0)",
            ));
        }
    };
    let path = origin_path(target).ok_or_else(|| {
        bad(
            "the target is not a path starting with /",
            "la cible n'est pas un chemin commençant par /",
        )
    })?;
    let path = percent_decode(path).ok_or_else(|| {
        bad(
            "the path has a malformed %-escape",
            "le chemin contient un échappement % mal formé",
        )
    })?;
    Ok(Request {
        method,
        path,
        minor_version,
    })
}

/// `HTTP/d.d`: a version, even one this server does not speak.
fn is_http_version(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 8
        && v.starts_with("HTTP/")
        && b[5].is_ascii_digit()
        && b[6] == b'.'
        && b[7].is_ascii_digit()
}

/// The characters of an HTTP token (RFC 9110 §5.6.2), a method's or a header name's.
fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The header's name, if the line is `Name: value`.
fn header_name(line: &[u8]) -> Option<&[u8]> {
    let colon = line.iter().position(|&b| b == b':')?;
    let name = &line[..colon];
    (!name.is_empty() && name.iter().all(|&b| is_token_char(b))).then_some(name)
}

/// The path of an origin-form target (`/a/b?q`) or of an absolute-form one
/// (`http://host:port/a/b`), query and fragment removed.
fn origin_path(target: &str) -> Option<&str> {
    let target = match target.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("http://") => {
            let rest = &target[7..];
            rest.find('/').map_or("/", |i| &rest[i..])
        }
        _ => target,
    };
    if !target.starts_with('/') {
        return None;
    }
    let end = target.find(['?', '#']).unwrap_or(target.len());
    Some(&target[..end])
}

/// `%2e` to `.`: the path as the file system will see it. `None` for a malformed escape, for
/// bytes that are not UTF-8 once decoded, and for a NUL, which no file name holds.
fn percent_decode(path: &str) -> Option<String> {
    let b = path.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    if out.contains(&0) {
        return None;
    }
    String::from_utf8(out).ok()
}

/// The answer to a GET or HEAD whose request parsed.
fn serve(req: &Request, site: &Site) -> Answer {
    // `..` is refused before anything else, whatever the site: it is how a request would
    // climb out of the directory served.
    if req.path.split('/').any(|seg| seg == "..") {
        return Answer::error(
            403,
            req.method,
            "`..` is not allowed in a path",
            "`..` est interdit dans un chemin",
        );
    }
    match site {
        Site::Builtin => match req.path.as_str() {
            "/" | "/index.html" => Answer {
                code: 200,
                method: req.method,
                content_type: "text/html; charset=utf-8",
                body: Body::Page,
            },
            _ => not_found(req),
        },
        Site::Root(root) => serve_file(req, root),
    }
}

fn not_found(req: &Request) -> Answer {
    Answer::error(
        404,
        req.method,
        &format!("no page at {}", req.path),
        &format!("pas de page à l'adresse {}", req.path),
    )
}

/// A file under `root`: `/` and directories give their `index.html`.
fn serve_file(req: &Request, root: &Path) -> Answer {
    let mut path = root.to_path_buf();
    for c in Path::new(req.path.trim_start_matches('/')).components() {
        match c {
            Component::Normal(seg) => path.push(seg),
            Component::CurDir => {}
            // `..` was refused already; a root or prefix cannot follow the trimmed `/`.
            _ => return not_found(req),
        }
    }
    if path.is_dir() {
        path.push("index.html");
    }
    // A symbolic link under the root may point anywhere: the file's real place decides.
    let real = match path.canonicalize() {
        Ok(real) => real,
        Err(_) => return not_found(req),
    };
    if !real.starts_with(root) {
        return Answer::error(
            403,
            req.method,
            "that file is outside the directory served",
            "ce fichier est hors du répertoire servi",
        );
    }
    // Only regular files: opening a FIFO would block the exécutant until someone writes to it.
    let opened = std::fs::metadata(&real).and_then(|meta| {
        if !meta.is_file() {
            return Err(io::Error::from(io::ErrorKind::NotFound));
        }
        let f = File::open(&real)?;
        let len = f.metadata()?.len();
        Ok((f, len))
    });
    match opened {
        Ok((f, len)) => Answer {
            code: 200,
            method: req.method,
            content_type: content_type(&real),
            body: Body::File(f, len),
        },
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Answer::error(
            403,
            req.method,
            "the server may not read that file",
            "le serveur n'a pas le droit de lire ce fichier",
        ),
        Err(_) => not_found(req),
    }
}

/// The media type, from the file's extension.
fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        505 => "HTTP Version Not Supported",
        _ => "Internal Server Error",
    }
}

/// One line on stdout per request, as web servers log them: `"GET / HTTP/1.1" 200 1234`.
fn log(head: &[u8], answer: &Answer) {
    let request_line = lines(head).next().unwrap_or_default();
    // A head too long (431) may be one endless line: the log keeps its start.
    let request_line = &request_line[..request_line.len().min(200)];
    let sent = if answer.method == Method::Head {
        0
    } else {
        answer.body.len()
    };
    crate::output::say_line(format!(
        "\"{}\" {} {sent}",
        request_line.escape_ascii(),
        answer.code
    ));
}

/// The `Date` header's value, `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7).
fn http_date() -> String {
    // SAFETY: time/gmtime_r/strftime with a zeroed tm and a buffer of the given size. socklab
    // never calls setlocale, so strftime writes the C locale's English names, as HTTP wants.
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        libc::gmtime_r(&now, &mut tm);
        let mut buf = [0u8; 64];
        let fmt = c"%a, %d %b %Y %H:%M:%S GMT";
        let n = libc::strftime(buf.as_mut_ptr().cast(), buf.len(), fmt.as_ptr(), &tm);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(head: &str) -> u16 {
        answer(head.as_bytes(), &Site::Builtin).code
    }

    #[test]
    fn the_page_is_longer_than_one_lab_recv() {
        assert!(PAGE.len() > 1024 + 200, "{}", PAGE.len());
        assert!(PAGE.contains("recv(1024)"));
    }

    #[test]
    fn the_head_ends_at_the_first_empty_line_with_either_line_end() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"), Some(27));
        assert_eq!(head_end(b"GET / HTTP/1.1\nHost: a\n\n"), Some(24));
        assert_eq!(head_end(b"\r\n\nGET / HTTP/1.0\n\nrest"), Some(19));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: a\r\n"), None);
        assert_eq!(head_end(b"\r\n\r\n"), None);
    }

    #[test]
    fn requests_get_their_status() {
        assert_eq!(code("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
        assert_eq!(code("GET /index.html?x=1 HTTP/1.0\n\n"), 200);
        assert_eq!(code("GET http://x:8080/ HTTP/1.1\nHost: x\n\n"), 200);
        assert_eq!(code("HEAD / HTTP/1.1\nHost: x\n\n"), 200);
        assert_eq!(code("GET /nope HTTP/1.1\nHost: x\n\n"), 404);
        assert_eq!(code("GET / HTTP/1.1\n\n"), 400);
        assert_eq!(code("GARBAGE\r\n\r\n"), 400);
        assert_eq!(code("GET / HTTP/1.1 extra\n\n"), 400);
        assert_eq!(code("GET / FTP/1.1\n\n"), 400);
        assert_eq!(code("GET nope HTTP/1.1\nHost: x\n\n"), 400);
        assert_eq!(code("GET /%zz HTTP/1.1\nHost: x\n\n"), 400);
        assert_eq!(code("G(T / HTTP/1.1\nHost: x\n\n"), 400);
        assert_eq!(code("GET / HTTP/1.1\nno colon\n\n"), 400);
        assert_eq!(code("GET / HTTP/2.0\n\n"), 505);
        assert_eq!(code("POST / HTTP/1.1\nHost: x\n\n"), 501);
        assert_eq!(code("GET /../etc/passwd HTTP/1.1\nHost: x\n\n"), 403);
        assert_eq!(code("GET /a/%2e%2e/b HTTP/1.1\nHost: x\n\n"), 403);
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(
            content_type(Path::new("a.HTML")),
            "text/html; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("a.jpeg")), "image/jpeg");
        assert_eq!(content_type(Path::new("a.svg")), "image/svg+xml");
        assert_eq!(
            content_type(Path::new("Makefile")),
            "application/octet-stream"
        );
    }

    #[test]
    fn the_date_is_in_http_form() {
        let d = http_date();
        assert!(d.ends_with(" GMT"), "{d}");
        assert_eq!(d.split(' ').count(), 6, "{d}");
    }
}
