//! The relay over UDP (step 14): the grader plays the emitter, the receiver, and strangers
//! writing to the same port, each a UDP socket of its own on loopback.

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use super::echo::{udp_client, udp_recv_watching};
use super::{Ctx, c, start_server};
use crate::grade::child::Running;
use crate::grade::net::{self, IO_LIMIT, Proto};
use crate::grade::verdict::{Checklist, Criterion, Reason};

pub const SERVER: &[Criterion] = &[
    c(
        "listens",
        "lie sa socket UDP au port donné en paramètre",
        "binds its UDP socket to the port given on the command line",
    ),
    c(
        "role_1",
        "répond « 1 » au premier client qui écrit, à son adresse",
        "answers \"1\" to the first client that writes, at its address",
    ),
    c(
        "role_2",
        "répond « 2 » au deuxième client, d'une autre adresse",
        "answers \"2\" to the second client, from another address",
    ),
    c(
        "relays",
        "transmet au deuxième client, en un datagramme, ce qu'envoie le premier",
        "passes what the first client sends on to the second, as one datagram",
    ),
    c(
        "order",
        "transmet plusieurs datagrammes de suite : tous, dans l'ordre, chacun tel quel",
        "passes several datagrams in a row on: all of them, in order, each as it was",
    ),
    c(
        "large",
        "transmet en entier un datagramme de 60 000 octets",
        "passes a 60,000-byte datagram on whole",
    ),
    c(
        "only_emitter",
        "ne transmet que les datagrammes de l'émetteur, ni ceux du récepteur ni ceux d'une autre \
         adresse",
        "passes on the emitter's datagrams only, neither the receiver's nor another address's",
    ),
    c(
        "next_pair",
        "« quit » de l'émetteur est transmis, puis les deux clients suivants forment une \
         nouvelle paire",
        "\"quit\" from the emitter is passed on, then the next two clients make a new pair",
    ),
];

fn send(s: &UdpSocket, server: SocketAddr, m: &[u8]) -> Result<(), Reason> {
    s.send_to(m, server)
        .map(drop)
        .map_err(|e| Reason::new(format!("sendto : {e}"), format!("sendto: {e}")))
}

/// One datagram within `limit`, if any.
fn recv_within(s: &UdpSocket, limit: Duration) -> Option<Vec<u8>> {
    let _ = s.set_read_timeout(Some(limit));
    let mut buf = vec![0u8; 65_536];
    let got = s.recv_from(&mut buf).ok().map(|(n, _)| buf[..n].to_vec());
    let _ = s.set_read_timeout(Some(IO_LIMIT));
    got
}

/// A client writes its first datagram and is given its role, `which`. `Err(None)` when the
/// program ended: nothing more can be checked.
fn role(
    s: &UdpSocket,
    server: SocketAddr,
    which: u8,
    run: &mut Running,
) -> Result<(), Option<Reason>> {
    send(s, server, format!("bonjour, client {which}").as_bytes()).map_err(Some)?;
    let nth_fr = if which == 1 { "premier" } else { "deuxième" };
    let nth_en = if which == 1 { "first" } else { "second" };
    match udp_recv_watching(s, run) {
        Ok(got) if got.trim_ascii() == [b'0' + which] => Ok(()),
        Ok(got) => Err(Some(Reason::new(
            format!(
                "le {nth_fr} client qui a écrit a reçu {} au lieu de « {which} » : les rôles \
                 suivent l'ordre des premiers datagrammes (1 au premier, 2 au deuxième)",
                net::show(&got)
            ),
            format!(
                "the {nth_en} client to write received {} instead of \"{which}\": roles follow \
                 the order of the first datagrams (1 to the first, 2 to the second)",
                net::show(&got)
            ),
        ))),
        Err(_) if run.exited().is_some() => Err(None),
        Err(_) => Err(Some(Reason::new(
            format!(
                "le {nth_fr} client a écrit et n'a rien reçu en {} s : le serveur lui répond « \
                 {which} » à l'adresse que donne recvfrom ; sans réponse, un client UDP ne sait \
                 pas que le serveur l'a",
                IO_LIMIT.as_secs()
            ),
            format!(
                "the {nth_en} client wrote and received nothing within {} s: the server answers \
                 it \"{which}\" at the address recvfrom gives; without an answer, a UDP client \
                 cannot know the server has it",
                IO_LIMIT.as_secs()
            ),
        ))),
    }
}

/// `a` sends `msg`; `b` must receive exactly it, as one datagram.
fn relayed(a: &UdpSocket, b: &UdpSocket, server: SocketAddr, msg: &[u8]) -> Result<(), Reason> {
    send(a, server, msg)?;
    match recv_within(b, IO_LIMIT) {
        Some(got) if got == msg => Ok(()),
        Some(got) if got.len() < msg.len() && msg.starts_with(&got) => Err(Reason::new(
            format!(
                "le datagramme de {} octets est arrivé coupé à {} : le tampon de recvfrom est \
                 plus petit que le datagramme, et le reste est perdu",
                msg.len(),
                got.len()
            ),
            format!(
                "the {}-byte datagram arrived cut to {}: recvfrom's buffer is smaller than the \
                 datagram, and the rest is lost",
                msg.len(),
                got.len()
            ),
        )),
        Some(got) => Err(Reason::new(
            format!(
                "le premier client a envoyé {}, le deuxième a reçu {}",
                net::show(msg),
                net::show(&got)
            ),
            format!(
                "the first client sent {}, the second received {}",
                net::show(msg),
                net::show(&got)
            ),
        )),
        None => {
            // Sent back to where it came from: the address recvfrom just gave, not the
            // receiver's.
            if recv_within(a, Duration::from_millis(200)).is_some_and(|g| g == msg) {
                return Err(Reason::new(
                    "le datagramme est revenu au premier client au lieu d'aller au deuxième : \
                     sendto vers l'adresse du récepteur, pas vers celle que vient de donner \
                     recvfrom",
                    "the datagram came back to the first client instead of going to the \
                     second: sendto the receiver's address, not the one recvfrom just gave",
                ));
            }
            Err(Reason::new(
                format!(
                    "le deuxième client n'a rien reçu en {} s de ce que le premier a envoyé",
                    IO_LIMIT.as_secs()
                ),
                format!(
                    "the second client received nothing within {} s of what the first sent",
                    IO_LIMIT.as_secs()
                ),
            ))
        }
    }
}

fn in_order(a: &UdpSocket, b: &UdpSocket, server: SocketAddr) -> Result<(), Reason> {
    let sent: Vec<String> = (1..=5).map(|i| format!("message {i}")).collect();
    for m in &sent {
        send(a, server, m.as_bytes())?;
    }
    let mut got = Vec::new();
    while got.len() < sent.len() {
        match recv_within(b, IO_LIMIT) {
            Some(d) => got.push(String::from_utf8_lossy(&d).into_owned()),
            None => break,
        }
    }
    if got == sent {
        return Ok(());
    }
    Err(Reason::new(
        format!("envoyé {sent:?} en cinq datagrammes, le deuxième client a reçu {got:?}"),
        format!("sent {sent:?} as five datagrams, the second client received {got:?}"),
    ))
}

/// A stranger and the receiver write to the server; then the emitter. Only the emitter's
/// datagram may reach the receiver.
fn only_emitter(
    a: &UdpSocket,
    b: &UdpSocket,
    stranger: &UdpSocket,
    server: SocketAddr,
) -> Result<(), Reason> {
    send(stranger, server, b"intrus")?;
    send(b, server, b"du recepteur")?;
    send(a, server, b"de l'emetteur")?;
    match recv_within(b, IO_LIMIT) {
        Some(got) if got == b"de l'emetteur" => Ok(()),
        Some(got) if got == b"intrus" => Err(Reason::new(
            "le récepteur a reçu « intrus », envoyé d'une troisième adresse : comparer \
             l'adresse que donne recvfrom à celle de l'émetteur, et ne transmettre que ses \
             datagrammes",
            "the receiver got \"intrus\", sent from a third address: compare the address \
             recvfrom gives with the emitter's, and pass on its datagrams only",
        )),
        Some(got) if got == b"du recepteur" => Err(Reason::new(
            "le récepteur a reçu son propre datagramme : comparer l'adresse que donne recvfrom \
             à celle de l'émetteur, et ne transmettre que ses datagrammes",
            "the receiver got its own datagram back: compare the address recvfrom gives with \
             the emitter's, and pass on its datagrams only",
        )),
        Some(got) => Err(Reason::new(
            format!(
                "attendu « de l'emetteur », le récepteur a reçu {}",
                net::show(&got)
            ),
            format!(
                "expected \"de l'emetteur\", the receiver got {}",
                net::show(&got)
            ),
        )),
        None => Err(Reason::new(
            format!(
                "après les datagrammes d'un inconnu et du récepteur, le récepteur n'a plus rien \
                 reçu de l'émetteur en {} s",
                IO_LIMIT.as_secs()
            ),
            format!(
                "after datagrams from a stranger and from the receiver, the receiver got nothing \
                 more from the emitter within {} s",
                IO_LIMIT.as_secs()
            ),
        )),
    }
}

/// `quit` reaches the receiver (after whatever an earlier failure left in its queue), then two
/// new clients make a pair: with their roles when the server gives roles.
fn next_pair(
    a: &UdpSocket,
    b: &UdpSocket,
    port: u16,
    roles: bool,
    run: &mut Running,
) -> Result<(), Reason> {
    let (d, server) = udp_client(port, false)?;
    let (e, _) = udp_client(port, false)?;
    send(a, server, b"quit")?;
    // What an earlier failure left in the receiver's queue comes first: skipped, a few at most.
    let mut quit_came = false;
    for _ in 0..20 {
        match recv_within(b, IO_LIMIT) {
            Some(g) if g.trim_ascii() == b"quit" => {
                quit_came = true;
                break;
            }
            Some(_) => {}
            None => break,
        }
    }
    if !quit_came {
        return Err(Reason::new(
            "« quit » n'est pas arrivé au récepteur : transmis comme les autres datagrammes, il \
             lui dit que l'émetteur a fini",
            "\"quit\" did not reach the receiver: passed on like the other datagrams, it tells \
             it the emitter is done",
        ));
    }
    let after_quit = |why: Option<Reason>, run: &mut Running| match why {
        Some(r) => Reason::new(
            "après « quit », les deux clients suivants forment une nouvelle paire, mais :",
            "after \"quit\", the next two clients make a new pair, but:",
        )
        .then(&r),
        None => run.ending(),
    };
    if roles {
        role(&d, server, 1, run).map_err(|w| after_quit(w, run))?;
        role(&e, server, 2, run).map_err(|w| after_quit(w, run))?;
    } else {
        send(&d, server, b"bonjour, client 1")?;
        send(&e, server, b"bonjour, client 2")?;
    }
    relayed(&d, &e, server, b"encore").map_err(|r| after_quit(Some(r), run))
}

/// Step 14, the server.
pub fn server(ctx: &Ctx, list: &mut Checklist) {
    let (mut run, port) = match start_server(ctx, Proto::Udp) {
        Ok(x) => x,
        Err(r) => {
            list.fail("listens", r);
            return;
        }
    };
    list.pass("listens");
    // The emitter, the receiver, and a stranger who writes to the same port.
    let made = udp_client(port, false).and_then(|a| {
        let b = udp_client(port, false)?;
        Ok((a, b, udp_client(port, false)?))
    });
    let ((a, server), (b, _), (stranger, _)) = match made {
        Ok(x) => x,
        Err(r) => return list.fail_rest(&r),
    };
    let (a, b, stranger) = (&a, &b, &stranger);
    let mut roles = true;
    for (id, s, which) in [("role_1", a, 1), ("role_2", b, 2)] {
        match role(s, server, which, &mut run) {
            Ok(()) => list.pass(id),
            Err(Some(r)) => {
                // A server without roles may still relay: the rest is judged all the same.
                roles = false;
                list.fail(id, r);
            }
            Err(None) => return list.fail_rest(&run.ending()),
        }
    }
    if !list.record("relays", relayed(a, b, server, b"bonjour")) {
        return;
    }
    list.record("order", in_order(a, b, server));
    list.record("large", relayed(a, b, server, &net::binary_message(60_000)));
    list.record("only_emitter", only_emitter(a, b, stranger, server));
    list.record("next_pair", next_pair(a, b, port, roles, &mut run));
}
