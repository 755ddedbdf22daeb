//! Reading the traced program's memory: the buffers and addresses its calls point at.
//!
//! A system call's arguments are numbers; for `connect(3, addr, 16)` the second one is an
//! address in the program's memory, where a `struct sockaddr_in` lies. socklab reads it with
//! `process_vm_readv(2)`, which copies bytes from another process's memory into ours in one
//! call (allowed to the process's tracer). It does not stop or change the program.
//! `PTRACE_PEEKDATA` could do the same, one machine word per request.

use std::io::IoSliceMut;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use nix::sys::uio::{RemoteIoVec, process_vm_readv};
use nix::unistd::Pid;

/// Up to `len` bytes at `addr` in the memory of `pid` (a thread id works: threads share it).
/// Fewer when the range ends in unmapped memory; `None` when nothing could be read.
pub fn read(pid: i32, addr: u64, len: usize) -> Option<Vec<u8>> {
    if addr == 0 || len == 0 {
        return None;
    }
    let mut buf = vec![0u8; len];
    let remote = [RemoteIoVec {
        base: addr as usize,
        len,
    }];
    let n = process_vm_readv(
        Pid::from_raw(pid),
        &mut [IoSliceMut::new(&mut buf)],
        &remote,
    )
    .ok()?;
    if n == 0 {
        return None;
    }
    buf.truncate(n);
    Some(buf)
}

/// A 32-bit value (a `socklen_t`, an `int`) at `addr`.
pub fn read_u32(pid: i32, addr: u64) -> Option<u32> {
    let b = read(pid, addr, 4)?;
    Some(u32::from_ne_bytes(b.get(..4)?.try_into().ok()?))
}

/// A 64-bit value (a pointer, a `size_t`, a `long`) at `addr`.
pub fn read_u64(pid: i32, addr: u64) -> Option<u64> {
    let b = read(pid, addr, 8)?;
    Some(u64::from_ne_bytes(b.get(..8)?.try_into().ok()?))
}

/// The bytes of an `iovec` list (`readv`, `sendmsg`): each buffer's address and length, and up
/// to `keep` bytes of their data, in order. `limit` bounds how many bytes are taken in all
/// (what the call moved).
pub fn iovecs(pid: i32, addr: u64, count: u64, limit: usize, keep: usize) -> Iovecs {
    let mut out = Iovecs::default();
    let count = count.min(64);
    let mut left = limit;
    for i in 0..count {
        let Some(base) = read_u64(pid, addr + 16 * i) else {
            break;
        };
        let Some(len) = read_u64(pid, addr + 16 * i + 8) else {
            break;
        };
        let take = (len as usize).min(left);
        let room = keep.saturating_sub(out.data.len()).min(take);
        let data = read(pid, base, room).unwrap_or_default();
        out.data.extend_from_slice(&data);
        out.each.push((data, len as usize, take));
        left -= take;
    }
    out
}

/// What [`iovecs`] read.
#[derive(Default, Debug)]
pub struct Iovecs {
    /// The first bytes of all the buffers together.
    pub data: Vec<u8>,
    /// Per buffer: its first bytes, its length, and how many of its bytes the call moved.
    pub each: Vec<(Vec<u8>, usize, usize)>,
}

/// A `struct sockaddr`, as the program gave it or the kernel filled it in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sockaddr {
    /// `AF_INET` or `AF_INET6`.
    Ip(SocketAddr),
    /// `AF_UNIX`: a path, `@name` for an abstract one, empty for an unnamed socket.
    Unix(String),
    /// Another family, by number.
    Other(u16),
}

/// Reads `len` bytes of a `struct sockaddr` at `addr`.
pub fn sockaddr(pid: i32, addr: u64, len: u32) -> Option<Sockaddr> {
    let bytes = read(pid, addr, (len as usize).min(128))?;
    parse_sockaddr(&bytes)
}

/// The address in the bytes of a `struct sockaddr` (the family first, in host order; the port
/// and the IPv4 address in network order, as `htons` and `inet_addr` made them).
pub fn parse_sockaddr(b: &[u8]) -> Option<Sockaddr> {
    let family = u16::from_ne_bytes(b.get(..2)?.try_into().ok()?);
    match i32::from(family) {
        libc::AF_INET if b.len() >= 8 => {
            let port = u16::from_be_bytes([b[2], b[3]]);
            let ip = Ipv4Addr::new(b[4], b[5], b[6], b[7]);
            Some(Sockaddr::Ip(SocketAddr::V4(SocketAddrV4::new(ip, port))))
        }
        libc::AF_INET6 if b.len() >= 24 => {
            let port = u16::from_be_bytes([b[2], b[3]]);
            let flowinfo = u32::from_be_bytes(b[4..8].try_into().ok()?);
            let ip: [u8; 16] = b[8..24].try_into().ok()?;
            let scope = b
                .get(24..28)
                .map_or(0, |s| u32::from_ne_bytes(s.try_into().unwrap()));
            Some(Sockaddr::Ip(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(ip),
                port,
                flowinfo,
                scope,
            ))))
        }
        libc::AF_UNIX => {
            let path = &b[2.min(b.len())..];
            let text = match path.first() {
                // An abstract name starts with a zero byte.
                Some(0) if path.len() > 1 => format!("@{}", String::from_utf8_lossy(&path[1..])),
                _ => {
                    let end = path.iter().position(|&c| c == 0).unwrap_or(path.len());
                    String::from_utf8_lossy(&path[..end]).into_owned()
                }
            };
            Some(Sockaddr::Unix(text))
        }
        _ => Some(Sockaddr::Other(family)),
    }
}

impl Sockaddr {
    /// As strace prints it.
    pub fn strace(&self) -> String {
        match self {
            Sockaddr::Ip(a) => crate::sock::addr::strace_sockaddr(a),
            Sockaddr::Unix(p) if p.is_empty() => "{sa_family=AF_UNIX}".into(),
            Sockaddr::Unix(p) => match p.strip_prefix('@') {
                Some(name) => format!("{{sa_family=AF_UNIX, sun_path=@\"{name}\"}}"),
                None => format!("{{sa_family=AF_UNIX, sun_path=\"{p}\"}}"),
            },
            Sockaddr::Other(f) => format!("{{sa_family={}}}", family_name(i32::from(*f))),
        }
    }

    /// The short form: `127.0.0.1:7777`, a path.
    pub fn brief(&self) -> String {
        match self {
            Sockaddr::Ip(a) => crate::sock::addr::brief(a),
            Sockaddr::Unix(p) => p.clone(),
            Sockaddr::Other(f) => family_name(i32::from(*f)),
        }
    }

    pub fn ip(&self) -> Option<SocketAddr> {
        match self {
            Sockaddr::Ip(a) => Some(*a),
            _ => None,
        }
    }
}

/// `AF_INET`, `AF_UNIX`..., or the number.
pub fn family_name(f: i32) -> String {
    match f {
        libc::AF_UNSPEC => "AF_UNSPEC".into(),
        libc::AF_UNIX => "AF_UNIX".into(),
        libc::AF_INET => "AF_INET".into(),
        libc::AF_INET6 => "AF_INET6".into(),
        libc::AF_NETLINK => "AF_NETLINK".into(),
        libc::AF_PACKET => "AF_PACKET".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_own_memory() {
        // The process reading itself is allowed, and exercises the same system call.
        let data = b"hello, socket".to_vec();
        let me = std::process::id() as i32;
        let got = read(me, data.as_ptr() as u64, data.len()).unwrap();
        assert_eq!(got, data);
        assert_eq!(read(me, 0, 4), None);
        let v: u32 = 0xdead_beef;
        assert_eq!(read_u32(me, &v as *const u32 as u64), Some(v));
    }

    #[test]
    fn sockaddrs_as_strace_prints_them() {
        let mut sin = [0u8; 16];
        sin[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        sin[2..4].copy_from_slice(&7777u16.to_be_bytes());
        sin[4..8].copy_from_slice(&[127, 0, 0, 1]);
        let a = parse_sockaddr(&sin).unwrap();
        assert_eq!(a.ip(), Some("127.0.0.1:7777".parse().unwrap()));
        assert_eq!(
            a.strace(),
            r#"{sa_family=AF_INET, sin_port=htons(7777), sin_addr=inet_addr("127.0.0.1")}"#
        );
        let mut sun = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        sun.extend_from_slice(b"/var/run/nscd/socket\0");
        assert_eq!(
            parse_sockaddr(&sun).unwrap().strace(),
            r#"{sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}"#
        );
        let mut sin6 = [0u8; 28];
        sin6[..2].copy_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
        sin6[2..4].copy_from_slice(&80u16.to_be_bytes());
        sin6[23] = 1;
        assert_eq!(
            parse_sockaddr(&sin6).unwrap().ip(),
            Some("[::1]:80".parse().unwrap())
        );
    }
}
