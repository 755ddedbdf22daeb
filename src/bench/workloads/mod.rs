//! The five workloads. Each one drives real sockets against the server for a set time (or a
//! set number of connections), checks every byte that comes back, and returns an [`Outcome`].
//!
//! The load generator's own sockets are plain `std::net` sockets, not the traced API: it
//! measures the server, and tracing its own calls would measure the tracer instead.

pub mod accept;
pub mod bulk;
pub mod churn;
pub mod hold;
pub mod rr;
pub mod udp;

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::procinfo::Footprint;

/// Which workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Workload {
    /// Request/response: each client sends a message and waits for its echo, again and again.
    Rr,
    /// One connection streams data both ways as fast as it can.
    Bulk,
    /// Connections opened, used for one echo and closed, over and over.
    Churn,
    /// Many connections open at once, each asked for one echo while all are held.
    Hold,
    /// UDP round trips: a datagram, its echo; an echo that never comes is a loss.
    Udp,
    /// The accept path: --burst connections opened back to back; SYNs the full accept queue
    /// dropped, and the accepting thread's CPU per connection (not in the default set).
    Accept,
}

impl Workload {
    pub fn name(self) -> &'static str {
        match self {
            Workload::Rr => "rr",
            Workload::Bulk => "bulk",
            Workload::Churn => "churn",
            Workload::Hold => "hold",
            Workload::Udp => "udp",
            Workload::Accept => "accept",
        }
    }
}

/// What one run of a workload measured. Rates are per second of the measured time.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub workload: Option<Workload>,
    /// Concurrent connections (or UDP clients, or connections held).
    pub clients: usize,
    /// Bytes per message (rr, churn, udp).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<usize>,
    /// Measured time, in seconds.
    pub seconds: f64,
    /// Round trips answered (rr, udp), connections completed (churn), connections served
    /// (hold), bytes echoed (bulk).
    pub count: u64,
    /// `count` per second (for bulk: MiB per second).
    pub rate: f64,
    pub p50_us: Option<f64>,
    pub p99_us: Option<f64>,
    /// One round trip in a thousand waited longer: where a traced server's stalls show.
    #[serde(default)]
    pub p999_us: Option<f64>,
    /// Bytes sent and checked on their way back.
    pub bytes_checked: u64,
    /// Echoes that differed from what was sent (a broken server: never expected).
    pub mismatches: u64,
    /// Failed calls: refused or reset connections, timeouts on a connection that had been
    /// answered before.
    pub errors: u64,
    /// Clients that got an answer during the run (an iterative server answers one at a time:
    /// the others get theirs only when the run is over and the first client left).
    pub served: usize,
    /// UDP datagrams whose echo never came within the loss timeout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost: Option<u64>,
    /// hold: connections asked for, and opened before the server stopped taking more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold: Option<HoldFigures>,
    /// CPU time the server used during the run (its process and living children, from
    /// `/proc`), in milliseconds, when its pid is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_cpu_ms: Option<f64>,
    /// That CPU time per round trip or connection, in microseconds (bulk: per MiB echoed):
    /// the server's own cost, which other programs on the machine do not blur as much as rates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_cpu_us_per_op: Option<f64>,
    /// accept: what the burst showed of the accept path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accept: Option<accept::AcceptFigures>,
    /// The first error seen, for the notes under the table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct HoldFigures {
    pub requested: usize,
    pub opened: usize,
    /// Seconds it took to open them.
    pub open_seconds: f64,
    /// The server's footprint while they were all held (when its pid is known).
    pub server: Option<Footprint>,
}

impl Outcome {
    /// Records a failed call, keeping the first message.
    fn error(&mut self, what: &str, e: &io::Error) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(format!("{what}: {e}"));
        }
    }

    /// Adds another client's outcome into this one (counts add up; the time is the longest).
    fn absorb(&mut self, other: Outcome) {
        self.count += other.count;
        self.bytes_checked += other.bytes_checked;
        self.mismatches += other.mismatches;
        self.errors += other.errors;
        self.served += other.served;
        self.seconds = self.seconds.max(other.seconds);
        if let Some(l) = other.lost {
            *self.lost.get_or_insert(0) += l;
        }
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    fn set_rate(&mut self) {
        self.rate = if self.seconds > 0.0 {
            self.count as f64 / self.seconds
        } else {
            0.0
        };
    }

    fn set_latencies(&mut self, samples: Vec<u64>) {
        let l = super::latency::Latencies::from_samples(samples);
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        self.p50_us = l.percentile(50.0).map(us);
        self.p99_us = l.percentile(99.0).map(us);
        self.p999_us = l.percentile(99.9).map(us);
    }
}

/// How long a connection may take to be established. The kernel retries a SYN that got no
/// answer after one second (a full accept queue drops it), so two seconds leave room for one
/// retry.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Connects with a bounded wait and turns Nagle's algorithm off, so a message goes out at once.
pub fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let s = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)?;
    s.set_nodelay(true)?;
    Ok(s)
}

/// Opens up to `count` connections back to back, each as soon as the last `connect`
/// returned, counting them in `opened`. Stops at the first one the server does not take within
/// the connect timeout (its error goes into `out`): its queue is full and stays so. Returns the
/// connections and the seconds it took.
pub fn open_back_to_back(
    addr: SocketAddr,
    count: usize,
    opened: &AtomicU64,
    out: &mut Outcome,
) -> (Vec<TcpStream>, f64) {
    let start = Instant::now();
    let mut held = Vec::with_capacity(count);
    for _ in 0..count {
        match connect(addr) {
            Ok(s) => {
                held.push(s);
                opened.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                out.error("connect", &e);
                break;
            }
        }
    }
    (held, start.elapsed().as_secs_f64())
}

/// True for the errors a read timeout gives.
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// A thread for one client: small stack, named for debuggers.
pub fn spawn_client<T: Send + 'static>(
    name: String,
    f: impl FnOnce() -> T + Send + 'static,
) -> io::Result<std::thread::JoinHandle<T>> {
    std::thread::Builder::new()
        .name(name)
        .stack_size(256 * 1024)
        .spawn(f)
}

/// Waits for the clients and adds their outcomes up.
fn gather(
    handles: Vec<std::thread::JoinHandle<(Outcome, Vec<u64>)>>,
    base: Outcome,
) -> (Outcome, Vec<u64>) {
    let mut total = base;
    let mut samples = Vec::new();
    for h in handles {
        match h.join() {
            Ok((o, s)) => {
                total.absorb(o);
                samples.extend(s);
            }
            Err(_) => {
                total.errors += 1;
                total
                    .first_error
                    .get_or_insert_with(|| "a client thread panicked".into());
            }
        }
    }
    (total, samples)
}
