//! The HTTP client written by hand (TP3 §2, `httpget.py`): connect to port 80 (or the URL's),
//! `sendall` the request, then `recv` in a loop until the server closes, and print it all.
//!
//! The lab's first version calls `recv(1024)` once and prints a page cut at 1,024 bytes: TCP
//! is a stream, and one `recv` returns what has arrived so far, at most the size asked. The
//! loop is the fix: `recv` returns `b""` only when the server has closed the connection, that
//! is, when the page is finished. The lab then asks how to know whether the server understood
//! the request: by its status line, which this client reports, failing on 4xx and 5xx.

use std::time::Duration;

use super::http::{Head, Url};
use super::{console, net};
use crate::error::{Failure, Trouble};
use crate::lang::Lang;

/// Fetches the page. `body`: print the body alone, chunks put back together; otherwise the
/// whole response, byte for byte, head included.
pub fn run(
    arg: &str,
    port: Option<u16>,
    timeout: Option<Duration>,
    body: bool,
    lang: Lang,
) -> Result<(), Failure> {
    let url = Url::parse(arg, port).map_err(|e| {
        let (fr, en) = e.text();
        Failure::trouble("http-get", Trouble::Usage { fr, en })
    })?;
    let conn = net::connect(&url.host, url.port, timeout)?;
    let what = format!("GET {} ({})", url.path, url.host_header());
    conn.sendall(&url.request())?;
    let mut response = Vec::new();
    conn.recv_until_closed(|piece| response.extend_from_slice(piece))?;
    conn.close()?;

    let Some(head) = Head::parse(&response) else {
        // Whatever came back is shown: it may tell what the server is, if not an HTTP one.
        if !body {
            console::print(&response);
        }
        return Err(protocol(
            &what,
            format!(
                "la réponse ({} octets) ne commence pas par une ligne d'état HTTP",
                response.len()
            ),
            format!(
                "the answer ({} bytes) does not start with an HTTP status line",
                response.len()
            ),
        ));
    };
    let page = head.body(&response);
    let shown = match (&page, body) {
        (Ok(page), true) => page.as_slice(),
        (Err(_), true) => &[],
        (_, false) => response.as_slice(),
    };
    console::print(shown);
    if let Err(e) = page {
        return Err(protocol(&what, e.french(), e.to_string()));
    }
    if head.code >= 400 {
        return Err(Failure::trouble(
            what,
            Trouble::HttpStatus {
                status_line: head.status_line,
                code: head.code,
            },
        ));
    }
    report_status(&head, lang);
    Ok(())
}

/// The status line on stderr: the lab's answer to "did the server understand the request?".
fn report_status(head: &Head, lang: Lang) {
    let status = &head.status_line;
    match head.header("Location").filter(|_| head.code / 100 == 3) {
        Some(to) => console::say(
            lang,
            &format!(
                "réponse du serveur : {status} ; la page est ailleurs, à {to} (redirection non suivie)"
            ),
            &format!("server's answer: {status}; the page is elsewhere, at {to} (not followed)"),
        ),
        None => console::say(
            lang,
            &format!("réponse du serveur : {status}"),
            &format!("server's answer: {status}"),
        ),
    }
}

fn protocol(what: &str, fr: String, en: String) -> Failure {
    Failure::trouble(what, Trouble::Protocol { fr, en })
}
