//! Which system calls `socklab trace` stops the program on, and their numbers.
//!
//! The kernel knows a system call by its number only, and the numbers differ between
//! architectures: `socket` is 41 on x86_64 and 198 on aarch64. The tables come from the
//! `syscalls` crate, one per architecture; both are compiled here whatever the machine (the
//! crate's `x86_64` and `aarch64` features), so the aarch64 one is checked by the compiler even
//! on an x86_64 machine, and the one for the machine socklab runs on is chosen with `cfg`.
//!
//! aarch64 is a newer design than x86_64 and left the old calls out: it has no `poll`
//! (`ppoll` only), no `select` (`pselect6`), no `dup2` (`dup3`), no `epoll_wait`
//! (`epoll_pwait`). Neither has `send` nor `recv`: the C library turns them into `sendto` and
//! `recvfrom`, which is what strace shows too.

use crate::trace::Call;

/// A call socklab traces, whatever number the architecture gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sc {
    Socket,
    Socketpair,
    Bind,
    Listen,
    Accept,
    Accept4,
    Connect,
    Getsockname,
    Getpeername,
    Setsockopt,
    Getsockopt,
    Sendto,
    Sendmsg,
    Sendmmsg,
    Recvfrom,
    Recvmsg,
    Recvmmsg,
    Shutdown,
    Read,
    Write,
    Readv,
    Writev,
    Close,
    CloseRange,
    Dup,
    Dup2,
    Dup3,
    Fcntl,
    Poll,
    Ppoll,
    Select,
    Pselect6,
    EpollCtl,
    EpollWait,
    EpollPwait,
    EpollPwait2,
}

/// When the seccomp filter stops the program on a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Always: the call is a socket call, or may concern a socket (`close`, `dup`, `poll`).
    Always,
    /// Only when its first argument, a descriptor, is 3 or more: `read` and `write` on 0, 1
    /// and 2 (the terminal, the pipes of a shell) are let through without a stop, which
    /// spares every `print` and `input()` of the program a round trip through socklab. (A
    /// socket made standard input or output with `dup2`, inetd-style, is then not seen.)
    FdFrom3,
    /// `fcntl` only when it duplicates a descriptor (`F_DUPFD`, `F_DUPFD_CLOEXEC`): the other
    /// commands (`F_GETFL`, `F_SETFD`...) make no new descriptor.
    FcntlDup,
}

impl Sc {
    /// The call as the trace names it: strace's name.
    pub fn call(self) -> Call {
        match self {
            Sc::Socket => Call::Socket,
            Sc::Socketpair => Call::Socketpair,
            Sc::Bind => Call::Bind,
            Sc::Listen => Call::Listen,
            Sc::Accept => Call::Accept,
            Sc::Accept4 => Call::Accept4,
            Sc::Connect => Call::Connect,
            Sc::Getsockname => Call::Getsockname,
            Sc::Getpeername => Call::Getpeername,
            Sc::Setsockopt => Call::Setsockopt,
            Sc::Getsockopt => Call::Getsockopt,
            Sc::Sendto => Call::Sendto,
            Sc::Sendmsg => Call::Sendmsg,
            Sc::Sendmmsg => Call::Other("sendmmsg".into()),
            Sc::Recvfrom => Call::Recvfrom,
            Sc::Recvmsg => Call::Recvmsg,
            Sc::Recvmmsg => Call::Other("recvmmsg".into()),
            Sc::Shutdown => Call::Shutdown,
            Sc::Read => Call::Read,
            Sc::Write => Call::Write,
            Sc::Readv => Call::Other("readv".into()),
            Sc::Writev => Call::Other("writev".into()),
            Sc::Close => Call::Close,
            Sc::CloseRange => Call::Other("close_range".into()),
            Sc::Dup => Call::Dup,
            Sc::Dup2 => Call::Dup2,
            Sc::Dup3 => Call::Dup3,
            Sc::Fcntl => Call::Fcntl,
            Sc::Poll => Call::Poll,
            Sc::Ppoll => Call::Ppoll,
            Sc::Select => Call::Select,
            Sc::Pselect6 => Call::Pselect6,
            Sc::EpollCtl => Call::EpollCtl,
            Sc::EpollWait => Call::EpollWait,
            Sc::EpollPwait => Call::EpollPwait,
            Sc::EpollPwait2 => Call::Other("epoll_pwait2".into()),
        }
    }

    pub fn stop(self) -> Stop {
        match self {
            Sc::Read | Sc::Write | Sc::Readv | Sc::Writev => Stop::FdFrom3,
            Sc::Fcntl => Stop::FcntlDup,
            _ => Stop::Always,
        }
    }
}

/// An architecture: how the kernel names it to a seccomp filter, and its numbers.
pub struct Arch {
    /// `AUDIT_ARCH_*`: what `seccomp_data.arch` holds for a call made the native way. A call
    /// made another way (the 32-bit `int 0x80` on x86_64) carries another value and other
    /// numbers: the filter lets it through rather than misread it.
    pub audit: u32,
    pub table: Vec<(u32, Sc)>,
}

impl Arch {
    /// The call behind a number, when socklab traces it.
    pub fn call(&self, nr: u64) -> Option<Sc> {
        self.table
            .iter()
            .find(|(n, _)| u64::from(*n) == nr)
            .map(|(_, sc)| *sc)
    }
}

/// `AUDIT_ARCH_X86_64` (`EM_X86_64` with the 64-bit and little-endian bits), from
/// `<linux/audit.h>`.
pub const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
/// `AUDIT_ARCH_AARCH64` (`EM_AARCH64`, 64-bit, little-endian).
pub const AUDIT_ARCH_AARCH64: u32 = 0xC000_00B7;

/// The x86_64 numbers.
pub fn x86_64() -> Arch {
    use syscalls::x86_64::Sysno as N;
    let table = [
        (N::socket, Sc::Socket),
        (N::socketpair, Sc::Socketpair),
        (N::bind, Sc::Bind),
        (N::listen, Sc::Listen),
        (N::accept, Sc::Accept),
        (N::accept4, Sc::Accept4),
        (N::connect, Sc::Connect),
        (N::getsockname, Sc::Getsockname),
        (N::getpeername, Sc::Getpeername),
        (N::setsockopt, Sc::Setsockopt),
        (N::getsockopt, Sc::Getsockopt),
        (N::sendto, Sc::Sendto),
        (N::sendmsg, Sc::Sendmsg),
        (N::sendmmsg, Sc::Sendmmsg),
        (N::recvfrom, Sc::Recvfrom),
        (N::recvmsg, Sc::Recvmsg),
        (N::recvmmsg, Sc::Recvmmsg),
        (N::shutdown, Sc::Shutdown),
        (N::read, Sc::Read),
        (N::write, Sc::Write),
        (N::readv, Sc::Readv),
        (N::writev, Sc::Writev),
        (N::close, Sc::Close),
        (N::close_range, Sc::CloseRange),
        (N::dup, Sc::Dup),
        (N::dup2, Sc::Dup2),
        (N::dup3, Sc::Dup3),
        (N::fcntl, Sc::Fcntl),
        (N::poll, Sc::Poll),
        (N::ppoll, Sc::Ppoll),
        (N::select, Sc::Select),
        (N::pselect6, Sc::Pselect6),
        (N::epoll_ctl, Sc::EpollCtl),
        (N::epoll_wait, Sc::EpollWait),
        (N::epoll_pwait, Sc::EpollPwait),
        (N::epoll_pwait2, Sc::EpollPwait2),
    ];
    Arch {
        audit: AUDIT_ARCH_X86_64,
        table: table.iter().map(|(n, sc)| (n.id() as u32, *sc)).collect(),
    }
}

/// The aarch64 numbers: no `poll`, `select`, `dup2`, `epoll_wait` there.
pub fn aarch64() -> Arch {
    use syscalls::aarch64::Sysno as N;
    let table = [
        (N::socket, Sc::Socket),
        (N::socketpair, Sc::Socketpair),
        (N::bind, Sc::Bind),
        (N::listen, Sc::Listen),
        (N::accept, Sc::Accept),
        (N::accept4, Sc::Accept4),
        (N::connect, Sc::Connect),
        (N::getsockname, Sc::Getsockname),
        (N::getpeername, Sc::Getpeername),
        (N::setsockopt, Sc::Setsockopt),
        (N::getsockopt, Sc::Getsockopt),
        (N::sendto, Sc::Sendto),
        (N::sendmsg, Sc::Sendmsg),
        (N::sendmmsg, Sc::Sendmmsg),
        (N::recvfrom, Sc::Recvfrom),
        (N::recvmsg, Sc::Recvmsg),
        (N::recvmmsg, Sc::Recvmmsg),
        (N::shutdown, Sc::Shutdown),
        (N::read, Sc::Read),
        (N::write, Sc::Write),
        (N::readv, Sc::Readv),
        (N::writev, Sc::Writev),
        (N::close, Sc::Close),
        (N::close_range, Sc::CloseRange),
        (N::dup, Sc::Dup),
        (N::dup3, Sc::Dup3),
        (N::fcntl, Sc::Fcntl),
        (N::ppoll, Sc::Ppoll),
        (N::pselect6, Sc::Pselect6),
        (N::epoll_ctl, Sc::EpollCtl),
        (N::epoll_pwait, Sc::EpollPwait),
        (N::epoll_pwait2, Sc::EpollPwait2),
    ];
    Arch {
        audit: AUDIT_ARCH_AARCH64,
        table: table.iter().map(|(n, sc)| (n.id() as u32, *sc)).collect(),
    }
}

/// The architecture socklab runs on, or `None` where `socklab trace` has no table.
pub fn native() -> Option<Arch> {
    #[cfg(target_arch = "x86_64")]
    return Some(x86_64());
    #[cfg(target_arch = "aarch64")]
    return Some(aarch64());
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    return None;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_numbers_strace_knows() {
        let x = x86_64();
        assert_eq!(x.call(41), Some(Sc::Socket));
        assert_eq!(x.call(288), Some(Sc::Accept4));
        assert_eq!(x.call(45), Some(Sc::Recvfrom));
        assert_eq!(x.call(7), Some(Sc::Poll));
        assert_eq!(x.call(0), Some(Sc::Read));
        assert_eq!(x.call(59), None, "execve is not traced");
        let a = aarch64();
        assert_eq!(a.call(198), Some(Sc::Socket));
        assert_eq!(a.call(242), Some(Sc::Accept4));
        assert_eq!(a.call(63), Some(Sc::Read));
        for missing in [Sc::Poll, Sc::Select, Sc::Dup2, Sc::EpollWait] {
            assert!(
                a.table.iter().all(|(_, sc)| *sc != missing),
                "aarch64 has no {missing:?}"
            );
        }
    }

    #[test]
    fn one_number_one_call() {
        for arch in [x86_64(), aarch64()] {
            let mut numbers: Vec<u32> = arch.table.iter().map(|(n, _)| *n).collect();
            numbers.sort_unstable();
            numbers.dedup();
            assert_eq!(numbers.len(), arch.table.len());
        }
    }
}
