//! Step 12 — chat server (beyond the labs): every line a client sends goes to all the others.
//!
//! Builds on step 11 (a veilleur and a thread per connection) and on step 09 (the server passes
//! messages between clients). Threads no longer share a list of sockets: they talk through
//! crossbeam channels to one thread, the *salon*, that alone knows who is connected.
//!
//! - the veilleur accepts, registers the client with the salon, starts its two threads;
//! - the client's reader thread receives lines and hands them to the salon;
//! - the salon sends each line to every other client's channel;
//! - the client's writer thread sends what arrives on its channel to its socket.
//!
//! Ctrl+C stops it cleanly: the listening socket is shut down (accept wakes up), every
//! connection is shut down (each reader's recv returns 0), every thread is joined, a summary is
//! printed, and the program exits 0.
//!
//! Run: `cargo run --example sol12_chat_server -- [PORT]` (default 6000), then several
//! `nc localhost 6000`.

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
            let _ = listener.shutdown(How::Both);
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
        let _ = m.sock.shutdown(How::Both);
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
                broadcast(&members, id, &msg);
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
            let text: Vec<u8> = pending.drain(..=end).collect();
            let _ = events.send(Event::Line { id, text });
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
