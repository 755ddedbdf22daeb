//! HTTP/1.1 by hand, as TP3 §2 writes it: the URL, the request (`GET`, `Host`,
//! `Connection: close`, the blank line), and reading the response back: the status line, the
//! headers, and the body, whether it comes with a `Content-Length`, in chunks
//! (`Transfer-Encoding: chunked`), or until the server closes.
//!
//! Pure functions on bytes, no socket: [`super::http_get`] does the talking.

use std::fmt;

/// Where a URL points: `http://host:port/path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// The host as written, without the brackets of an IPv6 address.
    pub host: String,
    pub port: u16,
    /// The path and query, as sent in the request line (`/`, `/page.html?x=1`).
    pub path: String,
}

/// Why a URL was not understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlError {
    /// `https://`: TLS is not what this lab is about.
    Https,
    /// Another scheme (`ftp://`).
    Scheme(String),
    /// No host, or a port that is not a number.
    Malformed(String),
    /// A port in the URL and another one as the next argument.
    TwoPorts,
}

impl UrlError {
    /// The message, in French and English.
    pub fn text(&self) -> (String, String) {
        match self {
            UrlError::Https => (
                "https:// demande TLS, que ce client ne gère pas : donnez une URL http://".into(),
                "https:// needs TLS, which this client does not speak: give an http:// URL".into(),
            ),
            UrlError::Scheme(s) => (
                format!("{s}:// n'est pas HTTP : donnez une URL http:// ou un nom de machine"),
                format!("{s}:// is not HTTP: give an http:// URL or a host name"),
            ),
            UrlError::Malformed(u) => (
                format!("URL illisible : {u} (forme attendue : http://machine[:port][/chemin])"),
                format!("cannot read the URL {u} (expected: http://host[:port][/path])"),
            ),
            UrlError::TwoPorts => (
                "le port est donné deux fois, dans l'URL et après".into(),
                "the port is given twice, in the URL and after it".into(),
            ),
        }
    }
}

impl Url {
    /// Reads `http://host[:port][/path]`, or a bare host as in the lab (`www.perdu.com`, the
    /// page `/` on port 80). `port`, the argument after it, is used when the URL has none.
    pub fn parse(arg: &str, port: Option<u16>) -> Result<Url, UrlError> {
        let rest = match arg.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("https") => {
                return Err(UrlError::Https);
            }
            Some((scheme, _)) => return Err(UrlError::Scheme(scheme.to_string())),
            None => arg,
        };
        // The fragment (`#top`) stays in the browser: it is never sent.
        let rest = rest.split('#').next().unwrap_or_default();
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) if rest[i..].starts_with('/') => (&rest[..i], rest[i..].to_string()),
            Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
            None => (rest, "/".to_string()),
        };
        let malformed = || UrlError::Malformed(arg.to_string());
        let (host, url_port) = split_authority(authority).ok_or_else(malformed)?;
        if host.is_empty() {
            return Err(malformed());
        }
        let port = match (url_port, port) {
            (Some(_), Some(_)) => return Err(UrlError::TwoPorts),
            (Some(p), None) | (None, Some(p)) => p,
            (None, None) => 80,
        };
        Ok(Url {
            host: host.to_string(),
            port,
            path,
        })
    }

    /// The `Host` header's value: the host, with the port when it is not 80.
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 80 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// The lab's request, byte for byte: the request line, `Host` (required by HTTP/1.1),
    /// `Connection: close` (so the server closes once the page is sent, which is how the
    /// client knows it has everything), and the empty line that ends the request.
    pub fn request(&self) -> Vec<u8> {
        format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.path,
            self.host_header()
        )
        .into_bytes()
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`, or a bare IPv6 address (no port then).
fn split_authority(a: &str) -> Option<(&str, Option<u16>)> {
    if let Some(inner) = a.strip_prefix('[') {
        let (host, after) = inner.split_once(']')?;
        return match after {
            "" => Some((host, None)),
            p => Some((host, Some(p.strip_prefix(':')?.parse().ok()?))),
        };
    }
    match a.matches(':').count() {
        0 => Some((a, None)),
        1 => {
            let (host, port) = a.split_once(':')?;
            Some((host, Some(port.parse().ok()?)))
        }
        _ => Some((a, None)),
    }
}

/// The head of a response: status line and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// `HTTP/1.0 404 File not found`
    pub status_line: String,
    pub code: u16,
    pub headers: Vec<(String, String)>,
    /// Where the body starts in the response.
    pub body_start: usize,
}

impl Head {
    /// Reads the status line and the headers, up to the empty line. `None` when the response
    /// does not start with an HTTP status line or has no complete head.
    pub fn parse(response: &[u8]) -> Option<Head> {
        let (end, sep) = find(response, b"\r\n\r\n")
            .map(|i| (i, 4))
            .or_else(|| find(response, b"\n\n").map(|i| (i, 2)))?;
        let head = String::from_utf8_lossy(&response[..end]);
        let mut lines = head.lines();
        let status_line = lines.next()?.trim_end().to_string();
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next()?;
        let code = parts.next()?;
        if !version.starts_with("HTTP/") || code.len() != 3 {
            return None;
        }
        let code = code.parse().ok()?;
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        Some(Head {
            status_line,
            code,
            headers,
            body_start: end + sep,
        })
    }

    /// A header's value (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// How the body's end is marked.
    pub fn framing(&self) -> Result<Framing, BodyError> {
        // 1xx, 204 and 304 answers never have a body.
        if self.code < 200 || self.code == 204 || self.code == 304 {
            return Ok(Framing::Length(0));
        }
        if self
            .header("Transfer-Encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
        {
            return Ok(Framing::Chunked);
        }
        match self.header("Content-Length") {
            Some(v) => v
                .parse()
                .map(Framing::Length)
                .map_err(|_| BodyError::BadLength(v.to_string())),
            None => Ok(Framing::UntilClose),
        }
    }

    /// The body, from the whole response: exactly `Content-Length` bytes, the chunks put back
    /// together, or everything until the server closed.
    pub fn body(&self, response: &[u8]) -> Result<Vec<u8>, BodyError> {
        let raw = &response[self.body_start.min(response.len())..];
        match self.framing()? {
            Framing::Length(n) if raw.len() < n => Err(BodyError::Short {
                got: raw.len(),
                expected: n,
            }),
            Framing::Length(n) => Ok(raw[..n].to_vec()),
            Framing::Chunked => decode_chunked(raw),
            Framing::UntilClose => Ok(raw.to_vec()),
        }
    }
}

/// How a response marks the end of its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length: n`
    Length(usize),
    /// `Transfer-Encoding: chunked`: each chunk announces its size in hexadecimal, a chunk of
    /// size 0 ends the body.
    Chunked,
    /// Neither: the body ends when the server closes the connection.
    UntilClose,
}

/// A body that cannot be read back whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// The connection closed before `Content-Length` bytes arrived.
    Short {
        got: usize,
        expected: usize,
    },
    /// The connection closed in the middle of the chunks (no final chunk of size 0).
    Unfinished {
        got: usize,
    },
    /// A chunk size that is not hexadecimal, or a chunk not followed by `\r\n`.
    BadChunk {
        at: usize,
    },
    BadLength(String),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::Short { got, expected } => write!(
                f,
                "the connection closed after {got} of the {expected} bytes of the body \
                 (Content-Length)"
            ),
            BodyError::Unfinished { got } => write!(
                f,
                "the connection closed in the middle of the chunked body, after {got} bytes \
                 (no final chunk of size 0)"
            ),
            BodyError::BadChunk { at } => {
                write!(f, "malformed chunked body at byte {at} of the body")
            }
            BodyError::BadLength(v) => write!(f, "Content-Length is not a number: {v}"),
        }
    }
}

impl BodyError {
    /// The message in French (the English one is `Display`).
    pub fn french(&self) -> String {
        match self {
            BodyError::Short { got, expected } => format!(
                "la connexion s'est fermée après {got} des {expected} octets du corps \
                 (Content-Length)"
            ),
            BodyError::Unfinished { got } => format!(
                "la connexion s'est fermée au milieu du corps envoyé par morceaux (chunked), \
                 après {got} octets (pas de dernier morceau de taille 0)"
            ),
            BodyError::BadChunk { at } => {
                format!("corps envoyé par morceaux (chunked) mal formé à l'octet {at} du corps")
            }
            BodyError::BadLength(v) => format!("Content-Length n'est pas un nombre : {v}"),
        }
    }
}

/// Puts a chunked body back together:
///
/// ```text
/// 1a\r\n                      size of the chunk, in hexadecimal (here 26 bytes)
/// abcdefghijklmnopqrstuvwxyz\r\n
/// 0\r\n                       the last chunk, of size 0
/// \r\n                        (after optional trailer headers) the end
/// ```
///
/// A size may carry extensions after `;`, which are ignored.
pub fn decode_chunked(raw: &[u8]) -> Result<Vec<u8>, BodyError> {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let Some(eol) = find(&raw[pos..], b"\r\n") else {
            return Err(BodyError::Unfinished { got: out.len() });
        };
        let line = String::from_utf8_lossy(&raw[pos..pos + eol]);
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size =
            usize::from_str_radix(size_text, 16).map_err(|_| BodyError::BadChunk { at: pos })?;
        pos += eol + 2;
        if size == 0 {
            // Trailer headers, if any, up to the empty line: nothing the page needs.
            return Ok(out);
        }
        let end = pos
            .checked_add(size)
            .ok_or(BodyError::BadChunk { at: pos })?;
        if end > raw.len() {
            return Err(BodyError::Unfinished {
                got: out.len() + raw.len() - pos,
            });
        }
        out.extend_from_slice(&raw[pos..end]);
        match raw.get(end..end + 2) {
            Some(b"\r\n") => pos = end + 2,
            Some(_) => return Err(BodyError::BadChunk { at: end }),
            None => return Err(BodyError::Unfinished { got: out.len() }),
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s, None).unwrap()
    }

    #[test]
    fn urls_and_bare_hosts() {
        assert_eq!(
            url("http://127.0.0.1:8000/page.html"),
            Url {
                host: "127.0.0.1".into(),
                port: 8000,
                path: "/page.html".into()
            }
        );
        assert_eq!(url("www.perdu.com").path, "/");
        assert_eq!(url("www.perdu.com").port, 80);
        assert_eq!(url("HTTP://example.org?q=1#top").path, "/?q=1");
        let v6 = url("http://[::1]:8080/x");
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 8080));
        assert_eq!(v6.host_header(), "[::1]:8080");
        assert_eq!(url("::1").host, "::1");
        assert_eq!(Url::parse("localhost", Some(8000)).unwrap().port, 8000);
    }

    #[test]
    fn urls_refused() {
        assert_eq!(Url::parse("https://a/", None), Err(UrlError::Https));
        assert_eq!(
            Url::parse("ftp://a/", None),
            Err(UrlError::Scheme("ftp".into()))
        );
        assert!(matches!(
            Url::parse("http://a:port/", None),
            Err(UrlError::Malformed(_))
        ));
        assert!(matches!(
            Url::parse("http:///x", None),
            Err(UrlError::Malformed(_))
        ));
        assert_eq!(
            Url::parse("http://a:81/", Some(82)),
            Err(UrlError::TwoPorts)
        );
    }

    #[test]
    fn the_labs_request() {
        assert_eq!(
            url("www.perdu.com").request(),
            b"GET / HTTP/1.1\r\nHost: www.perdu.com\r\nConnection: close\r\n\r\n"
        );
        assert_eq!(
            url("http://127.0.0.1:8000/a b").request(),
            b"GET /a b HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn head_and_body_by_length() {
        let resp = b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\nhello";
        let head = Head::parse(resp).unwrap();
        assert_eq!(head.status_line, "HTTP/1.0 200 OK");
        assert_eq!(head.code, 200);
        assert_eq!(head.header("content-length"), Some("5"));
        assert_eq!(head.body(resp).unwrap(), b"hello");
        let short = b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhello";
        assert_eq!(
            Head::parse(short).unwrap().body(short),
            Err(BodyError::Short {
                got: 5,
                expected: 9
            })
        );
        assert!(Head::parse(b"SSH-2.0-OpenSSH\r\n\r\n").is_none());
        assert!(Head::parse(b"HTTP/1.1 200 OK\r\nno end").is_none());
    }

    #[test]
    fn chunked_bodies() {
        let raw =
            b"4\r\nWiki\r\n6;ext=1\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n";
        assert_eq!(
            decode_chunked(raw).unwrap(),
            b"Wikipedia in \r\n\r\nchunks."
        );
        assert_eq!(
            decode_chunked(b"4\r\nWiki\r\n"),
            Err(BodyError::Unfinished { got: 4 })
        );
        assert_eq!(
            decode_chunked(b"zz\r\nWiki\r\n0\r\n\r\n"),
            Err(BodyError::BadChunk { at: 0 })
        );
        assert_eq!(
            decode_chunked(b"2\r\nWiki\r\n0\r\n\r\n"),
            Err(BodyError::BadChunk { at: 5 })
        );
        let resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        assert_eq!(Head::parse(resp).unwrap().body(resp).unwrap(), b"abc");
    }
}
