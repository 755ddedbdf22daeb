//! What socklab knows of each traced process's descriptors: which ones are sockets, and what
//! their calls made of them (the trace's [`SockInfo`]: family, type, listening or connected,
//! addresses, who closed first), so each event carries its socket and the explanation under
//! it is true for that socket.
//!
//! The table is per process, as the kernel's is: the threads of a process share their
//! descriptors, a child made by `fork` starts with a copy of its parent's. A copy refers to
//! the same socket (the same kernel object: a `close` in the child leaves the parent's open),
//! so an entry is shared between the descriptors and processes that hold it, and what happens
//! to the socket through one shows through all.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use crate::trace::SockInfo;

/// One socket, as its calls made it.
#[derive(Debug)]
pub struct Sock {
    pub info: SockInfo,
    /// The thread whose `accept` returned it, for a connection accepted by a server: the one
    /// that serves it, when another, is an exécutant.
    pub accepted_by: Option<i32>,
}

pub type SockRef = Rc<RefCell<Sock>>;

#[derive(Clone, Debug)]
pub enum Entry {
    Socket(SockRef),
    /// An epoll instance (`epoll_create`, not traced); `true` once a socket was added to it,
    /// from which on its `epoll_wait`s are socket calls.
    Epoll(Rc<Cell<bool>>),
}

/// A process's descriptors that socklab follows.
#[derive(Clone, Debug, Default)]
pub struct Fds {
    map: HashMap<i32, Entry>,
}

impl Fds {
    pub fn socket(&self, fd: i32) -> Option<&SockRef> {
        match self.map.get(&fd) {
            Some(Entry::Socket(s)) => Some(s),
            _ => None,
        }
    }

    pub fn info(&self, fd: i32) -> Option<SockInfo> {
        self.socket(fd).map(|s| s.borrow().info)
    }

    pub fn is_socket(&self, fd: i32) -> bool {
        self.socket(fd).is_some()
    }

    /// True for an epoll instance a socket was added to.
    pub fn watches_sockets(&self, fd: i32) -> bool {
        matches!(self.map.get(&fd), Some(Entry::Epoll(w)) if w.get())
    }

    /// How many of these descriptors refer to `sock`.
    pub fn holding(&self, sock: &SockRef) -> usize {
        self.map
            .values()
            .filter(|e| matches!(e, Entry::Socket(s) if Rc::ptr_eq(s, sock)))
            .count()
    }

    pub fn is_followed(&self, fd: i32) -> bool {
        self.map.contains_key(&fd)
    }

    pub fn insert(&mut self, fd: i32, info: SockInfo, accepted_by: Option<i32>) {
        let sock = Sock { info, accepted_by };
        self.map
            .insert(fd, Entry::Socket(Rc::new(RefCell::new(sock))));
    }

    /// `epoll_ctl(epfd, ADD, socket)`: `epfd` watches a socket.
    pub fn mark_epoll(&mut self, epfd: i32) {
        match self.map.get(&epfd) {
            Some(Entry::Epoll(w)) => w.set(true),
            Some(Entry::Socket(_)) => {}
            None => {
                self.map
                    .insert(epfd, Entry::Epoll(Rc::new(Cell::new(true))));
            }
        }
    }

    /// `dup`, `dup2`, `fcntl(F_DUPFD)`: `new` is the same socket as `old` (what `new` was
    /// before is closed).
    pub fn dup(&mut self, old: i32, new: i32) {
        match self.map.get(&old).cloned() {
            Some(e) => {
                self.map.insert(new, e);
            }
            None => {
                self.map.remove(&new);
            }
        }
    }

    pub fn remove(&mut self, fd: i32) -> Option<Entry> {
        self.map.remove(&fd)
    }

    /// `close_range(first, last)`: every descriptor in the range.
    pub fn remove_range(&mut self, first: u32, last: u32) {
        self.map
            .retain(|fd, _| !(*fd >= 0 && (first..=last).contains(&(*fd as u32))));
    }

    /// After `execve`: keeps only the descriptors that are still open (the others had
    /// close-on-exec set: `SOCK_CLOEXEC`, which the C library and Python set on every socket).
    pub fn keep_open(&mut self, pid: i32) {
        self.map.retain(|fd, e| {
            let link = std::fs::read_link(format!("/proc/{pid}/fd/{fd}"));
            match (link, e) {
                (Ok(l), Entry::Socket(_)) => l.to_string_lossy().starts_with("socket:"),
                (Ok(l), Entry::Epoll(_)) => l.to_string_lossy().contains("eventpoll"),
                (Err(_), _) => false,
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Family, SockRole, SockType};

    #[test]
    fn a_fork_shares_the_socket_not_the_descriptor() {
        let mut parent = Fds::default();
        parent.insert(3, SockInfo::new(Family::Inet, SockType::Stream), None);
        let mut child = parent.clone();
        child.socket(3).unwrap().borrow_mut().info.role = SockRole::Listening;
        assert_eq!(parent.info(3).unwrap().role, SockRole::Listening);
        child.remove(3);
        assert!(parent.is_socket(3) && !child.is_socket(3));
        parent.dup(3, 7);
        assert!(parent.is_socket(7));
        parent.dup(9, 7);
        assert!(
            !parent.is_socket(7),
            "dup2 of a file over a socket closes the socket"
        );
        let child = parent.clone();
        assert_eq!(child.holding(parent.socket(3).unwrap()), 1);
        let mut other = Fds::default();
        other.insert(3, SockInfo::new(Family::Inet, SockType::Stream), None);
        assert_eq!(
            other.holding(parent.socket(3).unwrap()),
            0,
            "the same number, another socket"
        );
        parent.dup(3, 8);
        assert_eq!(
            parent.holding(parent.socket(3).unwrap()),
            2,
            "3 and its dup 8"
        );
        parent.remove_range(0, u32::MAX);
        assert!(!parent.is_socket(3));
    }
}
