//! The names strace gives to the numbers in socket calls: `SOCK_STREAM|SOCK_CLOEXEC`,
//! `SOL_SOCKET`, `SO_REUSEADDR`, `MSG_NOSIGNAL`, `POLLIN`, `SHUT_WR`.

use crate::trace::{Family, How, OptName, SockType};

/// Flags as `A|B`, `0` for none; bits no name covers are added in hex.
fn flags(bits: u64, names: &[(u64, &str)]) -> String {
    let mut left = bits;
    let mut set: Vec<String> = Vec::new();
    for (b, n) in names {
        if bits & b != 0 {
            set.push((*n).to_string());
            left &= !b;
        }
    }
    if left != 0 {
        set.push(format!("{left:#x}"));
    }
    if set.is_empty() {
        "0".into()
    } else {
        set.join("|")
    }
}

pub fn family(f: i32) -> Family {
    match f {
        libc::AF_INET => Family::Inet,
        libc::AF_INET6 => Family::Inet6,
        libc::AF_UNIX => Family::Unix,
        libc::AF_NETLINK => Family::Netlink,
        libc::AF_PACKET => Family::Packet,
        _ => Family::Other,
    }
}

/// The type without its flags (`SOCK_CLOEXEC`, `SOCK_NONBLOCK` are or-ed into it).
pub fn sock_type(t: i32) -> SockType {
    match t & 0xf {
        libc::SOCK_STREAM => SockType::Stream,
        libc::SOCK_DGRAM => SockType::Dgram,
        _ => SockType::Other,
    }
}

/// `SOCK_STREAM|SOCK_CLOEXEC`.
pub fn sock_type_flags(t: i32) -> String {
    let base = match t & 0xf {
        libc::SOCK_STREAM => "SOCK_STREAM".to_string(),
        libc::SOCK_DGRAM => "SOCK_DGRAM".to_string(),
        libc::SOCK_RAW => "SOCK_RAW".to_string(),
        libc::SOCK_SEQPACKET => "SOCK_SEQPACKET".to_string(),
        other => other.to_string(),
    };
    let mut out = base;
    if t & libc::SOCK_NONBLOCK != 0 {
        out.push_str("|SOCK_NONBLOCK");
    }
    if t & libc::SOCK_CLOEXEC != 0 {
        out.push_str("|SOCK_CLOEXEC");
    }
    out
}

/// `SOCK_CLOEXEC`, for `accept4`'s flags.
pub fn accept_flags(f: i32) -> String {
    flags(
        f as u64,
        &[
            (libc::SOCK_CLOEXEC as u64, "SOCK_CLOEXEC"),
            (libc::SOCK_NONBLOCK as u64, "SOCK_NONBLOCK"),
        ],
    )
}

/// The protocol of `socket(2)`, for the internet families.
pub fn protocol(family: i32, p: i32) -> String {
    if !matches!(family, libc::AF_INET | libc::AF_INET6) {
        return p.to_string();
    }
    match p {
        libc::IPPROTO_IP => "IPPROTO_IP".into(),
        libc::IPPROTO_TCP => "IPPROTO_TCP".into(),
        libc::IPPROTO_UDP => "IPPROTO_UDP".into(),
        libc::IPPROTO_ICMP => "IPPROTO_ICMP".into(),
        libc::IPPROTO_ICMPV6 => "IPPROTO_ICMPV6".into(),
        other => other.to_string(),
    }
}

/// `MSG_NOSIGNAL|MSG_DONTWAIT`.
pub fn msg_flags(f: i32) -> String {
    flags(
        f as u32 as u64,
        &[
            (libc::MSG_OOB as u64, "MSG_OOB"),
            (libc::MSG_PEEK as u64, "MSG_PEEK"),
            (libc::MSG_DONTROUTE as u64, "MSG_DONTROUTE"),
            (libc::MSG_CTRUNC as u64, "MSG_CTRUNC"),
            (libc::MSG_TRUNC as u64, "MSG_TRUNC"),
            (libc::MSG_DONTWAIT as u64, "MSG_DONTWAIT"),
            (libc::MSG_EOR as u64, "MSG_EOR"),
            (libc::MSG_WAITALL as u64, "MSG_WAITALL"),
            (libc::MSG_NOSIGNAL as u64, "MSG_NOSIGNAL"),
            (libc::MSG_MORE as u64, "MSG_MORE"),
            (libc::MSG_CMSG_CLOEXEC as u32 as u64, "MSG_CMSG_CLOEXEC"),
        ],
    )
}

/// `SHUT_RD`, `SHUT_WR`, `SHUT_RDWR`.
pub fn how(h: i32) -> Option<How> {
    match h {
        libc::SHUT_RD => Some(How::Read),
        libc::SHUT_WR => Some(How::Write),
        libc::SHUT_RDWR => Some(How::Both),
        _ => None,
    }
}

/// `SOL_SOCKET`, `SOL_TCP`... as strace names the levels of `setsockopt`.
pub fn level(l: i32) -> String {
    match l {
        libc::SOL_SOCKET => "SOL_SOCKET".into(),
        libc::IPPROTO_IP => "SOL_IP".into(),
        libc::IPPROTO_TCP => "SOL_TCP".into(),
        libc::IPPROTO_UDP => "SOL_UDP".into(),
        libc::IPPROTO_IPV6 => "SOL_IPV6".into(),
        other => other.to_string(),
    }
}

/// An option's name as strace prints it (`SO_RCVTIMEO_OLD`), and as the trace's typed
/// [`OptName`] (the same option whatever its old or new form).
pub fn option(level: i32, name: i32) -> (String, OptName) {
    let known = match (level, name) {
        (libc::SOL_SOCKET, libc::SO_REUSEADDR) => Some(("SO_REUSEADDR", OptName::ReuseAddr)),
        (libc::SOL_SOCKET, libc::SO_REUSEPORT) => Some(("SO_REUSEPORT", OptName::ReusePort)),
        (libc::SOL_SOCKET, libc::SO_ERROR) => Some(("SO_ERROR", OptName::Error)),
        (libc::SOL_SOCKET, libc::SO_KEEPALIVE) => Some(("SO_KEEPALIVE", OptName::KeepAlive)),
        (libc::SOL_SOCKET, libc::SO_LINGER) => Some(("SO_LINGER", OptName::Linger)),
        (libc::SOL_SOCKET, libc::SO_RCVBUF) => Some(("SO_RCVBUF", OptName::RcvBuf)),
        (libc::SOL_SOCKET, libc::SO_SNDBUF) => Some(("SO_SNDBUF", OptName::SndBuf)),
        // The 32-bit `struct timeval` forms (`_OLD`) and the 64-bit ones (`_NEW`).
        (libc::SOL_SOCKET, 20) => Some(("SO_RCVTIMEO_OLD", OptName::RcvTimeo)),
        (libc::SOL_SOCKET, 21) => Some(("SO_SNDTIMEO_OLD", OptName::SndTimeo)),
        (libc::SOL_SOCKET, 66) => Some(("SO_RCVTIMEO_NEW", OptName::RcvTimeo)),
        (libc::SOL_SOCKET, 67) => Some(("SO_SNDTIMEO_NEW", OptName::SndTimeo)),
        (libc::IPPROTO_TCP, libc::TCP_NODELAY) => Some(("TCP_NODELAY", OptName::NoDelay)),
        (libc::IPPROTO_TCP, libc::TCP_INFO) => Some(("TCP_INFO", OptName::TcpInfo)),
        (libc::IPPROTO_IPV6, libc::IPV6_V6ONLY) => Some(("IPV6_V6ONLY", OptName::V6Only)),
        _ => None,
    };
    if let Some((n, o)) = known {
        return (n.to_string(), o);
    }
    let other = match (level, name) {
        (libc::SOL_SOCKET, libc::SO_TYPE) => "SO_TYPE",
        (libc::SOL_SOCKET, libc::SO_BROADCAST) => "SO_BROADCAST",
        (libc::SOL_SOCKET, libc::SO_PRIORITY) => "SO_PRIORITY",
        (libc::SOL_SOCKET, libc::SO_RCVLOWAT) => "SO_RCVLOWAT",
        (libc::SOL_SOCKET, libc::SO_ACCEPTCONN) => "SO_ACCEPTCONN",
        (libc::SOL_SOCKET, libc::SO_PROTOCOL) => "SO_PROTOCOL",
        (libc::SOL_SOCKET, libc::SO_DOMAIN) => "SO_DOMAIN",
        (libc::SOL_SOCKET, libc::SO_BINDTODEVICE) => "SO_BINDTODEVICE",
        (libc::IPPROTO_TCP, libc::TCP_MAXSEG) => "TCP_MAXSEG",
        (libc::IPPROTO_TCP, libc::TCP_CORK) => "TCP_CORK",
        (libc::IPPROTO_TCP, libc::TCP_KEEPIDLE) => "TCP_KEEPIDLE",
        (libc::IPPROTO_TCP, libc::TCP_KEEPINTVL) => "TCP_KEEPINTVL",
        (libc::IPPROTO_TCP, libc::TCP_KEEPCNT) => "TCP_KEEPCNT",
        (libc::IPPROTO_TCP, libc::TCP_QUICKACK) => "TCP_QUICKACK",
        (libc::IPPROTO_IP, libc::IP_TOS) => "IP_TOS",
        (libc::IPPROTO_IP, libc::IP_TTL) => "IP_TTL",
        (libc::IPPROTO_IP, libc::IP_RECVERR) => "IP_RECVERR",
        _ => "",
    };
    let text = if other.is_empty() {
        name.to_string()
    } else {
        other.to_string()
    };
    let typed = OptName::Other(text.clone());
    (text, typed)
}

/// `POLLIN|POLLHUP`.
pub fn poll_events(e: i16) -> String {
    flags(
        e as u16 as u64,
        &[
            (libc::POLLIN as u64, "POLLIN"),
            (libc::POLLPRI as u64, "POLLPRI"),
            (libc::POLLOUT as u64, "POLLOUT"),
            (libc::POLLERR as u64, "POLLERR"),
            (libc::POLLHUP as u64, "POLLHUP"),
            (libc::POLLNVAL as u64, "POLLNVAL"),
            (libc::POLLRDNORM as u64, "POLLRDNORM"),
            (libc::POLLRDBAND as u64, "POLLRDBAND"),
            (libc::POLLWRNORM as u64, "POLLWRNORM"),
            (libc::POLLWRBAND as u64, "POLLWRBAND"),
            (libc::POLLRDHUP as u64, "POLLRDHUP"),
        ],
    )
}

/// `EPOLLIN|EPOLLET`.
pub fn epoll_events(e: u32) -> String {
    flags(
        u64::from(e),
        &[
            (libc::EPOLLIN as u64, "EPOLLIN"),
            (libc::EPOLLPRI as u64, "EPOLLPRI"),
            (libc::EPOLLOUT as u64, "EPOLLOUT"),
            (libc::EPOLLERR as u64, "EPOLLERR"),
            (libc::EPOLLHUP as u64, "EPOLLHUP"),
            (libc::EPOLLRDHUP as u64, "EPOLLRDHUP"),
            (libc::EPOLLONESHOT as u64, "EPOLLONESHOT"),
            (libc::EPOLLET as u32 as u64, "EPOLLET"),
        ],
    )
}

/// `EPOLL_CTL_ADD`...
pub fn epoll_op(op: i32) -> String {
    match op {
        libc::EPOLL_CTL_ADD => "EPOLL_CTL_ADD".into(),
        libc::EPOLL_CTL_DEL => "EPOLL_CTL_DEL".into(),
        libc::EPOLL_CTL_MOD => "EPOLL_CTL_MOD".into(),
        other => other.to_string(),
    }
}

/// `O_CLOEXEC` (`dup3`).
pub fn open_flags(f: i32) -> String {
    flags(f as u64, &[(libc::O_CLOEXEC as u64, "O_CLOEXEC")])
}

/// A signal's name (`SIGINT`), or its number.
pub fn signal(sig: i32) -> String {
    match nix::sys::signal::Signal::try_from(sig) {
        Ok(s) => s.as_str().to_string(),
        Err(_) => format!("SIG{sig}"),
    }
}

/// What the kernel returns when a blocked call was interrupted by a signal and is to be
/// restarted (`ERESTARTSYS`...): never seen by the program, which sees the call again or
/// `EINTR`; strace prints `= ? ERESTARTSYS`.
pub fn restart_name(code: i64) -> Option<&'static str> {
    match code {
        512 => Some("ERESTARTSYS"),
        513 => Some("ERESTARTNOINTR"),
        514 => Some("ERESTARTNOHAND"),
        516 => Some("ERESTART_RESTARTBLOCK"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strace_names() {
        assert_eq!(
            sock_type_flags(libc::SOCK_STREAM | libc::SOCK_CLOEXEC),
            "SOCK_STREAM|SOCK_CLOEXEC"
        );
        assert_eq!(protocol(libc::AF_INET, 0), "IPPROTO_IP");
        assert_eq!(msg_flags(libc::MSG_NOSIGNAL), "MSG_NOSIGNAL");
        assert_eq!(msg_flags(0), "0");
        assert_eq!(level(libc::SOL_SOCKET), "SOL_SOCKET");
        assert_eq!(
            option(libc::SOL_SOCKET, libc::SO_REUSEADDR),
            ("SO_REUSEADDR".to_string(), OptName::ReuseAddr)
        );
        assert_eq!(option(libc::IPPROTO_TCP, 999).0, "999");
        assert_eq!(poll_events(libc::POLLIN | libc::POLLHUP), "POLLIN|POLLHUP");
        assert_eq!(accept_flags(libc::SOCK_CLOEXEC), "SOCK_CLOEXEC");
        assert_eq!(signal(libc::SIGKILL), "SIGKILL");
        assert_eq!(restart_name(512), Some("ERESTARTSYS"));
    }
}
