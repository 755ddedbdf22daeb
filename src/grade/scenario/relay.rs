//! The relay between two clients (steps 08 and 09): the server, and its clients.

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use super::clients::{ended_ok, quote};
use super::{Ctx, c, client_connects, grader_listener, server_listening, start_client};
use crate::grade::child::{Running, find};
use crate::grade::net::{self, End, IO_LIMIT, Proto};
use crate::grade::verdict::{Checklist, Criterion, Reason};

/// Sends from `from` and checks that `to` receives exactly that, in order.
fn relayed(from: &mut TcpStream, to: &mut TcpStream, msg: &[u8]) -> Result<(), Reason> {
    let writer = from.try_clone().map(|mut w| {
        let data = msg.to_vec();
        std::thread::spawn(move || w.write_all(&data))
    });
    let (got, end) = net::read_n(to, msg.len(), IO_LIMIT);
    if let Ok(h) = writer {
        let _ = h.join();
    }
    if got == msg {
        return Ok(());
    }
    if got.is_empty() && end == End::Timeout {
        return Err(Reason::new(
            format!(
                "le deuxième client n'a rien reçu en {} s de ce que le premier a envoyé \
                 (le premier connecté est l'émetteur, le deuxième le récepteur)",
                IO_LIMIT.as_secs()
            ),
            format!(
                "the second client received nothing within {} s of what the first sent (the \
                 first to connect is the emitter, the second the receiver)",
                IO_LIMIT.as_secs()
            ),
        ));
    }
    Err(net::echo_mismatch(msg, &got, &end))
}

/// Messages sent one after the other: they must arrive all, in that order.
fn ordered() -> Vec<u8> {
    (1..=5)
        .map(|i| format!("message {i}\n"))
        .collect::<String>()
        .into_bytes()
}

fn ordered_check(a: &mut TcpStream, b: &mut TcpStream) -> Result<(), Reason> {
    let want = ordered();
    for line in want.split_inclusive(|&c| c == b'\n') {
        a.write_all(line)
            .map_err(|e| Reason::new(format!("envoi : {e}"), format!("send: {e}")))?;
    }
    let (got, end) = net::read_n(b, want.len(), IO_LIMIT);
    if got == want {
        Ok(())
    } else {
        Err(net::echo_mismatch(&want, &got, &end))
    }
}

fn closes_receiver(mut a: TcpStream, b: &mut TcpStream) -> Result<(), Reason> {
    let _ = a.flush();
    drop(a);
    let (got, end) = net::read_to_close(b, IO_LIMIT);
    match end {
        // Reset or closed, the receiver's connection is over.
        End::Closed | End::Reset | End::Error(_) => Ok(()),
        _ => Err(Reason::new(
            format!(
                "l'émetteur est parti, mais la connexion du récepteur est restée ouverte {} s \
                 (reçu ensuite : {})",
                IO_LIMIT.as_secs(),
                net::show(&got)
            ),
            format!(
                "the emitter left, but the receiver's connection stayed open for {} s \
                 (received meanwhile: {})",
                IO_LIMIT.as_secs(),
                net::show(&got)
            ),
        )),
    }
}

pub const SERVER: &[Criterion] = &[
    c(
        "listens",
        "écoute sur le port donné en paramètre",
        "listens on the port given on the command line",
    ),
    c(
        "relays",
        "transmet au deuxième client connecté ce qu'envoie le premier",
        "passes what the first client sends on to the second one",
    ),
    c(
        "order",
        "les messages arrivent tous, dans l'ordre",
        "messages all arrive, in order",
    ),
    c(
        "large",
        "transmet 100 Kio en entier",
        "passes 100 KiB on, whole",
    ),
    c(
        "closes_receiver",
        "ferme la connexion du récepteur quand l'émetteur part",
        "closes the receiver's connection when the emitter leaves",
    ),
];

/// Step 08, the server: the grader connects an emitter, then a receiver.
pub fn server(ctx: &Ctx, list: &mut Checklist) {
    let Some((_run, port)) = server_listening(ctx, Proto::Tcp, list) else {
        return;
    };
    let pair = net::connect(port, false).and_then(|a| Ok((a, net::connect(port, false)?)));
    let (mut a, mut b) = match pair {
        Ok(p) => p,
        Err(r) => return list.fail_rest(&r),
    };
    if !list.record("relays", relayed(&mut a, &mut b, b"bonjour\n")) {
        return;
    }
    list.record("order", ordered_check(&mut a, &mut b));
    list.record(
        "large",
        relayed(&mut a, &mut b, &net::binary_message(100 * 1024)),
    );
    list.record("closes_receiver", closes_receiver(a, &mut b));
}

pub const ROLES_SERVER: &[Criterion] = &[
    c(
        "listens",
        "écoute sur le port donné en paramètre",
        "listens on the port given on the command line",
    ),
    c(
        "role_1",
        "envoie « 1 » au premier client, dès qu'il est accepté",
        "sends \"1\" to the first client as soon as it is accepted",
    ),
    c(
        "role_2",
        "envoie « 2 » au deuxième client",
        "sends \"2\" to the second client",
    ),
    c(
        "relays",
        "transmet au client 2 ce qu'envoie le client 1",
        "passes what client 1 sends on to client 2",
    ),
    c(
        "order",
        "les messages arrivent tous, dans l'ordre",
        "messages all arrive, in order",
    ),
];

/// Reads the role byte a client is given.
fn role(s: &mut TcpStream, which: u8) -> Result<(), Reason> {
    let (got, end) = net::read_n(s, 1, IO_LIMIT);
    let expected = [b'0' + which];
    if got == expected {
        return Ok(());
    }
    let nth_fr = if which == 1 { "premier" } else { "deuxième" };
    let nth_en = if which == 1 { "first" } else { "second" };
    if got.is_empty() && end == End::Reset {
        return Err(Reason::new(
            format!("le {nth_fr} client connecté attendait « {which} », mais"),
            format!("the {nth_en} client to connect expected \"{which}\", but"),
        )
        .then(&net::reset_nothing_sent()));
    }
    if got.is_empty() {
        let how_fr = if end == End::Closed {
            "la connexion a été fermée"
        } else {
            "rien"
        };
        let how_en = if end == End::Closed {
            "the connection was closed"
        } else {
            "nothing"
        };
        return Err(Reason::new(
            format!(
                "le {nth_fr} client connecté attendait « {which} » et a reçu : {how_fr} \
                 (en {} s)",
                IO_LIMIT.as_secs()
            ),
            format!(
                "the {nth_en} client to connect expected \"{which}\" and got: {how_en} \
                 (within {} s)",
                IO_LIMIT.as_secs()
            ),
        ));
    }
    Err(Reason::new(
        format!(
            "le {nth_fr} client connecté a reçu {} au lieu de « {which} » : les rôles suivent \
             l'ordre des connexions (1 au premier, 2 au deuxième)",
            net::show(&got)
        ),
        format!(
            "the {nth_en} client to connect received {} instead of \"{which}\": roles follow \
             the order of connection (1 to the first, 2 to the second)",
            net::show(&got)
        ),
    ))
}

/// `why`, and how the program ended if it did.
fn ended(why: Reason, run: &mut Running) -> Reason {
    if run.exited().is_some() {
        why.then(&Reason::new("—", "—")).then(&run.ending())
    } else {
        why
    }
}

/// Step 09, the server.
pub fn roles_server(ctx: &Ctx, list: &mut Checklist) {
    let Some((mut run, port)) = server_listening(ctx, Proto::Tcp, list) else {
        return;
    };
    let mut a = match net::connect(port, false) {
        Ok(s) => s,
        Err(r) => return list.fail_rest(&r),
    };
    // The first client is given its role before the second exists.
    let first_ok = list.record("role_1", role(&mut a, 1).map_err(|r| ended(r, &mut run)));
    let mut b = match net::connect(port, false) {
        Ok(s) => s,
        Err(r) => return list.fail_rest(&r),
    };
    let second_ok = list.record("role_2", role(&mut b, 2).map_err(|r| ended(r, &mut run)));
    if !(first_ok && second_ok) {
        // With the roles wrong, which way messages go is not known: the relay is not judged.
        let r = Reason::new(
            "non vérifié : les rôles sont faux",
            "not checked: the roles are wrong",
        );
        list.fail("relays", r.clone());
        list.fail("order", r);
        return;
    }
    if list.record("relays", relayed(&mut a, &mut b, b"bonjour\n")) {
        list.record("order", ordered_check(&mut a, &mut b));
    }
}

pub const EMITTER: &[Criterion] = &[
    c(
        "connects",
        "se connecte au serveur donné en paramètres (hôte et port)",
        "connects to the server given on the command line (host and port)",
    ),
    c(
        "sends_lines",
        "envoie chaque ligne saisie, dans l'ordre, en entier",
        "sends each line typed, in order, whole",
    ),
    c(
        "exits",
        "une ligne vide (ou la fin de l'entrée) ferme la connexion et termine le programme",
        "an empty line (or the end of input) closes the connection and ends the program",
    ),
];

fn lines_typed() -> String {
    let long: String = (0..2000).map(|i| (b'A' + (i % 26) as u8) as char).collect();
    format!("un\ndeux\nça va ?\n{long}\n")
}

/// Step 08, the emitter: the grader is the relay server and reads what the emitter sends.
pub fn emitter(ctx: &Ctx, list: &mut Checklist) {
    let mut attempt = || -> Result<(), Reason> {
        let lines = lines_typed();
        let Some((mut s, mut run)) = client_connects(ctx, list, format!("{lines}\n").as_bytes())?
        else {
            return Ok(());
        };
        let (got, end) = net::read_to_close(&mut s, IO_LIMIT);
        // The grader sends the emitter nothing: no unread data can make it reset.
        let reset = Reason::new(
            "le programme a réinitialisé la connexion (RST) au lieu de la fermer (FIN), sans \
             avoir rien reçu à lire (SO_LINGER à 0 ?)",
            "the program reset the connection (RST) instead of closing it (FIN), with nothing \
             received to read (SO_LINGER at 0?)",
        );
        if got == lines.as_bytes() {
            list.pass("sends_lines");
        } else if end == End::Reset {
            list.fail(
                "sends_lines",
                Reason::new(
                    format!("{} octets reçus sur {}, puis", got.len(), lines.len()),
                    format!("{} bytes received of {}, then", got.len(), lines.len()),
                )
                .then(&reset),
            );
        } else {
            list.fail(
                "sends_lines",
                net::echo_mismatch(lines.as_bytes(), &got, &end),
            );
        }
        let status = run.wait(IO_LIMIT);
        if end == End::Closed {
            list.record("exits", ended_ok(&mut run, status));
        } else if end == End::Reset {
            list.fail("exits", reset);
        } else {
            list.fail(
                "exits",
                Reason::new(
                    "la connexion n'a pas été fermée après la ligne vide",
                    "the connection was not closed after the empty line",
                ),
            );
        }
        Ok(())
    };
    if let Err(r) = attempt() {
        list.fail_rest(&r);
    }
}

pub const RECEIVER: &[Criterion] = &[
    c(
        "connects",
        "se connecte au serveur donné en paramètres (hôte et port)",
        "connects to the server given on the command line (host and port)",
    ),
    c(
        "prints_all",
        "affiche tout ce qui arrive, même en plusieurs morceaux",
        "prints everything that arrives, even in several pieces",
    ),
    c(
        "exits_on_close",
        "se termine (code 0) quand le serveur ferme la connexion",
        "ends (status 0) when the server closes the connection",
    ),
];

/// Step 08, the receiver: the grader is the relay server and sends it messages.
pub fn receiver(ctx: &Ctx, list: &mut Checklist) {
    let mut attempt = || -> Result<(), Reason> {
        let Some((mut s, mut run)) = client_connects(ctx, list, b"")? else {
            return Ok(());
        };
        let text = lines_typed();
        for piece in text.as_bytes().chunks(700) {
            let _ = s.write_all(piece);
            std::thread::sleep(Duration::from_millis(30));
        }
        drop(s);
        let status = run.wait(IO_LIMIT);
        let out = run.stdout();
        if find(&out, text.as_bytes()).is_some() {
            list.pass("prints_all");
        } else {
            list.fail(
                "prints_all",
                Reason::new(
                    format!(
                        "{} octets envoyés en plusieurs morceaux ne sont pas tous affichés : {}",
                        text.len(),
                        quote(&run.stdout_text())
                    ),
                    format!(
                        "{} bytes sent in several pieces are not all printed: {}",
                        text.len(),
                        quote(&run.stdout_text())
                    ),
                ),
            );
        }
        list.record("exits_on_close", ended_ok(&mut run, status));
        Ok(())
    };
    if let Err(r) = attempt() {
        list.fail_rest(&r);
    }
}

pub const ROLES_CLIENT: &[Criterion] = &[
    c(
        "connects",
        "se connecte au serveur donné en paramètres (hôte et port)",
        "connects to the server given on the command line (host and port)",
    ),
    c(
        "role_1_sends",
        "avec le rôle « 1 », envoie les lignes saisies",
        "given role \"1\", sends the lines typed",
    ),
    c(
        "role_2_prints",
        "avec le rôle « 2 », affiche ce que le serveur transmet",
        "given role \"2\", prints what the server passes on",
    ),
];

/// Step 09, the client: the grader is the relay server and runs the program twice.
pub fn roles_client(ctx: &Ctx, list: &mut Checklist) {
    let mut attempt = || -> Result<(), Reason> {
        let listener = grader_listener(ctx)?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let typed = "salut\nça va ?\n";
        let mut first = start_client(ctx, port, typed.as_bytes())?;
        let mut a = match net::accept(&listener, &mut first) {
            Ok(s) => s,
            Err(r) => {
                list.fail("connects", r);
                return Ok(());
            }
        };
        let _ = a.write_all(b"1");
        let mut second = start_client(ctx, port, b"")?;
        let mut b = match net::accept(&listener, &mut second) {
            Ok(s) => s,
            Err(r) => {
                list.fail("connects", r);
                return Ok(());
            }
        };
        list.pass("connects");
        let _ = b.write_all(b"2");
        let mut got = Vec::new();
        net::read_until(&mut a, &mut got, IO_LIMIT, |g| g.len() >= typed.len());
        if got == typed.as_bytes() {
            list.pass("role_1_sends");
        } else {
            list.fail(
                "role_1_sends",
                Reason::new(
                    format!(
                        "reçu {} au lieu des lignes saisies {}",
                        net::show(&got),
                        net::show(typed.as_bytes())
                    ),
                    format!(
                        "expected the lines typed {}, received {}",
                        net::show(typed.as_bytes()),
                        net::show(&got)
                    ),
                ),
            );
        }
        let passed_on = "message relayé par le serveur\n";
        let _ = b.write_all(passed_on.as_bytes());
        drop(b);
        if second.wait_stdout(passed_on.trim_end().as_bytes(), IO_LIMIT) {
            list.pass("role_2_prints");
        } else {
            list.fail(
                "role_2_prints",
                Reason::new(
                    format!(
                        "le message transmis n'est pas affiché : {}",
                        quote(&second.output_text())
                    ),
                    format!(
                        "the message passed on is not printed: {}",
                        quote(&second.output_text())
                    ),
                ),
            );
        }
        Ok(())
    };
    if let Err(r) = attempt() {
        list.fail_rest(&r);
    }
}
