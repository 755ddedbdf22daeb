//! The message server and client ("Bonjour client, j'ai bien reçu ton message : ..."), over
//! TCP (step 06) and UDP (step 07).

use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::time::Duration;

use super::clients::{ended_ok, quote};
use super::echo::{udp_client, udp_recv, udp_recv_watching};
use super::{Ctx, c, client_connects, server_listening, start_client};
use crate::grade::child::{HOST, Running};
use crate::grade::net::{self, End, IO_LIMIT, Proto};
use crate::grade::verdict::{Checklist, Criterion, Reason};

fn reply_to(message: &str) -> String {
    format!("Bonjour client, j'ai bien reçu ton message : {message}")
}

/// Reads one answer: until the trimmed bytes read equal `expected`, or they cannot any more.
fn read_reply(s: &mut TcpStream, expected: &str) -> Result<(), Reason> {
    let mut got = Vec::new();
    let end = net::read_until(s, &mut got, IO_LIMIT, |g| {
        String::from_utf8_lossy(g).trim() == expected || g.len() > expected.len() + 2
    });
    let text = String::from_utf8_lossy(&got);
    if text.trim() == expected {
        return Ok(());
    }
    if end == End::Reset && got.is_empty() {
        return Err(Reason::new(
            format!("attendu « {expected} », mais"),
            format!("expected \"{expected}\", but"),
        )
        .then(&net::server_reset()));
    }
    let why_fr = match end {
        End::Closed if got.is_empty() => "le serveur a fermé la connexion sans répondre".into(),
        End::Timeout if got.is_empty() => format!("aucune réponse en {} s", IO_LIMIT.as_secs()),
        _ => format!("reçu {}", net::show(&got)),
    };
    let why_en = match end {
        End::Closed if got.is_empty() => {
            "the server closed the connection without answering".into()
        }
        End::Timeout if got.is_empty() => format!("no answer within {} s", IO_LIMIT.as_secs()),
        _ => format!("received {}", net::show(&got)),
    };
    Err(Reason::new(
        format!("attendu « {expected} », {why_fr}"),
        format!("expected \"{expected}\", {why_en}"),
    ))
}

fn say(s: &mut TcpStream, message: &str) -> Result<(), Reason> {
    s.write_all(message.as_bytes())
        .map_err(|e| Reason::new(format!("envoi : {e}"), format!("send: {e}")))
}

pub const SERVER: &[Criterion] = &[
    c(
        "listens",
        "écoute sur le port donné en paramètre",
        "listens on the port given on the command line",
    ),
    c(
        "reply",
        "répond « Bonjour client, j'ai bien reçu ton message : ... »",
        "answers \"Bonjour client, j'ai bien reçu ton message : ...\"",
    ),
    c(
        "prints",
        "affiche le message reçu",
        "prints the message received",
    ),
    c(
        "several",
        "répond à plusieurs messages de suite, dans l'ordre",
        "answers several messages in a row, in order",
    ),
    c(
        "quit",
        "« quit » met fin à la conversation : le serveur ferme la connexion sans répondre",
        "\"quit\" ends the conversation: the server closes the connection without answering",
    ),
];

/// Step 06, the server.
pub fn server(ctx: &Ctx, list: &mut Checklist) {
    let Some((mut run, port)) = server_listening(ctx, Proto::Tcp, list) else {
        return;
    };
    let mut s = match net::connect(port, false) {
        Ok(s) => s,
        Err(r) => return list.fail_rest(&r),
    };
    // The lab's client sends the message as typed, without its "\n".
    list.record(
        "reply",
        say(&mut s, "hello").and_then(|_| read_reply(&mut s, &reply_to("hello"))),
    );
    check_prints_hello(&mut run, list);
    let several = ["un", "deux", "trois"]
        .into_iter()
        .try_for_each(|m| say(&mut s, m).and_then(|_| read_reply(&mut s, &reply_to(m))));
    list.record("several", several);
    let quit = say(&mut s, "quit").and_then(|_| {
        let (got, end) = net::read_to_close(&mut s, IO_LIMIT);
        match end {
            End::Closed if got.is_empty() => Ok(()),
            End::Reset if got.is_empty() => {
                Err(Reason::new("après « quit »,", "after \"quit\",").then(&net::server_reset()))
            }
            End::Closed | End::Reset | End::Error(_) => Err(Reason::new(
                format!(
                    "après « quit », reçu {} avant la fermeture",
                    net::show(&got)
                ),
                format!(
                    "after \"quit\", received {} before the close",
                    net::show(&got)
                ),
            )),
            _ => Err(Reason::new(
                format!(
                    "après « quit », la connexion est restée ouverte {} s",
                    IO_LIMIT.as_secs()
                ),
                format!(
                    "after \"quit\", the connection stayed open for {} s",
                    IO_LIMIT.as_secs()
                ),
            )),
        }
    });
    list.record("quit", quit);
}

pub const CLIENT: &[Criterion] = &[
    c(
        "connects",
        "se connecte au serveur donné en paramètres (hôte et port)",
        "connects to the server given on the command line (host and port)",
    ),
    c(
        "sends_message",
        "envoie le message saisi",
        "sends the message typed",
    ),
    c(
        "prints_reply",
        "affiche la réponse du serveur",
        "prints the server's answer",
    ),
    c(
        "quit",
        "« quit » est envoyé, puis le client ferme la connexion et se termine (code 0)",
        "\"quit\" is sent, then the client closes the connection and ends (status 0)",
    ),
];

/// Step 06, the client: the grader is the message server.
pub fn client(ctx: &Ctx, list: &mut Checklist) {
    let mut attempt = || -> Result<(), Reason> {
        let Some((mut s, mut run)) = client_connects(ctx, list, b"hello\nsecond\nquit\n")? else {
            return Ok(());
        };
        for message in ["hello", "second"] {
            let mut got = Vec::new();
            net::read_until(&mut s, &mut got, IO_LIMIT, |g| {
                String::from_utf8_lossy(g).trim() == message || g.len() > message.len() + 2
            });
            if String::from_utf8_lossy(&got).trim() != message {
                list.fail(
                    "sends_message",
                    Reason::new(
                        format!("attendu « {message} », reçu {}", net::show(&got)),
                        format!("expected \"{message}\", received {}", net::show(&got)),
                    ),
                );
                return Ok(());
            }
            say(&mut s, &reply_to(message))?;
        }
        list.pass("sends_message");
        if run.wait_stdout(reply_to("hello").as_bytes(), Duration::from_secs(2)) {
            list.pass("prints_reply");
        } else {
            list.fail(
                "prints_reply",
                Reason::new(
                    format!(
                        "la réponse du serveur n'est pas affichée : {}",
                        quote(&run.stdout_text())
                    ),
                    format!(
                        "the server's answer is not printed: {}",
                        quote(&run.stdout_text())
                    ),
                ),
            );
        }
        let (got, end) = net::read_to_close(&mut s, IO_LIMIT);
        let status = run.wait(IO_LIMIT);
        if String::from_utf8_lossy(&got).trim() != "quit" {
            list.fail(
                "quit",
                Reason::new(
                    format!("attendu « quit », reçu {}", net::show(&got)),
                    format!("expected \"quit\", received {}", net::show(&got)),
                ),
            );
        } else if end == End::Reset {
            list.fail(
                "quit",
                Reason::new("après « quit »,", "after \"quit\",").then(&net::reset_unread(
                    ("le programme", "the program"),
                    (
                        "une réponse du serveur, encore dans son tampon de réception quand il \
                         a fermé sa socket ; recevoir la réponse à chaque message envoyé",
                        "one of the server's answers, still in its receive buffer when it \
                         closed its socket; receive the answer to each message sent",
                    ),
                )),
            );
        } else if end != End::Closed {
            list.fail(
                "quit",
                Reason::new(
                    "après « quit », le client n'a pas fermé la connexion",
                    "after \"quit\", the client did not close the connection",
                ),
            );
        } else {
            list.record("quit", ended_ok(&mut run, status));
        }
        Ok(())
    };
    if let Err(r) = attempt() {
        list.fail_rest(&r);
    }
}

pub const UDP_SERVER: &[Criterion] = &[
    c(
        "listens",
        "lie sa socket UDP au port donné en paramètre",
        "binds its UDP socket to the port given on the command line",
    ),
    c(
        "reply",
        "répond « Bonjour client, j'ai bien reçu ton message : ... » en un datagramme",
        "answers \"Bonjour client, j'ai bien reçu ton message : ...\" in one datagram",
    ),
    c(
        "prints",
        "affiche le message reçu",
        "prints the message received",
    ),
    c(
        "several",
        "répond à chaque datagramme par un datagramme, dans l'ordre",
        "answers each datagram with one datagram, in order",
    ),
    c(
        "two_clients",
        "répond à chaque client à sa propre adresse",
        "answers each client at its own address",
    ),
];

fn udp_reply(s: &UdpSocket, expected: &str) -> Result<(), Reason> {
    let got = udp_recv(s)?;
    if String::from_utf8_lossy(&got).trim() == expected {
        Ok(())
    } else {
        Err(Reason::new(
            format!("attendu « {expected} », reçu {}", net::show(&got)),
            format!("expected \"{expected}\", received {}", net::show(&got)),
        ))
    }
}

/// Step 07, the server.
pub fn udp_server(ctx: &Ctx, list: &mut Checklist) {
    let Some((mut run, port)) = server_listening(ctx, Proto::Udp, list) else {
        return;
    };
    let (a, server) = match udp_client(port, false) {
        Ok(x) => x,
        Err(r) => return list.fail_rest(&r),
    };
    let send = |s: &UdpSocket, m: &str| {
        s.send_to(m.as_bytes(), server)
            .map(drop)
            .map_err(|e| Reason::new(format!("sendto : {e}"), format!("sendto: {e}")))
    };
    let first = send(&a, "hello").and_then(|_| udp_recv_watching(&a, &mut run));
    match first {
        Ok(got) => {
            let expected = reply_to("hello");
            if String::from_utf8_lossy(&got).trim() == expected {
                list.pass("reply");
            } else {
                list.fail(
                    "reply",
                    Reason::new(
                        format!("attendu « {expected} », reçu {}", net::show(&got)),
                        format!("expected \"{expected}\", received {}", net::show(&got)),
                    ),
                );
            }
        }
        Err(r) => return list.fail_rest(&r),
    }
    check_prints_hello(&mut run, list);
    let several = ["un", "deux", "trois"]
        .into_iter()
        .try_for_each(|m| send(&a, m))
        .and_then(|_| {
            ["un", "deux", "trois"]
                .into_iter()
                .try_for_each(|m| udp_reply(&a, &reply_to(m)))
        });
    list.record("several", several);
    let two = udp_client(port, false).and_then(|(b, _)| {
        send(&a, "de A")?;
        send(&b, "de B")?;
        udp_reply(&a, &reply_to("de A"))?;
        udp_reply(&b, &reply_to("de B"))
    });
    list.record("two_clients", two);
}

pub const UDP_CLIENT: &[Criterion] = &[
    c(
        "sends_message",
        "envoie le message saisi en un datagramme au serveur donné en paramètres",
        "sends the message typed as one datagram to the server given on the command line",
    ),
    c(
        "prints_reply",
        "affiche la réponse du serveur",
        "prints the server's answer",
    ),
    c(
        "quit",
        "« quit » est envoyé, puis le client se termine (code 0)",
        "\"quit\" is sent, then the client ends (status 0)",
    ),
];

/// Step 07, the client: the grader is the UDP message server.
pub fn udp_client_scenario(ctx: &Ctx, list: &mut Checklist) {
    let mut attempt = || -> Result<(), Reason> {
        let sock = UdpSocket::bind((HOST, ctx.port.unwrap_or(0)))
            .map_err(|e| Reason::new(format!("grader : {e}"), format!("grader: {e}")))?;
        let _ = sock.set_read_timeout(Some(Duration::from_millis(100)));
        let port = sock.local_addr().map(|a| a.port()).unwrap_or(0);
        let mut run = start_client(ctx, port, b"hello\nquit\n")?;
        let mut buf = vec![0u8; 65_536];
        // A slice of time at a time: a program that died is noticed at once.
        let deadline = std::time::Instant::now() + net::START_LIMIT;
        let first = loop {
            match sock.recv_from(&mut buf) {
                Ok(x) => break Some(x),
                Err(_) if run.exited().is_some() => break None,
                Err(_) if std::time::Instant::now() > deadline => break None,
                Err(_) => {}
            }
        };
        let (n, from) = match first {
            Some(x) => x,
            None => {
                let why = if run.exited().is_some() {
                    run.ending()
                } else {
                    Reason::new(
                        "le programme tourne mais n'a rien envoyé",
                        "the program runs but sent nothing",
                    )
                };
                list.fail(
                    "sends_message",
                    Reason::new(
                        format!("aucun datagramme reçu sur le port {port} :"),
                        format!("no datagram received on port {port}:"),
                    )
                    .then(&why),
                );
                return Ok(());
            }
        };
        if String::from_utf8_lossy(&buf[..n]).trim() != "hello" {
            list.fail(
                "sends_message",
                Reason::new(
                    format!("attendu « hello », reçu {}", net::show(&buf[..n])),
                    format!("expected \"hello\", received {}", net::show(&buf[..n])),
                ),
            );
            return Ok(());
        }
        list.pass("sends_message");
        let _ = sock.send_to(reply_to("hello").as_bytes(), from);
        if run.wait_stdout(reply_to("hello").as_bytes(), Duration::from_secs(2)) {
            list.pass("prints_reply");
        } else {
            list.fail(
                "prints_reply",
                Reason::new(
                    format!(
                        "la réponse du serveur n'est pas affichée : {}",
                        quote(&run.stdout_text())
                    ),
                    format!(
                        "the server's answer is not printed: {}",
                        quote(&run.stdout_text())
                    ),
                ),
            );
        }
        let _ = sock.set_read_timeout(Some(IO_LIMIT));
        let quit = match sock.recv_from(&mut buf) {
            Ok((n, _)) if String::from_utf8_lossy(&buf[..n]).trim() == "quit" => {
                let status = run.wait(IO_LIMIT);
                ended_ok(&mut run, status)
            }
            Ok((n, _)) => Err(Reason::new(
                format!("attendu « quit », reçu {}", net::show(&buf[..n])),
                format!("expected \"quit\", received {}", net::show(&buf[..n])),
            )),
            Err(_) => Err(Reason::new(
                "« quit » n'a pas été envoyé",
                "\"quit\" was not sent",
            )),
        };
        list.record("quit", quit);
        Ok(())
    };
    if let Err(r) = attempt() {
        list.fail_rest(&r);
    }
}

/// The criterion `prints`: the server printed the message "hello" it received, as the lab's
/// `Reçu : ...` does.
fn check_prints_hello(run: &mut Running, list: &mut Checklist) {
    if run.wait_stdout(b"hello", Duration::from_secs(1)) {
        list.pass("prints");
    } else {
        let shown = quote(&run.stdout_text());
        list.fail(
            "prints",
            Reason::new(
                format!("« hello » n'apparaît pas dans ce qu'il affiche : {shown}"),
                format!("\"hello\" is not in what it prints: {shown}"),
            ),
        );
    }
}
