//! Socket addresses, shown the way strace shows the `struct sockaddr` the kernel receives, and
//! the short way a person writes them.

use std::net::SocketAddr;

/// The size of the `struct sockaddr` for this address: what the kernel is told in `bind`,
/// `connect` and `sendto` (16 bytes for `sockaddr_in`, 28 for `sockaddr_in6`).
pub fn sockaddr_len(addr: &SocketAddr) -> u32 {
    match addr {
        SocketAddr::V4(_) => 16,
        SocketAddr::V6(_) => 28,
    }
}

/// The buffer size the C library offers the kernel for an address it returns (`accept`,
/// `recvfrom`, `getsockname`): a `sockaddr_storage`, 128 bytes.
pub const STORAGE_LEN: u32 = 128;

/// `{sa_family=AF_INET, sin_port=htons(7777), sin_addr=inet_addr("127.0.0.1")}`, as strace
/// prints it (the port in network byte order, hence `htons`).
pub fn strace_sockaddr(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!(
            "{{sa_family=AF_INET, sin_port=htons({}), sin_addr=inet_addr(\"{}\")}}",
            a.port(),
            a.ip()
        ),
        SocketAddr::V6(a) => format!(
            "{{sa_family=AF_INET6, sin6_port=htons({}), sin6_flowinfo=htonl({}), \
             inet_pton(AF_INET6, \"{}\", &sin6_addr), sin6_scope_id={}}}",
            a.port(),
            a.flowinfo(),
            a.ip(),
            a.scope_id()
        ),
    }
}

/// `127.0.0.1:7777` or `[::1]:7777`; an IPv4 client seen through an IPv6 socket
/// (`::ffff:127.0.0.1`) is shown as that IPv4 address, with the mapping noted.
pub fn brief(addr: &SocketAddr) -> String {
    if let SocketAddr::V6(a) = addr
        && let Some(v4) = a.ip().to_ipv4_mapped()
    {
        return format!("{v4}:{} (IPv4 via [::ffff:…])", a.port());
    }
    addr.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strace_forms() {
        let v4: SocketAddr = "127.0.0.1:7771".parse().unwrap();
        assert_eq!(
            strace_sockaddr(&v4),
            r#"{sa_family=AF_INET, sin_port=htons(7771), sin_addr=inet_addr("127.0.0.1")}"#
        );
        let v6: SocketAddr = "[::]:7771".parse().unwrap();
        assert_eq!(
            strace_sockaddr(&v6),
            r#"{sa_family=AF_INET6, sin6_port=htons(7771), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::", &sin6_addr), sin6_scope_id=0}"#
        );
        assert_eq!(sockaddr_len(&v4), 16);
        assert_eq!(sockaddr_len(&v6), 28);
    }

    #[test]
    fn brief_forms() {
        assert_eq!(brief(&"127.0.0.1:80".parse().unwrap()), "127.0.0.1:80");
        assert_eq!(brief(&"[::1]:80".parse().unwrap()), "[::1]:80");
        assert!(brief(&"[::ffff:127.0.0.1]:80".parse().unwrap()).starts_with("127.0.0.1:80"));
    }
}
