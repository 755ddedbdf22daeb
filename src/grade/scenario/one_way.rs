//! The one-way client and server (step 13): the client only sends, the server only prints, over
//! TCP then UDP. Nothing comes back, so the grader judges the server by what it prints and the
//! client by what reaches the grader.

use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use super::clients::{ended_ok, quote};
use super::echo::udp_client;
use super::{Ctx, c, client_connects, start_client, start_server};
use crate::grade::child::{HOST, Running, find};
use crate::grade::net::{self, End, IO_LIMIT, Proto};
use crate::grade::verdict::{Checklist, Criterion, Reason};

/// How long a server has to print what it received.
const PRINT_LIMIT: Duration = Duration::from_secs(2);

/// The lines the grader types to a client: one with a non-ASCII character.
const TYPED: [&str; 3] = ["Hello", "ça va ?", "une troisième ligne"];

fn typed_input() -> String {
    TYPED.iter().map(|l| format!("{l}\n")).collect()
}

/// The index of the first of `texts` that `out` does not show, each after the one before.
fn first_missing(out: &[u8], texts: &[&str]) -> Option<usize> {
    let mut at = 0;
    for (i, t) in texts.iter().enumerate() {
        match find(&out[at..], t.as_bytes()) {
            Some(p) => at += p + t.len(),
            None => return Some(i),
        }
    }
    None
}

/// Waits, at most [`PRINT_LIMIT`], until the program's stdout after its first `from` bytes shows
/// each of `texts`, in that order; else says which one is missing and what it printed.
fn printed(run: &mut Running, from: usize, texts: &[&str]) -> Result<(), Reason> {
    let deadline = Instant::now() + PRINT_LIMIT;
    let missing = loop {
        let out = run.stdout();
        let Some(i) = first_missing(&out[from.min(out.len())..], texts) else {
            return Ok(());
        };
        if Instant::now() > deadline {
            break i;
        }
        if run.exited().is_some() {
            // The pipe may still hold the last lines: one more look after a moment.
            std::thread::sleep(Duration::from_millis(50));
            let out = run.stdout();
            match first_missing(&out[from.min(out.len())..], texts) {
                None => return Ok(()),
                Some(i) => break i,
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let text = texts[missing];
    let shown = quote(&run.stdout_text());
    let why = Reason::new(
        format!(
            "« {text} », envoyé par le correcteur, n'apparaît pas dans ce qu'il affiche en {} s : \
             {shown}",
            PRINT_LIMIT.as_secs()
        ),
        format!(
            "\"{text}\", sent by the grader, is not in what it prints within {} s: {shown}",
            PRINT_LIMIT.as_secs()
        ),
    );
    Err(if run.exited().is_some() {
        why.then(&Reason::new("—", "—")).then(&run.ending())
    } else if missing > 0 {
        why.then(&Reason::new(
            format!(
                "(« {} » l'était : les messages suivants sont-ils reçus en boucle ?)",
                texts[missing - 1]
            ),
            format!(
                "(\"{}\" was: are the next messages received in a loop?)",
                texts[missing - 1]
            ),
        ))
    } else {
        why
    })
}

fn say(s: &mut TcpStream, message: &str) -> Result<(), Reason> {
    s.write_all(message.as_bytes())
        .map_err(|e| Reason::new(format!("envoi : {e}"), format!("send: {e}")))
}

/// The server of this step answers nothing: bytes sent back would wait, never read, in the
/// client's receive buffer.
fn nothing_back(s: &mut TcpStream) -> Result<(), Reason> {
    let mut got = Vec::new();
    net::read_until(s, &mut got, Duration::from_millis(200), |g| !g.is_empty());
    if got.is_empty() {
        return Ok(());
    }
    Err(Reason::new(
        format!(
            "le serveur a répondu {} : ici le client ne lit rien, et ces octets restent dans son \
             tampon de réception",
            net::show(&got)
        ),
        format!(
            "the server answered {}: here the client reads nothing, and those bytes stay in its \
             receive buffer",
            net::show(&got)
        ),
    ))
}

pub const SERVER: &[Criterion] = &[
    c(
        "listens",
        "écoute sur le port donné en paramètre",
        "listens on the port given on the command line",
    ),
    c(
        "prints",
        "affiche le message reçu (« Reçu : … »)",
        "prints the message received (\"Reçu : …\")",
    ),
    c(
        "several",
        "affiche chaque message, dans l'ordre, sans rien renvoyer au client",
        "prints each message, in order, sending nothing back to the client",
    ),
    c(
        "client_leaves",
        "voit le départ du client (recv renvoie 0) et ne boucle pas sur des messages vides",
        "sees the client leave (recv returns 0) and does not loop on empty messages",
    ),
    c(
        "next_client",
        "affiche ensuite les messages du client suivant",
        "then prints the next client's messages",
    ),
];

/// Step 13, the TCP server: the grader is a client that sends lines and reads nothing.
pub fn server(ctx: &Ctx, list: &mut Checklist) {
    let (mut run, port) = match start_server(ctx, Proto::Tcp) {
        Ok(x) => x,
        Err(r) => {
            list.fail("listens", r);
            return;
        }
    };
    list.pass("listens");
    let mut a = match net::connect(port, false) {
        Ok(s) => s,
        Err(r) => return list.fail_rest(&r),
    };
    let from = run.stdout().len();
    list.record(
        "prints",
        say(&mut a, "Hello\n").and_then(|_| printed(&mut run, from, &["Hello"])),
    );
    let from = run.stdout().len();
    let mut several = Ok(());
    for m in ["un\n", "deux\n", "trois\n"] {
        several = several.and_then(|_| say(&mut a, m));
        // A moment apart, as typed: each would be a recv of its own.
        std::thread::sleep(Duration::from_millis(30));
    }
    let several = several
        .and_then(|_| printed(&mut run, from, &["un", "deux", "trois"]))
        .and_then(|_| nothing_back(&mut a));
    list.record("several", several);

    // The client leaves: a server that does not test recv's 0 prints empty messages, fast.
    drop(a);
    std::thread::sleep(Duration::from_millis(300));
    let before = run.stdout().len();
    std::thread::sleep(Duration::from_millis(300));
    let grown = run.stdout().len().saturating_sub(before);
    if grown > 1000 {
        list.fail(
            "client_leaves",
            Reason::new(
                format!(
                    "après le départ du client, le serveur a encore affiché {grown} octets en \
                     0,3 s, sans rien recevoir : quand le client a fermé, recv renvoie 0, tout \
                     de suite et à chaque appel ; ce 0 doit faire sortir de la boucle"
                ),
                format!(
                    "after the client left, the server printed {grown} more bytes in 0.3 s, \
                     receiving nothing: once the client has closed, recv returns 0, at once and \
                     on every call; that 0 must end the loop"
                ),
            ),
        );
        list.fail(
            "next_client",
            Reason::new(
                "non vérifié : le serveur tourne en boucle sur le client parti",
                "not checked: the server loops on the client that left",
            ),
        );
        return;
    }
    if let Some(status) = run.exited() {
        if status.success() {
            list.pass("client_leaves");
            list.fail(
                "next_client",
                Reason::new(
                    "le serveur s'est terminé après son premier client : accept en boucle, \
                     comme à l'étape 03, pour servir le suivant",
                    "the server ended after its first client: accept in a loop, as in step \
                     03, to serve the next one",
                ),
            );
        } else {
            list.fail(
                "client_leaves",
                Reason::new(
                    "le serveur s'est arrêté quand le client est parti :",
                    "the server stopped when the client left:",
                )
                .then(&run.ending()),
            );
        }
        return;
    }
    list.pass("client_leaves");
    let from = run.stdout().len();
    let next = net::connect(port, false).and_then(|mut b| {
        say(&mut b, "client suivant\n")?;
        printed(&mut run, from, &["client suivant"])
    });
    list.record("next_client", next);
}

pub const CLIENT: &[Criterion] = &[
    c(
        "connects",
        "se connecte au serveur donné en paramètres (hôte et port)",
        "connects to the server given on the command line (host and port)",
    ),
    c(
        "sends_lines",
        "envoie chaque ligne saisie, dans l'ordre, sans attendre de réponse",
        "sends each line typed, in order, without waiting for an answer",
    ),
    c(
        "exits",
        "à la fin de l'entrée, ferme la connexion et se termine (code 0)",
        "at the end of input, closes the connection and ends (status 0)",
    ),
];

/// `bytes` without its line ends: the lab's client sends `input()`, which has none.
fn without_line_ends(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\n' | b'\r'))
        .collect()
}

/// Step 13, the TCP client: the grader is the server and answers nothing.
pub fn client(ctx: &Ctx, list: &mut Checklist) {
    let mut attempt = || -> Result<(), Reason> {
        let input = typed_input();
        let Some((mut s, mut run)) = client_connects(ctx, list, input.as_bytes())? else {
            return Ok(());
        };
        let (got, end) = net::read_to_close(&mut s, IO_LIMIT);
        let (want, came) = (without_line_ends(input.as_bytes()), without_line_ends(&got));
        if came == want {
            list.pass("sends_lines");
        } else if end == End::Timeout && !came.is_empty() && want.starts_with(&came) {
            list.fail(
                "sends_lines",
                Reason::new(
                    format!(
                        "reçu {} puis plus rien pendant {} s : le client attend-il une réponse \
                         après chaque ligne ? Le serveur de cette étape ne répond rien",
                        net::show(&got),
                        IO_LIMIT.as_secs()
                    ),
                    format!(
                        "received {} then nothing for {} s: does the client wait for an answer \
                         after each line? This step's server answers nothing",
                        net::show(&got),
                        IO_LIMIT.as_secs()
                    ),
                ),
            );
        } else {
            list.fail(
                "sends_lines",
                Reason::new(
                    format!(
                        "reçu {} au lieu des lignes saisies {}",
                        net::show(&got),
                        net::show(input.as_bytes())
                    ),
                    format!(
                        "received {} instead of the lines typed {}",
                        net::show(&got),
                        net::show(input.as_bytes())
                    ),
                ),
            );
        }
        match end {
            End::Closed => {
                let status = run.wait(IO_LIMIT);
                list.record("exits", ended_ok(&mut run, status));
            }
            End::Reset => list.fail(
                "exits",
                Reason::new(
                    "le programme a réinitialisé la connexion (RST) au lieu de la fermer (FIN), \
                     sans avoir rien reçu à lire (SO_LINGER à 0 ?)",
                    "the program reset the connection (RST) instead of closing it (FIN), with \
                     nothing received to read (SO_LINGER at 0?)",
                ),
            ),
            _ => list.fail(
                "exits",
                Reason::new(
                    format!(
                        "la connexion était encore ouverte {} s après la fin de l'entrée : \
                         read renvoie 0 octet à la fin de l'entrée, et alors close",
                        IO_LIMIT.as_secs()
                    ),
                    format!(
                        "the connection was still open {} s after the end of input: read \
                         returns 0 bytes at the end of input, then close",
                        IO_LIMIT.as_secs()
                    ),
                ),
            ),
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
        "prints",
        "affiche le message de chaque datagramme reçu",
        "prints the message of each datagram received",
    ),
    c(
        "several",
        "affiche plusieurs datagrammes de suite, dans l'ordre",
        "prints several datagrams in a row, in order",
    ),
    c(
        "two_clients",
        "affiche les datagrammes de deux clients, et l'adresse de chacun",
        "prints the datagrams of two clients, and each one's address",
    ),
    c(
        "whole",
        "affiche en entier un datagramme de 3 000 octets",
        "prints a 3,000-byte datagram whole",
    ),
];

/// A datagram of `len` bytes of text, without a line end, that shows where it was cut.
fn long_text(len: usize) -> String {
    (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect()
}

/// Step 13, the UDP server: the grader sends datagrams from two sockets, and reads nothing.
pub fn udp_server(ctx: &Ctx, list: &mut Checklist) {
    let (mut run, port) = match start_server(ctx, Proto::Udp) {
        Ok(x) => x,
        Err(r) => {
            list.fail("listens", r);
            return;
        }
    };
    list.pass("listens");
    let ((a, server), (b, _)) =
        match udp_client(port, false).and_then(|a| Ok((a, udp_client(port, false)?))) {
            Ok(x) => x,
            Err(r) => return list.fail_rest(&r),
        };
    let send = |s: &UdpSocket, m: &str| {
        s.send_to(m.as_bytes(), server)
            .map(drop)
            .map_err(|e| Reason::new(format!("sendto : {e}"), format!("sendto: {e}")))
    };
    let from = run.stdout().len();
    list.record(
        "prints",
        send(&a, "Hello").and_then(|_| printed(&mut run, from, &["Hello"])),
    );
    let from = run.stdout().len();
    let several = ["un", "deux", "trois"]
        .into_iter()
        .try_for_each(|m| send(&a, m))
        .and_then(|_| printed(&mut run, from, &["un", "deux", "trois"]));
    list.record("several", several);
    let from = run.stdout().len();
    let two = send(&b, "de B")
        .and_then(|_| send(&a, "de A"))
        .and_then(|_| printed(&mut run, from, &["de B", "de A"]))
        .and_then(|_| {
            let out = run.stdout_text();
            let shown: Vec<u16> = [&a, &b]
                .iter()
                .filter_map(|s| s.local_addr().ok().map(|l| l.port()))
                .filter(|p| !out[from.min(out.len())..].contains(&p.to_string()))
                .collect();
            if shown.is_empty() {
                return Ok(());
            }
            let ports: Vec<String> = shown.iter().map(u16::to_string).collect();
            Err(Reason::new(
                format!(
                    "les messages sont affichés, mais pas qui les a envoyés (les ports des \
                     expéditeurs, {}, n'apparaissent pas) : recvfrom donne l'adresse de \
                     l'expéditeur, à afficher",
                    ports.join(", ")
                ),
                format!(
                    "the messages are printed, but not who sent them (the senders' ports, {}, \
                     do not appear): recvfrom gives the sender's address, to be printed",
                    ports.join(", ")
                ),
            ))
        });
    list.record("two_clients", two);
    let from = run.stdout().len();
    let long = long_text(3000);
    let whole = send(&a, &long).and_then(|_| {
        printed(&mut run, from, &[&long]).map_err(|why| {
            let out = run.stdout();
            let out = &out[from.min(out.len())..];
            // How much of it was printed, from its start: a buffer smaller than the datagram
            // keeps its start only.
            let kept = find(out, &long.as_bytes()[..100]).map(|at| {
                out[at..]
                    .iter()
                    .zip(long.as_bytes())
                    .take_while(|(x, y)| x == y)
                    .count()
            });
            match kept {
                Some(n) if n < long.len() => Reason::new(
                    format!(
                        "le datagramme de {} octets est affiché coupé à {n} octets : le tampon \
                         de recvfrom est plus petit que le datagramme, et le reste est perdu",
                        long.len()
                    ),
                    format!(
                        "the {}-byte datagram is printed cut to {n} bytes: recvfrom's buffer is \
                         smaller than the datagram, and the rest is lost",
                        long.len()
                    ),
                ),
                _ => why,
            }
        })
    });
    list.record("whole", whole);
}

pub const UDP_CLIENT: &[Criterion] = &[
    c(
        "sends",
        "envoie la ligne saisie en un datagramme au serveur donné en paramètres (hôte et port)",
        "sends the line typed as one datagram to the server given on the command line (host \
         and port)",
    ),
    c(
        "each_line",
        "envoie chaque ligne suivante en son propre datagramme, dans l'ordre, sans attendre de \
         réponse",
        "sends each next line as a datagram of its own, in order, without waiting for an answer",
    ),
    c(
        "exits",
        "à la fin de l'entrée, se termine (code 0)",
        "at the end of input, ends (status 0)",
    ),
];

/// The text of a datagram as a line typed: without its line end.
fn as_line(d: &[u8]) -> String {
    String::from_utf8_lossy(d)
        .trim_end_matches(['\n', '\r'])
        .to_string()
}

/// Step 13, the UDP client: the grader is the server, reads the datagrams and answers nothing.
pub fn udp_client_scenario(ctx: &Ctx, list: &mut Checklist) {
    let mut attempt = || -> Result<(), Reason> {
        let sock = UdpSocket::bind((HOST, ctx.port.unwrap_or(0)))
            .map_err(|e| Reason::new(format!("grader : {e}"), format!("grader: {e}")))?;
        // A slice of time at a time: a program that died is noticed at once.
        let _ = sock.set_read_timeout(Some(Duration::from_millis(100)));
        let port = sock.local_addr().map(|a| a.port()).unwrap_or(0);
        let mut run = start_client(ctx, port, typed_input().as_bytes())?;
        let mut buf = vec![0u8; 65_536];
        let mut got: Vec<String> = Vec::new();
        // The first datagram may take the program's start; the next ones follow at once.
        let mut deadline = Instant::now() + net::START_LIMIT;
        while got.len() < TYPED.len() && Instant::now() < deadline {
            match sock.recv_from(&mut buf) {
                Ok((n, _)) => {
                    got.push(as_line(&buf[..n]));
                    deadline = Instant::now() + Duration::from_secs(2);
                }
                // Ended: whatever it sent is already in the socket's queue.
                Err(_) if run.exited().is_some() => {
                    if let Ok((n, _)) = sock.recv_from(&mut buf) {
                        got.push(as_line(&buf[..n]));
                        continue;
                    }
                    break;
                }
                Err(_) => {}
            }
        }
        let Some(first) = got.first() else {
            let why = if run.exited().is_some() {
                run.ending()
            } else {
                Reason::new(
                    "le programme tourne mais n'a rien envoyé",
                    "the program runs but sent nothing",
                )
            };
            list.fail(
                "sends",
                Reason::new(
                    format!("aucun datagramme reçu sur le port {port} :"),
                    format!("no datagram received on port {port}:"),
                )
                .then(&why),
            );
            return Ok(());
        };
        let all_in_one = TYPED.join("\n");
        if first.trim_end() == all_in_one || first.replace('\n', "") == TYPED.concat() {
            list.fail(
                "sends",
                Reason::new(
                    "les lignes saisies sont arrivées toutes dans un seul datagramme : un sendto \
                     par ligne",
                    "the lines typed all came in one datagram: one sendto per line",
                ),
            );
            list.fail(
                "each_line",
                Reason::new(
                    "non vérifié : un seul datagramme",
                    "not checked: one datagram only",
                ),
            );
        } else if first != TYPED[0] {
            list.fail(
                "sends",
                Reason::new(
                    format!("attendu « {} », reçu « {first} »", TYPED[0]),
                    format!("expected \"{}\", received \"{first}\"", TYPED[0]),
                ),
            );
        } else {
            list.pass("sends");
            if got == TYPED {
                list.pass("each_line");
            } else if got.len() < TYPED.len() && got.iter().zip(TYPED).all(|(g, t)| g == t) {
                list.fail(
                    "each_line",
                    Reason::new(
                        format!(
                            "reçu {} des {} lignes, puis plus rien : le client attend-il \
                             une réponse après chaque ligne ? Le serveur de cette étape ne \
                             répond rien",
                            got.len(),
                            TYPED.len()
                        ),
                        format!(
                            "received {} of the {} lines, then nothing: does the client wait for \
                             an answer after each line? This step's server answers nothing",
                            got.len(),
                            TYPED.len()
                        ),
                    ),
                );
            } else {
                list.fail(
                    "each_line",
                    Reason::new(
                        format!("reçu {got:?} au lieu de {TYPED:?}"),
                        format!("received {got:?} instead of {TYPED:?}"),
                    ),
                );
            }
        }
        let status = run.wait(IO_LIMIT);
        list.record("exits", ended_ok(&mut run, status));
        Ok(())
    };
    if let Err(r) = attempt() {
        list.fail_rest(&r);
    }
}
