//! The scripted clients of each demo, and what each demo showed.
//!
//! The clients are written like the labs' programs, over the traced API; what keeps them in
//! step with each other (barriers, channels) involves no socket call and does not show.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use super::{DemoServer, run_clients};
use crate::error::Failure;
use crate::kinds::{Mode, Proto, Service};
use crate::lang::Lang;
use crate::sock::{Family, Socket, Type};

pub fn play(name: &str, n: usize, lang: Lang) -> Result<(), Failure> {
    match name {
        "daytime" => daytime(lang),
        "http-get" => http_get(lang),
        "message" => message(lang),
        "echo-iterative" => echo_iterative(n, lang),
        "echo-threads" => echo_concurrent(n, Mode::Threads, lang),
        "echo-select" => echo_concurrent(n, Mode::Select, lang),
        "echo-fork" => echo_concurrent(n, Mode::Fork, lang),
        "echo-udp" => echo_udp(n, lang),
        "relay" => relay(lang),
        "chat" => chat(n, lang),
        _ => Err(Failure::usage(format!("no demo named {name}"))),
    }
}

fn connect(addr: SocketAddr) -> io::Result<Socket> {
    let s = Socket::new(Family::of(&addr), Type::Stream)?;
    s.connect(addr)?;
    Ok(s)
}

/// `recv` until `n` bytes came, or the peer closed.
fn recv_exactly(s: &Socket, n: usize) -> io::Result<Vec<u8>> {
    let mut got = Vec::with_capacity(n);
    let mut buf = [0u8; 1500];
    while got.len() < n {
        let k = s.recv(&mut buf[..(n - got.len()).min(1500)])?;
        if k == 0 {
            break;
        }
        got.extend_from_slice(&buf[..k]);
    }
    Ok(got)
}

/// `recv` in a loop until the peer closes (`recv` returns 0), as the labs' clients do.
fn recv_until_closed(s: &Socket, chunk: usize) -> io::Result<Vec<u8>> {
    let mut all = Vec::new();
    let mut buf = vec![0u8; chunk];
    loop {
        let k = s.recv(&mut buf)?;
        if k == 0 {
            return Ok(all);
        }
        all.extend_from_slice(&buf[..k]);
    }
}

fn pause(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

fn daytime(lang: Lang) -> Result<(), Failure> {
    let server = DemoServer::start(Service::Daytime, Proto::Tcp, Some(Mode::Threads), lang)?;
    let addr = server.addr;
    run_clients(1, move |_| {
        let s = connect(addr)?;
        let line = recv_until_closed(&s, 1024)?;
        s.close()?;
        crate::output::say(String::from_utf8_lossy(&line));
        Ok(())
    })?;
    server.stop()
}

/// `socklab serve http` as the lab's web server: its built-in page is longer than the lab's
/// `recv(1024)`.
fn http_get(lang: Lang) -> Result<(), Failure> {
    let server = DemoServer::start(Service::Http, Proto::Tcp, Some(Mode::Threads), lang)?;
    let addr = server.addr;
    run_clients(1, move |_| {
        let s = connect(addr)?;
        let request = format!(
            "GET / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            addr.ip()
        );
        s.sendall(request.as_bytes())?;
        // The lab's lesson: one recv(1024) gets only the start; loop until the server closes.
        let answer = recv_until_closed(&s, 1024)?;
        s.close()?;
        let status = answer.split(|&b| b == b'\r').next().unwrap_or_default();
        let n = answer.len();
        crate::output::say_line(format!(
            "{} ({n} {})",
            String::from_utf8_lossy(status),
            lang.pick("octets", "bytes")
        ));
        Ok(())
    })?;
    server.stop()
}

/// The workshop's message server, listening on `::` (IPv6 and IPv4 at once): one client comes
/// over IPv4 (the server sees it as `::ffff:127.0.0.1`), the other over IPv6 (`::1`).
fn message(lang: Lang) -> Result<(), Failure> {
    let server = DemoServer::start_with(
        crate::cli::ServeArgs {
            host: "::".into(),
            ..DemoServer::args(Service::Message, Proto::Tcp, Some(Mode::Threads))
        },
        lang,
    )?;
    let port = server.addr.port();
    // One after the other, so the two conversations read in order.
    let turn = Arc::new(Barrier::new(2));
    run_clients(2, move |i| {
        let to: SocketAddr = if i == 1 {
            ([127, 0, 0, 1], port).into()
        } else {
            (std::net::Ipv6Addr::LOCALHOST, port).into()
        };
        if i == 2 {
            turn.wait();
        }
        let s = connect(to)?;
        let mut buf = [0u8; 1500];
        for msg in [if i == 1 { "hello" } else { "bonjour" }, "quit"] {
            s.sendall(msg.as_bytes())?;
            if msg == "quit" {
                break;
            }
            let n = s.recv(&mut buf)?;
            crate::output::say_line(format!(
                "client-{i}: {}",
                String::from_utf8_lossy(&buf[..n]).trim_end()
            ));
        }
        // After `quit` the server closes: the end of stream, then this side closes.
        while s.recv(&mut buf)? > 0 {}
        s.close()?;
        if i == 1 {
            turn.wait();
        }
        Ok(())
    })?;
    server.stop()
}

fn echo_iterative(n: usize, lang: Lang) -> Result<(), Failure> {
    let server = DemoServer::start(Service::Echo, Proto::Tcp, Some(Mode::Iterative), lang)?;
    let addr = server.addr;
    // The first client is served; only then do the others connect, and wait.
    let (first_served_tx, first_served_rx) = crossbeam_channel::bounded::<()>(0);
    run_clients(n, move |i| {
        if i == 1 {
            let s = connect(addr)?;
            s.sendall(b"bonjour 1\n")?;
            recv_exactly(&s, 10)?;
            for _ in 1..n {
                let _ = first_served_tx.send(());
            }
            // Hold the connection a moment: meanwhile the server cannot accept anyone else.
            pause(400);
            Ok(s.close()?)
        } else {
            let _ = first_served_rx.recv();
            let s = connect(addr)?;
            let msg = format!("bonjour {i}\n");
            s.sendall(msg.as_bytes())?;
            // Connected, data sent, and yet no answer until client-1 has left.
            recv_exactly(&s, msg.len())?;
            Ok(s.close()?)
        }
    })?;
    server.stop()
}

fn echo_concurrent(n: usize, mode: Mode, lang: Lang) -> Result<(), Failure> {
    let server = DemoServer::start(Service::Echo, Proto::Tcp, Some(mode), lang)?;
    let addr = server.addr;
    let all_connected = Arc::new(Barrier::new(n));
    run_clients(n, move |i| {
        let s = connect(addr)?;
        all_connected.wait();
        for round in 1..=2 {
            let msg = format!("client {i}, message {round}\n");
            s.sendall(msg.as_bytes())?;
            recv_exactly(&s, msg.len())?;
            pause(50 * i as u64);
        }
        Ok(s.close()?)
    })?;
    server.stop()
}

fn echo_udp(n: usize, lang: Lang) -> Result<(), Failure> {
    let server = DemoServer::start(Service::Echo, Proto::Udp, None, lang)?;
    let addr = server.addr;
    run_clients(n, move |i| {
        let s = Socket::new(Family::of(&addr), Type::Dgram)?;
        for round in 1..=2 {
            let msg = format!("datagramme {round} du client {i}");
            s.sendto(msg.as_bytes(), addr)?;
            let mut buf = [0u8; 1500];
            s.recvfrom(&mut buf)?;
            pause(30);
        }
        Ok(s.close()?)
    })?;
    server.stop()
}

fn relay(lang: Lang) -> Result<(), Failure> {
    let server = DemoServer::start(Service::Relay, Proto::Tcp, Some(Mode::Iterative), lang)?;
    let addr = server.addr;
    let (emitter_ready_tx, emitter_ready_rx) = crossbeam_channel::bounded::<()>(1);
    let (receiver_ready_tx, receiver_ready_rx) = crossbeam_channel::bounded::<()>(1);
    run_clients(2, move |i| {
        if i == 1 {
            let s = connect(addr)?;
            let role = recv_exactly(&s, 1)?;
            debug_assert_eq!(role, b"1");
            let _ = emitter_ready_tx.send(());
            let _ = receiver_ready_rx.recv();
            for m in [
                "premier message\n",
                "deuxième message\n",
                "dernier message\n",
            ] {
                s.sendall(m.as_bytes())?;
                pause(100);
            }
            Ok(s.close()?)
        } else {
            let _ = emitter_ready_rx.recv();
            let s = connect(addr)?;
            let role = recv_exactly(&s, 1)?;
            debug_assert_eq!(role, b"2");
            let _ = receiver_ready_tx.send(());
            let got = recv_until_closed(&s, 1500)?;
            s.close()?;
            crate::output::say(String::from_utf8_lossy(&got));
            Ok(())
        }
    })?;
    server.stop()
}

fn chat(n: usize, lang: Lang) -> Result<(), Failure> {
    let server = DemoServer::start(Service::Chat, Proto::Tcp, Some(Mode::Threads), lang)?;
    let addr = server.addr;
    let joined = Arc::new(Barrier::new(n));
    let heard = Arc::new(Barrier::new(n));
    run_clients(n, move |i| {
        let s = connect(addr)?;
        // Wait until the server announced everyone: each earlier client hears each arrival.
        joined.wait();
        pause(100);
        s.sendall(format!("bonjour de {i}\n").as_bytes())?;
        let mut got = Vec::new();
        let mut buf = [0u8; 1500];
        while count_messages(&got) < n - 1 {
            let k = s.recv(&mut buf)?;
            if k == 0 {
                break;
            }
            got.extend_from_slice(&buf[..k]);
        }
        heard.wait();
        Ok(s.close()?)
    })?;
    server.stop()
}

/// Lines in `got` that are messages from other clients (not arrival announcements).
fn count_messages(got: &[u8]) -> usize {
    String::from_utf8_lossy(got)
        .lines()
        .filter(|l| l.starts_with("client-") && l.contains(": "))
        .count()
}

pub fn what_you_saw(name: &str, n: usize, lang: Lang) -> String {
    let (fr, en) = match name {
        "daytime" => (
            "Ce que vous avez vu : le client a fait connect() puis recv() en boucle. Le serveur \
             a envoyé une seule ligne puis fermé : le recv() suivant du client a renvoyé 0, la \
             fin du flot. C'est tout le protocole daytime (RFC 867).",
            "What you saw: the client called connect(), then recv() in a loop. The server sent \
             one line and closed: the client's next recv() returned 0, the end of the stream. \
             That is the whole daytime protocol (RFC 867).",
        ),
        "http-get" => (
            "Ce que vous avez vu : la requête part en un sendall(), mais la page revient en \
             plusieurs recv() de 1024 octets au plus. Un seul recv() tronquerait la page (la \
             question du TP) : il faut boucler jusqu'à ce que recv() renvoie 0.",
            "What you saw: the request goes out in one sendall(), but the page comes back in \
             several recv()s of at most 1024 bytes. A single recv() would cut the page (the \
             lab's question): loop until recv() returns 0.",
        ),
        "message" => (
            "Ce que vous avez vu : le serveur écoute sur :: (IPv6, IPV6_V6ONLY à 0). Le client \
             1 est venu en IPv4 : accept4 le montre comme ::ffff:127.0.0.1, une adresse IPv4 \
             logée dans une adresse IPv6 ; le client 2 est venu en IPv6 (::1). Le serveur a \
             affiché « Reçu : … », répondu « Bonjour client, j'ai bien reçu ton message : … », \
             et fermé après « quit ».",
            "What you saw: the server listens on :: (IPv6, IPV6_V6ONLY at 0). Client 1 came \
             over IPv4: accept4 shows it as ::ffff:127.0.0.1, an IPv4 address held in an IPv6 \
             one; client 2 came over IPv6 (::1). The server printed \"Reçu : …\", answered \
             \"Bonjour client, j'ai bien reçu ton message : …\", and closed after \"quit\".",
        ),
        "echo-iterative" => (
            "Ce que vous avez vu : le client 2 a fait connect() avec succès et envoyé ses \
             octets, mais le serveur ne l'a accepté (accept4) qu'après le close() du client 1. \
             Entre-temps il attendait dans le backlog du noyau : un serveur itératif ne sert \
             qu'un client à la fois.",
            "What you saw: client 2's connect() succeeded and it sent its bytes, yet the server \
             only accepted it (accept4) after client 1's close(). Meanwhile it waited in the \
             kernel's backlog: an iterative server serves one client at a time.",
        ),
        "echo-threads" => (
            "Ce que vous avez vu : le veilleur ne fait qu'accept() et confie chaque connexion à \
             un exécutant, qui fait les recv()/send() et le close(). Les exécutants ont servi \
             leurs clients en même temps.",
            "What you saw: the veilleur only calls accept() and hands each connection to an \
             exécutant, which does the recv()/send() and the close(). The exécutants served \
             their clients at the same time.",
        ),
        "echo-fork" => (
            "Ce que vous avez vu : le veilleur est un processus qui ne fait qu'accept() puis \
             fork() : chaque client est servi par un processus fils, l'exécutant, avec son propre \
             pid. Après le fork, chacun ferme la socket dont il ne se sert pas : le père la socket \
             connectée (ce close n'envoie rien, le fils la garde ouverte), le fils la socket \
             d'écoute. Le père attend (wait) chaque fils qui se termine, pour ne pas laisser de \
             zombie.",
            "What you saw: the veilleur is a process that only calls accept() then fork(): each \
             client is served by a child process, the exécutant, with a pid of its own. After \
             the fork each one closes the socket it does not use: the parent the connected \
             socket (that close sends nothing, the child keeps it open), the child the \
             listening socket. The parent waits for each child that ends, so that none is left \
             a zombie.",
        ),
        "echo-select" => (
            "Ce que vous avez vu : un seul thread, qui attend dans poll() sur la socket d'écoute \
             et sur chaque client. Il n'appelle accept() ou recv() que sur une socket prête : \
             aucun client silencieux ne bloque les autres.",
            "What you saw: one single thread, waiting in poll() on the listening socket and on \
             every client. It only calls accept() or recv() on a socket that is ready: no silent \
             client holds the others up.",
        ),
        "echo-udp" => (
            "Ce que vous avez vu : ni listen, ni accept, ni connect. Chaque sendto() est un \
             datagramme ; le recvfrom() du serveur dit d'où il vient, et le sendto() de la \
             réponse y retourne.",
            "What you saw: no listen, no accept, no connect. Each sendto() is one datagram; the \
             server's recvfrom() says where it came from, and the answer's sendto() goes back \
             there.",
        ),
        "relay" => (
            "Ce que vous avez vu : le serveur a envoyé 1 au premier client accepté (l'émetteur) \
             et 2 au second (le récepteur), puis a recopié chaque message de l'un vers l'autre. \
             Quand l'émetteur a fermé, son recv() a renvoyé 0 et le serveur a fermé le récepteur.",
            "What you saw: the server sent 1 to the first client it accepted (the emitter) and \
             2 to the second (the receiver), then copied each message from one to the other. \
             When the emitter closed, its recv() returned 0 and the server closed the receiver.",
        ),
        "chat" => (
            "Ce que vous avez vu : chaque exécutant ne fait que recv() ; les lignes passent par \
             un canal jusqu'au diffuseur, seul thread qui fait send() vers les clients.",
            "What you saw: each exécutant only calls recv(); the lines go through a channel to \
             the broadcaster, the only thread that calls send() towards the clients.",
        ),
        _ => ("", ""),
    };
    let _ = n;
    lang.pick(fr, en).to_string()
}
