//! Request/response: C clients, each with its own connection, each sending a message and
//! waiting for its echo before sending the next. Measures round trips per second and the
//! latency of each round trip.
//!
//! All clients connect first, then start together. A client whose echo does not come before
//! the end of the run (plus a grace period) was not served: that is what 31 of 32 clients see
//! with an iterative server, which serves one connection to the end before the next.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, OnceLock};
use std::time::{Duration, Instant};

use super::{Outcome, Workload, connect, gather, is_timeout, spawn_client};
use crate::bench::pattern::{Pattern, Payload};

/// How long after the end of the run a client still waits for an echo it asked for.
const GRACE: Duration = Duration::from_millis(500);

pub fn run(
    addr: SocketAddr,
    clients: usize,
    size: usize,
    duration: Duration,
    payload: Payload,
    done: &Arc<AtomicU64>,
) -> Outcome {
    let start_line = Arc::new(StartLine::new(clients));
    let mut handles = Vec::with_capacity(clients);
    let mut base = Outcome {
        workload: Some(Workload::Rr),
        clients,
        size: Some(size),
        ..Outcome::default()
    };
    for id in 0..clients {
        let (line, done) = (Arc::clone(&start_line), Arc::clone(done));
        let spawned = spawn_client(format!("rr-{id}"), move || {
            client(addr, id as u64, size, duration, payload, &line, &done)
        });
        match spawned {
            Ok(h) => handles.push(h),
            Err(e) => {
                base.error("thread", &e);
                // The barrier still expects this client: stand in for it.
                let stand_in = Arc::clone(&start_line);
                std::thread::spawn(move || stand_in.wait());
            }
        }
    }
    start_line.release();
    let (mut total, samples) = gather(handles, base);
    total.set_rate();
    total.set_latencies(samples);
    total
}

/// Where the clients wait, connected, and from where they leave together, with one start time
/// for all (a client's own clock would start a little later than another's, and an answer
/// that came just after the run would then count as during it).
struct StartLine {
    ready: Barrier,
    go: Barrier,
    at: OnceLock<Instant>,
}

impl StartLine {
    fn new(clients: usize) -> StartLine {
        StartLine {
            ready: Barrier::new(clients + 1),
            go: Barrier::new(clients + 1),
            at: OnceLock::new(),
        }
    }

    /// A client: waits for everyone, then returns the common start.
    fn wait(&self) -> Instant {
        self.ready.wait();
        self.go.wait();
        *self
            .at
            .get()
            .expect("the start is set before the clients go")
    }

    /// Once every client is ready: sets the start and lets them go.
    fn release(&self) {
        self.ready.wait();
        let _ = self.at.set(Instant::now());
        self.go.wait();
    }
}

fn client(
    addr: SocketAddr,
    id: u64,
    size: usize,
    duration: Duration,
    payload: Payload,
    start_line: &StartLine,
    done: &AtomicU64,
) -> (Outcome, Vec<u64>) {
    let mut out = Outcome::default();
    let mut samples = Vec::new();
    let conn = connect(addr);
    let start = start_line.wait();
    let mut stream = match conn {
        Ok(s) => s,
        Err(e) => {
            out.error("connect", &e);
            return (out, samples);
        }
    };
    // One timeout for the whole run: a client that is never served gives up at the end.
    if let Err(e) = stream.set_read_timeout(Some(duration + GRACE)) {
        out.error("setsockopt SO_RCVTIMEO", &e);
        return (out, samples);
    }
    let pattern = Pattern::of(payload, id);
    let mut msg = vec![0u8; size];
    let mut back = vec![0u8; size];
    let mut offset = 0u64;
    let mut last = start;
    // A client is served if its first echo came during the run: with an iterative server,
    // the waiting clients get theirs only once the first one has left, at the end.
    let mut first_answer: Option<Instant> = None;
    while last.duration_since(start) < duration {
        pattern.fill(offset, &mut msg);
        let sent_at = Instant::now();
        if let Err(e) = stream.write_all(&msg) {
            out.error("send", &e);
            break;
        }
        match stream.read_exact(&mut back) {
            Ok(()) => {}
            // Never answered: the server is busy with someone else (iterative).
            Err(e) if is_timeout(&e) && out.count == 0 => break,
            Err(e) => {
                out.error("recv", &e);
                break;
            }
        }
        last = Instant::now();
        if back != msg {
            out.mismatches += 1;
            break;
        }
        first_answer.get_or_insert(last);
        samples.push(last.duration_since(sent_at).as_nanos() as u64);
        out.count += 1;
        out.bytes_checked += size as u64;
        offset += size as u64;
        done.fetch_add(1, Ordering::Relaxed);
    }
    out.served = usize::from(first_answer.is_some_and(|t| t.duration_since(start) <= duration));
    out.seconds = last
        .duration_since(start)
        .as_secs_f64()
        .max(duration.as_secs_f64());
    (out, samples)
}
