//! Echo servers graded by a grader that plays the clients: TCP one client at a time (step 03),
//! UDP (step 05), and TCP for several clients at once (steps 10 and 11).

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use super::{Ctx, c, server_listening};
use crate::grade::child::{HOST, Running};
use crate::grade::net::{self, End, IO_LIMIT, Proto};
use crate::grade::verdict::{Checklist, Criterion, Reason};

/// Larger than any one recv: 100 KiB.
const LARGE: usize = 100 * 1024;

/// Sends `msg` and checks that exactly `msg` comes back.
pub(crate) fn echo_check(s: &mut TcpStream, msg: &[u8]) -> Result<(), Reason> {
    let (got, end) = net::exchange(s, msg, msg.len(), IO_LIMIT);
    if got == msg {
        Ok(())
    } else {
        Err(net::echo_mismatch(msg, &got, &end))
    }
}

/// Skips the IPv6 criterion on a machine without an IPv6 loopback (some containers).
fn ipv6_missing(list: &mut Checklist) -> bool {
    let missing = UdpSocket::bind((Ipv6Addr::LOCALHOST, 0)).is_err();
    if missing {
        list.skip(
            "ipv4_ipv6",
            Reason::new(
                "non vérifié : cette machine n'a pas d'IPv6 (::1)",
                "not checked: this machine has no IPv6 (::1)",
            ),
        );
    }
    missing
}

fn connect_and_echo(port: u16, v6: bool, msg: &[u8]) -> Result<TcpStream, Reason> {
    let mut s = net::connect(port, v6)?;
    echo_check(&mut s, msg)?;
    Ok(s)
}

pub const TCP_ITERATIVE: &[Criterion] = &[
    c(
        "listens",
        "écoute sur le port donné en paramètre",
        "listens on the port given on the command line",
    ),
    c(
        "echo_small",
        "renvoie une ligne à l'identique",
        "sends a line back unchanged",
    ),
    c(
        "echo_large",
        "renvoie 100 Kio à l'octet près, en entier (plus qu'un seul recv)",
        "sends 100 KiB back byte for byte, whole (more than one recv)",
    ),
    c(
        "ipv4_ipv6",
        "joignable en IPv4 et en IPv6 (AF_INET6 sur toutes les interfaces)",
        "reachable over IPv4 and IPv6 (AF_INET6 on every interface)",
    ),
    c(
        "next_client",
        "sert un deuxième client après le départ du premier",
        "serves a second client after the first one left",
    ),
    c(
        "closes",
        "ferme la connexion après la fin du flot du client (shutdown SHUT_WR) : le client lit 0",
        "closes the connection after the client's end of stream (shutdown SHUT_WR): the client reads 0",
    ),
    c(
        "restart",
        "relancé aussitôt sur le même port après un arrêt (SO_REUSEADDR)",
        "restarts at once on the same port after being stopped (SO_REUSEADDR)",
    ),
];

/// How long a client that half-closed waits for the server's end of stream.
const FIN_WAIT: Duration = Duration::from_secs(3);

/// The client sends, reads its echo, and half-closes (`shutdown(SHUT_WR)`: its FIN, "I have
/// nothing more to say"). The server's `recv` returns 0; a server that then closes its
/// connected socket sends its own FIN, and the client reads 0. One that forgets the close
/// keeps the connection open (the kernel sends nothing on its own), and the client waits.
fn closes_after_half_close(port: u16) -> Result<(), Reason> {
    let mut s = connect_and_echo(port, false, b"au revoir\n")?;
    s.shutdown(std::net::Shutdown::Write).map_err(|e| {
        Reason::new(
            format!("shutdown(SHUT_WR) du client impossible : {e}"),
            format!("the client's shutdown(SHUT_WR) failed: {e}"),
        )
    })?;
    let (got, end) = net::read_to_close(&mut s, FIN_WAIT);
    match end {
        End::Closed | End::Done if got.is_empty() => Ok(()),
        End::Closed | End::Done => Err(Reason::new(
            format!(
                "après la fin du flot du client, le serveur a encore envoyé {} octet(s) avant de fermer",
                got.len()
            ),
            format!(
                "after the client's end of stream, the server still sent {} byte(s) before closing",
                got.len()
            ),
        )),
        End::Reset => Err(Reason::new(
            "après la fin du flot du client, le serveur a coupé la connexion par un RST au lieu \
             de la fermer par un FIN",
            "after the client's end of stream, the server cut the connection with a RST instead \
             of closing it with a FIN",
        )),
        End::Timeout => Err(Reason::new(
            format!(
                "après le shutdown(SHUT_WR) du client, le recv du serveur a renvoyé 0, mais aucune \
                 fin de flot n'est revenue en {} s : le serveur ne ferme pas la socket connectée \
                 (il manque close() à la fin de la conversation ; pour un serveur à threads, dans \
                 la fonction de l'exécutant)",
                FIN_WAIT.as_secs()
            ),
            format!(
                "after the client's shutdown(SHUT_WR), the server's recv returned 0, but no end of \
                 stream came back within {} s: the server does not close the connected socket \
                 (the close() at the end of the conversation is missing; for a thread server, in \
                 the exécutant's function)",
                FIN_WAIT.as_secs()
            ),
        )),
        End::Error(e) => Err(Reason::new(
            format!("la connexion a échoué : {e}"),
            format!("the connection failed: {e}"),
        )),
    }
}

/// Step 03.
pub fn tcp_iterative(ctx: &Ctx, list: &mut Checklist) {
    let Some((mut run, port)) = server_listening(ctx, Proto::Tcp, list) else {
        return;
    };
    // One client for the short message, a fresh one for the long: a server that stops after
    // its first recv fails the second, not both.
    list.record(
        "echo_small",
        connect_and_echo(port, false, b"bonjour\n").map(drop),
    );
    list.record(
        "echo_large",
        connect_and_echo(port, false, &net::binary_message(LARGE)).map(drop),
    );
    // Those clients left (their sockets are closed): the next one must be served.
    list.record(
        "next_client",
        connect_and_echo(port, false, b"second client\n").map(drop),
    );
    if !ipv6_missing(list) {
        list.record(
            "ipv4_ipv6",
            connect_and_echo(port, true, b"ipv6\n").map(drop),
        );
    }
    list.record("closes", closes_after_half_close(port));
    list.record("restart", restart(ctx, &mut run, port));
}

/// Stops the server while a client is connected, so that the server's side of that connection
/// ends in TIME_WAIT, then starts it again on the same port: without SO_REUSEADDR, bind fails
/// with EADDRINUSE.
fn restart(ctx: &Ctx, run: &mut crate::grade::child::Running, port: u16) -> Result<(), Reason> {
    let mut open = connect_and_echo(port, false, b"x\n")?;
    run.kill();
    // The kernel closed the server's end when the process died: FIN first, from the server.
    let _ = net::read_to_close(&mut open, IO_LIMIT);
    drop(open);
    let mut again = ctx.program.start(HOST, port, None, &[])?;
    net::wait_listening(&mut again, Proto::Tcp, port).map_err(|r| {
        Reason::new(
            "relancé sur le même port, il n'écoute pas (bind : Address already in use ?) — \
             activer SO_REUSEADDR avant bind :",
            "restarted on the same port, it does not listen (bind: Address already in use?) — \
             set SO_REUSEADDR before bind:",
        )
        .then(&r)
    })?;
    connect_and_echo(port, false, b"encore\n").map(drop)
}

pub const UDP: &[Criterion] = &[
    c(
        "listens",
        "lie sa socket UDP au port donné en paramètre",
        "binds its UDP socket to the port given on the command line",
    ),
    c(
        "replies",
        "renvoie un datagramme à son expéditeur, à l'identique",
        "sends a datagram back to its sender, unchanged",
    ),
    c(
        "boundaries",
        "garde les limites des datagrammes : trois envoyés, trois revenus, dans l'ordre",
        "keeps datagram boundaries: three sent, three back, in order",
    ),
    c(
        "large_datagram",
        "renvoie un datagramme de 4 000 octets en entier",
        "sends a 4,000-byte datagram back whole",
    ),
    c(
        "ipv4_ipv6",
        "joignable en IPv4 et en IPv6 (AF_INET6 sur toutes les interfaces)",
        "reachable over IPv4 and IPv6 (AF_INET6 on every interface)",
    ),
    c(
        "two_clients",
        "répond à chaque client à sa propre adresse",
        "answers each client at its own address",
    ),
];

/// A UDP socket of the grader, aimed at the server's port.
pub(crate) fn udp_client(port: u16, v6: bool) -> Result<(UdpSocket, SocketAddr), Reason> {
    let (local, server): (SocketAddr, SocketAddr) = if v6 {
        (
            (Ipv6Addr::LOCALHOST, 0).into(),
            (Ipv6Addr::LOCALHOST, port).into(),
        )
    } else {
        (
            (Ipv4Addr::LOCALHOST, 0).into(),
            (Ipv4Addr::LOCALHOST, port).into(),
        )
    };
    let s = UdpSocket::bind(local)
        .map_err(|e| Reason::new(format!("grader : {e}"), format!("grader: {e}")))?;
    let _ = s.set_read_timeout(Some(IO_LIMIT));
    Ok((s, server))
}

/// Receives one datagram (up to 64 KiB), within the socket's timeout.
pub(crate) fn udp_recv(s: &UdpSocket) -> Result<Vec<u8>, Reason> {
    let mut buf = vec![0u8; 65_536];
    match s.recv_from(&mut buf) {
        Ok((n, _)) => Ok(buf[..n].to_vec()),
        Err(_) => Err(Reason::new(
            format!(
                "aucun datagramme reçu en réponse en {} s",
                IO_LIMIT.as_secs()
            ),
            format!("no datagram came back within {} s", IO_LIMIT.as_secs()),
        )),
    }
}

/// Receives the first answer of a server under test, a slice of time at a time, so that a
/// server that died is noticed at once instead of after the whole wait.
pub(crate) fn udp_recv_watching(s: &UdpSocket, run: &mut Running) -> Result<Vec<u8>, Reason> {
    let deadline = std::time::Instant::now() + IO_LIMIT;
    let _ = s.set_read_timeout(Some(Duration::from_millis(100)));
    let mut buf = vec![0u8; 65_536];
    let got = loop {
        if let Ok((n, _)) = s.recv_from(&mut buf) {
            break Ok(buf[..n].to_vec());
        }
        if run.exited().is_some() {
            break Err(run.ending());
        }
        if std::time::Instant::now() > deadline {
            break Err(Reason::new(
                format!(
                    "aucun datagramme reçu en réponse en {} s",
                    IO_LIMIT.as_secs()
                ),
                format!("no datagram came back within {} s", IO_LIMIT.as_secs()),
            ));
        }
    };
    let _ = s.set_read_timeout(Some(IO_LIMIT));
    got
}

fn udp_echo(s: &UdpSocket, server: SocketAddr, msg: &[u8]) -> Result<(), Reason> {
    s.send_to(msg, server)
        .map_err(|e| Reason::new(format!("sendto : {e}"), format!("sendto: {e}")))?;
    let got = udp_recv(s)?;
    if got == msg {
        Ok(())
    } else if got.len() < msg.len() && msg.starts_with(&got) {
        Err(Reason::new(
            format!(
                "datagramme de {} octets revenu coupé à {} : le tampon de recvfrom est plus \
                 petit que le datagramme, et le reste est perdu",
                msg.len(),
                got.len()
            ),
            format!(
                "a {}-byte datagram came back cut to {}: recvfrom's buffer is smaller than the \
                 datagram, and the rest is lost",
                msg.len(),
                got.len()
            ),
        ))
    } else {
        Err(Reason::new(
            format!("envoyé {}, revenu {}", net::show(msg), net::show(&got)),
            format!("sent {}, got back {}", net::show(msg), net::show(&got)),
        ))
    }
}

/// Step 05.
pub fn udp(ctx: &Ctx, list: &mut Checklist) {
    let Some((mut run, port)) = server_listening(ctx, Proto::Udp, list) else {
        return;
    };
    let (a, server) = match udp_client(port, false) {
        Ok(x) => x,
        Err(r) => return list.fail_rest(&r),
    };
    let first = a
        .send_to(b"bonjour", server)
        .map_err(|e| Reason::new(format!("sendto : {e}"), format!("sendto: {e}")))
        .and_then(|_| udp_recv_watching(&a, &mut run));
    match first {
        Ok(got) if got == b"bonjour" => list.pass("replies"),
        Ok(got) => list.fail(
            "replies",
            Reason::new(
                format!("envoyé \"bonjour\", revenu {}", net::show(&got)),
                format!("sent \"bonjour\", got back {}", net::show(&got)),
            ),
        ),
        Err(r) => return list.fail_rest(&r),
    }
    list.record("boundaries", boundaries(&a, server));
    list.record(
        "large_datagram",
        udp_echo(&a, server, &net::binary_message(4000)),
    );
    if !ipv6_missing(list) {
        list.record(
            "ipv4_ipv6",
            udp_client(port, true).and_then(|(s6, server6)| udp_echo(&s6, server6, b"ipv6")),
        );
    }
    list.record("two_clients", two_udp_clients(port));
}

fn boundaries(s: &UdpSocket, server: SocketAddr) -> Result<(), Reason> {
    let sent: [&[u8]; 3] = [b"un", b"deux", b"trois"];
    for m in sent {
        s.send_to(m, server)
            .map_err(|e| Reason::new(format!("sendto : {e}"), format!("sendto: {e}")))?;
    }
    let mut got = Vec::new();
    for _ in 0..3 {
        match udp_recv(s) {
            Ok(d) => got.push(d),
            Err(_) => break,
        }
    }
    if got.iter().map(Vec::as_slice).eq(sent) {
        Ok(())
    } else {
        let shown: Vec<String> = got.iter().map(|d| net::show(d)).collect();
        Err(Reason::new(
            format!(
                "envoyé \"un\", \"deux\", \"trois\" en trois datagrammes, revenu [{}]",
                shown.join(", ")
            ),
            format!(
                "sent \"un\", \"deux\", \"trois\" as three datagrams, got back [{}]",
                shown.join(", ")
            ),
        ))
    }
}

fn two_udp_clients(port: u16) -> Result<(), Reason> {
    let (a, server) = udp_client(port, false)?;
    let (b, _) = udp_client(port, false)?;
    let send = |s: &UdpSocket, m: &[u8]| {
        s.send_to(m, server)
            .map_err(|e| Reason::new(format!("sendto : {e}"), format!("sendto: {e}")))
    };
    send(&a, b"client A")?;
    send(&b, b"client B")?;
    let got_a = udp_recv(&a)?;
    let got_b = udp_recv(&b)?;
    if got_a == b"client A" && got_b == b"client B" {
        Ok(())
    } else {
        Err(Reason::new(
            format!(
                "A a reçu {}, B a reçu {} : répondre à l'adresse que donne recvfrom",
                net::show(&got_a),
                net::show(&got_b)
            ),
            format!(
                "A got {}, B got {}: answer the address recvfrom gives",
                net::show(&got_a),
                net::show(&got_b)
            ),
        ))
    }
}

pub const TCP_CONCURRENT: &[Criterion] = &[
    c(
        "listens",
        "écoute sur le port donné en paramètre",
        "listens on the port given on the command line",
    ),
    c(
        "echo_large",
        "renvoie 100 Kio à l'octet près, en entier",
        "sends 100 KiB back byte for byte, whole",
    ),
    c(
        "concurrent",
        "sert un deuxième client pendant que le premier reste connecté",
        "serves a second client while the first one stays connected",
    ),
    c(
        "many",
        "sert cinq clients connectés en même temps, messages entremêlés",
        "serves five clients connected at once, messages interleaved",
    ),
    c(
        "after_close",
        "continue après le départ des clients : un nouveau client est servi",
        "goes on after clients leave: a new client is served",
    ),
    c(
        "closes",
        "ferme la connexion après la fin du flot du client (shutdown SHUT_WR) : le client lit 0",
        "closes the connection after the client's end of stream (shutdown SHUT_WR): the client reads 0",
    ),
];

/// Steps 10 and 11.
pub fn tcp_concurrent(ctx: &Ctx, list: &mut Checklist) {
    let Some((_run, port)) = server_listening(ctx, Proto::Tcp, list) else {
        return;
    };
    list.record(
        "echo_large",
        connect_and_echo(port, false, &net::binary_message(LARGE)).map(drop),
    );
    list.record("concurrent", concurrent(port));
    list.record("many", many(port));
    list.record(
        "after_close",
        connect_and_echo(port, false, b"encore un\n").map(drop),
    );
    list.record("closes", closes_after_half_close(port));
}

/// How long a second client waits for its echo while the first one stays connected.
const SECOND_CLIENT_WAIT: Duration = Duration::from_secs(3);

fn concurrent(port: u16) -> Result<(), Reason> {
    let mut first = connect_and_echo(port, false, b"premier\n")?;
    let mut second = net::connect(port, false)?;
    let (got, end) = net::exchange(&mut second, b"second\n", 7, SECOND_CLIENT_WAIT);
    if got != b"second\n" {
        if end == End::Timeout && got.is_empty() {
            return Err(Reason::new(
                format!(
                    "le deuxième client n'a reçu aucun écho en {} s pendant que le premier \
                     restait connecté : le serveur ne sert qu'un client à la fois",
                    SECOND_CLIENT_WAIT.as_secs()
                ),
                format!(
                    "the second client got no echo within {} s while the first stayed \
                     connected: the server serves one client at a time",
                    SECOND_CLIENT_WAIT.as_secs()
                ),
            ));
        }
        return Err(net::echo_mismatch(b"second\n", &got, &end));
    }
    // And the first one is still served.
    echo_check(&mut first, b"toujours la\n")
}

fn many(port: u16) -> Result<(), Reason> {
    let mut clients = Vec::new();
    for _ in 0..5 {
        clients.push(net::connect(port, false)?);
    }
    for round in 0..3 {
        for (i, c) in clients.iter_mut().enumerate() {
            let msg = format!("client {i}, tour {round}\n");
            echo_check(c, msg.as_bytes()).map_err(|r| {
                Reason::new(
                    format!("client {i} sur 5, tour {round} :"),
                    format!("client {i} of 5, round {round}:"),
                )
                .then(&r)
            })?;
        }
    }
    Ok(())
}
