//! Errors a user reads: what failed (the call and the address), the errno by name, what it
//! means and what to try, and an exit code per kind of failure.

use std::fmt;
use std::io;
use std::time::Duration;

use crate::explain;
use crate::lang::Lang;
use crate::sock::{self, ResolveError};
use crate::trace;
use crate::trace::PortUse;

/// Exit codes, documented in `socklab --help` and the README.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const UNKNOWN_HOST: i32 = 3;
    pub const REFUSED: i32 = 4;
    pub const TIMEOUT: i32 = 5;
    pub const RESET: i32 = 6;
    pub const UNREACHABLE: i32 = 7;
    pub const CANNOT_LISTEN: i32 = 8;
    /// An HTTP server answered with an error status (4xx, 5xx).
    pub const HTTP_ERROR: i32 = 9;
    /// A UDP request got no datagram back within the timeout.
    pub const NO_ANSWER: i32 = 10;
}

/// A failed step of a command: which call, on which address, and the system's error.
#[derive(Debug)]
pub struct Failure {
    /// What was being done, as the labs would write it: `bind 127.0.0.1:7777`.
    pub what: String,
    pub source: io::Error,
    /// A combination of options that does not exist: exit code 2, no errno.
    usage: bool,
    /// For a `bind` refused with `EADDRINUSE`: what held the port.
    port_use: Option<PortUse>,
    /// What to try, in French and English, when the caller knows better than the errno's
    /// general advice (a privileged port: which port to use instead).
    advice: Option<(String, String)>,
}

impl Failure {
    pub fn new(what: impl Into<String>, source: impl Into<io::Error>) -> Failure {
        Failure {
            what: what.into(),
            source: source.into(),
            usage: false,
            port_use: None,
            advice: None,
        }
    }

    /// A usage error found after parsing (options that do not go together).
    pub fn usage(msg: impl Into<String>) -> Failure {
        let msg = msg.into();
        Failure {
            source: io::Error::new(io::ErrorKind::InvalidInput, msg.clone()),
            what: msg,
            usage: true,
            port_use: None,
            advice: None,
        }
    }

    /// Replaces the errno's general advice with one for this very failure.
    pub fn with_advice(mut self, fr: impl Into<String>, en: impl Into<String>) -> Failure {
        self.advice = Some((fr.into(), en.into()));
        self
    }

    /// The error's name: `ECONNREFUSED`, or `EAI_NONAME` for a name that does not resolve.
    pub fn errno(&self) -> Option<String> {
        if let Some(r) = ResolveError::of(&self.source) {
            return Some(r.name.to_string());
        }
        self.source.raw_os_error().map(trace::errno_name)
    }

    /// A failure no errno describes: a timeout, a UDP question nobody answered, an HTTP error
    /// status, a peer that breaks the protocol.
    pub fn trouble(what: impl Into<String>, trouble: Trouble) -> Failure {
        Failure::new(what, io::Error::other(trouble))
    }

    /// The exit code for this kind of failure.
    pub fn exit_code(&self) -> i32 {
        if self.usage {
            return exit::USAGE;
        }
        if let Some(t) = Trouble::of(&self.source) {
            return t.exit_code();
        }
        match self.errno().as_deref() {
            Some("EAI_NONAME" | "EAI_NODATA" | "EAI_AGAIN" | "EAI_FAIL") => exit::UNKNOWN_HOST,
            Some("ECONNREFUSED") => exit::REFUSED,
            Some("ETIMEDOUT" | "EAGAIN" | "EINPROGRESS") => exit::TIMEOUT,
            Some("ECONNRESET" | "EPIPE") => exit::RESET,
            Some("ENETUNREACH" | "EHOSTUNREACH") => exit::UNREACHABLE,
            Some("EADDRINUSE" | "EACCES" | "EADDRNOTAVAIL") => exit::CANNOT_LISTEN,
            _ => exit::FAILURE,
        }
    }

    /// The full message: one line naming the call, then what it means and what to try.
    pub fn report(&self, lang: Lang) -> String {
        if let Some(t) = Trouble::of(&self.source) {
            let mut out = format!("socklab: {}: {}", self.what, t.headline(lang));
            if let Some(advice) = t.advice(lang) {
                out.push_str("\n  ");
                out.push_str(advice);
            }
            return out;
        }
        let mut out = format!("socklab: {self}");
        if let Some((fr, en)) = &self.advice {
            out.push_str("\n  ");
            out.push_str(lang.pick(fr, en));
            return out;
        }
        let errno = self.errno();
        let key = match errno.as_deref() {
            Some("EAI_NODATA" | "EAI_FAIL") => Some("EAI_NONAME"),
            other => other,
        };
        if let Some(advice) = explain::errno_advice(key, self.port_use, lang) {
            out.push_str("\n  ");
            out.push_str(&advice);
        }
        out
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.usage {
            return write!(f, "{}", self.what);
        }
        if let Some(r) = ResolveError::of(&self.source) {
            // `what` names the host already: `resolve trucbidule`.
            return write!(f, "{}: {} ({})", self.what, r.message, r.name);
        }
        if let Some(t) = Trouble::of(&self.source) {
            return write!(f, "{}: {}", self.what, t.headline(Lang::En));
        }
        match self.source.raw_os_error() {
            Some(code) => {
                let name = trace::errno_name(code);
                write!(f, "{}: {} ({name})", self.what, trace::errno_message(&name))
            }
            None => write!(f, "{}: {}", self.what, self.source),
        }
    }
}

impl std::error::Error for Failure {}

/// A failed socket call is a failure of the command, named by its call and address
/// (`bind [::]:7777`): programs pass it on with `?`.
impl From<sock::Error> for Failure {
    fn from(e: sock::Error) -> Failure {
        let port_use = e.port_use();
        Failure {
            port_use,
            ..Failure::new(e.what(), e)
        }
    }
}

/// What a blocking call was waiting for when the timeout ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// The TCP handshake (`connect`).
    Connection,
    /// Data on a connected socket (`recv`).
    Data,
    /// Room in the send buffer (`send`): the peer does not read what it is sent.
    Sending,
}

/// A failure that no errno names by itself. It travels inside the `io::Error` of a
/// [`Failure`], as [`ResolveError`] does, and has its own message and exit code.
#[derive(Debug)]
pub enum Trouble {
    /// `--timeout` ran out while `connect`, `recv` or `send` waited. The kernel only says
    /// `EINPROGRESS` (a connect cut short by `SO_SNDTIMEO`) or `EAGAIN` (a recv or send cut
    /// short by `SO_RCVTIMEO` or `SO_SNDTIMEO`):
    /// `errno` keeps that name for the curious, the message says "timeout".
    Timeout {
        wait: Wait,
        after: Duration,
        errno: i32,
    },
    /// A UDP request went out and no datagram came back within `after`.
    NoAnswer { after: Duration },
    /// The HTTP server answered with an error status (4xx or 5xx).
    HttpStatus { status_line: String, code: u16 },
    /// The peer does not speak the protocol the client expects.
    Protocol { fr: String, en: String },
    /// A combination of arguments that makes no sense (found after parsing).
    Usage { fr: String, en: String },
}

impl fmt::Display for Trouble {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline(Lang::En))
    }
}

impl std::error::Error for Trouble {}

impl Trouble {
    /// The `Trouble` inside an `io::Error`, if that is what it carries.
    pub fn of(e: &io::Error) -> Option<&Trouble> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<Trouble>())
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Trouble::Timeout { .. } => exit::TIMEOUT,
            Trouble::NoAnswer { .. } => exit::NO_ANSWER,
            Trouble::HttpStatus { .. } => exit::HTTP_ERROR,
            Trouble::Protocol { .. } => exit::FAILURE,
            Trouble::Usage { .. } => exit::USAGE,
        }
    }

    /// One line saying what happened, in the user's language.
    pub fn headline(&self, lang: Lang) -> String {
        let fr = lang == Lang::Fr;
        match self {
            Trouble::Timeout { wait, after, errno } => {
                let secs = seconds(*after, lang);
                let name = trace::errno_name(*errno);
                match (wait, fr) {
                    (Wait::Connection, true) => format!(
                        "délai dépassé : pas de connexion au bout de {secs} \
                         (connect a abandonné avec {name})"
                    ),
                    (Wait::Connection, false) => format!(
                        "timed out: no connection after {secs} (connect gave up with {name})"
                    ),
                    (Wait::Data, true) => format!(
                        "délai dépassé : rien n'a été reçu en {secs} (recv a abandonné avec {name})"
                    ),
                    (Wait::Data, false) => {
                        format!("timed out: nothing received in {secs} (recv gave up with {name})")
                    }
                    (Wait::Sending, true) => format!(
                        "délai dépassé : impossible d'envoyer en {secs} (send a abandonné avec \
                         {name})"
                    ),
                    (Wait::Sending, false) => {
                        format!("timed out: could not send in {secs} (send gave up with {name})")
                    }
                }
            }
            Trouble::NoAnswer { after } => {
                let secs = seconds(*after, lang);
                if fr {
                    format!("pas de réponse en {secs} (UDP)")
                } else {
                    format!("no answer in {secs} (UDP)")
                }
            }
            Trouble::HttpStatus { status_line, .. } => {
                if fr {
                    format!("le serveur a répondu « {status_line} »")
                } else {
                    format!("the server answered \"{status_line}\"")
                }
            }
            Trouble::Protocol { fr: f, en } | Trouble::Usage { fr: f, en } => {
                lang.pick(f, en).to_string()
            }
        }
    }

    /// What it means and what to try.
    pub fn advice(&self, lang: Lang) -> Option<&'static str> {
        let key = match self {
            Trouble::Timeout {
                wait: Wait::Connection,
                ..
            } => "timeout:connect",
            Trouble::Timeout {
                wait: Wait::Data, ..
            } => "timeout:recv",
            Trouble::Timeout {
                wait: Wait::Sending,
                ..
            } => "timeout:send",
            Trouble::NoAnswer { .. } => "udp:no-answer",
            Trouble::HttpStatus { code, .. } if *code >= 500 => "http:5xx",
            Trouble::HttpStatus { .. } => "http:4xx",
            Trouble::Protocol { .. } | Trouble::Usage { .. } => return None,
        };
        explain::failure_text(key, lang)
    }
}

/// `1 s`, `0.5 s`, `10 s`; in French with a decimal comma, `0,5 s`.
fn seconds(d: Duration, lang: Lang) -> String {
    let s = d.as_secs_f64();
    let text = if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    };
    match lang {
        Lang::Fr => text.replace('.', ","),
        Lang::En => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_call_the_errno_and_the_fix() {
        let f = Failure::new(
            "bind 127.0.0.1:7777",
            io::Error::from_raw_os_error(libc::EADDRINUSE),
        );
        assert_eq!(
            f.to_string(),
            "bind 127.0.0.1:7777: Address already in use (EADDRINUSE)"
        );
        assert_eq!(f.exit_code(), exit::CANNOT_LISTEN);
        let en = f.report(Lang::En);
        assert!(en.starts_with("socklab: bind 127.0.0.1:7777"), "{en}");
        assert!(en.contains("SO_REUSEADDR"), "{en}");
        let fr = f.report(Lang::Fr);
        assert!(fr.contains("le port est déjà utilisé"), "{fr}");
    }

    #[test]
    fn timeouts_say_timeout_in_both_languages() {
        let f = Failure::trouble(
            "connect 127.0.0.1:1313",
            Trouble::Timeout {
                wait: Wait::Connection,
                after: Duration::from_millis(1500),
                errno: libc::EINPROGRESS,
            },
        );
        assert_eq!(f.exit_code(), exit::TIMEOUT);
        assert_eq!(
            f.to_string(),
            "connect 127.0.0.1:1313: timed out: no connection after 1.5 s \
             (connect gave up with EINPROGRESS)"
        );
        let fr = f.report(Lang::Fr);
        assert!(
            fr.contains("délai dépassé : pas de connexion au bout de 1,5 s"),
            "{fr}"
        );
        assert!(fr.contains("--timeout"), "{fr}");
        let recv = Failure::trouble(
            "recv",
            Trouble::Timeout {
                wait: Wait::Data,
                after: Duration::from_secs(10),
                errno: libc::EAGAIN,
            },
        );
        assert!(recv.report(Lang::En).contains("nothing received in 10 s"));
    }

    #[test]
    fn troubles_have_their_codes() {
        let code = |t: Trouble| Failure::trouble("x", t).exit_code();
        let after = Duration::from_secs(1);
        assert_eq!(code(Trouble::NoAnswer { after }), exit::NO_ANSWER);
        let status = |code| Trouble::HttpStatus {
            status_line: format!("HTTP/1.1 {code} X"),
            code,
        };
        assert_eq!(code(status(404)), exit::HTTP_ERROR);
        let en = Failure::trouble("GET /", status(503)).report(Lang::En);
        assert!(en.contains("the server is at fault"), "{en}");
        let en = Failure::trouble("GET /", status(404)).report(Lang::En);
        assert!(en.contains("the request is at fault"), "{en}");
        let usage = Trouble::Usage {
            fr: "non".into(),
            en: "no".into(),
        };
        assert_eq!(code(usage), exit::USAGE);
    }

    #[test]
    fn an_advice_of_its_own_replaces_the_errnos() {
        let f = Failure::new(
            "bind 127.0.0.1:13",
            io::Error::from_raw_os_error(libc::EACCES),
        )
        .with_advice("port 1313, en français", "port 1313, in English");
        assert_eq!(f.exit_code(), exit::CANNOT_LISTEN);
        let en = f.report(Lang::En);
        assert!(en.ends_with("\n  port 1313, in English"), "{en}");
        assert!(!en.contains("7777"), "{en}");
        assert!(f.report(Lang::Fr).ends_with("en français"));
    }

    #[test]
    fn each_failure_has_its_code() {
        let code = |e: i32| Failure::new("x", io::Error::from_raw_os_error(e)).exit_code();
        assert_eq!(code(libc::ECONNREFUSED), exit::REFUSED);
        assert_eq!(code(libc::ETIMEDOUT), exit::TIMEOUT);
        assert_eq!(code(libc::ECONNRESET), exit::RESET);
        assert_eq!(code(libc::ENETUNREACH), exit::UNREACHABLE);
        assert_eq!(code(libc::EACCES), exit::CANNOT_LISTEN);
        assert_eq!(code(libc::ENOMEM), exit::FAILURE);
    }
}
