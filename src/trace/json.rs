//! The `json` renderer: JSON Lines, one object per event, every event (nothing merged).
//!
//! The line is written by hand rather than through `serde_json::to_string`: with the trace
//! going to a file under load, rendering is most of the writer thread's work, and a send or a
//! recv of binary data carries its bytes twice (in `args`, as strace quotes them, and in
//! `preview`), backslash after backslash to escape again. Writing straight into the output
//! buffer, without an intermediate string, roughly halves that cost. The text is the same,
//! byte for byte, as serde's (a test checks it), so the lines still read back into [`Event`].

use std::fmt::Write;

use super::{Event, Kind, Phase, Render, Side, SockInfo, SockRole};

/// A note's text is in `args`, in the trace's language, from the moment it is emitted.
pub struct JsonRender;

impl Render for JsonRender {
    fn render(&mut self, ev: &Event, _merged: bool, out: &mut String) {
        line(ev, out);
    }

    fn merges(&self) -> bool {
        false
    }
}

/// Writes the JSON line of one event. It needs no state, so the traced thread itself can call
/// it (see `trace::emit`): the rendering is then spread over every thread instead of resting
/// on the writer alone.
pub(super) fn line(ev: &Event, out: &mut String) {
    line_of(ev, &ev.thread, out);
}

/// The same, the thread's name given apart (the traced thread's own record of it: no copy
/// into the event).
pub(super) fn line_of(ev: &Event, thread: &str, out: &mut String) {
    {
        // The fields in the order of `Event`'s declaration, as serde writes them; the optional
        // ones left out exactly when serde skips them.
        out.push_str("{\"seq\":");
        push_u64(out, ev.seq);
        out.push_str(",\"ts_us\":");
        push_u64(out, ev.ts_us);
        out.push_str(",\"pid\":");
        push_u64(out, ev.pid.into());
        out.push_str(",\"tid\":");
        push_u64(out, ev.tid.into());
        out.push_str(",\"thread\":");
        push_str(out, thread);
        out.push_str(",\"role\":");
        push_str(out, ev.role.name());
        out.push_str(match ev.kind {
            Kind::Syscall => ",\"kind\":\"syscall\"",
            Kind::Library => ",\"kind\":\"library\"",
            Kind::Note => ",\"kind\":\"note\"",
            Kind::Probe => ",\"kind\":\"probe\"",
            Kind::Packet => ",\"kind\":\"packet\"",
        });
        out.push_str(match ev.phase {
            Phase::Call => ",\"phase\":\"call\"",
            Phase::Enter => ",\"phase\":\"enter\"",
            Phase::Exit => ",\"phase\":\"exit\"",
        });
        out.push_str(",\"call\":");
        push_str(out, ev.call.name());
        out.push_str(",\"args\":");
        // The data of a send or a recv is in `args` (as strace quotes it) and again in
        // `preview`: escaped once, inside `args`, then copied for `preview`.
        let mut preview_at = None;
        // The quoted data is the first quoted string of `args` (after the fd): found with a
        // search for `"` and one comparison, not a substring search.
        let data_at = ev.args.find('"');
        match (ev.preview.as_deref().filter(|p| !p.is_empty()), data_at) {
            (Some(p), Some(i)) if ev.args[i..].starts_with(p) => {
                out.push('"');
                push_escaped(out, &ev.args[..i]);
                let start = out.len();
                push_escaped(out, p);
                preview_at = Some(start..out.len());
                push_escaped(out, &ev.args[i + p.len()..]);
                out.push('"');
            }
            _ => push_str(out, &ev.args),
        }
        if !ev.brief.is_empty() {
            out.push_str(",\"brief\":");
            push_str(out, &ev.brief);
        }
        out.push_str(",\"fd\":");
        match ev.fd {
            Some(fd) => push_i64(out, fd.into()),
            None => out.push_str("null"),
        }
        out.push_str(",\"ret\":");
        match ev.ret {
            Some(r) => push_i64(out, r),
            None => out.push_str("null"),
        }
        out.push_str(",\"errno\":");
        match &ev.errno {
            Some(e) => push_str(out, e),
            None => out.push_str("null"),
        }
        if let Some(b) = ev.bytes {
            out.push_str(",\"bytes\":");
            push_u64(out, b as u64);
        }
        if let Some(addr) = &ev.addr {
            out.push_str(",\"addr\":\"");
            push_addr(out, addr);
            out.push('"');
        }
        if let Some(path) = &ev.path {
            out.push_str(",\"path\":");
            push_str(out, path);
        }
        if let Some(preview) = &ev.preview {
            out.push_str(",\"preview\":");
            match preview_at {
                Some(range) => {
                    out.push('"');
                    out.extend_from_within(range);
                    out.push('"');
                }
                None => push_str(out, preview),
            }
        }
        if let Some(detail) = &ev.detail {
            out.push_str(",\"detail\":");
            push_str(out, detail);
        }
        if let Some(socket) = &ev.socket {
            out.push_str(",\"socket\":");
            push_socket(out, socket);
        }
        // Rare fields, written by serde.
        if let Some(note) = &ev.note {
            out.push_str(",\"note\":");
            push_serde(out, note);
        }
        if let Some(option) = &ev.option {
            out.push_str(",\"option\":");
            push_serde(out, option);
        }
        if let Some(how) = ev.how {
            out.push_str(",\"how\":\"");
            out.push_str(how.name());
            out.push('"');
        }
        if let Some(size) = ev.size {
            out.push_str(",\"size\":");
            push_u64(out, size as u64);
        }
        if let Some(state) = ev.tcp_state {
            out.push_str(",\"tcp_state\":\"");
            out.push_str(state.name());
            out.push('"');
        }
        if let Some(ms) = ev.tcp_timer_ms {
            out.push_str(",\"tcp_timer_ms\":");
            push_u64(out, ms.into());
        }
        if let Some(queue) = &ev.queue {
            out.push_str(",\"queue\":");
            push_serde(out, queue);
        }
        if let Some(sockets) = &ev.sockets {
            out.push_str(",\"sockets\":");
            push_serde(out, sockets);
        }
        if let Some(port_use) = &ev.port_use {
            out.push_str(",\"port_use\":");
            push_serde(out, port_use);
        }
        if let Some(packet) = &ev.packet {
            out.push_str(",\"packet\":");
            push_serde(out, packet);
        }
        out.push_str("}\n");
    }
}

/// The socket, as serde writes [`SockInfo`]; on every event on a socket, so by hand.
fn push_socket(out: &mut String, s: &SockInfo) {
    out.push_str("{\"family\":\"");
    out.push_str(s.family.name());
    out.push_str("\",\"type\":\"");
    out.push_str(s.ty.name());
    out.push_str(match s.role {
        SockRole::Unconnected => "\",\"role\":\"unconnected\"",
        SockRole::Listening => "\",\"role\":\"listening\"",
        SockRole::Connected => "\",\"role\":\"connected\"",
        SockRole::Datagram => "\",\"role\":\"datagram\"",
    });
    // An address's text needs no JSON escaping: digits, dots, colons, brackets, a `%scope`.
    if let Some(local) = &s.local {
        out.push_str(",\"local\":\"");
        push_addr(out, local);
        out.push('"');
    }
    if let Some(peer) = &s.peer {
        out.push_str(",\"peer\":\"");
        push_addr(out, peer);
        out.push('"');
    }
    match s.closed_first {
        Some(Side::Local) => out.push_str(",\"closed_first\":\"local\""),
        Some(Side::Peer) => out.push_str(",\"closed_first\":\"peer\""),
        None => {}
    }
    if let Some(n) = s.unread {
        out.push_str(",\"unread\":");
        push_u64(out, n.into());
    }
    if s.shut_read {
        out.push_str(",\"shut_read\":true");
    }
    if s.shared {
        out.push_str(",\"shared\":true");
    }
    if s.dup {
        out.push_str(",\"dup\":true");
    }
    if s.resolver {
        out.push_str(",\"resolver\":true");
    }
    out.push('}');
}

fn push_serde(out: &mut String, value: &impl serde::Serialize) {
    // Serializing these plain structs into a string cannot fail.
    if let Ok(text) = serde_json::to_string(value) {
        out.push_str(&text);
    }
}

fn push_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // SAFETY: ASCII digits are valid UTF-8.
    out.push_str(unsafe { std::str::from_utf8_unchecked(&digits[i..]) });
}

/// An address as `Display` writes it (`127.0.0.1:8080`, `[::1]:8080`): on every event on a
/// socket, twice, so IPv4 without the formatting machinery (measured: 3 % of a traced server's
/// time went to `fmt` for addresses alone).
fn push_addr(out: &mut String, addr: &std::net::SocketAddr) {
    match addr {
        std::net::SocketAddr::V4(a) => {
            for (i, octet) in a.ip().octets().into_iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                push_u64(out, octet.into());
            }
            out.push(':');
            push_u64(out, a.port().into());
        }
        std::net::SocketAddr::V6(_) => {
            let _ = write!(out, "{addr}");
        }
    }
}

fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs());
}

/// What JSON requires escaped in a string: `"`, `\` and the control characters (the usual
/// ones by letter, the others as `\u00XX`). Everything else, UTF-8 included, goes as is.
const ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = b'u';
        c += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// A JSON string: quoted, escaped.
fn push_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    push_escaped(out, s);
    out.push('"');
}

/// The inside of a JSON string. Runs of plain bytes are copied whole; every byte that needs
/// escaping is ASCII, so each run starts and ends on a character boundary.
fn push_escaped(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    // SAFETY: `out` stays valid UTF-8: the bytes of `s` are copied in order, and what is put
    // around some of them is ASCII, before an ASCII byte. Every write is within the room
    // reserved: at most six bytes (`\u00XX`) for each byte of `s`.
    //
    // Byte by byte into reserved room, rather than copying runs: strace's octal escapes make
    // an escape every three or four bytes of binary data, and a copy call per short run cost
    // more than the rest of the line (perf, an echo server traced under 32 clients).
    unsafe {
        let v = out.as_mut_vec();
        v.reserve(bytes.len() * 6);
        let mut len = v.len();
        let p = v.as_mut_ptr();
        for &b in bytes {
            match ESCAPE[b as usize] {
                0 => {
                    *p.add(len) = b;
                    len += 1;
                }
                b'u' => {
                    for (k, &c) in [
                        b'\\',
                        b'u',
                        b'0',
                        b'0',
                        HEX[usize::from(b >> 4)],
                        HEX[usize::from(b & 0xf)],
                    ]
                    .iter()
                    .enumerate()
                    {
                        *p.add(len + k) = c;
                    }
                    len += 6;
                }
                esc => {
                    *p.add(len) = b'\\';
                    *p.add(len + 1) = esc;
                    len += 2;
                }
            }
        }
        v.set_len(len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::test_support::sample;
    use crate::trace::{
        Family, How, Note, Opt, OptName, Packet, PortUse, Queue, SockType, TcpFlag, TcpState,
        Transport,
    };

    #[test]
    fn one_object_per_line_with_the_design_fields() {
        let mut ev = sample(
            "recvfrom",
            r#"4, "h\377", 1500, 0, NULL, NULL"#,
            Some(2),
            None,
        );
        ev.fd = Some(4);
        ev.bytes = Some(2);
        ev.preview = Some(r#""h\377""#.into());
        let mut out = String::new();
        JsonRender.render(&ev, false, &mut out);
        assert!(out.ends_with('\n'));
        assert_eq!(out.matches('\n').count(), 1);
        let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
        for field in [
            "seq", "ts_us", "pid", "tid", "thread", "call", "args", "fd", "ret", "errno",
        ] {
            assert!(v.get(field).is_some(), "missing {field} in {out}");
        }
        assert_eq!(v["call"], "recvfrom");
        assert_eq!(v["fd"], 4);
        assert_eq!(v["ret"], 2);
        assert_eq!(v["bytes"], 2);
        assert_eq!(v["kind"], "syscall");
        assert_eq!(v["phase"], "call");
        assert_eq!(v["thread"], "exécutant-1");
        assert!(v["errno"].is_null());
        // And it reads back into the same event.
        let back: Event = serde_json::from_str(out.trim_end()).unwrap();
        assert_eq!(back.call, ev.call);
        assert_eq!(back.kind, Kind::Syscall);
        assert_eq!(back.phase, Phase::Call);
    }

    #[test]
    fn errors_carry_the_errno_name() {
        let ev = sample("connect", "3, {...}, 16", Some(-1), Some("ECONNREFUSED"));
        let mut out = String::new();
        JsonRender.render(&ev, false, &mut out);
        let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
        assert_eq!(v["errno"], "ECONNREFUSED");
        assert_eq!(v["ret"], -1);
    }

    /// The hand-written line is serde's, byte for byte, whatever the strings hold and
    /// whichever optional fields are there.
    #[test]
    fn same_text_as_serde() {
        let every_char: String = (0u8..=0x7f).map(char::from).collect();
        let strings = [
            String::new(),
            every_char,
            "exécutant-3 → \"quoted\" \\ back\\slash ✓".to_string(),
            r#""\254\230F5|\21b\337\263" \n\t"#.to_string(),
        ];
        for (i, s) in strings.iter().enumerate() {
            for phase in [Phase::Call, Phase::Enter, Phase::Exit] {
                for kind in [
                    Kind::Syscall,
                    Kind::Library,
                    Kind::Note,
                    Kind::Probe,
                    Kind::Packet,
                ] {
                    let mut ev = sample("sendto", s, None, None);
                    ev.kind = kind;
                    ev.phase = phase;
                    ev.thread = s.clone();
                    ev.brief = s.clone();
                    ev.seq = u64::MAX;
                    ev.ts_us = 0;
                    if i % 2 == 0 {
                        ev.fd = Some(-1);
                        ev.ret = Some(i64::MIN);
                        ev.errno = Some(s.clone());
                        ev.bytes = Some(usize::MAX);
                        ev.addr = Some("[::ffff:10.0.0.1]:80".parse().unwrap());
                        ev.path = Some(s.clone());
                        ev.preview = Some(s.clone());
                        ev.detail = Some(s.clone());
                        ev.note = Some(Note::Truncated {
                            len: 70_000,
                            cap: 65_535,
                            peer: "[::ffff:127.0.0.1]:9".parse().unwrap(),
                        });
                        ev.option = Some(Opt {
                            name: OptName::Other(s.clone()),
                            value: Some(-1),
                        });
                        ev.port_use = Some(PortUse {
                            port: 7777,
                            listening: 1,
                            connected: 0,
                            lingering: 3,
                        });
                    }
                    ev.socket = match i {
                        0 => None,
                        1 => Some(SockInfo::new(Family::Inet, SockType::Dgram)),
                        _ => Some(SockInfo {
                            family: Family::Inet6,
                            ty: SockType::Stream,
                            role: [SockRole::Connected, SockRole::Listening][i % 2],
                            local: Some("[::]:7777".parse().unwrap()),
                            peer: Some("[fe80::1%2]:40000".parse().unwrap()),
                            closed_first: [Some(Side::Peer), Some(Side::Local)][i % 2],
                            unread: Some(u32::MAX),
                            shut_read: i % 2 == 1,
                            shared: i % 2 == 0,
                            dup: i % 2 == 1,
                            resolver: i % 2 == 0,
                        }),
                    };
                    if i > 0 {
                        ev.tcp_state = Some(TcpState::TimeWait);
                        ev.tcp_timer_ms = Some(59_998);
                        ev.queue = Some(Queue {
                            waiting: 2,
                            backlog: 5,
                            drops: (i % 2 == 0).then_some(3),
                        });
                    }
                    (ev.how, ev.size) = match i {
                        0 => (None, None),
                        _ => (Some(How::Write), Some(65_535)),
                    };
                    ev.packet = match i {
                        0 => None,
                        1 => Some(Packet {
                            proto: Transport::Udp,
                            src: "127.0.0.1:40000".parse().unwrap(),
                            dst: "127.0.0.1:7".parse().unwrap(),
                            flags: Vec::new(),
                            seq: None,
                            ack: None,
                            len: 0,
                            preview: None,
                        }),
                        _ => Some(Packet {
                            proto: Transport::Tcp,
                            src: "[::1]:40000".parse().unwrap(),
                            dst: "[::1]:7777".parse().unwrap(),
                            flags: vec![TcpFlag::Syn, TcpFlag::Fin, TcpFlag::Psh, TcpFlag::Ack],
                            seq: Some(u32::MAX),
                            ack: Some(0),
                            len: usize::MAX,
                            preview: Some(s.clone()),
                        }),
                    };
                    let mut out = String::new();
                    JsonRender.render(&ev, false, &mut out);
                    let serde = serde_json::to_string(&ev).unwrap() + "\n";
                    assert_eq!(out, serde);
                    // The data in `args` and again in `preview`, as for a send or a recv.
                    ev.args = format!("4, {s}, 1500, 0, NULL, NULL");
                    ev.preview = Some(s.clone());
                    let mut out = String::new();
                    JsonRender.render(&ev, false, &mut out);
                    let serde = serde_json::to_string(&ev).unwrap() + "\n";
                    assert_eq!(out, serde);
                }
            }
        }
    }
}
