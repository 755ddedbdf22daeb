//! Name resolution: from a host name to IP addresses. Library work, not a system call.

use std::ffi::{CStr, CString};
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::trace::{self, Call, Event, Kind, Phase};

/// A name that could not be resolved: the C library's `EAI_*` code and message.
#[derive(Debug, Clone)]
pub struct ResolveError {
    pub host: String,
    /// `EAI_NONAME` (no such name), `EAI_AGAIN` (no answer from DNS for now), ...
    pub name: &'static str,
    pub message: String,
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.host, self.message, self.name)
    }
}

impl std::error::Error for ResolveError {}

impl ResolveError {
    /// The `ResolveError` inside an `io::Error`, if that is what it carries.
    pub fn of(e: &io::Error) -> Option<&ResolveError> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<ResolveError>())
    }
}

fn eai_name(code: i32) -> &'static str {
    match code {
        libc::EAI_NONAME => "EAI_NONAME",
        libc::EAI_AGAIN => "EAI_AGAIN",
        libc::EAI_FAIL => "EAI_FAIL",
        libc::EAI_FAMILY => "EAI_FAMILY",
        libc::EAI_SERVICE => "EAI_SERVICE",
        libc::EAI_MEMORY => "EAI_MEMORY",
        libc::EAI_SYSTEM => "EAI_SYSTEM",
        // glibc's "no address associated with hostname": a name with no address is unknown too.
        -5 => "EAI_NODATA",
        _ => "EAI_UNKNOWN",
    }
}

/// `getaddrinfo(host, port)`: the addresses a host name stands for, in the order the C library
/// prefers them. Python: `socket.getaddrinfo(host, port)`, which `connect((host, port))` calls
/// for you.
///
/// This is not one system call but library work: the C library reads `/etc/hosts`, and for a
/// name it does not find there asks a DNS server over UDP. strace shows those calls of its
/// own; the socklab trace shows one `getaddrinfo` event, marked as a library call. An IP
/// address given as text needs no resolution and produces no event.
pub fn resolve(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let result = getaddrinfo(host, port);
    if trace::enabled() {
        let mut ev = Event::new(Kind::Library, Phase::Call, Call::Getaddrinfo);
        ev.args = format!("\"{host}\", \"{port}\"");
        ev.brief = format!("\"{host}\", {port}");
        match &result {
            Ok(addrs) => {
                ev.ret = Some(addrs.len() as i64);
                let list: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
                ev.detail = Some(format!("[{}]", list.join(", ")));
            }
            Err(e) => {
                ev.ret = Some(-1);
                ev.errno = ResolveError::of(e).map(|r| r.name.to_string());
            }
        }
        trace::emit(ev);
    }
    result
}

fn getaddrinfo(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    let c_host = CString::new(host)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "host name contains NUL"))?;
    let c_port = CString::new(port.to_string()).expect("digits contain no NUL");
    // SAFETY: an all-zero addrinfo is the documented way to start the hints.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = libc::AF_UNSPEC;
    // One entry per address rather than one per socket type.
    hints.ai_socktype = libc::SOCK_STREAM;
    let mut res: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: valid C strings and hints; `res` is freed below with freeaddrinfo.
    let code = unsafe { libc::getaddrinfo(c_host.as_ptr(), c_port.as_ptr(), &hints, &mut res) };
    if code != 0 {
        // SAFETY: gai_strerror returns a static string for any code.
        let message = unsafe { CStr::from_ptr(libc::gai_strerror(code)) }
            .to_string_lossy()
            .into_owned();
        let err = ResolveError {
            host: host.to_string(),
            name: eai_name(code),
            message,
        };
        return Err(io::Error::new(io::ErrorKind::NotFound, err));
    }
    let mut out = Vec::new();
    let mut cur = res;
    while !cur.is_null() {
        // SAFETY: `cur` walks the list getaddrinfo returned; each ai_addr matches ai_family.
        let ai = unsafe { &*cur };
        let addr = unsafe {
            match ai.ai_family {
                libc::AF_INET => {
                    let sin = &*(ai.ai_addr as *const libc::sockaddr_in);
                    Some(SocketAddr::V4(SocketAddrV4::new(
                        Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr)),
                        u16::from_be(sin.sin_port),
                    )))
                }
                libc::AF_INET6 => {
                    let sin6 = &*(ai.ai_addr as *const libc::sockaddr_in6);
                    Some(SocketAddr::V6(SocketAddrV6::new(
                        Ipv6Addr::from(sin6.sin6_addr.s6_addr),
                        u16::from_be(sin6.sin6_port),
                        sin6.sin6_flowinfo,
                        sin6.sin6_scope_id,
                    )))
                }
                _ => None,
            }
        };
        if let Some(a) = addr
            && !out.contains(&a)
        {
            out.push(a);
        }
        cur = ai.ai_next;
    }
    // SAFETY: `res` came from a successful getaddrinfo and is freed once.
    unsafe { libc::freeaddrinfo(res) };
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_literals_need_no_resolution() {
        assert_eq!(
            resolve("127.0.0.1", 7).unwrap(),
            vec!["127.0.0.1:7".parse().unwrap()]
        );
        assert_eq!(resolve("::1", 7).unwrap(), vec!["[::1]:7".parse().unwrap()]);
        assert_eq!(
            resolve("[::1]", 7).unwrap(),
            vec!["[::1]:7".parse().unwrap()]
        );
    }

    #[test]
    fn localhost_is_in_etc_hosts() {
        // `localhost` is answered from /etc/hosts: no query leaves the machine.
        let addrs = resolve("localhost", 80).unwrap();
        assert!(
            addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 80),
            "{addrs:?}"
        );
    }
}
