//! The `strace` renderer: lines in the format `strace -f` prints, so that `diff` against a real
//! strace log means something.

use std::collections::HashMap;
use std::fmt::Write;

use super::{Event, Kind, Phase, Render, errno};

#[derive(Default)]
pub struct StraceRender {
    /// The arguments each thread's unfinished call printed, so its `resumed` half prints the rest.
    unfinished: HashMap<u32, String>,
}

impl StraceRender {
    fn ret(ev: &Event, out: &mut String) {
        match (&ev.errno, ev.ret) {
            (Some(e), _) if matches!(ev.kind, Kind::Syscall | Kind::Probe) => {
                let _ = write!(out, " = -1 {e} ({})", errno::message(e));
            }
            (Some(e), _) => {
                let _ = write!(out, " = {e}");
            }
            (None, Some(r)) => {
                let _ = write!(out, " = {r}");
            }
            (None, None) => out.push_str(" = ?"),
        }
        if let Some(d) = &ev.detail {
            out.push(' ');
            out.push_str(d);
        }
    }
}

impl Render for StraceRender {
    fn render(&mut self, ev: &Event, merged: bool, out: &mut String) {
        if ev.kind == Kind::Packet {
            // strace prints no packets: the lines stay comparable with its own.
            return;
        }
        let _ = write!(out, "[pid {}] ", ev.tid);
        match (ev.kind, ev.phase) {
            (Kind::Note, _) => {
                let _ = write!(out, "--- {} {} ---", ev.call, ev.args);
            }
            (Kind::Library, _) => {
                let _ = write!(out, "--- {}({})", ev.call, ev.args);
                Self::ret(ev, out);
                out.push_str(" (library call, not a syscall) ---");
            }
            (Kind::Syscall | Kind::Probe, Phase::Enter) => {
                self.unfinished.insert(ev.tid, ev.args.clone());
                let _ = write!(out, "{}({} <unfinished ...>", ev.call, ev.args);
            }
            (Kind::Syscall | Kind::Probe, Phase::Exit) if !merged => {
                let prefix = self.unfinished.remove(&ev.tid).unwrap_or_default();
                let rest = ev.args.strip_prefix(prefix.as_str()).unwrap_or(&ev.args);
                let _ = write!(out, "<... {} resumed>{})", ev.call, rest);
                Self::ret(ev, out);
            }
            (Kind::Syscall | Kind::Probe | Kind::Packet, _) => {
                self.unfinished.remove(&ev.tid);
                let _ = write!(out, "{}({})", ev.call, ev.args);
                Self::ret(ev, out);
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::test_support::sample;

    fn line(r: &mut StraceRender, ev: &Event, merged: bool) -> String {
        let mut s = String::new();
        r.render(ev, merged, &mut s);
        s
    }

    #[test]
    fn complete_call() {
        let mut r = StraceRender::default();
        let ev = sample("listen", "3, 5", Some(0), None);
        assert_eq!(line(&mut r, &ev, false), "[pid 4242] listen(3, 5) = 0\n");
    }

    #[test]
    fn error_has_name_and_message() {
        let mut r = StraceRender::default();
        let ev = sample(
            "connect",
            r#"3, {sa_family=AF_INET, sin_port=htons(1), sin_addr=inet_addr("127.0.0.1")}, 16"#,
            Some(-1),
            Some("ECONNREFUSED"),
        );
        assert_eq!(
            line(&mut r, &ev, false),
            "[pid 4242] connect(3, {sa_family=AF_INET, sin_port=htons(1), \
             sin_addr=inet_addr(\"127.0.0.1\")}, 16) = -1 ECONNREFUSED (Connection refused)\n"
        );
    }

    #[test]
    fn unfinished_then_resumed() {
        let mut r = StraceRender::default();
        let mut enter = sample("recvfrom", "4, ", None, None);
        enter.phase = Phase::Enter;
        let mut exit = sample(
            "recvfrom",
            r#"4, "hello", 1500, 0, NULL, NULL"#,
            Some(5),
            None,
        );
        exit.phase = Phase::Exit;
        assert_eq!(
            line(&mut r, &enter, false),
            "[pid 4242] recvfrom(4,  <unfinished ...>\n"
        );
        assert_eq!(
            line(&mut r, &exit, false),
            "[pid 4242] <... recvfrom resumed>\"hello\", 1500, 0, NULL, NULL) = 5\n"
        );
        // Shown as one line when nothing came in between.
        assert_eq!(
            line(&mut r, &exit, true),
            "[pid 4242] recvfrom(4, \"hello\", 1500, 0, NULL, NULL) = 5\n"
        );
    }

    #[test]
    fn library_call_is_not_disguised() {
        let mut r = StraceRender::default();
        let mut ev = sample("getaddrinfo", r#""localhost", "7777""#, Some(2), None);
        ev.kind = Kind::Library;
        let l = line(&mut r, &ev, false);
        assert!(l.starts_with("[pid 4242] --- getaddrinfo("), "{l}");
        assert!(l.contains("not a syscall"), "{l}");
    }
}
