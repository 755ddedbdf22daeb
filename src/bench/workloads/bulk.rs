//! Bulk streaming: one connection, a writer thread sending the stream's bytes as fast as the
//! server takes them, the reader checking every byte that comes back. Measures MiB/s echoed.
//!
//! Writing and reading happen at once, on two threads: a client that wrote everything before
//! reading would fill the kernel's buffers both ways and stall the server in `send`.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::{Outcome, Workload, connect, is_timeout, spawn_client};
use crate::bench::pattern::{Pattern, Payload};

/// Size of each write and of the reader's buffer.
const CHUNK: usize = 64 * 1024;
/// How long after the end of the run the reader waits for the last echoed bytes.
const DRAIN: Duration = Duration::from_secs(5);

const MIB: f64 = 1024.0 * 1024.0;

pub fn run(
    addr: SocketAddr,
    duration: Duration,
    payload: Payload,
    done: &Arc<AtomicU64>,
) -> Outcome {
    let mut out = Outcome {
        workload: Some(Workload::Bulk),
        clients: 1,
        ..Outcome::default()
    };
    let stream = match connect(addr) {
        Ok(s) => s,
        Err(e) => {
            out.error("connect", &e);
            return out;
        }
    };
    let mut reader = stream;
    let mut writer = match reader.try_clone() {
        Ok(w) => w,
        Err(e) => {
            out.error("dup", &e);
            return out;
        }
    };
    let _ = reader.set_read_timeout(Some(duration + DRAIN));
    let _ = writer.set_write_timeout(Some(duration + DRAIN));
    let pattern = Arc::new(Pattern::of(payload, 0xb01c));
    let start = Instant::now();
    let wp = Arc::clone(&pattern);
    let sending = spawn_client("bulk-writer".into(), move || {
        let mut buf = vec![0u8; CHUNK];
        let mut offset = 0u64;
        let mut failure = None;
        while start.elapsed() < duration {
            wp.fill(offset, &mut buf);
            if let Err(e) = writer.write_all(&buf) {
                failure = Some(e);
                break;
            }
            offset += CHUNK as u64;
        }
        // The end of the stream: the server echoes what is left, then closes.
        let _ = writer.shutdown(Shutdown::Write);
        (offset, failure)
    });
    let sending = match sending {
        Ok(h) => h,
        Err(e) => {
            out.error("thread", &e);
            return out;
        }
    };
    let mut buf = vec![0u8; CHUNK];
    let mut received = 0u64;
    let mut last_byte = start;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if !pattern.matches(received, &buf[..n]) {
                    out.mismatches += 1;
                    break;
                }
                received += n as u64;
                last_byte = Instant::now();
                done.fetch_add(n as u64, Ordering::Relaxed);
            }
            // A server that does not close after the end of the stream: what came back counts.
            Err(e) if is_timeout(&e) => break,
            Err(e) => {
                out.error("recv", &e);
                break;
            }
        }
    }
    // Unblocks the writer if the reader stopped first (a mismatch, a reset).
    let _ = reader.shutdown(Shutdown::Both);
    match sending.join() {
        Ok((sent, failure)) => {
            if let Some(e) = failure {
                out.error("send", &e);
            } else if received != sent && out.mismatches == 0 {
                out.errors += 1;
                out.first_error
                    .get_or_insert_with(|| format!("sent {sent} bytes, {received} came back"));
            }
        }
        Err(_) => out.errors += 1,
    }
    out.count = received;
    out.bytes_checked = received;
    out.served = usize::from(received > 0);
    out.seconds = last_byte.duration_since(start).as_secs_f64();
    out.rate = if out.seconds > 0.0 {
        received as f64 / MIB / out.seconds
    } else {
        0.0
    };
    out
}
