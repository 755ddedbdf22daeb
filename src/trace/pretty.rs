//! The `pretty` renderer: one coloured line per call, and under it a dim line that explains it.
//!
//! ```text
//!  +0.000 main         socket(AF_INET, SOCK_STREAM) = 3
//!                        ↳ socket() asks the kernel for a new communication endpoint ...
//!  +0.002 veilleur     accept4(3) … waiting for a client…
//! ```

use std::fmt::Write;

use colored::{ColoredString, Colorize};

use super::escape::{display_bytes, hexdump};
use std::collections::HashMap;

use super::helpers::{Helpers, Released, Verdict};
use super::table::Table;
use super::{Call, Event, Kind, Phase, Render, Role, TcpState};
use crate::explain::Explainer;
use crate::lang::Lang;

/// Width of the explanation text before it wraps.
const WRAP: usize = 92;
/// Bytes of data shown inline after a call that moved data.
const INLINE_PREVIEW: usize = 48;
/// Bytes shown by `--hexdump` under a call (the rest is counted, not shown).
pub const HEXDUMP_MAX: usize = 512;

pub struct PrettyRender {
    explainer: Explainer,
    /// The language notes are worded in.
    lang: Lang,
    hexdump: bool,
    /// The time column (left out in the demo's narrow columns).
    show_time: bool,
    /// Width of the explanation text before it wraps.
    wrap: usize,
    /// Colour is decided per renderer (a trace file gets none even when the terminal does).
    color: bool,
    t0: Option<u64>,
    /// The last TCP state shown for each socket (by process and fd): a state is shown when it
    /// changes.
    states: HashMap<(u32, i32), TcpState>,
    /// `--sockets`: the program's sockets, shown as the kernel sees them when one changes
    /// state.
    table: Option<Table>,
    /// `socklab trace`: the lines of processes that made no socket call are held back.
    helpers: Option<Helpers>,
    /// The time of the last event shown, for the lines written at the end.
    last_ts: u64,
}

impl PrettyRender {
    pub fn new(explainer: Explainer, hexdump: bool, color: bool) -> PrettyRender {
        PrettyRender {
            lang: explainer.lang(),
            explainer,
            hexdump,
            show_time: true,
            wrap: WRAP,
            color,
            t0: None,
            states: HashMap::new(),
            table: None,
            helpers: None,
            last_ts: 0,
        }
    }

    /// For `socklab trace`: the forks, programs and ends of processes that never make a
    /// socket call (a shell, a version manager's shims) are left out and counted (see
    /// [`Helpers`]).
    pub fn hiding_helpers(mut self, on: bool) -> PrettyRender {
        self.helpers = on.then(Helpers::default);
        self
    }

    /// With `--sockets`: an ss-like table of the program's sockets whenever one changes state.
    pub fn with_sockets_table(mut self, on: bool) -> PrettyRender {
        self.table = on.then(Table::default);
        self
    }

    /// For a column `width` characters wide: no time, explanations wrapped to fit.
    pub fn narrow(mut self, width: usize) -> PrettyRender {
        self.show_time = false;
        self.wrap = width.saturating_sub(self.indent() + 2).max(20);
        self
    }

    /// Where lines under a call start: past the time and thread columns.
    fn indent(&self) -> usize {
        if self.show_time { 23 } else { 14 }
    }

    /// Applies a style when colour is on, and nothing otherwise.
    fn paint(&self, text: &str, style: fn(&str) -> ColoredString) -> String {
        if self.color {
            style(text).to_string()
        } else {
            text.to_string()
        }
    }

    fn prefix(&mut self, ev: &Event, out: &mut String) {
        let t0 = *self.t0.get_or_insert(ev.ts_us);
        let secs = ev.ts_us.saturating_sub(t0) as f64 / 1e6;
        let thread = self.paint(&format!("{:<13}", ev.thread), |s| s.cyan());
        if self.show_time {
            let time = self.paint(&format!("{:>8}", format!("+{secs:.3}")), |s| s.dimmed());
            let _ = write!(out, "{time} ");
        }
        let _ = write!(out, "{thread} ");
    }

    fn ret(&self, ev: &Event, out: &mut String) {
        match (&ev.errno, ev.ret) {
            (Some(e), r) => {
                let r = r.map(|r| format!("{r} ")).unwrap_or_default();
                let _ = write!(
                    out,
                    " = {}",
                    self.paint(&format!("{r}{e}"), |s| s.red().bold())
                );
            }
            (None, Some(r)) => {
                let _ = write!(out, " = {}", self.paint(&r.to_string(), |s| s.green()));
            }
            (None, None) => {}
        }
        if let Some(d) = &ev.detail {
            let _ = write!(out, "  {d}");
        }
    }

    /// The TCP state the kernel reported after the call, when it changed (`→ CLOSE_WAIT`);
    /// after a `close`, what became of the connection (TIME_WAIT and its time left), and for a
    /// listening socket its queue.
    fn kernel(&mut self, ev: &Event, out: &mut String) {
        let Some(fd) = ev.fd else { return };
        let closing = ev.call == Call::Close;
        if let Some(state) = ev.tcp_state {
            // After accept, the state is the new socket's: keyed by its own fd.
            let key = match ev.ret {
                Some(new) if ev.call.accepts() => (ev.pid, new as i32),
                _ => (ev.pid, fd),
            };
            let text = match (closing, state, ev.tcp_timer_ms) {
                (true, TcpState::Close, _) => self
                    .lang
                    .pick("→ fermée (le noyau l'a oubliée)", "→ closed (gone)")
                    .into(),
                (true, TcpState::TimeWait, Some(ms)) => {
                    let left = f64::from(ms) / 1000.0;
                    match self.lang {
                        Lang::Fr => format!("→ TIME_WAIT (encore {left:.1} s)"),
                        Lang::En => format!("→ TIME_WAIT ({left:.1} s left)"),
                    }
                }
                (_, s, _) => format!("→ {}", s.name()),
            };
            // A close always says what became of the connection; another call, a change.
            if closing || self.states.insert(key, state) != Some(state) {
                let _ = write!(out, "  {}", self.paint(&text, |s| s.blue().bold()));
            }
        }
        if closing {
            // The descriptor is free again: the next socket given that number starts afresh.
            self.states.remove(&(ev.pid, fd));
        }
        if let Some(q) = ev.queue {
            let text = match self.lang {
                Lang::Fr => format!("file {}/{}", q.waiting, q.backlog),
                Lang::En => format!("queue {}/{}", q.waiting, q.backlog),
            };
            let _ = write!(out, "  {}", self.paint(&text, |s| s.blue()));
        }
    }

    /// `--sockets`: the program's sockets as the kernel listed them at this event.
    fn table(&self, ev: &Event, out: &mut String) {
        if let (Some(table), Some(rows)) = (self.table.as_ref(), ev.sockets.as_ref()) {
            let mut text = String::new();
            table.render(rows, self.lang, self.indent(), &mut text);
            if !text.is_empty() {
                out.push('\n');
                out.push_str(text.trim_end_matches('\n'));
            }
        }
    }

    /// The address a call involved, when the arguments do not show it already: the client an
    /// `accept` returned, where a datagram came from or goes to, a socket's own address; after
    /// `connect`, the local address the kernel picked.
    fn address(&self, ev: &Event, out: &mut String) {
        if ev.call == Call::Connect
            && ev.errno.is_none()
            && let Some(local) = ev.socket.and_then(|s| s.local)
        {
            let text = format!("{} {local}", self.lang.pick("locale", "local"));
            let _ = write!(out, "  {}", self.paint(&text, |s| s.cyan()));
        }
        let Some(addr) = &ev.addr else { return };
        let text = match &ev.call {
            c if c.accepts() => format!("← client {addr}"),
            c if c.receives() => format!("← {addr}"),
            c if c.sends() => format!("→ {addr}"),
            Call::Getsockname | Call::Getpeername => format!("= {addr}"),
            _ => return,
        };
        let _ = write!(out, "  {}", self.paint(&text, |s| s.cyan()));
    }

    fn data(&self, ev: &Event, out: &mut String) {
        if ev.data.is_empty() {
            return;
        }
        let shown = &ev.data[..ev.data.len().min(INLINE_PREVIEW)];
        let more = if ev.bytes.unwrap_or(0) > shown.len() {
            "…"
        } else {
            ""
        };
        let text = format!("\"{}\"{more}", display_bytes(shown));
        let _ = write!(out, "  {}", self.paint(&text, |s| s.yellow()));
    }

    /// A line under the call, indented past the time and thread columns.
    fn under(&self, text: &str, out: &mut String) {
        let pad = self.indent();
        let _ = write!(out, "\n{:pad$}{}", "", self.paint(text, |s| s.dimmed()));
    }

    fn explanation(&mut self, ev: &Event, out: &mut String) {
        if let Some(text) = self.explainer.explain(ev) {
            for (i, line) in wrap(&text, self.wrap).iter().enumerate() {
                let mark = if i == 0 { "↳" } else { " " };
                self.under(&format!("{mark} {line}"), out);
            }
        }
    }

    fn hexdump(&self, ev: &Event, out: &mut String) {
        if !self.hexdump || ev.data.is_empty() {
            return;
        }
        let shown = ev.data.len().min(HEXDUMP_MAX);
        for row in hexdump(&ev.data[..shown]) {
            self.under(&row, out);
        }
        let total = ev.bytes.unwrap_or(ev.data.len());
        if total > shown {
            self.under(&format!("… {} more bytes", total - shown), out);
        }
    }
}

impl PrettyRender {
    /// A packet, in one line, dim, marked `⇢` so it cannot be taken for a call:
    /// `⇢ SYN 127.0.0.1:40000 → :7777 seq=0`, then `len=N` and the first bytes of its data.
    /// The destination's address is left out when it is the source's (loopback).
    pub fn packet_line(&self, ev: &Event) -> Option<String> {
        let p = ev.packet.as_ref()?;
        let dst = if p.dst.ip() == p.src.ip() {
            format!(":{}", p.dst.port())
        } else {
            p.dst.to_string()
        };
        let mut text = format!("⇢ {} {} → {dst}", p.label(), p.src);
        if let Some(seq) = p.seq {
            let _ = write!(text, " seq={seq}");
        }
        if let Some(ack) = p.ack {
            let _ = write!(text, " ack={ack}");
        }
        if p.len > 0 {
            let _ = write!(text, " len={}", p.len);
            if !ev.data.is_empty() {
                let shown = &ev.data[..ev.data.len().min(PACKET_PREVIEW)];
                let more = if p.len > shown.len() { "…" } else { "" };
                let _ = write!(text, " \"{}\"{more}", display_bytes(shown));
            }
        }
        Some(self.paint(&text, |s| s.dimmed()))
    }
}

/// Bytes of a packet's data shown in its line.
const PACKET_PREVIEW: usize = 24;

impl Render for PrettyRender {
    fn render(&mut self, ev: &Event, merged: bool, out: &mut String) {
        if !matches!(ev.kind, Kind::Probe | Kind::Packet) {
            self.last_ts = ev.ts_us;
            if let Some(helpers) = self.helpers.as_mut() {
                match helpers.judge(ev, self.lang) {
                    Verdict::Hold => {
                        let mut text = String::new();
                        self.render_one(ev, merged, &mut text);
                        if let Some(helpers) = self.helpers.as_mut() {
                            helpers.hold(text);
                        }
                        return;
                    }
                    Verdict::Show(released) => {
                        self.released(released, ev.ts_us, &ev.thread, ev.role, out)
                    }
                }
            }
        }
        self.render_one(ev, merged, out);
    }

    fn reveal(&mut self, call: &Event, out: &mut String) {
        let Some(released) = self
            .helpers
            .as_mut()
            .map(|h| h.before_call(call, self.lang))
        else {
            return;
        };
        // A call at the gate has no time yet: the count is dated by the last line shown.
        let ts = if call.ts_us == 0 {
            self.last_ts
        } else {
            call.ts_us
        };
        self.released(released, ts, &call.thread, call.role, out);
    }

    fn finish(&mut self, out: &mut String) {
        let Some(released) = self.helpers.as_mut().map(|h| h.finish(self.lang)) else {
            return;
        };
        self.released(released, self.last_ts, "socklab", Role::Harness, out);
    }
}

impl PrettyRender {
    /// What the helpers' filter lets out: the held lines (earlier ones, in their order), then
    /// the count of the lines left out, as a note of `thread` at time `ts`.
    fn released(
        &mut self,
        released: Released,
        ts: u64,
        thread: &str,
        role: Role,
        out: &mut String,
    ) {
        out.extend(released.lines);
        if let Some(count) = released.count {
            let mut note = Event::new(Kind::Note, Phase::Call, Call::Note);
            note.ts_us = ts;
            note.thread = thread.into();
            note.role = role;
            note.args = count;
            self.render_one(&note, false, out);
        }
    }

    fn render_one(&mut self, ev: &Event, merged: bool, out: &mut String) {
        if ev.kind == Kind::Probe {
            // socklab's own look at the kernel: what it learnt shows in the call's line.
            return;
        }
        if ev.kind == Kind::Packet {
            let Some(line) = self.packet_line(ev) else {
                return;
            };
            // In the time column, then where the thread's name would be: no thread sent it.
            let t0 = *self.t0.get_or_insert(ev.ts_us);
            if self.show_time {
                let secs = ev.ts_us.saturating_sub(t0) as f64 / 1e6;
                let time = self.paint(&format!("{:>8}", format!("+{secs:.3}")), |s| s.dimmed());
                let _ = write!(out, "{time} ");
            }
            let _ = writeln!(out, "{:13} {line}", "");
            return;
        }
        if let Some(table) = self.table.as_mut() {
            table.follow(ev);
        }
        self.prefix(ev, out);
        let brief = if ev.brief.is_empty() {
            &ev.args
        } else {
            &ev.brief
        };
        let call = self.paint(ev.call.name(), |s| s.bold());
        match (ev.kind, ev.phase) {
            (Kind::Note, _) => {
                let text = match &ev.note {
                    Some(note) => note.text(&ev.thread, self.lang),
                    None => brief.to_string(),
                };
                let _ = write!(
                    out,
                    "{}",
                    self.paint(&format!("── {text}"), |s| s.magenta())
                );
                self.explanation(ev, out);
                self.table(ev, out);
            }
            (Kind::Library, _) => {
                let _ = write!(out, "{call}({brief})");
                self.ret(ev, out);
                let tag = self.lang.pick(
                    "[bibliothèque, pas un appel système]",
                    "[library, no syscall]",
                );
                let tag = self.paint(tag, |s| s.dimmed());
                let _ = write!(out, "  {tag}");
                self.explanation(ev, out);
            }
            (Kind::Packet, _) => {}
            (Kind::Syscall | Kind::Probe, Phase::Enter) => {
                let waiting = format!("… {}", self.explainer.waiting(&ev.call));
                let _ = write!(
                    out,
                    "{call}({brief}) {}",
                    self.paint(&waiting, |s| s.yellow())
                );
            }
            (Kind::Syscall | Kind::Probe, phase) => {
                if phase == Phase::Exit && !merged {
                    // The call was shown waiting earlier; this is its return.
                    let _ = write!(out, "{} {call}({brief})", self.paint("…", |s| s.yellow()));
                } else {
                    let _ = write!(out, "{call}({brief})");
                }
                self.ret(ev, out);
                self.kernel(ev, out);
                self.address(ev, out);
                self.data(ev, out);
                self.hexdump(ev, out);
                self.explanation(ev, out);
                self.table(ev, out);
            }
        }
        out.push('\n');
    }
}

/// Splits text into lines of at most `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::ExplainMode;
    use crate::lang::Lang;
    use crate::trace::test_support::sample;

    fn render(r: &mut PrettyRender, ev: &Event) -> String {
        let mut s = String::new();
        r.render(ev, false, &mut s);
        s
    }

    #[test]
    fn english_line_and_explanation() {
        let mut r = PrettyRender::new(Explainer::new(Lang::En, ExplainMode::First), false, false);
        let mut ev = sample("listen", "3, 5", Some(0), None);
        ev.brief = "3, backlog=5".into();
        let out = render(&mut r, &ev);
        assert!(out.contains("exécutant-1"), "{out}");
        assert!(out.contains("listen(3, backlog=5) = 0"), "{out}");
        assert!(
            out.contains("↳ listen() turns the socket into a listening socket"),
            "{out}"
        );
        // `first`: the second listen is not explained again.
        let again = render(&mut r, &ev);
        assert!(!again.contains('↳'), "{again}");
    }

    #[test]
    fn french_explanations() {
        let mut r = PrettyRender::new(Explainer::new(Lang::Fr, ExplainMode::Always), false, false);
        let ev = sample("accept4", "3, ...", Some(4), None);
        let out = render(&mut r, &ev);
        assert!(
            out.contains("accept() prend la prochaine connexion"),
            "{out}"
        );
        let again = render(&mut r, &ev);
        assert!(again.contains('↳'), "always: explained every time: {again}");
    }

    #[test]
    fn errors_are_explained_by_errno() {
        let mut r = PrettyRender::new(Explainer::new(Lang::En, ExplainMode::First), false, false);
        let ev = sample("bind", "3, ...", Some(-1), Some("EADDRINUSE"));
        let out = render(&mut r, &ev);
        assert!(out.contains("= -1 EADDRINUSE"), "{out}");
        assert!(out.contains("TIME_WAIT"), "{out}");
        let mut r = PrettyRender::new(Explainer::new(Lang::Fr, ExplainMode::First), false, false);
        let out = render(&mut r, &ev);
        assert!(out.contains("le port est déjà utilisé"), "{out}");
    }

    #[test]
    fn end_of_stream_is_explained() {
        let mut r = PrettyRender::new(Explainer::new(Lang::En, ExplainMode::First), false, false);
        let ev = sample("recvfrom", "4, \"\", 1500, 0, NULL, NULL", Some(0), None);
        let out = render(&mut r, &ev);
        assert!(out.contains("end of the stream"), "{out}");
    }

    #[test]
    fn waiting_call_shows_it_waits() {
        let mut r = PrettyRender::new(Explainer::new(Lang::En, ExplainMode::Never), false, false);
        let mut ev = sample("accept4", "3", None, None);
        ev.phase = Phase::Enter;
        let out = render(&mut r, &ev);
        assert!(out.contains("accept4(3) … waiting for a client"), "{out}");
    }

    #[test]
    fn data_shown_escaped_and_hexdumped() {
        let mut r = PrettyRender::new(Explainer::new(Lang::En, ExplainMode::Never), true, false);
        let mut ev = sample("sendto", "4, ...", Some(3), None);
        ev.data = b"a\xff\n".to_vec();
        ev.bytes = Some(3);
        let out = render(&mut r, &ev);
        assert!(out.contains(r#""a\xff\n""#), "{out}");
        assert!(out.contains("00000000  61 ff 0a"), "{out}");
    }

    #[test]
    fn colour_only_when_asked() {
        // The global override only lets colour through; each renderer decides for itself.
        colored::control::set_override(true);
        let ev = sample("listen", "3, 5", Some(0), None);
        let mut r = PrettyRender::new(Explainer::new(Lang::En, ExplainMode::Never), false, true);
        let coloured = render(&mut r, &ev);
        assert!(
            coloured.contains("\u{1b}["),
            "expected ANSI colour codes: {coloured:?}"
        );
        let mut r = PrettyRender::new(Explainer::new(Lang::En, ExplainMode::Never), false, false);
        let plain = render(&mut r, &ev);
        assert!(!plain.contains("\u{1b}["), "{plain:?}");
    }

    #[test]
    fn wraps_at_spaces() {
        let lines = wrap("aaa bbb ccc ddd", 7);
        assert_eq!(lines, vec!["aaa bbb", "ccc ddd"]);
    }
}
