//! The C library's own sockets, made when a program resolves a name (`getaddrinfo`, which
//! Python's `bind(("localhost", 7777))` and `create_connection` call too): a local socket
//! connected to nscd, the name service cache daemon (or systemd-resolved, or avahi, as
//! /etc/nsswitch.conf says), then, for a name `/etc/hosts` does
//! not have, a UDP socket connected to a DNS server of `/etc/resolv.conf`, port 53. They are no
//! sockets of the program's: their `connect` names no client, their calls are explained as the
//! library's, and the grader leaves them out.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;

use super::memory::Sockaddr;
use crate::trace::SockType;

/// The local services the C library's name lookup asks, by the path of their socket: nscd
/// (glibc's `_PATH_NSCDSOCKET`), systemd-resolved (the `resolve` module of
/// /etc/nsswitch.conf), avahi (the `mdns` modules, for `.local` names); `/run` where
/// `/var/run` links there.
const LOCAL_RESOLVERS: &[&str] = &[
    "/var/run/nscd/socket",
    "/run/nscd/socket",
    "/run/systemd/resolve/io.systemd.Resolve",
    "/var/run/avahi-daemon/socket",
    "/run/avahi-daemon/socket",
];

/// The DNS port.
const DNS_PORT: u16 = 53;

/// Whether a `connect` of a socket of type `ty` to `addr` is the C library's.
pub fn is_library(addr: &Sockaddr, ty: SockType) -> bool {
    match addr {
        Sockaddr::Unix(path) => LOCAL_RESOLVERS.contains(&path.as_str()),
        Sockaddr::Ip(a) => {
            ty == SockType::Dgram && a.port() == DNS_PORT && nameservers().contains(&a.ip())
        }
        Sockaddr::Other(_) => false,
    }
}

/// The DNS servers of `/etc/resolv.conf`, read once.
fn nameservers() -> &'static [IpAddr] {
    static SERVERS: OnceLock<Vec<IpAddr>> = OnceLock::new();
    SERVERS.get_or_init(|| parse(&std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default()))
}

/// The `nameserver` lines' addresses; with none, the one glibc falls back to (127.0.0.1).
fn parse(text: &str) -> Vec<IpAddr> {
    let servers: Vec<IpAddr> = text
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some("nameserver"))
                .then(|| words.next()?.parse().ok())
                .flatten()
        })
        .collect();
    if servers.is_empty() {
        vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]
    } else {
        servers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameservers_are_read_as_glibc_reads_them() {
        let text = "# comment\nsearch lan\nnameserver 10.255.255.53\nnameserver ::1\n\
                    nameserver not-an-address\noptions edns0\n";
        assert_eq!(
            parse(text),
            [
                "10.255.255.53".parse::<IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );
        assert_eq!(parse(""), [IpAddr::V4(Ipv4Addr::LOCALHOST)]);
    }

    #[test]
    fn nscd_and_the_dns_servers_are_the_library_s() {
        let nscd = Sockaddr::Unix("/var/run/nscd/socket".into());
        assert!(is_library(&nscd, SockType::Stream));
        let resolved = Sockaddr::Unix("/run/systemd/resolve/io.systemd.Resolve".into());
        assert!(is_library(&resolved, SockType::Stream));
        assert!(!is_library(
            &Sockaddr::Unix("/tmp/s.sock".into()),
            SockType::Stream
        ));
        let server = nameservers()[0];
        let dns = Sockaddr::Ip((server, 53).into());
        assert!(is_library(&dns, SockType::Dgram));
        assert!(
            !is_library(&dns, SockType::Stream),
            "DNS over TCP is rare: not guessed"
        );
        assert!(!is_library(
            &Sockaddr::Ip((server, 5353).into()),
            SockType::Dgram
        ));
    }
}
