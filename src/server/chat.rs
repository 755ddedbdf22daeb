//! The chat server (beyond the labs): every line a client sends goes to all the others,
//! prefixed with its sender's name; arrivals and departures are announced.
//!
//! The veilleur accepts; each client gets an exécutant that only reads (`recv`) and passes
//! what it read, line by line, over a crossbeam channel to one broadcaster thread. The
//! broadcaster alone writes to the clients, so two messages never mix on a socket. Every
//! exécutant holds a clone of the channel's sender; when the last one is dropped (every
//! exécutant ended, and the veilleur stopped accepting) the broadcaster's `recv` fails and it
//! ends too: "all handlers finished" needs no counter.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_channel::{Receiver, Sender};

use super::threads::Executants;
use super::{Ctx, accept_next, admit, close_and_record, leave};
use crate::error::Failure;
use crate::lang::Lang;
use crate::server::stats::Counts;
use crate::sock::Socket;
use crate::trace;

enum ChatEvent {
    Join {
        id: u64,
        member: Member,
        peer: SocketAddr,
    },
    Line {
        id: u64,
        line: Vec<u8>,
    },
    /// The broadcaster answers on `done` once it no longer holds the client's socket, so the
    /// exécutant's `close` is the one that closes it.
    Leave {
        id: u64,
        done: Sender<()>,
    },
}

/// What the broadcaster keeps of a client: its socket, to write to it, and the count of bytes
/// written, which the client's exécutant reports when it ends.
#[derive(Clone)]
struct Member {
    sock: Arc<Socket>,
    sent: Arc<AtomicU64>,
}

pub fn run(listener: &Arc<Socket>, ctx: &Arc<Ctx>) -> Result<(), Failure> {
    let (tx, rx) = crossbeam_channel::unbounded();
    let lang = ctx.lang;
    let broadcaster = std::thread::Builder::new()
        .name("broadcaster".into())
        .spawn(move || {
            trace::set_thread("broadcaster", trace::Role::Helper);
            broadcast(rx, lang)
        })
        .map_err(|e| Failure::new("spawn broadcaster", e))?;
    let mut executants = Executants::new();
    let mut next_id = 0;
    let result = loop {
        match accept_next(listener, ctx) {
            Ok(Some((conn, peer))) => {
                if !admit(&conn, peer, ctx) {
                    continue;
                }
                next_id += 1;
                let id = next_id;
                let conn = Arc::new(conn);
                ctx.shutdown.watch(&conn);
                let member = Member {
                    sock: Arc::clone(&conn),
                    sent: Arc::new(AtomicU64::new(0)),
                };
                let sent = Arc::clone(&member.sent);
                let _ = tx.send(ChatEvent::Join { id, member, peer });
                let (tx, ctx) = (tx.clone(), Arc::clone(ctx));
                executants.spawn(conn, peer, move |conn, peer| {
                    let mut counts = listen_to(&conn, id, &tx, ctx.recv_size);
                    let (done_tx, done_rx) = crossbeam_channel::bounded(1);
                    if tx.send(ChatEvent::Leave { id, done: done_tx }).is_ok() {
                        let _ = done_rx.recv();
                    }
                    drop(tx);
                    counts.bytes_out = sent.load(Ordering::SeqCst);
                    close_and_record(conn, peer, counts, &ctx);
                    leave(&ctx);
                });
            }
            Ok(None) => break Ok(()),
            Err(f) => break Err(f),
        }
    };
    executants.join();
    // The veilleur's sender is the last one: dropping it ends the broadcaster.
    drop(tx);
    let _ = broadcaster.join();
    result
}

/// An exécutant's loop: read, cut into lines, pass each line on. Returns what it counted.
fn listen_to(conn: &Socket, id: u64, tx: &Sender<ChatEvent>, size: usize) -> Counts {
    let mut counts = Counts::default();
    let mut buf = vec![0u8; size];
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let n = match conn.recv(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        counts.bytes_in += n as u64;
        pending.extend_from_slice(&buf[..n]);
        // TCP is a stream: a recv may end mid-line or hold several lines.
        while let Some(pos) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=pos).collect();
            let _ = tx.send(ChatEvent::Line { id, line });
        }
    }
    if !pending.is_empty() {
        pending.push(b'\n');
        let _ = tx.send(ChatEvent::Line { id, line: pending });
    }
    counts
}

/// The broadcaster: the only thread that writes to the clients.
fn broadcast(rx: Receiver<ChatEvent>, lang: Lang) {
    let mut members: BTreeMap<u64, Member> = BTreeMap::new();
    for event in rx {
        let (from, text) = match event {
            ChatEvent::Join { id, member, peer } => {
                members.insert(id, member);
                let text = match lang {
                    Lang::Fr => format!("*** client-{id} ({peer}) est arrivé\n"),
                    Lang::En => format!("*** client-{id} ({peer}) joined\n"),
                };
                (id, text.into_bytes())
            }
            ChatEvent::Line { id, line } => {
                let mut text = format!("client-{id}: ").into_bytes();
                text.extend_from_slice(&line);
                (id, text)
            }
            ChatEvent::Leave { id, done } => {
                members.remove(&id);
                let _ = done.send(());
                let text = match lang {
                    Lang::Fr => format!("*** client-{id} est parti\n"),
                    Lang::En => format!("*** client-{id} left\n"),
                };
                (id, text.into_bytes())
            }
        };
        for (id, member) in &members {
            // A client that cannot be written to is about to be seen leaving by its
            // exécutant; the others still get the message.
            if *id != from && member.sock.sendall(&text).is_ok() {
                member.sent.fetch_add(text.len() as u64, Ordering::SeqCst);
            }
        }
    }
}
