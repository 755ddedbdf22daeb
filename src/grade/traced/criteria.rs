//! The criteria that read the trace: what the program's calls must show, whatever its
//! language. Each one names the calls that broke it, as strace prints them.
//!
//! A criterion looks at every run of the part that reached its end (a scenario starts the
//! program several times: against a refused port, with an empty input, ...). Runs where it does
//! not apply (a client that could not connect has no connection to close) are left aside, but
//! one run at least must show what it asks.

use super::run::{Run, is_datagram, is_stream, ok, peer_of, quote, quote_en, received};
use crate::grade::scenario::c;
use crate::grade::verdict::{Criterion, Reason};
use crate::trace::{Call, Event, OptName};

/// A criterion on the trace, and its check.
pub struct TraceCriterion {
    pub criterion: Criterion,
    pub check: fn(&[Run]) -> Result<(), Reason>,
}

const fn t(
    id: &'static str,
    fr: &'static str,
    en: &'static str,
    check: fn(&[Run]) -> Result<(), Reason>,
) -> TraceCriterion {
    TraceCriterion {
        criterion: c(id, fr, en),
        check,
    }
}

/// Every trace criterion; the catalogue names them per part (`trace = [...]`).
pub const ALL: &[TraceCriterion] = &[
    t(
        "trace_reuseaddr",
        "trace : SO_REUSEADDR posé avant bind sur la socket d'écoute",
        "trace: SO_REUSEADDR set before bind on the listening socket",
        reuseaddr_before_bind,
    ),
    t(
        "trace_iterative",
        "trace : un client à la fois, servi par le thread qui accepte et fermé avant l'accept suivant",
        "trace: one client at a time, served by the accepting thread and closed before the next accept",
        iterative,
    ),
    t(
        "trace_one_connection",
        "trace : une seule connexion par exécution, fermée par le programme à la fin",
        "trace: one connection per run, closed by the program at the end",
        one_connection,
    ),
    t(
        "trace_recv_until_eof",
        "trace : recv appelé jusqu'à ce qu'il renvoie 0 (le serveur a fermé)",
        "trace: recv called until it returned 0 (the server closed)",
        recv_until_eof,
    ),
    t(
        "trace_send_only",
        "trace : des envois sans attendre de réponse (aucun recv sur la connexion)",
        "trace: sends without waiting for an answer (no recv on the connection)",
        send_only,
    ),
    t(
        "trace_recv_first",
        "trace : le rôle est lu d'abord (le premier appel sur la connexion est un recv)",
        "trace: the role is read first (the first call on the connection is a recv)",
        recv_first,
    ),
    t(
        "trace_udp",
        "trace : une socket SOCK_DGRAM, sans listen ni accept (UDP n'a pas de connexion)",
        "trace: a SOCK_DGRAM socket, with no listen nor accept (UDP has no connections)",
        udp,
    ),
    t(
        "trace_reply_to_sender",
        "trace : chaque sendto part vers l'adresse du datagramme reçu juste avant",
        "trace: each sendto goes to the address of the datagram received just before",
        reply_to_sender,
    ),
    t(
        "trace_udp_unconnected",
        "trace : la socket UDP du serveur n'est jamais connectée (elle parle à plusieurs adresses)",
        "trace: the server's UDP socket is never connected (it talks to several addresses)",
        udp_unconnected,
    ),
    t(
        "trace_server_closes",
        "trace : le serveur ferme la connexion le premier (close avant que recv ne renvoie 0)",
        "trace: the server closes the connection first (close before recv returns 0)",
        server_closes,
    ),
    t(
        "trace_relay",
        "trace : ce qui est reçu sur une connexion est envoyé sur une autre",
        "trace: what is received on one connection is sent on another",
        relay,
    ),
    t(
        "trace_relay_closes",
        "trace : quand l'émetteur part (recv renvoie 0), la connexion du récepteur est fermée",
        "trace: when the emitter leaves (recv returns 0), the receiver's connection is closed",
        relay_closes,
    ),
    t(
        "trace_roles_sent",
        "trace : chaque connexion acceptée reçoit d'abord son rôle (un send avant tout recv)",
        "trace: each accepted connection gets its role first (a send before any recv)",
        roles_sent,
    ),
    t(
        "trace_poll",
        "trace : un seul thread, et un select/poll avant chaque recv sur une même socket",
        "trace: one thread, and a select/poll before each recv on the same socket",
        poll_before_recv,
    ),
    t(
        "trace_thread_per_connection",
        "trace : chaque connexion servie par un autre thread que celui qui accepte, qui la ferme",
        "trace: each connection served by a thread other than the accepting one, which closes it",
        thread_per_connection,
    ),
    t(
        "trace_closes_all",
        "trace : à l'arrêt, toutes les connexions acceptées sont fermées",
        "trace: when it stops, every accepted connection has been closed",
        closes_all,
    ),
];

/// The criterion named `id`.
pub fn find(id: &str) -> Option<&'static TraceCriterion> {
    ALL.iter().find(|t| t.criterion.id == id)
}

fn fail(fr: impl Into<String>, en: impl Into<String>) -> Result<(), Reason> {
    Err(Reason::new(fr, en))
}

/// The connections the program opened with `connect` (TCP) and that were established: the
/// call returned 0, or `EINPROGRESS` on a non-blocking socket (Python with a timeout).
fn connections(run: &Run) -> Vec<&Event> {
    run.calls()
        .filter(|e| e.call == Call::Connect && is_stream(e))
        .filter(|e| ok(e) || e.errno.as_deref() == Some("EINPROGRESS"))
        .collect()
}

fn data_call(e: &Event) -> bool {
    e.call.receives() || e.call.sends()
}

fn closes(e: &Event) -> bool {
    matches!(e.call, Call::Close | Call::Shutdown)
}

// ------------------------------------------------------------------- servers

fn reuseaddr_before_bind(runs: &[Run]) -> Result<(), Reason> {
    let mut listened = false;
    for run in runs {
        let calls: Vec<&Event> = run.calls().collect();
        for listen in calls
            .iter()
            .filter(|e| e.call == Call::Listen && ok(e) && is_stream(e))
        {
            listened = true;
            let (pid, fd) = (listen.pid, listen.fd);
            let since = calls
                .iter()
                .filter(|e| e.seq < listen.seq && e.pid == pid && e.call == Call::Socket)
                .filter(|e| e.ret.is_some() && e.ret == fd.map(i64::from))
                .map(|e| e.seq)
                .next_back()
                .unwrap_or(0);
            let mine = |e: &&&Event| e.seq > since && e.pid == pid && e.fd == fd;
            let Some(bind) = calls
                .iter()
                .filter(mine)
                .rfind(|e| e.call == Call::Bind && ok(e) && e.seq < listen.seq)
            else {
                return fail(
                    format!("listen sans bind avant : {}", quote(listen)),
                    format!("listen with no bind before it: {}", quote_en(listen)),
                );
            };
            let reuse = calls.iter().filter(mine).find(|e| {
                e.call == Call::Setsockopt
                    && ok(e)
                    && e.option
                        .as_ref()
                        .is_some_and(|o| o.name == OptName::ReuseAddr && o.value != Some(0))
            });
            match reuse {
                Some(r) if r.seq < bind.seq => {}
                Some(r) => {
                    return fail(
                        format!(
                            "SO_REUSEADDR est posé après bind, trop tard : {} puis {}",
                            quote(bind),
                            quote(r)
                        ),
                        format!(
                            "SO_REUSEADDR is set after bind, too late: {} then {}",
                            quote_en(bind),
                            quote_en(r)
                        ),
                    );
                }
                None => {
                    return fail(
                        format!(
                            "aucun setsockopt(SO_REUSEADDR) avant {} : relancé juste après un \
                             arrêt, le serveur échouerait en EADDRINUSE tant que les anciennes \
                             connexions sont en TIME_WAIT",
                            quote(bind)
                        ),
                        format!(
                            "no setsockopt(SO_REUSEADDR) before {}: restarted right after a \
                             stop, the server would fail with EADDRINUSE while the old \
                             connections are in TIME_WAIT",
                            quote_en(bind)
                        ),
                    );
                }
            }
        }
    }
    if listened {
        Ok(())
    } else {
        fail(
            "aucun listen réussi dans la trace",
            "no successful listen in the trace",
        )
    }
}

fn iterative(runs: &[Run]) -> Result<(), Reason> {
    let mut accepted = false;
    for run in runs {
        let accepts = run.accepted();
        for (i, (acc, peer)) in accepts.iter().enumerate() {
            accepted = true;
            let conn = run.on_connection(*peer, acc.seq);
            if let Some(other) = conn.iter().find(|e| e.tid != acc.tid) {
                return fail(
                    format!(
                        "la connexion acceptée par {} est servie par un autre thread ou processus : \
                         {} (un serveur itératif sert lui-même chaque client)",
                        quote(acc),
                        quote(other)
                    ),
                    format!(
                        "the connection accepted by {} is served by another thread or process: \
                         {} (an iterative server serves each client itself)",
                        quote_en(acc),
                        quote_en(other)
                    ),
                );
            }
            if let Some((next, _)) = accepts.get(i + 1)
                && !conn
                    .iter()
                    .any(|e| e.call == Call::Close && e.seq < next.seq)
            {
                return fail(
                    format!(
                        "{} accepte un nouveau client avant que la connexion de {} ne soit fermée",
                        quote(next),
                        quote(acc)
                    ),
                    format!(
                        "{} accepts a new client before the connection of {} was closed",
                        quote_en(next),
                        quote_en(acc)
                    ),
                );
            }
        }
    }
    if accepted {
        Ok(())
    } else {
        fail(
            "aucun accept réussi dans la trace",
            "no successful accept in the trace",
        )
    }
}

fn server_closes(runs: &[Run]) -> Result<(), Reason> {
    let mut last_seen = None;
    for run in runs {
        for (acc, peer) in run.accepted() {
            let conn = run.on_connection(peer, acc.seq);
            let Some(close) = conn.iter().find(|e| e.call == Call::Close) else {
                continue;
            };
            match conn
                .iter()
                .find(|e| e.seq < close.seq && received(e) == Some(0))
            {
                None => return Ok(()),
                Some(eof) => last_seen = Some(*eof),
            }
        }
    }
    match last_seen {
        Some(eof) => fail(
            format!(
                "le serveur ne ferme qu'après le client : {} (recv = 0, le client était déjà parti)",
                quote(eof)
            ),
            format!(
                "the server only closes after the client: {} (recv = 0, the client had left)",
                quote_en(eof)
            ),
        ),
        None => fail(
            "le serveur ne ferme jamais une connexion acceptée (aucun close)",
            "the server never closes an accepted connection (no close)",
        ),
    }
}

fn relay(runs: &[Run]) -> Result<(), Reason> {
    for run in runs {
        let peers: Vec<_> = run.accepted().into_iter().map(|(_, p)| p).collect();
        let calls: Vec<&Event> = run.calls().collect();
        for r in calls.iter().filter(|e| received(e).is_some_and(|n| n > 0)) {
            let Some(from) = peer_of(r).filter(|p| peers.contains(p)) else {
                continue;
            };
            let passed = calls.iter().any(|s| {
                s.seq > r.seq
                    && s.call.sends()
                    && ok(s)
                    && peer_of(s).is_some_and(|to| to != from && peers.contains(&to))
            });
            if passed {
                return Ok(());
            }
        }
    }
    fail(
        "rien de ce qui est reçu sur une connexion n'est envoyé sur une autre",
        "nothing received on one connection is sent on another",
    )
}

fn relay_closes(runs: &[Run]) -> Result<(), Reason> {
    let mut left = None;
    for run in runs {
        let peers: Vec<_> = run.accepted().into_iter().map(|(_, p)| p).collect();
        let calls: Vec<&Event> = run.calls().collect();
        for eof in calls.iter().filter(|e| received(e) == Some(0)) {
            let Some(from) = peer_of(eof).filter(|p| peers.contains(p)) else {
                continue;
            };
            left = Some(*eof);
            let closed = calls.iter().any(|c| {
                c.seq > eof.seq
                    && closes(c)
                    && peer_of(c).is_some_and(|to| to != from && peers.contains(&to))
            });
            if closed {
                return Ok(());
            }
        }
    }
    match left {
        Some(eof) => fail(
            format!(
                "l'émetteur est parti ({}) mais la connexion du récepteur n'est pas fermée",
                quote(eof)
            ),
            format!(
                "the emitter left ({}) but the receiver's connection is not closed",
                quote_en(eof)
            ),
        ),
        None => fail(
            "aucune connexion acceptée n'a vu la fin du flux (recv = 0)",
            "no accepted connection saw the end of the stream (recv = 0)",
        ),
    }
}

fn roles_sent(runs: &[Run]) -> Result<(), Reason> {
    let mut served = false;
    for run in runs {
        for (acc, peer) in run.accepted() {
            let conn = run.on_connection(peer, acc.seq);
            let Some(first) = conn.iter().find(|e| data_call(e)) else {
                continue;
            };
            served = true;
            if !first.call.sends() {
                return fail(
                    format!(
                        "le premier appel sur la connexion de {} est {} : le rôle doit partir d'abord",
                        quote(acc),
                        quote(first)
                    ),
                    format!(
                        "the first call on the connection of {} is {}: the role must go first",
                        quote_en(acc),
                        quote_en(first)
                    ),
                );
            }
        }
    }
    if served {
        Ok(())
    } else {
        fail(
            "aucune connexion acceptée n'a échangé de données",
            "no accepted connection exchanged data",
        )
    }
}

fn poll_before_recv(runs: &[Run]) -> Result<(), Reason> {
    let mut polled = false;
    for run in runs {
        let receives: Vec<&Event> = run
            .calls()
            .filter(|e| e.call.receives() && (is_stream(e) || is_datagram(e)))
            .collect();
        let Some(first) = receives.first() else {
            continue;
        };
        if let Some(other) = receives.iter().find(|e| e.tid != first.tid) {
            return fail(
                format!(
                    "deux threads reçoivent : {} et {} (un seul thread doit tout servir)",
                    quote(first),
                    quote(other)
                ),
                format!(
                    "two threads receive: {} and {} (one thread must serve everything)",
                    quote_en(first),
                    quote_en(other)
                ),
            );
        }
        // Since the last select/poll, the sockets already read: a second recv on one of them
        // without waiting again is a recv that may block while the others wait.
        let mut read_since: Vec<(u32, i32)> = Vec::new();
        let mut waited = false;
        for e in run.calls().filter(|e| e.tid == first.tid) {
            if e.call.multiplexes() {
                waited = true;
                polled = true;
                read_since.clear();
            } else if e.call.receives() && (is_stream(e) || is_datagram(e)) {
                let key = (e.pid, e.fd.unwrap_or(-1));
                if !waited || read_since.contains(&key) {
                    return fail(
                        format!(
                            "{} sans select/poll avant : ce recv peut bloquer pendant que \
                             d'autres descripteurs attendent (clients, clavier)",
                            quote(e)
                        ),
                        format!(
                            "{} with no select/poll before it: that recv may block while other \
                             descriptors wait (clients, the keyboard)",
                            quote_en(e)
                        ),
                    );
                }
                read_since.push(key);
            }
        }
    }
    if polled {
        Ok(())
    } else {
        fail(
            "aucun select, poll ni epoll_wait dans la trace",
            "no select, poll nor epoll_wait in the trace",
        )
    }
}

fn thread_per_connection(runs: &[Run]) -> Result<(), Reason> {
    let mut served = false;
    for run in runs {
        for (acc, peer) in run.accepted() {
            let conn = run.on_connection(peer, acc.seq);
            let data: Vec<&&Event> = conn.iter().filter(|e| data_call(e)).collect();
            let Some(first) = data.first() else {
                continue;
            };
            served = true;
            if let Some(own) = data.iter().find(|e| e.tid == acc.tid) {
                return fail(
                    format!(
                        "le thread qui accepte ({}) sert lui-même la connexion : {}",
                        quote(acc),
                        quote(own)
                    ),
                    format!(
                        "the accepting thread ({}) serves the connection itself: {}",
                        quote_en(acc),
                        quote_en(own)
                    ),
                );
            }
            // Once the client has left (recv = 0), the thread that serves it must close.
            if let Some(eof) = data.iter().find(|e| received(e) == Some(0))
                && !conn
                    .iter()
                    .any(|e| e.call == Call::Close && e.tid == first.tid && e.seq > eof.seq)
            {
                return fail(
                    format!(
                        "le client est parti ({}) mais le thread qui le sert ne ferme pas sa \
                         socket",
                        quote(eof)
                    ),
                    format!(
                        "the client left ({}) but the thread serving it does not close its socket",
                        quote_en(eof)
                    ),
                );
            }
        }
    }
    if served {
        Ok(())
    } else {
        fail(
            "aucune connexion acceptée n'a échangé de données",
            "no accepted connection exchanged data",
        )
    }
}

fn closes_all(runs: &[Run]) -> Result<(), Reason> {
    let mut ended = false;
    for run in runs.iter().filter(|r| r.ended_by_itself()) {
        ended = true;
        for (acc, peer) in run.accepted() {
            let conn = run.on_connection(peer, acc.seq);
            if !conn.iter().any(|e| closes(e)) {
                return fail(
                    format!(
                        "la connexion acceptée par {} n'est jamais fermée avant la fin",
                        quote(acc)
                    ),
                    format!(
                        "the connection accepted by {} is never closed before the end",
                        quote_en(acc)
                    ),
                );
            }
        }
    }
    if ended {
        Ok(())
    } else {
        fail(
            "le serveur ne s'est jamais terminé de lui-même (il a fallu le tuer)",
            "the server never ended by itself (it had to be killed)",
        )
    }
}

// ------------------------------------------------------------------- clients

fn one_connection(runs: &[Run]) -> Result<(), Reason> {
    let mut judged = false;
    for run in runs {
        let conns = connections(run);
        let Some(first) = conns.first() else {
            continue;
        };
        if let Some(second) = conns.get(1) {
            return fail(
                format!(
                    "une deuxième connexion dans la même exécution : {} après {}",
                    quote(second),
                    quote(first)
                ),
                format!(
                    "a second connection in the same run: {} after {}",
                    quote_en(second),
                    quote_en(first)
                ),
            );
        }
        if !run.ended_by_itself() {
            continue;
        }
        judged = true;
        let Some(fd) = first.fd else { continue };
        if !run
            .on_fd(first.pid, fd, first.seq)
            .iter()
            .any(|e| closes(e))
        {
            return fail(
                format!(
                    "la connexion de {} n'est jamais fermée : le programme se termine sans close",
                    quote(first)
                ),
                format!(
                    "the connection of {} is never closed: the program ends without a close",
                    quote_en(first)
                ),
            );
        }
    }
    if judged {
        Ok(())
    } else {
        fail(
            "aucune exécution ne s'est connectée puis terminée d'elle-même",
            "no run connected and then ended by itself",
        )
    }
}

fn recv_until_eof(runs: &[Run]) -> Result<(), Reason> {
    let mut judged = false;
    for run in runs {
        for conn in connections(run) {
            let Some(fd) = conn.fd else { continue };
            let life = run.on_fd(conn.pid, fd, conn.seq);
            let recvs: Vec<&&Event> = life.iter().filter(|e| received(e).is_some()).collect();
            if !recvs.iter().any(|e| received(e).is_some_and(|n| n > 0)) {
                continue;
            }
            judged = true;
            if !recvs.iter().any(|e| received(e) == Some(0)) {
                let last = recvs.last().expect("one receive at least");
                return fail(
                    format!(
                        "le dernier recv est {} : le programme cesse de lire avant que le \
                         serveur ne ferme, la fin de la réponse peut manquer",
                        quote(last)
                    ),
                    format!(
                        "the last recv is {}: the program stops reading before the server \
                         closes, the end of the answer may be missing",
                        quote_en(last)
                    ),
                );
            }
        }
    }
    if judged {
        Ok(())
    } else {
        fail(
            "aucun recv n'a reçu de données sur une connexion",
            "no recv received data on a connection",
        )
    }
}

fn send_only(runs: &[Run]) -> Result<(), Reason> {
    let mut sent = false;
    for run in runs {
        for conn in connections(run) {
            let Some(fd) = conn.fd else { continue };
            let life = run.on_fd(conn.pid, fd, conn.seq);
            if let Some(r) = life.iter().find(|e| e.call.receives()) {
                return fail(
                    format!(
                        "{} : le programme attend une réponse que le serveur n'envoie pas",
                        quote(r)
                    ),
                    format!(
                        "{}: the program waits for an answer the server does not send",
                        quote_en(r)
                    ),
                );
            }
            sent |= life.iter().any(|e| e.call.sends() && ok(e));
        }
    }
    if sent {
        Ok(())
    } else {
        fail(
            "aucun envoi sur une connexion dans la trace",
            "no send on a connection in the trace",
        )
    }
}

fn recv_first(runs: &[Run]) -> Result<(), Reason> {
    let mut judged = false;
    for run in runs {
        for conn in connections(run) {
            let Some(fd) = conn.fd else { continue };
            let life = run.on_fd(conn.pid, fd, conn.seq);
            let Some(first) = life.iter().find(|e| data_call(e)) else {
                continue;
            };
            judged = true;
            if !first.call.receives() {
                return fail(
                    format!(
                        "le premier appel sur la connexion est {} : le rôle envoyé par le serveur \
                         n'a pas encore été lu",
                        quote(first)
                    ),
                    format!(
                        "the first call on the connection is {}: the role the server sent has \
                         not been read yet",
                        quote_en(first)
                    ),
                );
            }
        }
    }
    if judged {
        Ok(())
    } else {
        fail(
            "aucune connexion n'a échangé de données",
            "no connection exchanged data",
        )
    }
}

// ----------------------------------------------------------------------- UDP

fn udp(runs: &[Run]) -> Result<(), Reason> {
    let mut datagrams = false;
    for run in runs {
        if let Some(e) = run
            .calls()
            .find(|e| (e.call == Call::Listen || e.call.accepts()) && ok(e))
        {
            return fail(
                format!(
                    "{} : UDP n'a pas de connexion à attendre ni à accepter",
                    quote(e)
                ),
                format!(
                    "{}: UDP has no connection to wait for nor to accept",
                    quote_en(e)
                ),
            );
        }
        datagrams |= run.calls().any(|e| is_datagram(e) && data_call(e) && ok(e));
    }
    if datagrams {
        Ok(())
    } else {
        fail(
            "aucun datagramme envoyé ni reçu sur une socket SOCK_DGRAM",
            "no datagram sent nor received on a SOCK_DGRAM socket",
        )
    }
}

fn reply_to_sender(runs: &[Run]) -> Result<(), Reason> {
    let mut answered = false;
    for run in runs {
        let calls: Vec<&Event> = run.calls().filter(|e| is_datagram(e) && ok(e)).collect();
        for (i, send) in calls.iter().enumerate().filter(|(_, e)| e.call.sends()) {
            let Some(got) = calls[..i]
                .iter()
                .rev()
                .find(|e| e.call.receives() && e.pid == send.pid && e.fd == send.fd)
            else {
                continue;
            };
            let to = send.addr.or_else(|| peer_of(send));
            answered = true;
            if got.addr.is_some() && to != got.addr {
                return fail(
                    format!(
                        "{} répond ailleurs qu'à l'expéditeur du datagramme {}",
                        quote(send),
                        quote(got)
                    ),
                    format!(
                        "{} answers elsewhere than the sender of the datagram {}",
                        quote_en(send),
                        quote_en(got)
                    ),
                );
            }
        }
    }
    if answered {
        Ok(())
    } else {
        fail(
            "aucun datagramme reçu puis renvoyé dans la trace",
            "no datagram received then sent back in the trace",
        )
    }
}

fn udp_unconnected(runs: &[Run]) -> Result<(), Reason> {
    let mut datagrams = false;
    for run in runs {
        if let Some(e) = run
            .calls()
            .find(|e| e.call == Call::Connect && is_datagram(e) && ok(e))
        {
            return fail(
                format!(
                    "{} : une socket UDP connectée n'entend plus que cette adresse-là",
                    quote(e)
                ),
                format!(
                    "{}: a connected UDP socket only hears that one address",
                    quote_en(e)
                ),
            );
        }
        datagrams |= run
            .calls()
            .any(|e| is_datagram(e) && e.call.receives() && ok(e));
    }
    if datagrams {
        Ok(())
    } else {
        fail(
            "aucun datagramme reçu dans la trace",
            "no datagram received in the trace",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::run::tests::{call, on};
    use super::*;
    use crate::trace::{Opt, SockRole, SockType};

    fn run(events: Vec<Event>) -> Vec<Run> {
        vec![Run::from_events(events)]
    }

    fn tcp(e: Event) -> Event {
        on(e, SockType::Stream, SockRole::Unconnected, None)
    }

    fn reuse(seq: u64) -> Event {
        let mut e = tcp(call(seq, 1, 1, "setsockopt", 3, 0));
        e.option = Some(Opt {
            name: OptName::ReuseAddr,
            value: Some(1),
        });
        e
    }

    fn server(first: Vec<Event>) -> Vec<Run> {
        let mut events = vec![tcp(call(1, 1, 1, "socket", 3, 3))];
        events.extend(first);
        events.push(tcp(call(5, 1, 1, "bind", 3, 0)));
        events.push(on(
            call(6, 1, 1, "listen", 3, 0),
            SockType::Stream,
            SockRole::Listening,
            None,
        ));
        run(events)
    }

    #[test]
    fn reuseaddr_must_come_before_bind() {
        assert!(reuseaddr_before_bind(&server(vec![reuse(2)])).is_ok());
        let missing = reuseaddr_before_bind(&server(vec![])).unwrap_err();
        assert!(
            missing.en.contains("`[pid 1] bind(3) = 0`"),
            "{}",
            missing.en
        );
        assert!(
            missing.fr.contains("« [pid 1] bind(3) = 0 »"),
            "{}",
            missing.fr
        );
        let mut late = server(vec![]).remove(0).events;
        late.push(reuse(7));
        let late = reuseaddr_before_bind(&run(late)).unwrap_err();
        assert!(late.en.contains("after bind"), "{}", late.en);
    }

    /// Two accepted connections: `close_first` closes the first before the second accept.
    fn accepts(close_first: bool, server_tid: u32) -> Vec<Run> {
        let peer = |n: u16| format!("127.0.0.1:{n}");
        let acc = |seq, fd, port: u16| {
            let mut e = on(
                call(seq, 1, 1, "accept4", 3, fd),
                SockType::Stream,
                SockRole::Listening,
                None,
            );
            e.fd = Some(3);
            e.addr = Some(peer(port).parse().unwrap());
            e
        };
        let conn = |seq, tid, name, fd, ret, port: u16| {
            on(
                call(seq, 1, tid, name, fd, ret),
                SockType::Stream,
                SockRole::Connected,
                Some(&peer(port)),
            )
        };
        let mut events = vec![
            acc(10, 4, 5001),
            conn(11, server_tid, "recvfrom", 4, 5, 5001),
            conn(12, server_tid, "sendto", 4, 5, 5001),
            conn(13, server_tid, "recvfrom", 4, 0, 5001),
        ];
        if close_first {
            events.push(conn(14, server_tid, "close", 4, 0, 5001));
        }
        events.push(acc(20, 5, 5002));
        events.push(conn(21, server_tid, "recvfrom", 5, 0, 5002));
        events.push(conn(22, server_tid, "close", 5, 0, 5002));
        run(events)
    }

    #[test]
    fn iterative_closes_before_the_next_accept() {
        assert!(iterative(&accepts(true, 1)).is_ok());
        let r = iterative(&accepts(false, 1)).unwrap_err();
        assert!(r.en.contains("before the connection"), "{}", r.en);
        let r = iterative(&accepts(true, 2)).unwrap_err();
        assert!(r.en.contains("served by another thread"), "{}", r.en);
    }

    #[test]
    fn threads_serve_and_close_what_the_veilleur_accepts() {
        assert!(thread_per_connection(&accepts(true, 2)).is_ok());
        let r = thread_per_connection(&accepts(true, 1)).unwrap_err();
        assert!(r.en.contains("serves the connection itself"), "{}", r.en);
        // The exécutant saw the client leave but never closed.
        let mut events = accepts(true, 2).remove(0).events;
        events.retain(|e| !(e.call == Call::Close && e.fd == Some(4)));
        let r = thread_per_connection(&run(events)).unwrap_err();
        assert!(r.en.contains("does not close"), "{}", r.en);
    }

    #[test]
    fn poll_must_come_between_two_recv_on_one_socket() {
        let dgram = |seq, name, ret| {
            on(
                call(seq, 1, 1, name, 4, ret),
                SockType::Stream,
                SockRole::Connected,
                Some("127.0.0.1:5001"),
            )
        };
        let poll = |seq| call(seq, 1, 1, "poll", 3, 1);
        let good = run(vec![
            poll(1),
            dgram(2, "recvfrom", 3),
            poll(3),
            dgram(4, "recvfrom", 0),
        ]);
        assert!(poll_before_recv(&good).is_ok());
        let bad = run(vec![
            poll(1),
            dgram(2, "recvfrom", 3),
            dgram(3, "recvfrom", 0),
        ]);
        let r = poll_before_recv(&bad).unwrap_err();
        assert!(
            r.en.contains("`[pid 1] recvfrom(4) = 0` with no select/poll"),
            "{}",
            r.en
        );
        assert!(poll_before_recv(&run(vec![dgram(2, "recvfrom", 3)])).is_err());
    }

    #[test]
    fn every_criterion_has_a_unique_id_and_both_texts() {
        for (i, t) in ALL.iter().enumerate() {
            assert!(t.criterion.id.starts_with("trace_"), "{}", t.criterion.id);
            assert!(t.criterion.fr.starts_with("trace : "), "{}", t.criterion.fr);
            assert!(t.criterion.en.starts_with("trace: "), "{}", t.criterion.en);
            assert!(
                ALL[i + 1..]
                    .iter()
                    .all(|o| o.criterion.id != t.criterion.id),
                "{} twice",
                t.criterion.id
            );
        }
    }
}
