//! UDP round trips: C clients, each sending a datagram and waiting for its echo before the
//! next. UDP promises nothing: a datagram (or its echo) may be lost, so each client waits at
//! most [`LOSS_TIMEOUT`] and counts a loss. The first 8 bytes of each datagram are its
//! sequence number, so a late echo of an earlier datagram is recognised and set aside.

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use super::{Outcome, Workload, gather, is_timeout, spawn_client};
use crate::bench::pattern::{Pattern, Payload};

/// How long a client waits for an echo before counting the datagram as lost.
pub const LOSS_TIMEOUT: Duration = Duration::from_millis(200);
/// The sequence number at the start of each datagram.
pub const HEADER: usize = 8;

pub fn run(
    addr: SocketAddr,
    clients: usize,
    size: usize,
    duration: Duration,
    payload: Payload,
    done: &Arc<AtomicU64>,
) -> Outcome {
    let size = size.max(HEADER);
    let start_line = Arc::new(Barrier::new(clients));
    let mut base = Outcome {
        workload: Some(Workload::Udp),
        clients,
        size: Some(size),
        lost: Some(0),
        ..Outcome::default()
    };
    let mut handles = Vec::new();
    for id in 0..clients {
        let (line, done) = (Arc::clone(&start_line), Arc::clone(done));
        match spawn_client(format!("udp-{id}"), move || {
            line.wait();
            client(addr, id as u64, size, duration, payload, &done)
        }) {
            Ok(h) => handles.push(h),
            Err(e) => {
                base.error("thread", &e);
                let stand_in = Arc::clone(&start_line);
                std::thread::spawn(move || stand_in.wait());
            }
        }
    }
    let (mut total, samples) = gather(handles, base);
    total.set_rate();
    total.set_latencies(samples);
    total
}

fn client(
    addr: SocketAddr,
    id: u64,
    size: usize,
    duration: Duration,
    payload: Payload,
    done: &AtomicU64,
) -> (Outcome, Vec<u64>) {
    let mut out = Outcome {
        lost: Some(0),
        ..Outcome::default()
    };
    let mut samples = Vec::new();
    let local: SocketAddr = if addr.is_ipv4() {
        "127.0.0.1:0".parse().expect("an address")
    } else {
        "[::1]:0".parse().expect("an address")
    };
    let sock = match UdpSocket::bind(local)
        .and_then(|s| s.connect(addr).map(|()| s))
        .and_then(|s| s.set_read_timeout(Some(LOSS_TIMEOUT)).map(|()| s))
    {
        Ok(s) => s,
        Err(e) => {
            out.error("socket", &e);
            return (out, samples);
        }
    };
    let pattern = Pattern::of(payload, 0x0d90 + id);
    let mut msg = vec![0u8; size];
    let mut back = vec![0u8; size + 1];
    let start = Instant::now();
    let mut seq = 0u64;
    let mut lost = 0;
    while start.elapsed() < duration {
        seq += 1;
        msg[..HEADER].copy_from_slice(&seq.to_be_bytes());
        pattern.fill(seq * size as u64, &mut msg[HEADER..]);
        let sent_at = Instant::now();
        if let Err(e) = sock.send(&msg) {
            // ECONNREFUSED: an ICMP "port unreachable" came back for an earlier datagram.
            out.error("send", &e);
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        loop {
            match sock.recv(&mut back) {
                Ok(n) => {
                    let their = (n >= HEADER)
                        .then(|| u64::from_be_bytes(back[..HEADER].try_into().expect("8 bytes")));
                    if their.is_some_and(|s| s < seq) {
                        // The late echo of a datagram already counted as lost.
                        continue;
                    }
                    if n == size && back[..n] == msg[..] {
                        samples.push(sent_at.elapsed().as_nanos() as u64);
                        out.count += 1;
                        out.bytes_checked += size as u64;
                        done.fetch_add(1, Ordering::Relaxed);
                    } else {
                        out.mismatches += 1;
                    }
                }
                Err(e) if is_timeout(&e) => lost += 1,
                Err(e) => {
                    out.error("recv", &e);
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
            break;
        }
    }
    out.lost = Some(lost);
    out.served = usize::from(out.count > 0);
    out.seconds = start.elapsed().as_secs_f64();
    (out, samples)
}
