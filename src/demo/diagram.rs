//! Sequence diagrams of a trace: one lifeline per thread (clients, veilleur, exécutants), the
//! handshake as an arrow from `connect` to `accept`, each transfer as an arrow from the `send`
//! to the thread whose `recv` takes the bytes, `close` and the end of stream, and the calls
//! that blocked drawn as waiting. Written as Mermaid text or as a standalone SVG.

use std::collections::HashMap;
use std::io;
use std::path::Path;

use crate::lang::Lang;
use std::net::SocketAddr;

use crate::trace::{Call, Event, Kind, Note, Phase, Role};

/// One row of the diagram.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Arrow {
        from: usize,
        to: usize,
        label: String,
        /// Dashed: no data (a close, a hand-over between threads).
        dashed: bool,
    },
    Note {
        over: usize,
        text: String,
        /// A call that is blocked, waiting.
        waiting: bool,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Diagram {
    pub participants: Vec<String>,
    pub steps: Vec<Step>,
}

/// Which file format a path asks for, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Mermaid,
    Svg,
}

impl Output {
    pub fn for_path(path: &Path) -> Option<Output> {
        match path.extension()?.to_str()? {
            "mmd" | "mermaid" => Some(Output::Mermaid),
            "svg" => Some(Output::Svg),
            _ => None,
        }
    }
}

/// Draws `events` into `path` (`.svg` or `.mmd`).
pub fn write(path: &Path, events: &[Event], lang: Lang) -> io::Result<()> {
    let output = Output::for_path(path).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{}: the diagram file must end in .svg or .mmd",
                path.display()
            ),
        )
    })?;
    let diagram = build(events, lang);
    let text = match output {
        Output::Mermaid => to_mermaid(&diagram),
        Output::Svg => to_svg(&diagram),
    };
    std::fs::write(path, text)
}

/// Reads a JSON Lines trace written by `--trace json`.
pub fn read_trace(path: &Path) -> io::Result<Vec<Event>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{} line {}: not a socklab JSON event: {e}",
                        path.display(),
                        i + 1
                    ),
                )
            })
        })
        .collect()
}

/// One end of a TCP connection, as the trace saw it: the thread that opened it (`connect` or
/// `accept4`), its fd, and the first bytes it sent and received, by which the two ends of one
/// connection are recognised when both are in the trace.
#[derive(Debug, Clone)]
struct End {
    client: bool,
    peer_addr: Option<SocketAddr>,
    first_sent: Option<String>,
    first_received: Option<String>,
}

/// Finds the ends of every connection, and pairs them: by the first bytes one sent and the
/// other received, else in order.
fn connections(events: &[&Event]) -> (Vec<End>, HashMap<usize, usize>, Vec<Option<usize>>) {
    let mut ends: Vec<End> = Vec::new();
    let mut open: HashMap<i32, usize> = HashMap::new();
    // For each event, the end it concerns.
    let mut end_of: Vec<Option<usize>> = vec![None; events.len()];
    for (i, e) in events.iter().enumerate() {
        if e.kind != Kind::Syscall || e.phase == Phase::Enter || e.errno.is_some() {
            continue;
        }
        let fd = e.fd.unwrap_or(-1);
        match &e.call {
            Call::Connect | Call::Accept4 | Call::Accept => {
                let client = e.call == Call::Connect;
                let own = if client {
                    fd
                } else {
                    e.ret.unwrap_or(-1) as i32
                };
                ends.push(End {
                    client,
                    peer_addr: e.addr,
                    first_sent: None,
                    first_received: None,
                });
                open.insert(own, ends.len() - 1);
                end_of[i] = Some(ends.len() - 1);
            }
            c if (c.sends() || c.receives()) && (e.addr.is_none() || c.sends()) => {
                if let Some(&id) = open.get(&fd) {
                    end_of[i] = Some(id);
                    let end = &mut ends[id];
                    let slot = if e.call.sends() {
                        &mut end.first_sent
                    } else {
                        &mut end.first_received
                    };
                    if slot.is_none() && e.ret.unwrap_or(0) > 0 {
                        *slot = e.preview.clone();
                    }
                }
            }
            Call::Close | Call::Shutdown => {
                end_of[i] = open.get(&fd).copied();
                if e.call == Call::Close {
                    open.remove(&fd);
                }
            }
            _ => {}
        }
    }
    let mut pair: HashMap<usize, usize> = HashMap::new();
    let servers: Vec<usize> = (0..ends.len()).filter(|&i| !ends[i].client).collect();
    for &s in &servers {
        let unpaired = |c: &usize| ends[*c].client && !pair.contains_key(c);
        let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
        let found = (0..ends.len())
            .filter(unpaired)
            .find(|&c| same(&ends[c].first_sent, &ends[s].first_received))
            .or_else(|| {
                (0..ends.len())
                    .filter(unpaired)
                    .find(|&c| same(&ends[c].first_received, &ends[s].first_sent))
            })
            .or_else(|| (0..ends.len()).find(unpaired));
        if let Some(c) = found {
            pair.insert(c, s);
            pair.insert(s, c);
        }
    }
    (ends, pair, end_of)
}

struct Builder {
    lang: Lang,
    d: Diagram,
    ids: HashMap<String, usize>,
}

impl Builder {
    fn participant(&mut self, name: &str) -> usize {
        if let Some(&i) = self.ids.get(name) {
            return i;
        }
        self.d.participants.push(name.to_string());
        self.ids
            .insert(name.to_string(), self.d.participants.len() - 1);
        self.d.participants.len() - 1
    }

    fn arrow(&mut self, from: &str, to: &str, label: String, dashed: bool) {
        let (from, to) = (self.participant(from), self.participant(to));
        self.d.steps.push(Step::Arrow {
            from,
            to,
            label,
            dashed,
        });
    }

    fn note(&mut self, over: &str, text: String, waiting: bool) {
        let over = self.participant(over);
        self.d.steps.push(Step::Note {
            over,
            text,
            waiting,
        });
    }

    fn bytes(&self, n: i64) -> String {
        match (self.lang, n) {
            (Lang::Fr, 1) => "1 octet".to_string(),
            (Lang::En, 1) => "1 byte".to_string(),
            (Lang::Fr, n) => format!("{n} octets"),
            (Lang::En, n) => format!("{n} bytes"),
        }
    }
}

/// Calls worth drawing as waiting when they blocked.
fn waits(call: &Call) -> bool {
    call.accepts() || call.receives() || call.multiplexes() || *call == Call::Connect
}

/// True when a call blocked: its return came more than 2 ms after its start, and another
/// thread did something meanwhile.
fn blocked(events: &[&Event], at: usize) -> bool {
    let enter = events[at];
    let Some(exit) = events[at + 1..]
        .iter()
        .position(|e| e.tid == enter.tid)
        .map(|k| at + 1 + k)
    else {
        return true;
    };
    exit > at + 1 && events[exit].ts_us.saturating_sub(enter.ts_us) > 2_000
}

fn remote_name(addr: &SocketAddr, lang: Lang) -> String {
    format!("{}{addr}", lang.pick("distant ", "remote "))
}

/// Turns a trace into a diagram.
pub fn build(events: &[Event], lang: Lang) -> Diagram {
    let events: Vec<&Event> = events.iter().collect();
    let mut b = Builder {
        lang,
        d: Diagram::default(),
        ids: HashMap::new(),
    };
    // Lifelines: the clients on the left, by name, then the other threads as they appear.
    let mut clients: Vec<&str> = events
        .iter()
        .filter(|e| e.role == Role::Client)
        .map(|e| e.thread.as_str())
        .collect();
    clients.sort_by_key(|t| (t.len(), t.to_string()));
    clients.dedup();
    for c in clients {
        b.participant(c);
    }
    for e in events
        .iter()
        .filter(|e| e.kind == Kind::Syscall && e.role != Role::Harness)
    {
        b.participant(&e.thread);
    }
    let (ends, pair, end_of) = connections(&events);
    // The thread that used each connection end last.
    let mut user: HashMap<usize, String> = HashMap::new();

    for (i, e) in events.iter().enumerate() {
        let t = e.thread.clone();
        let end = end_of[i];
        if let Some(id) = end {
            user.insert(id, t.clone());
        }
        // The thread on the other side of this event's connection, if it is in the trace.
        let other = |user: &HashMap<usize, String>| -> Option<String> {
            let peer = *pair.get(&end?)?;
            // Whoever receives next on the peer end, else whoever used it last.
            events[i + 1..]
                .iter()
                .zip(end_of[i + 1..].iter())
                .find(|(r, id)| **id == Some(peer) && r.call.receives() && r.phase != Phase::Enter)
                .map(|(r, _)| r.thread.clone())
                .or_else(|| user.get(&peer).cloned())
        };
        let remote = || {
            end.and_then(|id| ends[id].peer_addr)
                .map(|a| remote_name(&a, lang))
        };
        match (e.kind, e.phase) {
            (Kind::Note, _) => {
                if let Some(Note::HandOver { fd, executant, .. }) = &e.note {
                    let to = Note::executant_name(*executant);
                    b.arrow(&t, &to, format!("fd {fd}"), true);
                }
                continue;
            }
            (Kind::Probe, _) => continue,
            // The harness (the demo's own thread) starts and stops the server: not drawn.
            _ if e.role == Role::Harness => continue,
            (Kind::Library, _) => {
                let text = format!(
                    "{}({}) [{}]",
                    e.call,
                    e.brief,
                    lang.pick("bibliothèque", "library")
                );
                b.note(&t, text, false);
                continue;
            }
            (Kind::Syscall, Phase::Enter) => {
                if waits(&e.call) && blocked(&events, i) {
                    let text =
                        format!("{}({}) {}", e.call, e.brief, lang.pick("attend…", "waits…"));
                    b.note(&t, text, true);
                }
                continue;
            }
            _ => {}
        }
        let ret = e.ret.unwrap_or(-1);
        let fd = e.fd.unwrap_or(-1);
        if let Some(errno) = &e.errno {
            // The EINVAL of an accept woken by Ctrl+C is the normal way out, not news.
            if !e.call.accepts() || errno != "EINVAL" {
                b.note(&t, format!("{}({}) = -1 {errno}", e.call, e.brief), false);
            }
            continue;
        }
        match &e.call {
            Call::Listen => {
                // With port 0 the port is only known from the getsockname that follows.
                let named = events[i + 1..]
                    .iter()
                    .find(|g| g.call == Call::Getsockname && g.fd == Some(fd) && g.tid == e.tid)
                    .and_then(|g| g.addr);
                let addr = named
                    .or_else(|| e.socket.and_then(|s| s.local))
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                b.note(&t, format!("listen {addr}"), false);
            }
            c if c.accepts() => {
                let client = match end.and_then(|id| pair.get(&id)) {
                    Some(&c) => user
                        .get(&c)
                        .cloned()
                        .unwrap_or_else(|| lang.pick("client", "client").to_string()),
                    None => remote().unwrap_or_else(|| "client".into()),
                };
                b.arrow(&client, &t, format!("connect → accept4 = {ret}"), false);
            }
            Call::Connect if end.is_some_and(|id| !pair.contains_key(&id)) => {
                let to = remote().unwrap_or_else(|| "server".into());
                b.arrow(&t, &to, "connect".into(), false);
            }
            c if c.sends() && ret > 0 => {
                let to = match (&e.addr, other(&user)) {
                    (None, Some(thread)) => thread,
                    (None, None) => remote().unwrap_or_else(|| lang.pick("pair", "peer").into()),
                    // A datagram: to whoever receives one of that size next.
                    (Some(addr), _) => events[i + 1..]
                        .iter()
                        .find(|r| {
                            r.call.receives()
                                && r.phase != Phase::Enter
                                && r.ret == Some(ret)
                                && r.tid != e.tid
                        })
                        .map(|r| r.thread.clone())
                        .unwrap_or_else(|| remote_name(addr, lang)),
                };
                let label = b.bytes(ret);
                b.arrow(&t, &to, label, false);
            }
            c if c.receives() && ret == 0 && end.is_some() => {
                let text = lang.pick("recv = 0 : fin du flot", "recv = 0: end of stream");
                b.note(&t, text.into(), false);
            }
            c if c.receives() && ret > 0 => {
                let from_outside = match (&e.addr, end) {
                    (None, Some(id)) if !pair.contains_key(&id) => remote(),
                    (Some(addr), _) if !sent_here(&events, i) => Some(remote_name(addr, lang)),
                    _ => None,
                };
                if let Some(from) = from_outside {
                    let label = b.bytes(ret);
                    b.arrow(&from, &t, label, false);
                }
            }
            Call::Close => match (end, other(&user)) {
                (Some(_), Some(to)) if to != t => {
                    b.arrow(&t, &to, "close (FIN)".into(), true);
                }
                (Some(id), None) if !pair.contains_key(&id) => {
                    let to = remote().unwrap_or_else(|| lang.pick("pair", "peer").into());
                    b.arrow(&t, &to, "close (FIN)".into(), true);
                }
                _ => b.note(&t, format!("close({fd})"), false),
            },
            Call::Shutdown => b.note(&t, format!("shutdown({})", e.brief), false),
            _ => {}
        }
    }
    b.d
}

/// True when a datagram received at `at` was sent by another thread of this same trace (its
/// arrow was drawn at the send).
fn sent_here(events: &[&Event], at: usize) -> bool {
    let r = events[at];
    events[..at]
        .iter()
        .rev()
        .any(|s| s.call.sends() && s.addr.is_some() && s.ret == r.ret && s.tid != r.tid)
}

/// Mermaid reads `;` as the end of a statement and `#` as the start of an entity: both are
/// written as entity codes.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            c => out.push(c),
        }
    }
    out
}

pub fn to_mermaid(d: &Diagram) -> String {
    let mut out = String::from("sequenceDiagram\n");
    for (i, p) in d.participants.iter().enumerate() {
        out.push_str(&format!("    participant p{i} as {}\n", mermaid_text(p)));
    }
    for step in &d.steps {
        match step {
            Step::Arrow {
                from,
                to,
                label,
                dashed,
            } => {
                let arrow = if *dashed { "-->>" } else { "->>" };
                out.push_str(&format!(
                    "    p{from}{arrow}p{to}: {}\n",
                    mermaid_text(label)
                ));
            }
            Step::Note { over, text, .. } => {
                out.push_str(&format!("    Note over p{over}: {}\n", mermaid_text(text)));
            }
        }
    }
    out
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const COL: usize = 200;
const ROW: usize = 34;
const TOP: usize = 70;

pub fn to_svg(d: &Diagram) -> String {
    let n = d.participants.len().max(1);
    let width = COL * n + 40;
    let height = TOP + ROW * (d.steps.len() + 1) + 20;
    let x = |i: usize| 20 + COL * i + COL / 2;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"monospace\" font-size=\"12\">\n\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
         markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\">\
         <path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#333\"/></marker></defs>\n\
         <rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n"
    );
    for (i, p) in d.participants.iter().enumerate() {
        let cx = x(i);
        out.push_str(&format!(
            "<rect x=\"{}\" y=\"16\" width=\"{}\" height=\"28\" rx=\"4\" fill=\"#dbe9f6\" stroke=\"#2b5d8a\"/>\n\
             <text x=\"{cx}\" y=\"35\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\n\
             <line x1=\"{cx}\" y1=\"44\" x2=\"{cx}\" y2=\"{}\" stroke=\"#999\" stroke-dasharray=\"4 4\"/>\n",
            cx - COL / 2 + 10,
            COL - 20,
            xml(p),
            height - 10
        ));
    }
    for (row, step) in d.steps.iter().enumerate() {
        let y = TOP + ROW * row + ROW / 2;
        match step {
            Step::Arrow {
                from,
                to,
                label,
                dashed,
            } if from != to => {
                let (x1, x2) = (x(*from), x(*to));
                let dash = if *dashed {
                    " stroke-dasharray=\"6 4\""
                } else {
                    ""
                };
                out.push_str(&format!(
                    "<line x1=\"{x1}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#333\" \
                     stroke-width=\"1.5\"{dash} marker-end=\"url(#arrow)\"/>\n\
                     <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                    (x1 + x2) / 2,
                    y - 5,
                    xml(label)
                ));
            }
            Step::Arrow { from, label, .. } => {
                note_svg(&mut out, x(*from), y, label, "#eeeeee");
            }
            Step::Note {
                over,
                text,
                waiting,
            } => {
                let fill = if *waiting { "#fff3c4" } else { "#eef6ee" };
                note_svg(&mut out, x(*over), y, text, fill);
            }
        }
    }
    out.push_str("</svg>\n");
    out
}

fn note_svg(out: &mut String, cx: usize, y: usize, text: &str, fill: &str) {
    let w = (text.chars().count() * 7 + 16).min(COL * 2);
    out.push_str(&format!(
        "<rect x=\"{}\" y=\"{}\" width=\"{w}\" height=\"22\" rx=\"3\" fill=\"{fill}\" stroke=\"#888\"/>\n\
         <text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
        cx.saturating_sub(w / 2),
        y - 11,
        y + 4,
        xml(text)
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: u64, tid: u32, thread: &str, call: Call, fd: i32, ret: i64) -> Event {
        let mut e = Event::new(Kind::Syscall, Phase::Call, call);
        e.seq = seq;
        e.tid = tid;
        e.thread = thread.into();
        e.role = match thread {
            t if t.starts_with("client") => Role::Client,
            "veilleur" => Role::Veilleur,
            _ => Role::Executant,
        };
        e.fd = Some(fd);
        e.ret = Some(ret);
        e
    }

    /// A client and an exécutant in one trace: handshake, one message each way, close.
    #[test]
    fn handshake_data_and_close() {
        let mut hand = Event::new(Kind::Note, Phase::Call, Call::Note);
        hand.thread = "veilleur".into();
        hand.role = Role::Veilleur;
        hand.note = Some(Note::HandOver {
            fd: 4,
            peer: "127.0.0.1:5000".parse().unwrap(),
            executant: 1,
        });
        let mut send = ev(4, 10, "client-1", Call::Sendto, 3, 5);
        send.bytes = Some(5);
        let events = vec![
            ev(1, 10, "client-1", Call::Connect, 3, 0),
            ev(2, 20, "veilleur", Call::Accept4, 5, 4),
            hand,
            send,
            ev(5, 21, "exécutant-1", Call::Recvfrom, 4, 5),
            ev(6, 21, "exécutant-1", Call::Sendto, 4, 5),
            ev(7, 10, "client-1", Call::Recvfrom, 3, 5),
            ev(8, 10, "client-1", Call::Close, 3, 0),
            ev(9, 21, "exécutant-1", Call::Recvfrom, 4, 0),
        ];
        let d = build(&events, Lang::En);
        assert_eq!(d.participants, vec!["client-1", "veilleur", "exécutant-1"]);
        let arrows: Vec<(usize, usize, &str)> = d
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Arrow {
                    from, to, label, ..
                } => Some((*from, *to, label.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(
            arrows,
            vec![
                (0, 1, "connect → accept4 = 4"),
                (1, 2, "fd 4"),
                (0, 2, "5 bytes"),
                (2, 0, "5 bytes"),
                (0, 2, "close (FIN)"),
            ]
        );
        assert!(
            d.steps
                .iter()
                .any(|s| matches!(s, Step::Note { text, .. } if text.contains("end of stream")))
        );
        let mmd = to_mermaid(&d);
        assert!(mmd.starts_with("sequenceDiagram\n"));
        assert!(mmd.contains("p0->>p2: 5 bytes"), "{mmd}");
        assert!(mmd.contains("p0-->>p2: close (FIN)"), "{mmd}");
        let svg = to_svg(&d);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<line").count(), 3 + 5, "3 lifelines, 5 arrows");
    }

    #[test]
    fn a_lone_client_talks_to_a_remote_server() {
        let mut c = ev(1, 10, "client", Call::Connect, 3, 0);
        c.addr = Some("127.0.0.1:7777".parse().unwrap());
        let d = build(&[c, ev(2, 10, "client", Call::Recvfrom, 3, 12)], Lang::Fr);
        assert_eq!(d.participants, vec!["client", "distant 127.0.0.1:7777"]);
        assert_eq!(d.steps.len(), 2);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(xml("a<b>&\"c\""), "a&lt;b&gt;&amp;&quot;c&quot;");
        assert_eq!(mermaid_text("a;b#c"), "a#59;b#35;c");
    }
}
