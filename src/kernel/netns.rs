//! A network of one's own, without root: a new user namespace (in which the process holds
//! every capability, over the namespaces it owns) and a new network namespace owned by it,
//! holding only a loopback interface, down until brought up. Packets can then be captured
//! there, since they are nobody else's.
//!
//! The kernel refuses `unshare(CLONE_NEWUSER)` to a process with more than one thread
//! (`EINVAL`): this must run before the Ctrl+C handler, the trace writer or any other thread
//! starts. Once the capture socket is open, every capability is dropped: the namespace's
//! capabilities would otherwise let the program bind ports below 1024, which it cannot do
//! outside.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use nix::sched::{CloneFlags, unshare};

/// The environment variable that makes socklab behave as if user namespaces were disabled
/// (`SOCKLAB_NO_USERNS=1`), to try that path on a machine where they work.
pub const NO_USERNS: &str = "SOCKLAB_NO_USERNS";

/// Why no namespace could be had.
#[derive(Debug)]
pub enum NoNamespace {
    /// `SOCKLAB_NO_USERNS=1` said so.
    Disabled,
    /// The kernel refused `unshare`: `EPERM` when user namespaces are disabled for
    /// unprivileged users, `ENOSPC` when their limit is reached, `EINVAL` in a threaded process.
    Refused(io::Error),
}

/// Enters a new user and network namespace, as the same user and group as before (mapped to
/// themselves), and brings its loopback interface up.
pub fn enter() -> Result<(), NoNamespace> {
    if std::env::var(NO_USERNS).is_ok_and(|v| v == "1") {
        return Err(NoNamespace::Disabled);
    }
    // SAFETY: getuid and getgid cannot fail.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNET)
        .map_err(|e| NoNamespace::Refused(io::Error::from(e)))?;
    // An unprivileged process may map only its own ids, and its group only once setgroups is
    // denied (user_namespaces(7)). Without a mapping the process would look like the overflow
    // user (nobody) inside: still able to capture, so a failure here is not fatal.
    let _ = std::fs::write("/proc/self/setgroups", "deny");
    let _ = std::fs::write("/proc/self/uid_map", format!("{uid} {uid} 1\n"));
    let _ = std::fs::write("/proc/self/gid_map", format!("{gid} {gid} 1\n"));
    // The new namespace's loopback is down: nothing could connect to 127.0.0.1 until it is up.
    loopback_up().map_err(NoNamespace::Refused)
}

/// Brings `lo` up (`SIOCSIFFLAGS` with `IFF_UP`, what `ip link set lo up` does), through an
/// `AF_UNIX` socket: any socket carries the interface ioctls, and a Unix one is no network
/// socket of the program's.
fn loopback_up() -> io::Result<()> {
    let sock = unix_socket()?;
    let mut req = ifreq("lo");
    // SAFETY: SIOCGIFFLAGS and SIOCSIFFLAGS read and write the ifreq given, which lives
    // across both calls.
    unsafe {
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) < 0 {
            return Err(io::Error::last_os_error());
        }
        req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The index of the interface `name` (`SIOCGIFINDEX`), asked on `fd`. The C library's
/// `if_nametoindex` would open an `AF_INET` socket of its own to ask, which strace would show
/// among the program's sockets.
pub fn if_index(fd: RawFd, name: &str) -> io::Result<i32> {
    let mut req = ifreq(name);
    // SAFETY: SIOCGIFINDEX fills the ifreq given.
    if unsafe { libc::ioctl(fd, libc::SIOCGIFINDEX, &mut req) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: SIOCGIFINDEX filled the index member of the union.
    Ok(unsafe { req.ifr_ifru.ifru_ifindex })
}

fn ifreq(name: &str) -> libc::ifreq {
    // SAFETY: ifreq is plain data; all zeroes is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req
        .ifr_name
        .iter_mut()
        .zip(name.bytes().take(libc::IFNAMSIZ - 1))
    {
        *dst = src as libc::c_char;
    }
    req
}

fn unix_socket() -> io::Result<OwnedFd> {
    // SAFETY: socket(2) with constant arguments; the fd is owned at once.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd was just returned by socket(2) and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Drops every capability: the bounding set (what an exec could regain), then the ambient,
/// inheritable, effective and permitted sets. In the namespace, ports below 1024 give `EACCES`
/// again, as outside.
pub fn drop_capabilities() -> io::Result<()> {
    use caps::CapSet;
    let fail = |e: caps::errors::CapsError| io::Error::other(e.to_string());
    caps::clear(None, CapSet::Bounding).map_err(fail)?;
    caps::clear(None, CapSet::Ambient).map_err(fail)?;
    caps::clear(None, CapSet::Inheritable).map_err(fail)?;
    caps::clear(None, CapSet::Permitted).map_err(fail)?;
    Ok(())
}

/// Whether the process may open a packet socket where it is: `CAP_NET_RAW` in its effective
/// set (root, or a binary given it with `setcap cap_net_raw+ep`).
pub fn has_net_raw() -> bool {
    caps::has_cap(None, caps::CapSet::Effective, caps::Capability::CAP_NET_RAW).unwrap_or(false)
}

/// Whether the process is root (its capabilities are then its own to keep).
pub fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}
