//! The accept path: N connections opened back to back by one client, as fast as `connect`
//! returns, each kept open until all are. What it shows of the server:
//!
//! - the SYNs its listening socket dropped because its accept queue was full, read from the
//!   kernel (sock_diag's meminfo, `ss -m`'s `d`) before and after, for any server on the port;
//! - the CPU time of the thread that accepts (the veilleur), per connection: `accept`, then
//!   handing the connection over (a thread started, for a thread-per-connection server). That
//!   thread is found as the one, among those the server had before the burst, whose CPU time
//!   grew most during it (`/proc/PID/task/TID/schedstat`, in nanoseconds).
//!
//! A client looping on `connect` outruns any accept loop at times (the handshake is the
//! kernel's, done before `accept`), so a few drops per thousand happen with any server.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{Outcome, Workload, open_back_to_back};
use crate::bench::procinfo;
use crate::kernel::diag;

/// How long the server may take to accept the last connections once all are open.
const DRAIN_WAIT: Duration = Duration::from_secs(3);

/// What the burst showed of the accept path.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AcceptFigures {
    pub requested: usize,
    pub opened: usize,
    /// Seconds it took to open them (a dropped SYN costs its connection a second: the
    /// client's kernel sends it again after one).
    pub open_seconds: f64,
    /// The backlog the listening socket was given, as the kernel reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backlog: Option<u32>,
    /// SYNs the listening socket dropped during the burst.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub syn_drops: Option<u64>,
    /// Connections still waiting in the accept queue at the end (an iterative server busy
    /// with its first client accepts no more).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_in_queue: Option<u32>,
    /// The accepting thread's name (`veilleur`, or the program's for a server whose main
    /// thread accepts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acceptor: Option<String>,
    /// Its CPU time per connection opened, in microseconds: accept and hand-over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acceptor_us_per_conn: Option<f64>,
}

pub fn run(addr: SocketAddr, count: usize, pid: Option<u32>, opened: &AtomicU64) -> Outcome {
    let mut out = Outcome {
        workload: Some(Workload::Accept),
        clients: count,
        ..Outcome::default()
    };
    let listener_before = diag::listener(addr.port());
    let threads_before = pid.map(procinfo::thread_times).unwrap_or_default();
    let (held, open_seconds) = open_back_to_back(addr, count, opened, &mut out);
    // The handshakes are done; the accepts may not be: until the queue is empty, bounded.
    let deadline = Instant::now() + DRAIN_WAIT;
    let mut listener_after = diag::listener(addr.port());
    while listener_after.is_some_and(|l| l.recv_q > 0) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
        listener_after = diag::listener(addr.port());
    }
    let threads_after = pid.map(procinfo::thread_times).unwrap_or_default();
    out.seconds = open_seconds;
    out.count = held.len() as u64;
    out.served = held.len();
    out.rate = out.count as f64 / open_seconds.max(1e-9);
    let acceptor = busiest(&threads_before, &threads_after);
    out.accept = Some(AcceptFigures {
        requested: count,
        opened: held.len(),
        open_seconds,
        backlog: listener_before.map(|l| l.send_q),
        syn_drops: listener_before
            .and_then(|l| l.drops)
            .zip(listener_after.and_then(|l| l.drops))
            .map(|(b, a)| u64::from(a.saturating_sub(b))),
        left_in_queue: listener_after.map(|l| l.recv_q),
        acceptor_us_per_conn: acceptor
            .as_ref()
            .filter(|_| !held.is_empty())
            .map(|(_, ns)| *ns as f64 / 1000.0 / held.len() as f64),
        acceptor: acceptor.map(|(name, _)| name),
    });
    drop(held);
    out
}

/// Among the threads present before, the one that ran most in between: its name and how long.
fn busiest(
    before: &HashMap<u32, (String, u64)>,
    after: &HashMap<u32, (String, u64)>,
) -> Option<(String, u64)> {
    before
        .iter()
        .filter_map(|(tid, (_, was))| {
            let (name, now) = after.get(tid)?;
            Some((name.clone(), now.saturating_sub(*was)))
        })
        .max_by_key(|(_, ns)| *ns)
        .filter(|(_, ns)| *ns > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_acceptor_is_the_thread_that_ran_most() {
        let before = HashMap::from([
            (1, ("socklab".to_string(), 100)),
            (2, ("veilleur".to_string(), 50)),
        ]);
        let after = HashMap::from([
            (1, ("socklab".to_string(), 120)),
            (2, ("veilleur".to_string(), 5_050)),
            // Started during the burst: an exécutant, not the acceptor.
            (3, ("exécutant-1".to_string(), 90_000)),
        ]);
        assert_eq!(busiest(&before, &after), Some(("veilleur".into(), 5_000)));
        assert_eq!(busiest(&before, &before), None);
    }
}
