//! The demo's layout: the clients' calls in the left column, the server's in the right one,
//! fitted to the terminal's width, so the two sides of each exchange face each other. The
//! packets (`--packets`) go between the two sides, centred across the separator: they belong
//! to neither.

use crate::trace::{Event, Kind, PrettyRender, Render, Role};

pub struct ColumnsRender {
    inner: PrettyRender,
    width: usize,
}

impl ColumnsRender {
    /// `total`: the terminal's width; each column gets half of it, less the separator.
    pub fn new(inner: PrettyRender, total: usize) -> ColumnsRender {
        let width = total.saturating_sub(3) / 2;
        ColumnsRender {
            inner: inner.narrow(width),
            width,
        }
    }
}

/// The text a terminal shows: ANSI colour sequences (`ESC [ ... m`) left out.
fn plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_escape = false;
    for c in line.chars() {
        match (in_escape, c) {
            (false, '\u{1b}') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, c) => out.push(c),
        }
    }
    out
}

/// The width a terminal shows.
fn visible_width(line: &str) -> usize {
    plain(line).chars().count()
}

/// The line cut to `width` visible characters (colour is dropped from a line that is cut).
fn fit(line: &str, width: usize) -> String {
    if visible_width(line) <= width {
        return line.to_string();
    }
    let mut cut: String = plain(line).chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

impl Render for ColumnsRender {
    fn render(&mut self, ev: &Event, merged: bool, out: &mut String) {
        if ev.kind == Kind::Packet {
            let Some(line) = self.inner.packet_line(ev) else {
                return;
            };
            let total = 2 * self.width + 3;
            let line = fit(&line, total);
            let pad = total.saturating_sub(visible_width(&line)) / 2;
            out.push_str(&" ".repeat(pad));
            out.push_str(&line);
            out.push('\n');
            return;
        }
        let mut text = String::new();
        self.inner.render(ev, merged, &mut text);
        // Clients go left; the server's threads (veilleur, exécutants, main, helpers) and the
        // harness go right.
        self.place(&text, ev.role == Role::Client, out);
    }

    fn finish(&mut self, out: &mut String) {
        let mut text = String::new();
        self.inner.finish(&mut text);
        self.place(&text, false, out);
    }

    fn reveal(&mut self, call: &Event, out: &mut String) {
        let mut text = String::new();
        self.inner.reveal(call, &mut text);
        self.place(&text, call.role == Role::Client, out);
    }
}

impl ColumnsRender {
    /// Lays `text` out in the left column, or the right one.
    fn place(&self, text: &str, left: bool, out: &mut String) {
        for line in text.lines() {
            let line = fit(line, self.width);
            if left {
                let pad = self.width.saturating_sub(visible_width(&line));
                out.push_str(&line);
                out.push_str(&" ".repeat(pad));
                out.push_str(" │\n");
            } else {
                out.push_str(&" ".repeat(self.width));
                out.push_str(" │ ");
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
}

/// The terminal's width: `COLUMNS`, else the terminal's own size, else 120.
pub fn terminal_width() -> usize {
    if let Some(n) = std::env::var("COLUMNS").ok().and_then(|v| v.parse().ok()) {
        return n;
    }
    // SAFETY: TIOCGWINSZ fills a winsize struct; on failure it is left zeroed.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    if ok && ws.ws_col >= 40 {
        ws.ws_col as usize
    } else {
        120
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::{ExplainMode, Explainer};
    use crate::lang::Lang;
    use crate::trace::{Call, Kind, Phase};

    fn event(thread: &str, role: Role) -> Event {
        let mut ev = Event::new(Kind::Syscall, Phase::Call, Call::Listen);
        ev.thread = thread.into();
        ev.role = role;
        ev.args = "3, 5".into();
        ev.ret = Some(0);
        ev
    }

    #[test]
    fn clients_left_server_right() {
        let inner = PrettyRender::new(Explainer::new(Lang::En, ExplainMode::Never), false, false);
        let mut r = ColumnsRender::new(inner, 83);
        let mut out = String::new();
        r.render(&event("client-1", Role::Client), false, &mut out);
        r.render(&event("veilleur", Role::Veilleur), false, &mut out);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(
            lines[0].starts_with("client-1") && lines[0].ends_with(" │"),
            "{out}"
        );
        assert!(lines[1].starts_with(&" ".repeat(40)), "{out}");
        assert!(lines[1].contains("│ veilleur"), "{out}");
        for l in lines {
            assert!(visible_width(l) <= 83, "{l}");
        }
    }

    #[test]
    fn packets_are_centred_between_the_sides() {
        let inner = PrettyRender::new(Explainer::new(Lang::En, ExplainMode::Never), false, false);
        let mut r = ColumnsRender::new(inner, 83);
        let mut ev = Event::new(Kind::Packet, Phase::Call, Call::Packet);
        ev.packet = Some(crate::trace::Packet {
            proto: crate::trace::Transport::Tcp,
            src: "127.0.0.1:40000".parse().unwrap(),
            dst: "127.0.0.1:7777".parse().unwrap(),
            flags: vec![crate::trace::TcpFlag::Syn],
            seq: Some(0),
            ack: None,
            len: 0,
            preview: None,
        });
        let mut out = String::new();
        r.render(&ev, false, &mut out);
        let text = "⇢ SYN 127.0.0.1:40000 → :7777 seq=0";
        assert_eq!(out.trim(), text);
        let left = out.len() - out.trim_start().len();
        let right = 83 - left - text.chars().count();
        assert!(left.abs_diff(right) <= 1, "centred: {out:?}");
        assert!(!out.contains('│'), "{out}");
    }

    #[test]
    fn long_lines_are_cut_to_the_column() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("\u{1b}[1mabcdef\u{1b}[0m", 4), "abc…");
        assert_eq!(fit("\u{1b}[1mab\u{1b}[0m", 4), "\u{1b}[1mab\u{1b}[0m");
        assert_eq!(visible_width("\u{1b}[36mabc\u{1b}[0m"), 3);
    }
}
