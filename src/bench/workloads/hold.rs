//! Holding H connections at once: open them all, then, while every one is still open, ask
//! each for one echo. Measures whether all are served, and what the server costs while it
//! holds them (resident memory, threads, processes, read from `/proc`).
//!
//! Opening stops at the first connection the server does not take within the connect timeout:
//! once its accept queue is full (an iterative server accepts nothing while it serves its one
//! client), the kernel drops new connection requests, and waiting for more would only wait.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use super::{HoldFigures, Outcome, Workload, is_timeout, open_back_to_back};
use crate::bench::pattern::{Pattern, Payload};
use crate::bench::procinfo;

/// The message each held connection gets echoed.
const SIZE: usize = 16;
/// How long all the held connections together may take to get their echo.
const ANSWER_WAIT: Duration = Duration::from_secs(3);

pub fn run(
    addr: SocketAddr,
    count: usize,
    pid: Option<u32>,
    payload: Payload,
    opened: &Arc<AtomicU64>,
) -> Outcome {
    let mut out = Outcome {
        workload: Some(Workload::Hold),
        clients: count,
        size: Some(SIZE),
        ..Outcome::default()
    };
    let start = Instant::now();
    let (mut held, open_seconds) = open_back_to_back(addr, count, opened, &mut out);
    let pattern = Pattern::of(payload, 0x401d);
    let mut asked = vec![false; held.len()];
    for (i, s) in held.iter_mut().enumerate() {
        let mut msg = [0u8; SIZE];
        pattern.fill((i * SIZE) as u64, &mut msg);
        match s.write_all(&msg) {
            Ok(()) => asked[i] = true,
            Err(e) => out.error("send", &e),
        }
    }
    let deadline = Instant::now() + ANSWER_WAIT;
    for (i, s) in held.iter_mut().enumerate() {
        if !asked[i] {
            continue;
        }
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        let mut back = [0u8; SIZE];
        let answer = s
            .set_read_timeout(Some(left))
            .and_then(|()| s.read_exact(&mut back));
        match answer {
            Ok(()) if pattern.matches((i * SIZE) as u64, &back) => {
                out.served += 1;
                out.bytes_checked += SIZE as u64;
            }
            Ok(()) => out.mismatches += 1,
            // Still waiting for its turn: not served, and no error of the server's.
            Err(e) if is_timeout(&e) => {}
            Err(e) => out.error("recv", &e),
        }
    }
    // Measured while every connection is still open.
    let server = pid.and_then(procinfo::footprint);
    out.seconds = start.elapsed().as_secs_f64();
    out.count = out.served as u64;
    out.rate = out.count as f64 / out.seconds.max(1e-9);
    out.hold = Some(HoldFigures {
        requested: count,
        opened: held.len(),
        open_seconds,
        server,
    });
    drop(held);
    out
}
