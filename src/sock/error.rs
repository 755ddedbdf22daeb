//! The error of a socket call: which call failed, on which address, and the kernel's error.
//!
//! UNP's wrappers (`Bind`, `Listen`) end the program with `bind error`; here the error keeps
//! the call and the address, so a program can hand it on with `?` and the message still says
//! `bind [::]:7777: Address already in use (EADDRINUSE)`.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::ops::Deref;

use super::addr::brief;
use crate::trace::{self, Call, OptName, PortUse};

/// What `Socket`'s methods return.
pub type Result<T> = std::result::Result<T, Error>;

/// A socket call that failed.
#[derive(Debug)]
pub struct Error {
    call: Call,
    addr: Option<SocketAddr>,
    source: io::Error,
    port_use: Option<PortUse>,
    /// The option a failed `setsockopt` set.
    option: Option<OptName>,
}

impl Error {
    pub(crate) fn new(call: Call, addr: Option<SocketAddr>, source: io::Error) -> Error {
        Error {
            call,
            addr,
            source,
            port_use: None,
            option: None,
        }
    }

    /// For a `setsockopt`: the option it set, named in the message.
    pub(crate) fn with_option(mut self, option: OptName) -> Error {
        self.option = Some(option);
        self
    }

    /// For a `bind` refused with `EADDRINUSE`: what held the port at that moment.
    pub(crate) fn with_port_use(mut self, port_use: PortUse) -> Error {
        self.port_use = Some(port_use);
        self
    }

    /// What held the port, when a `bind` was refused with `EADDRINUSE`.
    pub fn port_use(&self) -> Option<PortUse> {
        self.port_use
    }

    /// The call that failed.
    pub fn call(&self) -> &Call {
        &self.call
    }

    /// The address it was given, or worked with (`bind`, `connect`, `sendto`).
    pub fn addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    /// The kernel's error; [`Error`] also dereferences to it (`e.kind()`, `e.raw_os_error()`).
    pub fn io(&self) -> &io::Error {
        &self.source
    }

    /// What was being done, as the labs would write it: `bind [::]:7777`, `accept`.
    pub fn what(&self) -> String {
        match (self.addr, &self.option) {
            (Some(a), _) => format!("{} {}", self.call, brief(&a)),
            (None, Some(o)) => format!("{} {}", self.call, o.name()),
            (None, None) => self.call.to_string(),
        }
    }
}

impl Deref for Error {
    type Target = io::Error;

    fn deref(&self) -> &io::Error {
        &self.source
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.source.raw_os_error() {
            Some(code) => {
                let name = trace::errno_name(code);
                write!(
                    f,
                    "{}: {} ({name})",
                    self.what(),
                    trace::errno_message(&name)
                )
            }
            None => write!(f, "{}: {}", self.what(), self.source),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// In code that speaks `io::Result`, the kernel's error itself (its errno kept).
impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        e.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_call_and_the_address() {
        let e = Error::new(
            Call::Bind,
            Some("[::]:7777".parse().unwrap()),
            io::Error::from_raw_os_error(libc::EADDRINUSE),
        );
        assert_eq!(
            e.to_string(),
            "bind [::]:7777: Address already in use (EADDRINUSE)"
        );
        assert_eq!(e.kind(), io::ErrorKind::AddrInUse);
        let io: io::Error = e.into();
        assert_eq!(io.raw_os_error(), Some(libc::EADDRINUSE));
    }
}
