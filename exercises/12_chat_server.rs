//! Exercice 12 — Serveur de discussion : canaux crossbeam et arrêt propre par Ctrl+C
//! Exercise 12 — Chat server: crossbeam channels and a clean Ctrl+C
//!
//! D'après / from: au-delà des TP (d'après le veilleur et les exécutants du cours)
//!
//! Au-delà des TP. Chaque ligne envoyée par un client arrive chez tous les autres. Le serveur
//! accueille chaque client par une ligne dès qu'il est inscrit. Les threads ne partagent pas de
//! liste : ils passent par des canaux crossbeam vers un seul thread, le salon, qui sait qui est
//! connecté. Ctrl+C ferme les connexions, attend les threads et termine avec le code 0. Port
//! 6000 par défaut.
//!
//! Beyond the labs. Each line a client sends reaches all the others. The server greets each
//! client with one line as soon as it is registered. Threads share no list: they go through
//! crossbeam channels to one thread, the salon, which knows who is connected. Ctrl+C closes the
//! connections, waits for the threads and exits with status 0. Port 6000 by default.
//!
//! Remplacer chaque `todo!(…)` marqué `// TODO:` par l'appel qu'il décrit, puis
//! `socklab check 12` (indice : `socklab hint 12`).
//! Replace each `todo!(…)` marked `// TODO:` with the call it describes, then
//! `socklab check 12` (hint: `socklab hint 12`).

// The todo!()s leave values unused and code unreachable until they are filled in.
#![allow(
    unreachable_code,
    unused_variables,
    unused_imports,
    unused_mut,
    clippy::diverging_sub_expression,
    dead_code
)]

use std::collections::BTreeMap;
use std::net::{Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use socklab::error::Failure;
use socklab::lab::{self, Lab};
use socklab::lang::Lang;
use socklab::signals;
use socklab::sock::{Family, How, Socket, Type};
use socklab::trace::{self, Role};

/// What the other threads tell the salon.
enum Event {
    /// A new client, and the channel its writer thread reads.
    Join { id: u64, outbox: Sender<Vec<u8>> },
    /// A complete line from a client, its "\n" included.
    Line { id: u64, text: Vec<u8> },
    /// The client's connection ended.
    Leave { id: u64 },
}

/// A connection, as the veilleur keeps it: the socket, to shut it down on Ctrl+C, and the two
/// threads, to wait for them.
struct Member {
    sock: Arc<Socket>,
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
}

fn main() -> ExitCode {
    let lab = lab::start("veilleur");
    match run(&lab) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => lab.exit_with(&failure),
    }
}

fn run(lab: &Lab) -> Result<(), Failure> {
    let port = lab.port_arg(1, 6000);
    let listener = Arc::new(listen_on(port)?);
    println!(
        "{} {port}",
        lab.lang
            .pick("salon de discussion sur le port", "chat server on port")
    );

    // Ctrl+C: the handler runs on its own thread. Shutting the listening socket down wakes the
    // veilleur's accept, which then fails; the flag tells it that this is the end, not an error.
    let stopping = Arc::new(AtomicBool::new(false));
    {
        let listener = Arc::clone(&listener);
        let stopping = Arc::clone(&stopping);
        signals::on_interrupt(move || {
            trace::set_thread("ctrl-c", Role::Helper);
            stopping.store(true, Ordering::SeqCst);
            // TODO: shutdown de la socket d'écoute : l'accept du veilleur se réveille
            //       shut the listening socket down: the veilleur's accept wakes up
            let _ = todo!("listener.shutdown(How::Both)");
        });
    }

    let (events, inbox) = crossbeam_channel::unbounded::<Event>();
    let lang = lab.lang;
    let salon = spawn("salon", Role::Helper, move || salon(inbox, lang));

    let mut members: Vec<Member> = Vec::new();
    let mut served = 0u64;
    loop {
        let (conn, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(_) if stopping.load(Ordering::SeqCst) => break,
            Err(e) => {
                eprintln!("{e}");
                continue;
            }
        };
        served += 1;
        let id = served;
        println!("client-{id} : {peer}");
        let sock = Arc::new(conn);
        let (outbox, to_send) = crossbeam_channel::unbounded();
        // Registered before its reader starts: the salon knows the client before its first line.
        let _ = events.send(Event::Join { id, outbox });
        let reader = {
            let sock = Arc::clone(&sock);
            let events = events.clone();
            spawn(&format!("exécutant-{id}"), Role::Executant, move || {
                read_lines(id, &sock, &events)
            })
        };
        let writer = {
            let sock = Arc::clone(&sock);
            spawn(&format!("envoi-{id}"), Role::Helper, move || {
                write_out(&sock, &to_send)
            })
        };
        // Forget the connections that ended (their threads are done).
        members.retain(|m| !(m.reader.is_finished() && m.writer.is_finished()));
        members.push(Member {
            sock,
            reader,
            writer,
        });
    }

    // Ctrl+C. Shutting each connection down makes its reader's recv return 0: the reader says
    // Leave, the salon drops the client's channel, the writer's loop ends.
    for m in &members {
        // TODO: shutdown de chaque connexion : le recv de son lecteur renvoie 0
        //       shut each connection down: its reader's recv returns 0
        let _ = todo!("m.sock.shutdown(How::Both)");
    }
    // The salon ends when the last sender of `events` is gone: ours, then the readers'.
    drop(events);
    for m in members {
        let _ = m.reader.join();
        let _ = m.writer.join();
    }
    let _ = salon.join();
    println!(
        "{} {served}",
        lab.lang.pick(
            "salon fermé ; clients servis :",
            "chat closed; clients served:"
        )
    );
    Ok(())
}

/// The salon: the only one to know who is connected. It receives every event in order, so a
/// line is sent to exactly the clients connected when it was said.
fn salon(inbox: Receiver<Event>, lang: Lang) {
    let mut members: BTreeMap<u64, Sender<Vec<u8>>> = BTreeMap::new();
    let broadcast = |members: &BTreeMap<u64, Sender<Vec<u8>>>, from: u64, msg: &[u8]| {
        for (&id, outbox) in members {
            if id != from {
                // A client whose writer is gone is about to leave: nothing to do.
                let _ = outbox.send(msg.to_vec());
            }
        }
    };
    for event in inbox {
        match event {
            Event::Join { id, outbox } => {
                let welcome = lang.pick("Bienvenue, vous êtes", "Welcome, you are");
                let _ = outbox.send(format!("{welcome} client-{id}\n").into_bytes());
                broadcast(&members, id, format!("* client-{id} arrive\n").as_bytes());
                members.insert(id, outbox);
            }
            Event::Line { id, text } => {
                let mut msg = format!("client-{id}: ").into_bytes();
                msg.extend_from_slice(&text);
                // TODO: la ligne à chacun des autres membres / the line to every other member
                todo!("broadcast(&members, id, &msg)");
            }
            Event::Leave { id } => {
                // Dropping the client's sender ends its writer thread.
                members.remove(&id);
                broadcast(&members, id, format!("* client-{id} part\n").as_bytes());
            }
        }
    }
}

/// The reader: receives bytes, cuts them into lines (TCP knows no lines: one recv may hold
/// half a line, or three), and hands each complete line to the salon.
fn read_lines(id: u64, sock: &Socket, events: &Sender<Event>) {
    let mut pending = Vec::new();
    let mut buf = [0u8; 1500];
    // 0 bytes (the client left, or Ctrl+C shut the connection down) or an error: the end.
    while let Ok(n @ 1..) = sock.recv(&mut buf) {
        pending.extend_from_slice(&buf[..n]);
        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
            // TODO: retirer la ligne de pending, son "\n" compris
            //       take the line out of pending, its "\n" included
            let text: Vec<u8> = todo!("pending.drain(..=end).collect()");
            // TODO: la passer au salon / hand it to the salon
            let _ = todo!("events.send(Event::Line {{ id, text }})");
        }
    }
    let _ = events.send(Event::Leave { id });
}

/// The writer: sends what the salon puts in this client's channel, until the salon drops it.
fn write_out(sock: &Socket, to_send: &Receiver<Vec<u8>>) {
    for msg in to_send {
        if sock.sendall(&msg).is_err() {
            break;
        }
    }
}

/// A named thread, with the same name in the trace.
fn spawn(name: &str, role: Role, f: impl FnOnce() + Send + 'static) -> JoinHandle<()> {
    let traced = name.to_string();
    std::thread::Builder::new()
        .name(name.to_string())
        .stack_size(64 * 1024)
        .spawn(move || {
            trace::set_thread(&traced, role);
            f();
        })
        .unwrap_or_else(|e| {
            eprintln!("thread {name}: {e}");
            std::process::exit(1)
        })
}

/// As in step 11.
fn listen_on(port: u16) -> Result<Socket, Failure> {
    let s = Socket::new(Family::Inet6, Type::Stream)?;
    s.set_reuseaddr(true)?;
    s.set_only_v6(false)?;
    let addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    s.bind(addr)?;
    s.listen(5)?;
    Ok(s)
}
