//! Capturing the run's packets on the loopback interface, as tcpdump does: an `AF_PACKET`
//! socket bound to `lo`, read by a thread of its own.
//!
//! What the kernel does:
//! - every frame that crosses `lo` is handed to packet sockets twice, once leaving and once
//!   arriving; `PACKET_IGNORE_OUTGOING` keeps the arriving copy only, as libpcap does;
//! - with `SO_TIMESTAMPNS` each frame comes with the time the kernel received it
//!   (`CLOCK_REALTIME`, the clock of the trace's events), so it can be put between the calls
//!   that surround it;
//! - on the host, `lo` carries every program's traffic: a classic BPF filter attached to the
//!   socket keeps only TCP and UDP on the run's own ports, and is replaced (atomically) when
//!   the program binds another port. The socket is created listening to no protocol, filtered,
//!   then bound to `ETH_P_ALL`, so nothing of anyone else's is queued before the filter.
//!
//! The capture's own system calls (`recvmsg`, `poll`) are on a socket that is no socket of the
//! program's, in a thread that is not traced.

use std::collections::BTreeSet;
use std::io::{self, IoSliceMut};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use crossbeam_channel::{Receiver, Sender};
use nix::sys::socket::{MsgFlags, recvmsg, setsockopt, sockopt};
use nix::sys::time::TimeSpec;

use super::netns;
use super::packet::{Decoder, Segment};
use super::pcap::PcapOut;

/// `setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING)` (linux/if_packet.h).
const PACKET_IGNORE_OUTGOING: libc::c_int = 23;
/// `setsockopt(SOL_SOCKET, SO_ATTACH_FILTER)` (asm-generic/socket.h).
const SO_ATTACH_FILTER: libc::c_int = 26;
/// The largest frame `lo` hands over (its MTU is 65,536; segmentation offload can make a
/// frame larger still): frames are read whole.
const FRAME_MAX: usize = 256 * 1024;
/// The most ports one filter checks (its jumps are one byte long).
const PORTS_MAX: usize = 32;
/// The lowest descriptor the capture's own descriptors are moved to, so the program's sockets
/// get the numbers they would get without the capture (3, 4, ...).
const HIGH_FD: RawFd = 100;

/// An open capture socket, not read yet.
pub struct Capture {
    fd: OwnedFd,
    /// Filtered to the run's ports (on a loopback shared with other programs); otherwise the
    /// namespace is the run's own and every frame is kept.
    filtered: bool,
}

/// Where the capture is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// In a network namespace of the run's own: every packet there is the run's.
    Namespace,
    /// On the loopback the process shares with others, filtered to its ports.
    Shared,
}

impl Capture {
    pub fn scope(&self) -> Scope {
        if self.filtered {
            Scope::Shared
        } else {
            Scope::Namespace
        }
    }
}

/// Opens a capture on the current network namespace's `lo`, keeping only TCP and UDP on
/// `ports` (more are added by [`watch_port`]). Needs `CAP_NET_RAW`.
pub fn open_shared(ports: &[u16]) -> io::Result<Capture> {
    let fd = packet_socket()?;
    let set: BTreeSet<u16> = ports.iter().copied().filter(|&p| p != 0).collect();
    attach(fd.as_raw_fd(), &set)?;
    bind_lo(fd.as_raw_fd())?;
    *WATCHED.lock().unwrap_or_else(|e| e.into_inner()) = Some(Watched {
        fd: fd.as_raw_fd(),
        ports: set,
    });
    WATCHING.store(true, Ordering::Release);
    Ok(Capture { fd, filtered: true })
}

/// Opens a capture in a network namespace of the run's own (see [`netns`]), which the process
/// has entered: every frame on its `lo` is kept.
pub fn open_namespace() -> io::Result<Capture> {
    let fd = packet_socket()?;
    bind_lo(fd.as_raw_fd())?;
    Ok(Capture {
        fd,
        filtered: false,
    })
}

/// `socket(AF_PACKET, SOCK_RAW, 0)`: a packet socket that receives nothing until bound to a
/// protocol; one copy of each frame, time-stamped by the kernel.
fn packet_socket() -> io::Result<OwnedFd> {
    // SAFETY: socket(2) with constant arguments; the fd is owned at once.
    let raw = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: raw was just returned by socket(2) and is owned by nobody else.
    let fd = move_high(unsafe { OwnedFd::from_raw_fd(raw) });
    let one: libc::c_int = 1;
    // SAFETY: an int option, given by pointer and size.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_PACKET,
            PACKET_IGNORE_OUTGOING,
            (&one as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    setsockopt(&fd, sockopt::ReceiveTimestampns, &true).map_err(io::Error::from)?;
    Ok(fd)
}

/// Binds the packet socket to `lo`, every protocol: from now on it receives.
fn bind_lo(fd: RawFd) -> io::Result<()> {
    let index = netns::if_index(fd, "lo")?;
    // SAFETY: sockaddr_ll is plain data; all zeroes is a valid value.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
    sll.sll_ifindex = index;
    // SAFETY: bind(2) with a sockaddr_ll of the size given.
    let r = unsafe {
        libc::bind(
            fd,
            (&sll as *const libc::sockaddr_ll).cast(),
            size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `fd` moved to a descriptor number of [`HIGH_FD`] or more, when the limit allows it.
pub(crate) fn move_high(fd: OwnedFd) -> OwnedFd {
    // SAFETY: F_DUPFD_CLOEXEC duplicates a descriptor this function owns.
    let high = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, HIGH_FD) };
    if high < 0 {
        return fd;
    }
    // SAFETY: high was just returned by fcntl and is owned by nobody else; the original is
    // closed when `fd` drops.
    unsafe { OwnedFd::from_raw_fd(high) }
}

/// The shared capture's socket and the ports its filter keeps.
struct Watched {
    fd: RawFd,
    ports: BTreeSet<u16>,
}

static WATCHED: Mutex<Option<Watched>> = Mutex::new(None);
/// A cheap check before the lock: is a shared capture running?
static WATCHING: AtomicBool = AtomicBool::new(false);

/// The program uses `port` (it bound it, or sends to it): a shared capture keeps its packets
/// from now on. Called before the packets can exist (after `bind`, before `listen`).
pub fn watch_port(port: u16) {
    if port == 0 || !WATCHING.load(Ordering::Acquire) {
        return;
    }
    let mut guard = WATCHED.lock().unwrap_or_else(|e| e.into_inner());
    let Some(w) = guard.as_mut() else { return };
    if w.ports.len() >= PORTS_MAX || !w.ports.insert(port) {
        return;
    }
    // A filter that cannot be attached leaves the previous one: fewer packets, not others'.
    let _ = attach(w.fd, &w.ports);
}

/// The ports a shared capture keeps now.
pub fn watched_ports() -> Vec<u16> {
    let guard = WATCHED.lock().unwrap_or_else(|e| e.into_inner());
    guard
        .as_ref()
        .map(|w| w.ports.iter().copied().collect())
        .unwrap_or_default()
}

/// Attaches the filter for `ports` to the socket (replacing the one before).
fn attach(fd: RawFd, ports: &BTreeSet<u16>) -> io::Result<()> {
    let mut prog = filter(ports);
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_mut_ptr(),
    };
    // SAFETY: the program outlives the call; the kernel copies it.
    let r = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            SO_ATTACH_FILTER,
            (&fprog as *const libc::sock_fprog).cast(),
            size_of::<libc::sock_fprog>() as libc::socklen_t,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A classic BPF program over an Ethernet frame: TCP or UDP over IPv4 (not a later fragment)
/// or IPv6 (no extension header), either port in `ports`. The kernel runs it on each frame;
/// 0 drops it, anything else keeps that many bytes.
fn filter(ports: &BTreeSet<u16>) -> Vec<libc::sock_filter> {
    const LD_H_ABS: u16 = (libc::BPF_LD | libc::BPF_H | libc::BPF_ABS) as u16;
    const LD_B_ABS: u16 = (libc::BPF_LD | libc::BPF_B | libc::BPF_ABS) as u16;
    const LD_H_IND: u16 = (libc::BPF_LD | libc::BPF_H | libc::BPF_IND) as u16;
    const LDX_MSH: u16 = (libc::BPF_LDX | libc::BPF_B | libc::BPF_MSH) as u16;
    const JEQ: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
    const JSET: u16 = (libc::BPF_JMP | libc::BPF_JSET | libc::BPF_K) as u16;
    const RET: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
    /// Where a jump goes: the next instruction, or a label resolved at the end.
    #[derive(Clone, Copy, PartialEq)]
    enum To {
        Next,
        /// Over the next instruction.
        Skip,
        Keep,
        Drop,
        V6,
    }
    struct Op {
        code: u16,
        k: u32,
        t: To,
        f: To,
    }
    let op = |code, k, t, f| Op { code, k, t, f };
    let ports: Vec<u16> = ports.iter().copied().take(PORTS_MAX).collect();
    let mut ops = Vec::new();
    // Either port of the header at `load`: kept when one is watched.
    let check = |ops: &mut Vec<Op>, load: Op, load2: Op| {
        for load in [load, load2] {
            ops.push(load);
            for &p in &ports {
                ops.push(op(JEQ, u32::from(p), To::Keep, To::Next));
            }
        }
        ops.push(op(RET, 0, To::Next, To::Next));
    };
    // Ethernet type at 12: IPv4 or IPv6.
    ops.push(op(LD_H_ABS, 12, To::Next, To::Next));
    ops.push(op(JEQ, 0x0800, To::Next, To::V6));
    // IPv4: protocol at 14 + 9; a fragment other than the first has no ports.
    ops.push(op(LD_B_ABS, 23, To::Next, To::Next));
    ops.push(op(JEQ, 6, To::Skip, To::Next));
    ops.push(op(JEQ, 17, To::Next, To::Drop));
    ops.push(op(LD_H_ABS, 20, To::Next, To::Next));
    ops.push(op(JSET, 0x1fff, To::Drop, To::Next));
    // X = the IPv4 header's length, from its first byte; the ports follow it.
    ops.push(op(LDX_MSH, 14, To::Next, To::Next));
    check(
        &mut ops,
        op(LD_H_IND, 14, To::Next, To::Next),
        op(LD_H_IND, 16, To::Next, To::Next),
    );
    let v6 = ops.len();
    ops.push(op(JEQ, 0x86dd, To::Next, To::Drop));
    // IPv6: next header at 14 + 6, the ports right after the 40-byte header.
    ops.push(op(LD_B_ABS, 20, To::Next, To::Next));
    ops.push(op(JEQ, 6, To::Skip, To::Next));
    ops.push(op(JEQ, 17, To::Next, To::Drop));
    check(
        &mut ops,
        op(LD_H_ABS, 54, To::Next, To::Next),
        op(LD_H_ABS, 56, To::Next, To::Next),
    );
    let keep = ops.len();
    ops.push(op(RET, FRAME_MAX as u32, To::Next, To::Next));
    let drop = ops.len();
    ops.push(op(RET, 0, To::Next, To::Next));
    ops.iter()
        .enumerate()
        .map(|(i, o)| {
            let jump = |to: To| -> u8 {
                let target = match to {
                    To::Next => i + 1,
                    To::Skip => i + 2,
                    To::Keep => keep,
                    To::Drop => drop,
                    To::V6 => v6,
                };
                // Within 255 by construction: PORTS_MAX bounds the program's length.
                (target - i - 1) as u8
            };
            let (jt, jf) = if o.code & 0x07 == libc::BPF_JMP as u16 {
                (jump(o.t), jump(o.f))
            } else {
                (0, 0)
            };
            libc::sock_filter {
                code: o.code,
                jt,
                jf,
                k: o.k,
            }
        })
        .collect()
}

/// A capture being read, on its own thread.
pub struct Running {
    stop: Sender<Control>,
    /// Wakes the thread from its `poll` at once (an eventfd): no periodic wake-ups.
    wake: OwnedFd,
    handle: Option<JoinHandle<()>>,
}

enum Control {
    /// Read what the socket holds, hand it over, then answer.
    Drain(Sender<()>),
    Stop,
}

/// What the capture hands over: each TCP or UDP packet, decoded.
pub type Sink = Box<dyn FnMut(Segment) + Send>;

impl Capture {
    /// Starts reading: every frame goes to `pcap` (when given), every TCP segment and UDP
    /// datagram to `sink`.
    pub fn start(self, pcap: Option<PcapOut>, sink: Sink) -> io::Result<Running> {
        // SAFETY: eventfd(2) with constant arguments; the fd is owned at once.
        let raw = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: raw was just returned by eventfd(2) and is owned by nobody else.
        let wake = move_high(unsafe { OwnedFd::from_raw_fd(raw) });
        let wake_fd = wake.as_raw_fd();
        let (tx, rx) = crossbeam_channel::unbounded();
        let handle = std::thread::Builder::new()
            .name("capture".into())
            .spawn(move || {
                let mut reader = Reader {
                    fd: self.fd,
                    buf: vec![0u8; FRAME_MAX],
                    decoder: Decoder::default(),
                    pcap,
                    sink,
                };
                reader.run(wake_fd, &rx);
                if self.filtered {
                    WATCHING.store(false, Ordering::Release);
                    *WATCHED.lock().unwrap_or_else(|e| e.into_inner()) = None;
                }
            })?;
        Ok(Running {
            stop: tx,
            wake,
            handle: Some(handle),
        })
    }
}

impl Running {
    /// Returns once every frame the socket holds now has been handed over.
    pub fn drain(&self) {
        let (ack_tx, ack_rx) = crossbeam_channel::bounded(1);
        if self.stop.send(Control::Drain(ack_tx)).is_ok() {
            self.kick();
            let _ = ack_rx.recv_timeout(std::time::Duration::from_secs(2));
        }
    }

    /// Reads what is left, writes the pcap file out, and stops.
    pub fn stop(mut self) {
        self.finish();
    }

    fn finish(&mut self) {
        let _ = self.stop.send(Control::Stop);
        self.kick();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }

    fn kick(&self) {
        let one: u64 = 1;
        // SAFETY: an eventfd takes one 8-byte counter increment.
        unsafe { libc::write(self.wake.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.handle.is_some() {
            self.finish();
        }
    }
}

struct Reader {
    fd: OwnedFd,
    buf: Vec<u8>,
    decoder: Decoder,
    pcap: Option<PcapOut>,
    sink: Sink,
}

/// The time up to which every captured packet has been handed over: packets are stamped as
/// the kernel queues them, so all those stamped before a drain started were read by it. The
/// trace writer merges an event once the capture has caught up with its time.
static CAUGHT_UP_US: AtomicU64 = AtomicU64::new(0);

/// Every packet stamped up to this time (µs since the epoch) has been handed over.
pub fn caught_up_us() -> u64 {
    CAUGHT_UP_US.load(Ordering::Acquire)
}

/// How often the capture says it has caught up while no packet comes.
const IDLE_TICK_MS: i32 = 5;

impl Reader {
    fn run(&mut self, wake: RawFd, control: &Receiver<Control>) {
        loop {
            let mut fds = [
                libc::pollfd {
                    fd: self.fd.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: wake,
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            // SAFETY: poll(2) on two pollfd structs that live across the call.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, IDLE_TICK_MS) };
            if n < 0 && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                break;
            }
            if fds[1].revents != 0 {
                let mut count = 0u64;
                // SAFETY: reading an eventfd's 8-byte counter resets it.
                unsafe { libc::read(wake, (&mut count as *mut u64).cast(), 8) };
            }
            let start = now_us();
            self.read_all();
            CAUGHT_UP_US.fetch_max(start, Ordering::AcqRel);
            let mut stop = false;
            while let Ok(c) = control.try_recv() {
                match c {
                    Control::Drain(ack) => {
                        let _ = ack.send(());
                    }
                    Control::Stop => stop = true,
                }
            }
            if let Some(p) = self.pcap.as_mut() {
                p.flush();
            }
            if stop {
                break;
            }
        }
    }

    /// Reads every frame waiting, without blocking.
    fn read_all(&mut self) {
        loop {
            let mut space = nix::cmsg_space!(TimeSpec);
            let (len, ts_us) = {
                let mut iov = [IoSliceMut::new(&mut self.buf)];
                let msg = match recvmsg::<()>(
                    self.fd.as_raw_fd(),
                    &mut iov,
                    Some(&mut space),
                    MsgFlags::MSG_DONTWAIT | MsgFlags::MSG_TRUNC,
                ) {
                    Ok(msg) => msg,
                    Err(nix::errno::Errno::EINTR) => continue,
                    Err(_) => return,
                };
                let ts = msg.cmsgs().ok().and_then(|mut c| {
                    c.find_map(|m| match m {
                        nix::sys::socket::ControlMessageOwned::ScmTimestampns(ts) => Some(ts),
                        _ => None,
                    })
                });
                let ts_us = match ts {
                    Some(ts) => ts.tv_sec() as u64 * 1_000_000 + ts.tv_nsec() as u64 / 1_000,
                    None => now_us(),
                };
                (msg.bytes, ts_us)
            };
            // With MSG_TRUNC the length is the frame's, even when it did not fit.
            let kept = len.min(self.buf.len());
            let frame = &self.buf[..kept];
            if let Some(p) = self.pcap.as_mut() {
                p.write(ts_us, frame, len);
            }
            if let Some(seg) = self.decoder.decode(frame, ts_us) {
                (self.sink)(seg);
            }
        }
    }
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the filter as the kernel would, on one frame: the bytes kept (0: dropped).
    fn run(prog: &[libc::sock_filter], frame: &[u8]) -> u32 {
        let (mut a, mut x, mut pc) = (0u32, 0u32, 0usize);
        let byte = |at: usize| u32::from(frame[at]);
        let half = |at: usize| u32::from(u16::from_be_bytes([frame[at], frame[at + 1]]));
        loop {
            let i = &prog[pc];
            let k = i.k as usize;
            pc += 1;
            match i.code as u32 {
                c if c == libc::BPF_LD | libc::BPF_H | libc::BPF_ABS => a = half(k),
                c if c == libc::BPF_LD | libc::BPF_B | libc::BPF_ABS => a = byte(k),
                c if c == libc::BPF_LD | libc::BPF_H | libc::BPF_IND => a = half(x as usize + k),
                c if c == libc::BPF_LDX | libc::BPF_B | libc::BPF_MSH => x = 4 * (byte(k) & 0xf),
                c if c == libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K => {
                    pc += usize::from(if a == i.k { i.jt } else { i.jf });
                }
                c if c == libc::BPF_JMP | libc::BPF_JSET | libc::BPF_K => {
                    pc += usize::from(if a & i.k != 0 { i.jt } else { i.jf });
                }
                c if c == libc::BPF_RET | libc::BPF_K => return i.k,
                c => panic!("unexpected opcode {c:#x}"),
            }
        }
    }

    fn frame(v6: bool, udp: bool, sport: u16, dport: u16) -> Vec<u8> {
        let b = etherparse::PacketBuilder::ethernet2([0; 6], [0; 6]);
        let b = if v6 {
            b.ipv6([0; 16], [0; 16], 64)
        } else {
            b.ipv4([127, 0, 0, 1], [127, 0, 0, 1], 64)
        };
        let mut out = Vec::new();
        if udp {
            b.udp(sport, dport).write(&mut out, b"x").unwrap();
        } else {
            b.tcp(sport, dport, 1, 100).write(&mut out, b"").unwrap();
        }
        out
    }

    #[test]
    fn the_filter_keeps_the_watched_ports_only() {
        let ports: BTreeSet<u16> = [7777, 1313].into();
        let prog = filter(&ports);
        assert!(prog.len() < 256);
        for v6 in [false, true] {
            for udp in [false, true] {
                let what = format!("v6={v6} udp={udp}");
                assert!(
                    run(&prog, &frame(v6, udp, 40000, 7777)) > 0,
                    "{what} to 7777"
                );
                assert!(
                    run(&prog, &frame(v6, udp, 1313, 40000)) > 0,
                    "{what} from 1313"
                );
                assert_eq!(run(&prog, &frame(v6, udp, 40000, 8080)), 0, "{what} 8080");
            }
        }
        // Nothing watched yet: nothing kept.
        assert_eq!(
            run(&filter(&BTreeSet::new()), &frame(false, false, 1, 7777)),
            0
        );
        // Not IP: dropped.
        let mut arp = frame(false, false, 1, 7777);
        arp[12..14].copy_from_slice(&0x0806u16.to_be_bytes());
        assert_eq!(run(&prog, &arp), 0);
        // The longest filter still fits the one-byte jumps.
        let many: BTreeSet<u16> = (1000..1000 + PORTS_MAX as u16 + 5).collect();
        let prog = filter(&many);
        assert!(
            run(
                &prog,
                &frame(true, true, 40000, 1000 + PORTS_MAX as u16 - 1)
            ) > 0
        );
    }
}
