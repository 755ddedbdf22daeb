//! Errors a user reads: what failed (the call and the address), the errno by name, what it
//! means and what to try, and an exit code per kind of failure.

use std::fmt;
use std::io;

use crate::explain::{self, Lang};
use crate::sock::ResolveError;
use crate::trace;

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
}

/// A failed step of a command: which call, on which address, and the system's error.
#[derive(Debug)]
pub struct Failure {
    /// What was being done, as the labs would write it: `bind 127.0.0.1:7777`.
    pub what: String,
    pub source: io::Error,
    /// A combination of options that does not exist: exit code 2, no errno.
    usage: bool,
}

impl Failure {
    pub fn new(what: impl Into<String>, source: io::Error) -> Failure {
        Failure {
            what: what.into(),
            source,
            usage: false,
        }
    }

    /// A usage error found after parsing (options that do not go together).
    pub fn usage(msg: impl Into<String>) -> Failure {
        let msg = msg.into();
        Failure {
            source: io::Error::new(io::ErrorKind::InvalidInput, msg.clone()),
            what: msg,
            usage: true,
        }
    }

    /// The error's name: `ECONNREFUSED`, or `EAI_NONAME` for a name that does not resolve.
    pub fn errno(&self) -> Option<String> {
        if let Some(r) = ResolveError::of(&self.source) {
            return Some(r.name.to_string());
        }
        self.source.raw_os_error().map(trace::errno_name)
    }

    /// The exit code for this kind of failure.
    pub fn exit_code(&self) -> i32 {
        if self.usage {
            return exit::USAGE;
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
        let mut out = format!("socklab: {self}");
        let errno = self.errno();
        let key = match errno.as_deref() {
            Some("EAI_NODATA" | "EAI_FAIL") => Some("EAI_NONAME"),
            other => other,
        };
        if let Some(advice) = explain::errno_advice(key, lang) {
            out.push_str("\n  ");
            out.push_str(advice);
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
            return write!(f, "{}: {r}", self.what);
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
        assert!(fr.contains("le port est déjà pris"), "{fr}");
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
