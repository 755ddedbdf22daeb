//! The chat server (step 12): three clients, lines passed to the others, a client leaving,
//! and Ctrl+C.

use std::io::Write;
use std::net::TcpStream;

use super::clients::quote;
use super::{Ctx, c, server_listening};
use crate::grade::child::status_en;
use crate::grade::child::status_fr;
use crate::grade::net::{self, End, IO_LIMIT, Proto};
use crate::grade::verdict::{Checklist, Criterion, Reason};

pub const SERVER: &[Criterion] = &[
    c(
        "listens",
        "écoute sur le port donné en paramètre",
        "listens on the port given on the command line",
    ),
    c(
        "welcome",
        "accueille chaque client par une ligne dès qu'il est inscrit",
        "greets each client with one line as soon as it is registered",
    ),
    c(
        "broadcast",
        "une ligne d'un client arrive chez tous les autres",
        "a line from one client reaches all the others",
    ),
    c(
        "order",
        "dix lignes d'affilée arrivent toutes, dans l'ordre",
        "ten lines in a row all arrive, in order",
    ),
    c(
        "leave",
        "après le départ d'un client, les autres continuent",
        "after a client leaves, the others go on",
    ),
    c(
        "ctrl_c",
        "Ctrl+C : ferme les connexions et se termine proprement (code 0)",
        "Ctrl+C: closes the connections and ends cleanly (status 0)",
    ),
];

/// Waits for a line containing `needle`; other lines (arrivals, departures) are skipped.
/// `sent`: whether this client sent the server anything (which a reset may have left unread).
fn wait_line(
    s: &mut TcpStream,
    pending: &mut Vec<u8>,
    needle: &str,
    sent: bool,
) -> Result<(), Reason> {
    let end = net::read_until(s, pending, IO_LIMIT, |g| {
        String::from_utf8_lossy(g)
            .lines()
            .any(|l| l.contains(needle))
    });
    if end == End::Done {
        // Keep what follows the line for the next wait.
        let text = pending.clone();
        let at = text
            .windows(needle.len())
            .position(|w| w == needle.as_bytes())
            .unwrap_or(0);
        let after = text[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |p| at + p + 1);
        pending.drain(..after);
        return Ok(());
    }
    if let Some(how) = ended_early(&end, sent) {
        return Err(Reason::new(
            format!(
                "« {needle} » n'est pas arrivé (reçu : {}) :",
                net::show(pending)
            ),
            format!(
                "\"{needle}\" did not arrive (received: {}):",
                net::show(pending)
            ),
        )
        .then(&how));
    }
    Err(Reason::new(
        format!(
            "« {needle} » n'est pas arrivé en {} s (reçu : {})",
            IO_LIMIT.as_secs(),
            net::show(pending)
        ),
        format!(
            "\"{needle}\" did not arrive within {} s (received: {})",
            IO_LIMIT.as_secs(),
            net::show(pending)
        ),
    ))
}

/// What a wait that ended before its line says: the server closed or reset the connection.
fn ended_early(end: &End, sent: bool) -> Option<Reason> {
    match end {
        End::Closed => Some(Reason::new(
            "le serveur a fermé la connexion",
            "the server closed the connection",
        )),
        End::Reset if sent => Some(net::server_reset()),
        End::Reset => Some(net::reset_nothing_sent()),
        _ => None,
    }
}

struct Member {
    s: TcpStream,
    pending: Vec<u8>,
    /// It sent the server a line.
    sent: bool,
}

fn join(port: u16) -> Result<Member, Reason> {
    let mut s = net::connect(port, false)?;
    let mut pending = Vec::new();
    let end = net::read_until(&mut s, &mut pending, IO_LIMIT, |g| g.contains(&b'\n'));
    if let Some(how) = ended_early(&end, false) {
        return Err(Reason::new(
            "un client connecté n'a reçu aucune ligne d'accueil :",
            "a connected client got no welcome line:",
        )
        .then(&how));
    }
    if end != End::Done {
        return Err(Reason::new(
            format!(
                "un client connecté n'a reçu aucune ligne d'accueil en {} s",
                IO_LIMIT.as_secs()
            ),
            format!(
                "a connected client got no welcome line within {} s",
                IO_LIMIT.as_secs()
            ),
        ));
    }
    let first = pending.iter().position(|&b| b == b'\n').unwrap_or(0);
    pending.drain(..=first);
    Ok(Member {
        s,
        pending,
        sent: false,
    })
}

fn say(m: &mut Member, line: &str) -> Result<(), Reason> {
    m.sent = true;
    m.s.write_all(line.as_bytes())
        .map_err(|e| Reason::new(format!("envoi : {e}"), format!("send: {e}")))
}

fn hears(m: &mut Member, needle: &str) -> Result<(), Reason> {
    wait_line(&mut m.s, &mut m.pending, needle, m.sent)
}

/// Step 12.
pub fn server(ctx: &Ctx, list: &mut Checklist) {
    let Some((mut run, port)) = server_listening(ctx, Proto::Tcp, list) else {
        return;
    };
    let joined = join(port).and_then(|a| Ok((a, join(port)?, join(port)?)));
    let (mut a, mut b, mut c) = match joined {
        Ok(m) => m,
        Err(r) => return list.fail_rest(&r),
    };
    list.pass("welcome");
    let broadcast = say(&mut a, "bonjour de A\n")
        .and_then(|_| hears(&mut b, "bonjour de A"))
        .and_then(|_| hears(&mut c, "bonjour de A"));
    if list.record("broadcast", broadcast) {
        let lines: String = (1..=10).map(|i| format!("ligne {i:02}\n")).collect();
        let order = say(&mut a, &lines)
            .and_then(|_| (1..=10).try_for_each(|i| hears(&mut b, &format!("ligne {i:02}"))));
        list.record("order", order);
        // C leaves; A and B go on.
        drop(c);
        let leave = say(&mut b, "retour de B\n").and_then(|_| hears(&mut a, "retour de B"));
        list.record("leave", leave);
    } else {
        let r = Reason::new(
            "non vérifié : les lignes ne passent pas d'un client à l'autre",
            "not checked: lines do not go from one client to the others",
        );
        list.fail("order", r.clone());
        list.fail("leave", r);
    }

    // Ctrl+C, as a terminal sends it: SIGINT to the program's process group.
    run.signal(libc::SIGINT);
    let status = run.wait(IO_LIMIT);
    let closed = status.is_some()
        && [&mut a, &mut b].into_iter().all(|m| {
            let (_, end) = net::read_to_close(&mut m.s, IO_LIMIT);
            matches!(end, End::Closed | End::Reset | End::Error(_))
        });
    let verdict = match status {
        Some(s) if s.success() && closed => Ok(()),
        Some(s) if s.success() => Err(Reason::new(
            "terminé, mais des connexions de clients sont restées ouvertes",
            "ended, but client connections stayed open",
        )),
        Some(s) => Err(Reason::new(
            format!(
                "après Ctrl+C : {} (attendu : code 0) ; {}",
                status_fr(s),
                quote(&run.stderr_text())
            ),
            format!(
                "after Ctrl+C: {} (expected: status 0); {}",
                status_en(s),
                quote(&run.stderr_text())
            ),
        )),
        None => Err(Reason::new(
            format!("toujours en marche {} s après Ctrl+C", IO_LIMIT.as_secs()),
            format!("still running {} s after Ctrl+C", IO_LIMIT.as_secs()),
        )),
    };
    list.record("ctrl_c", verdict);
}
