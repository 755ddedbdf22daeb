//! What the first divergence of two aligned threads means, in French and in English: a
//! missing `setsockopt` and what the option does, a `close` never made and what the kernel
//! then keeps, a `select`/`poll` where the other program blocks in `recv`.

use super::align::{Pair, Row};
use super::steps::{Step, Thread};
use crate::grade::traced::run::received;
use crate::trace::{Call, SockType, errno_message};

/// One sentence in each language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub fr: String,
    pub en: String,
}

fn said(fr: String, en: String) -> Said {
    Said { fr, en }
}

/// Which program a sentence speaks of.
#[derive(Clone, Copy)]
enum Side {
    A,
    B,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::A => "A",
            Side::B => "B",
        }
    }

    fn other(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }
}

/// The first divergence of `pair`, explained; `None` when the two threads make the same
/// calls in the same order.
pub fn first(pair: &Pair) -> Option<Said> {
    let (a, b) = match (pair.a, pair.b) {
        (Some(a), Some(b)) => (a, b),
        (Some(_), None) => return Some(missing_thread(Side::B, &pair.label)),
        (None, Some(_)) => return Some(missing_thread(Side::A, &pair.label)),
        (None, None) => return None,
    };
    let at = pair.first_divergence()?;
    let said = match pair.rows[at] {
        Row::Changed(i, j) => changed(&a.steps[i], &b.steps[j]),
        Row::OnlyA(i) => only(
            Side::A,
            a,
            i,
            b,
            next_same(pair, at, Side::B),
            rest(pair, at),
        ),
        Row::OnlyB(j) => only(
            Side::B,
            b,
            j,
            a,
            next_same(pair, at, Side::A),
            rest(pair, at),
        ),
        Row::Same(..) => return None,
    };
    let n = at + 1;
    Some(Said {
        fr: format!("Première divergence, ligne {n} : {}", said.fr),
        en: format!("First divergence, line {n}: {}", said.en),
    })
}

fn missing_thread(lacking: Side, label: &str) -> Said {
    let (l, h) = (lacking.name(), lacking.other().name());
    said(
        format!(
            "{l} n'a pas de thread « {label} » : {h} en a un, qui fait des appels sur ses sockets"
        ),
        format!("{l} has no thread `{label}`: {h} has one, which makes calls on its sockets"),
    )
}

/// Whether the lacking side has no call left from row `at` on: it stopped there.
fn rest(pair: &Pair, at: usize) -> bool {
    let kind = std::mem::discriminant(&pair.rows[at]);
    pair.rows[at..]
        .iter()
        .all(|r| std::mem::discriminant(r) == kind)
}

/// Where, in the lacking side's steps, the alignment takes up again after row `at` (the
/// index of its next step that both share).
fn next_same(pair: &Pair, at: usize, side: Side) -> Option<usize> {
    pair.rows[at..].iter().find_map(|r| match (r, side) {
        (Row::Same(i, _), Side::A) => Some(*i),
        (Row::Same(_, j), Side::B) => Some(*j),
        _ => None,
    })
}

fn quote(s: &Step) -> String {
    format!("`{}`", s.shown)
}

fn name<'a>(s: &Step<'a>) -> &'a str {
    s.event.call.name()
}

fn is_stream(s: &Step) -> bool {
    s.event
        .socket
        .as_ref()
        .is_some_and(|i| i.ty == SockType::Stream)
}

/// Both make a call here, not the same one.
fn changed(a: &Step, b: &Step) -> Said {
    let (ea, eb) = (a.event, b.event);
    if ea.call.multiplexes() && eb.call.receives() {
        return waits_first(Side::A, a, b);
    }
    if eb.call.multiplexes() && ea.call.receives() {
        return waits_first(Side::B, b, a);
    }
    let kind = |s: &Step| s.key.split(' ').next().unwrap_or("").to_string();
    if kind(a) == kind(b) && ea.errno != eb.errno {
        let (fails, works, f) = if ea.errno.is_some() {
            (Side::A, Side::B, a)
        } else {
            (Side::B, Side::A, b)
        };
        let errno = f.event.errno.clone().unwrap_or_default();
        let msg = errno_message(&errno);
        return said(
            format!(
                "les deux font {}, mais celui de {} échoue : {} ({msg}) ; celui de {} réussit",
                name(f),
                fails.name(),
                errno,
                works.name()
            ),
            format!(
                "both call {}, but {}'s fails: {} ({msg}); {}'s succeeds",
                name(f),
                fails.name(),
                errno,
                works.name()
            ),
        );
    }
    if ea.call == Call::Setsockopt && eb.call == Call::Setsockopt {
        return said(
            format!(
                "A règle {} là où B règle {} ({} contre {})",
                option(a),
                option(b),
                quote(a),
                quote(b)
            ),
            format!(
                "A sets {} where B sets {} ({} against {})",
                option(a),
                option(b),
                quote(a),
                quote(b)
            ),
        );
    }
    said(
        format!("A fait {} là où B fait {}", quote(a), quote(b)),
        format!("A makes {} where B makes {}", quote(a), quote(b)),
    )
}

/// `waiting` calls select/poll where the other program goes straight into `recv`.
fn waits_first(waiting: Side, wait: &Step, recv: &Step) -> Said {
    let (w, r) = (waiting.name(), waiting.other().name());
    said(
        format!(
            "{w} attend avec {} ({}) avant de lire ; {r} se bloque directement dans {} ({}) : \
             tant que {r} attend ce descripteur, ses autres descripteurs (clients, clavier) \
             attendent aussi",
            name(wait),
            quote(wait),
            name(recv),
            quote(recv)
        ),
        format!(
            "{w} waits with {} ({}) before reading; {r} blocks straight in {} ({}): while {r} \
             waits on that descriptor, its other descriptors (clients, the keyboard) wait too",
            name(wait),
            quote(wait),
            name(recv),
            quote(recv)
        ),
    )
}

fn option(s: &Step) -> String {
    s.event
        .option
        .as_ref()
        .map(|o| o.name.name().to_string())
        .unwrap_or_else(|| "?".into())
}

/// Only `side` (whose thread is `has`) makes its step `i`; the other thread `lacks` takes up
/// again at its step `resume`, if it does, or has `stopped` there.
fn only(
    side: Side,
    has: &Thread,
    i: usize,
    lacks: &Thread,
    resume: Option<usize>,
    stopped: bool,
) -> Said {
    let step = &has.steps[i];
    let e = step.event;
    let (h, l) = (side.name(), side.other().name());
    let next = has.steps.get(i + 1);
    // The other program has stopped: nothing after in its thread.
    if stopped && e.call != Call::Close {
        let n = lacks.steps.len();
        return said(
            format!(
                "{l} s'arrête après {n} appels ; {h} continue avec {}",
                quote(step)
            ),
            format!(
                "{l} stops after {n} calls; {h} goes on with {}",
                quote(step)
            ),
        );
    }
    match &e.call {
        Call::Setsockopt => {
            let opt = option(step);
            // Options are set in a row before the call they are for (bind, listen, connect).
            let before = has.steps[i + 1..]
                .iter()
                .find(|n| n.event.call != Call::Setsockopt)
                .map(|n| {
                    (
                        format!(" avant son {}", name(n)),
                        format!(" before its {}", name(n)),
                    )
                })
                .unwrap_or_default();
            let (why_fr, why_en) = option_meaning(&opt, e.option.as_ref().and_then(|o| o.value));
            said(
                format!(
                    "{h} règle {opt}{} ({}) ; {l} ne le fait pas. {why_fr}",
                    before.0,
                    quote(step)
                ),
                format!(
                    "{h} sets {opt}{} ({}); {l} does not. {why_en}",
                    before.1,
                    quote(step)
                ),
            )
        }
        Call::Close => {
            let fd = step.shown.trim_start_matches("close(");
            let fd = fd.split(')').next().unwrap_or("?");
            let closes_later = lacks.steps.iter().skip(resume.unwrap_or(0)).any(|s| {
                s.event.call == Call::Close && s.shown.starts_with(&format!("close({fd})"))
            });
            let peer_left = has.steps[..i]
                .iter()
                .any(|s| received(s.event) == Some(0) && s.shown.contains(&format!("({fd})")));
            let (then_fr, then_en) = match (closes_later, is_stream(step), peer_left) {
                (true, _, _) => (
                    format!("{l} la ferme plus tard."),
                    format!("{l} closes it later."),
                ),
                (false, true, true) => (
                    format!(
                        "{l} ne la ferme jamais : le pair est déjà parti (recv = 0), et la \
                         connexion reste à moitié fermée (CLOSE_WAIT) tant que le processus vit."
                    ),
                    format!(
                        "{l} never closes it: the peer has already left (recv = 0), and the \
                         connection stays half closed (CLOSE_WAIT) as long as the process lives."
                    ),
                ),
                (false, true, false) => (
                    format!(
                        "{l} ne la ferme jamais : le pair ne reçoit pas de FIN, sa lecture ne \
                         rend pas 0, tant que le processus vit."
                    ),
                    format!(
                        "{l} never closes it: the peer gets no FIN, its read does not return \
                         0, as long as the process lives."
                    ),
                ),
                (false, false, _) => (
                    format!(
                        "{l} ne la ferme jamais : le noyau la garde ouverte jusqu'à la fin du \
                         processus."
                    ),
                    format!(
                        "{l} never closes it: the kernel keeps it open until the process ends."
                    ),
                ),
            };
            said(
                format!("{h} ferme la socket {fd} ici ({}) ; {then_fr}", quote(step)),
                format!("{h} closes socket {fd} here ({}); {then_en}", quote(step)),
            )
        }
        c if c.multiplexes() && next.is_some_and(|n| n.event.call.receives()) => {
            let recv = resume.and_then(|r| lacks.steps.get(r));
            match recv {
                Some(r) if r.event.call.receives() => waits_first(side, step, r),
                _ => generic(side, step),
            }
        }
        c if c.receives() && received(e) == Some(0) => said(
            format!(
                "{h} lit jusqu'à la fin du flux ({} : le pair a fermé) ; {l} arrête de lire \
                 avant",
                quote(step)
            ),
            format!(
                "{h} reads up to the end of the stream ({}: the peer has closed); {l} stops \
                 reading before",
                quote(step)
            ),
        ),
        c if c.receives() => said(
            format!(
                "{h} lit encore ({}) ; {l} a lu la même chose en moins d'appels, ou pas du tout",
                quote(step)
            ),
            format!(
                "{h} reads once more ({}); {l} read the same in fewer calls, or not at all",
                quote(step)
            ),
        ),
        _ => generic(side, step),
    }
}

fn generic(side: Side, step: &Step) -> Said {
    let (h, l) = (side.name(), side.other().name());
    said(
        format!("{h} fait {} ici ; {l} non", quote(step)),
        format!("{h} makes {} here; {l} does not", quote(step)),
    )
}

/// What setting the option changes, for the program that leaves it out.
fn option_meaning(opt: &str, value: Option<i64>) -> (String, String) {
    match (opt, value) {
        ("SO_REUSEADDR", Some(v)) if v != 0 => (
            "Sans SO_REUSEADDR, relancer le serveur juste après l'avoir arrêté fait échouer bind \
             (EADDRINUSE) tant que ses anciennes connexions sont en TIME_WAIT."
                .into(),
            "Without SO_REUSEADDR, restarting the server right after stopping it makes bind fail \
             (EADDRINUSE) while its old connections are in TIME_WAIT."
                .into(),
        ),
        ("IPV6_V6ONLY", Some(0)) => (
            "Sans ce réglage, la socket IPv6 accepte ou non les clients IPv4 selon le système \
             (net.ipv6.bindv6only, 0 par défaut sous Linux)."
                .into(),
            "Without it, whether the IPv6 socket takes IPv4 clients is the system's choice \
             (net.ipv6.bindv6only, 0 by default on Linux)."
                .into(),
        ),
        (opt, _) => (
            format!("L'autre garde la valeur par défaut de {opt}."),
            format!("The other keeps the default value of {opt}."),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::traced::run::tests::{call, on};
    use crate::trace::{Event, SockRole};
    use crate::tracediff::align::pair;

    fn thread<'a>(events: &'a [Event]) -> Thread<'a> {
        let refs: Vec<&Event> = events.iter().collect();
        Thread::of("veilleur".into(), String::new(), &refs)
    }

    fn conn(e: Event) -> Event {
        on(
            e,
            SockType::Stream,
            SockRole::Connected,
            Some("127.0.0.1:5000"),
        )
    }

    fn first_of(a: &[Event], b: &[Event]) -> Said {
        let (ta, tb) = ([thread(a)], [thread(b)]);
        first(&pair(&ta, &tb)[0]).expect("a divergence")
    }

    #[test]
    fn a_poll_where_the_other_blocks_in_recv() {
        let a = [
            call(1, 1, 1, "accept4", 3, 4),
            call(2, 1, 1, "poll", 0, 1),
            call(3, 1, 1, "recvfrom", 4, 5),
        ];
        let b = [
            call(1, 2, 2, "accept4", 3, 4),
            call(2, 2, 2, "recvfrom", 4, 5),
        ];
        let said = first_of(&a, &b);
        assert!(
            said.en
                .starts_with("First divergence, line 2: A waits with poll"),
            "{said:?}"
        );
        assert!(
            said.en.contains("B blocks straight in recvfrom"),
            "{said:?}"
        );
        assert!(
            said.fr.contains("B se bloque directement dans recvfrom"),
            "{said:?}"
        );
    }

    #[test]
    fn a_close_never_made_after_the_peer_left_is_close_wait() {
        let a = [
            conn(call(1, 1, 1, "recvfrom", 4, 0)),
            conn(call(2, 1, 1, "close", 4, 0)),
        ];
        let b = [conn(call(1, 2, 2, "recvfrom", 4, 0))];
        let said = first_of(&a, &b);
        assert!(said.en.contains("A closes socket #1 here"), "{said:?}");
        assert!(said.en.contains("B never closes it"), "{said:?}");
        assert!(said.en.contains("CLOSE_WAIT"), "{said:?}");
        // Without the peer's end first, the peer is the one left waiting.
        let a = [
            conn(call(1, 1, 1, "sendto", 4, 3)),
            conn(call(2, 1, 1, "close", 4, 0)),
        ];
        let b = [conn(call(1, 2, 2, "sendto", 4, 3))];
        let said = first_of(&a, &b);
        assert!(said.en.contains("the peer gets no FIN"), "{said:?}");
    }

    #[test]
    fn the_same_call_failing_on_one_side_names_the_error() {
        let a = [call(1, 1, 1, "bind", 3, 0)];
        let mut failed = call(1, 2, 2, "bind", 3, -1);
        failed.errno = Some("EADDRINUSE".into());
        let said = first_of(&a, &[failed]);
        assert!(
            said.en
                .contains("both call bind, but B's fails: EADDRINUSE"),
            "{said:?}"
        );
        assert!(said.en.contains("Address already in use"), "{said:?}");
    }

    #[test]
    fn equal_threads_have_no_divergence() {
        let a = [call(1, 1, 1, "accept4", 3, 4), call(2, 1, 1, "close", 4, 0)];
        let b = [call(1, 2, 2, "accept4", 5, 7), call(2, 2, 2, "close", 7, 0)];
        let (ta, tb) = ([thread(&a)], [thread(&b)]);
        assert_eq!(first(&pair(&ta, &tb)[0]), None);
    }
}
