//! Connection churn: C clients, each opening a connection, getting one message echoed, ending
//! its side (`shutdown(SHUT_WR)`), waiting for the server to close, and starting again.
//! Measures connections per second: accept, a thread or a poll slot, close, all the cost of a
//! short-lived client.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use super::{CONNECT_TIMEOUT, Outcome, Workload, connect, gather, spawn_client};
use crate::bench::pattern::{Pattern, Payload};

/// The message each connection gets echoed.
pub const SIZE: usize = 32;

pub fn run(
    addr: SocketAddr,
    clients: usize,
    duration: Duration,
    payload: Payload,
    done: &Arc<AtomicU64>,
) -> Outcome {
    let start_line = Arc::new(Barrier::new(clients));
    let mut base = Outcome {
        workload: Some(Workload::Churn),
        clients,
        size: Some(SIZE),
        ..Outcome::default()
    };
    let mut handles = Vec::new();
    for id in 0..clients {
        let (line, done) = (Arc::clone(&start_line), Arc::clone(done));
        match spawn_client(format!("churn-{id}"), move || {
            line.wait();
            client(addr, id as u64, duration, payload, &done)
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
    duration: Duration,
    payload: Payload,
    done: &AtomicU64,
) -> (Outcome, Vec<u64>) {
    let mut out = Outcome::default();
    let mut samples = Vec::new();
    let pattern = Pattern::of(payload, 0xc000 + id);
    let (mut msg, mut back) = ([0u8; SIZE], [0u8; SIZE]);
    let start = Instant::now();
    let mut offset = 0u64;
    while start.elapsed() < duration {
        let began = Instant::now();
        pattern.fill(offset, &mut msg);
        match one_connection(addr, &msg, &mut back) {
            Ok(()) if back == msg => {
                out.count += 1;
                out.bytes_checked += SIZE as u64;
                samples.push(began.elapsed().as_nanos() as u64);
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok(()) => out.mismatches += 1,
            Err((what, e)) => {
                out.error(what, &e);
                // A server that refuses (or is gone) would make this loop spin: slow down.
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        offset += SIZE as u64;
    }
    out.served = usize::from(out.count > 0);
    out.seconds = start.elapsed().as_secs_f64();
    (out, samples)
}

/// connect, send, receive the echo, end our side, see the server close.
fn one_connection(
    addr: SocketAddr,
    msg: &[u8],
    back: &mut [u8],
) -> Result<(), (&'static str, std::io::Error)> {
    let mut s = connect(addr).map_err(|e| ("connect", e))?;
    s.set_read_timeout(Some(CONNECT_TIMEOUT))
        .map_err(|e| ("setsockopt", e))?;
    s.write_all(msg).map_err(|e| ("send", e))?;
    s.read_exact(back).map_err(|e| ("recv", e))?;
    s.shutdown(Shutdown::Write).map_err(|e| ("shutdown", e))?;
    let mut rest = [0u8; 1];
    match s.read(&mut rest) {
        // The server saw our end of stream and closed its side: the cycle is complete.
        Ok(0) => Ok(()),
        Ok(_) => Err(("recv", std::io::Error::other("bytes after the echo"))),
        Err(e) => Err(("recv (end of stream)", e)),
    }
}
