//! `poll`: wait until one of several descriptors is ready. The labs' `select.select`.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use super::traced::{Outcome, Spec, perform};
use super::{Error, Result};
use crate::trace::Call;

/// One descriptor to watch, laid out as the kernel's `struct pollfd`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollFd {
    pub fd: RawFd,
    /// What to wait for (`POLLIN`: something to read, or a connection to accept).
    pub events: i16,
    /// What happened, filled in by the kernel.
    pub revents: i16,
}

impl PollFd {
    /// Watch a socket (or any descriptor) for something to read. On a listening socket,
    /// "readable" means a connection is waiting to be accepted; on a connected one, bytes or
    /// the end of the stream.
    pub fn readable(fd: &impl AsRawFd) -> PollFd {
        PollFd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        }
    }

    /// Watch standard input (descriptor 0), as the labs put `sys.stdin` in `select`'s list.
    pub fn stdin() -> PollFd {
        PollFd {
            fd: 0,
            events: libc::POLLIN,
            revents: 0,
        }
    }

    /// True when a read will not block: data, the end of the stream, or an error to collect.
    pub fn is_ready(&self) -> bool {
        self.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0
    }
}

fn flags(bits: i16) -> String {
    let names = [
        (libc::POLLIN, "POLLIN"),
        (libc::POLLPRI, "POLLPRI"),
        (libc::POLLOUT, "POLLOUT"),
        (libc::POLLERR, "POLLERR"),
        (libc::POLLHUP, "POLLHUP"),
        (libc::POLLNVAL, "POLLNVAL"),
        (libc::POLLRDHUP, "POLLRDHUP"),
    ];
    let set: Vec<&str> = names
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, n)| *n)
        .collect();
    if set.is_empty() {
        "0".into()
    } else {
        set.join("|")
    }
}

/// `poll(fds, timeout)`: blocks until at least one descriptor in `fds` is ready, or until the
/// timeout (`None` waits forever), and returns how many are ready; each one's `revents` says
/// what happened. Python's `select.select` does the same job (strace shows it as `pselect6`).
///
/// This is how one thread serves many clients: it only calls `accept` or `recv` on a socket
/// poll reported ready, so those calls never block.
pub fn poll(fds: &mut [PollFd], timeout: Option<Duration>) -> Result<usize> {
    let ms: i32 = timeout.map_or(-1, |d| d.as_millis().min(i32::MAX as u128) as i32);
    let watched = || {
        let list: Vec<String> = fds
            .iter()
            .map(|p| format!("{{fd={}, events={}}}", p.fd, flags(p.events)))
            .collect();
        format!("[{}], {}, {ms}", list.join(", "), fds.len())
    };
    let args = watched();
    let brief = fds
        .iter()
        .map(|p| p.fd.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let brief = format!(
        "[{brief}], {}",
        if ms < 0 {
            "∞".into()
        } else {
            format!("{ms} ms")
        }
    );
    let enter = || (args.clone(), brief.clone());
    let spec = Spec {
        call: Call::Poll,
        fd: None,
        // A poll with no timeout returns at once: one event.
        blocks: ms != 0,
        owner: None,
        info: None,
        option: None,
        how: None,
        size: None,
        addr: None,
        args: &enter,
    };
    let ptr = fds.as_mut_ptr() as *mut libc::pollfd;
    let len = fds.len() as libc::nfds_t;
    let n = perform(
        spec,
        || {
            // SAFETY: `PollFd` is `#[repr(C)]` with the fields of `struct pollfd`, and the
            // slice stays borrowed for the whole call.
            let n = unsafe { libc::poll(ptr, len, ms) };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        },
        |r| {
            // SAFETY: the call has returned; read the kernel's answers back from the slice.
            let after = unsafe { std::slice::from_raw_parts(ptr as *const PollFd, len as usize) };
            let ready: Vec<String> = after
                .iter()
                .filter(|p| p.revents != 0)
                .map(|p| format!("{{fd={}, revents={}}}", p.fd, flags(p.revents)))
                .collect();
            let detail = match r {
                Ok(0) => Some("(Timeout)".to_string()),
                Ok(_) => Some(format!("([{}])", ready.join(", "))),
                Err(_) => None,
            };
            Outcome {
                args: args.clone(),
                brief: brief.clone(),
                ret: *r.unwrap_or(&0) as i64,
                detail,
                ..Outcome::default()
            }
        },
    )
    .map_err(|e| Error::new(Call::Poll, None, e))?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_names() {
        assert_eq!(flags(libc::POLLIN), "POLLIN");
        assert_eq!(flags(libc::POLLIN | libc::POLLHUP), "POLLIN|POLLHUP");
        assert_eq!(flags(0), "0");
    }

    #[test]
    fn pollfd_is_the_kernel_struct() {
        assert_eq!(
            std::mem::size_of::<PollFd>(),
            std::mem::size_of::<libc::pollfd>()
        );
    }
}
