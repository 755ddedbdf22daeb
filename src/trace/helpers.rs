//! The pretty trace of `socklab trace` leaves out the processes that never made a socket call
//! (a shell, a version manager's shims: `python3` run through pyenv forks some forty helpers
//! and runs eight programs before the student's first `socket`). Their lines (fork, execve,
//! exit) are held back; when a process makes its first socket call, the lines that say how it
//! came to be (the fork that made it and the program it runs now, and the same for the
//! processes above it that made none) are shown before that call, and what is left out is
//! counted in one line. A program socklab started (no traced parent) that ends without a socket
//! call still shows its program and its end. The JSON and strace traces keep every line.

use std::collections::{HashMap, HashSet};

use super::note::Note;
use super::{Event, Kind, Role};
use crate::lang::Lang;

/// Held lines kept for the end of a run that never makes a socket call; past this, lines are
/// only counted.
const KEEP: usize = 2000;
/// Program names given in the line that counts what was left out.
const NAMES: usize = 6;

/// What a process's lifecycle line is about.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Line {
    /// The fork that made the process.
    Born,
    /// The process runs a new program.
    Exec,
    /// Anything else of the process: a thread made or ended, its end.
    Other,
}

struct Held {
    /// The process the line is about.
    subject: u32,
    line: Line,
    /// The program's name, for an `Exec` line.
    name: Option<String>,
    text: String,
}

/// What to do with an event, asked before it is rendered.
pub enum Verdict {
    /// Render it now, after what is released: held lines (rendered already), then the count
    /// of the lines left out until now (words, to be shown as a note).
    Show(Released),
    /// Render it into the text handed back with [`Helpers::hold`].
    Hold,
}

/// Lines that come out before an event, or at the end: the held lines first (they are
/// earlier), then the count.
#[derive(Default, Debug)]
pub struct Released {
    pub count: Option<String>,
    pub lines: Vec<String>,
}

#[derive(Default)]
pub struct Helpers {
    /// Processes whose lines are shown: they made a socket call, came before one that did, or
    /// were made by one that did.
    shown: HashSet<u32>,
    /// Processes that made a socket call themselves: what they fork is shown at once (a
    /// forking server's children), where a process shown only as another's ancestor (a shell
    /// that ran the server) has its next children held like any.
    active: HashSet<u32>,
    /// Each held-back process's parent, while it is held.
    parents: HashMap<u32, u32>,
    /// Held-back processes that have ended.
    ended: HashSet<u32>,
    held: Vec<Held>,
    /// Lines left out and not counted in a line yet; the names of their programs.
    left_out: usize,
    names: Vec<String>,
    /// The line [`Verdict::Hold`] was given for, waiting for its text.
    pending: Option<(u32, Line, Option<String>)>,
}

impl Helpers {
    /// Decides whether `ev` is shown now; the lines to put before it come with the answer.
    pub fn judge(&mut self, ev: &Event, lang: Lang) -> Verdict {
        if ev.kind == Kind::Note
            && let Some((subject, line, name)) = lifecycle(ev)
        {
            if line == Line::Born {
                if self.active.contains(&ev.pid) {
                    // Made by a process that makes socket calls (a forking server's child).
                    self.shown.insert(subject);
                    return Verdict::Show(Released::default());
                }
                self.parents.insert(subject, ev.pid);
            }
            if self.shown.contains(&subject) {
                return Verdict::Show(Released::default());
            }
            if matches!(ev.note, Some(Note::Exit { .. })) {
                if !self.parents.contains_key(&subject) {
                    // A program socklab started (no traced parent made it) ends without a
                    // socket call: its program and its end are shown all the same.
                    return Verdict::Show(Released {
                        lines: self.release(subject),
                        count: self.count_line(lang),
                    });
                }
                self.ended.insert(subject);
            }
            self.pending = Some((subject, line, name));
            return Verdict::Hold;
        }
        Verdict::Show(self.before_call(ev, lang))
    }

    /// What comes out before a call (or any other event that is no process's fork, program
    /// or end): its process's held lines the first time, and the count of those left out.
    pub fn before_call(&mut self, ev: &Event, lang: Lang) -> Released {
        let mut out = Released::default();
        if ev.role != Role::Harness {
            if !self.shown.contains(&ev.pid) {
                out.lines = self.release(ev.pid);
            }
            self.active.insert(ev.pid);
        }
        out.count = self.count_line(lang);
        out
    }

    /// The text of the line [`Helpers::judge`] said to hold.
    pub fn hold(&mut self, text: String) {
        let Some((subject, line, name)) = self.pending.take() else {
            return;
        };
        if self.held.len() >= KEEP {
            self.drop_ended();
        }
        if self.held.len() >= KEEP {
            self.leave_out(name);
            return;
        }
        self.held.push(Held {
            subject,
            line,
            name,
            text,
        });
    }

    /// At the end of the trace: what is still held. A run that never made a socket call
    /// (`socklab trace -- ls`) shows all of it; otherwise it is counted.
    pub fn finish(&mut self, lang: Lang) -> Released {
        // Nothing shown yet: no process made a socket call.
        if self.shown.is_empty() {
            return Released {
                count: self.count_line(lang),
                lines: self.held.drain(..).map(|h| h.text).collect(),
            };
        }
        for h in std::mem::take(&mut self.held) {
            self.leave_out(h.name);
        }
        Released {
            count: self.count_line(lang),
            lines: Vec::new(),
        }
    }

    /// Process `pid` makes its first socket call: the lines of how it came to be, it and the
    /// held-back processes above it; the lines of held-back processes that have ended are
    /// left out.
    fn release(&mut self, pid: u32) -> Vec<String> {
        let mut chain = vec![pid];
        let mut at = pid;
        while let Some(&parent) = self.parents.get(&at) {
            if self.shown.contains(&parent) || chain.contains(&parent) {
                break;
            }
            chain.push(parent);
            at = parent;
        }
        for p in &chain {
            self.shown.insert(*p);
            self.parents.remove(p);
        }
        // A process's lines from its last program on, and the fork that made it.
        let last_exec: HashMap<u32, usize> = self
            .held
            .iter()
            .enumerate()
            .filter(|(_, h)| h.line == Line::Exec && chain.contains(&h.subject))
            .map(|(i, h)| (h.subject, i))
            .collect();
        let mut shown = Vec::new();
        let mut kept = Vec::new();
        for (i, h) in std::mem::take(&mut self.held).into_iter().enumerate() {
            if chain.contains(&h.subject) {
                let current =
                    h.line == Line::Born || last_exec.get(&h.subject).is_none_or(|&last| i >= last);
                if current {
                    shown.push(h.text);
                } else {
                    self.leave_out(h.name);
                }
            } else if self.ended.contains(&h.subject) {
                self.leave_out(h.name);
            } else {
                kept.push(h);
            }
        }
        self.held = kept;
        let held = &self.held;
        self.ended.retain(|p| held.iter().any(|h| h.subject == *p));
        shown
    }

    /// Counts the held lines of processes that have ended (memory stays bounded).
    fn drop_ended(&mut self) {
        let (gone, kept): (Vec<Held>, Vec<Held>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|h| self.ended.contains(&h.subject));
        self.held = kept;
        for h in gone {
            self.leave_out(h.name);
        }
    }

    fn leave_out(&mut self, name: Option<String>) {
        self.left_out += 1;
        if let Some(name) = name
            && !self.names.contains(&name)
        {
            self.names.push(name);
        }
    }

    /// One line for what was left out since the last one, if anything was.
    fn count_line(&mut self, lang: Lang) -> Option<String> {
        if self.left_out == 0 {
            return None;
        }
        let mut names = self
            .names
            .iter()
            .take(NAMES)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if self.names.len() > NAMES {
            names.push_str(", …");
        }
        let n = self.left_out;
        self.left_out = 0;
        self.names.clear();
        let names = if names.is_empty() {
            String::new()
        } else {
            format!("{names}{} ", lang.pick(" :", ":"))
        };
        // The names first: in the demo's narrow columns the end of the line is cut.
        Some(match lang {
            Lang::Fr => format!(
                "{n} ligne{} omise{} ({names}aucun appel socket ; --trace json les a)",
                plural(n),
                plural(n)
            ),
            Lang::En => format!(
                "{n} line{} left out ({names}no socket call; --trace json has them)",
                plural(n)
            ),
        })
    }
}

fn plural(n: usize) -> &'static str {
    if n > 1 { "s" } else { "" }
}

/// A process's fork, programs and end: the process the line is about, what it says, and for
/// an `execve` the program's name (its first word's last component).
fn lifecycle(ev: &Event) -> Option<(u32, Line, Option<String>)> {
    match ev.note.as_ref()? {
        Note::Spawn {
            child,
            thread: false,
        } => Some((*child, Line::Born, None)),
        Note::Spawn { thread: true, .. } | Note::ThreadEnd => Some((ev.pid, Line::Other, None)),
        Note::Exec { program } => {
            let first = program.split_whitespace().next().unwrap_or_default();
            let name = first.rsplit('/').next().unwrap_or(first).to_string();
            Some((ev.pid, Line::Exec, Some(name)))
        }
        Note::Exit { pid, .. } => Some((*pid, Line::Other, None)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Call, Phase};

    fn note(pid: u32, note: Note) -> Event {
        let mut ev = Event::new(Kind::Note, Phase::Call, Call::Note);
        ev.pid = pid;
        ev.tid = pid;
        ev.note = Some(note);
        ev
    }

    fn spawn(parent: u32, child: u32) -> Event {
        note(
            parent,
            Note::Spawn {
                child,
                thread: false,
            },
        )
    }

    fn exec(pid: u32, program: &str) -> Event {
        note(
            pid,
            Note::Exec {
                program: program.into(),
            },
        )
    }

    fn exit(pid: u32) -> Event {
        note(
            pid,
            Note::Exit {
                pid,
                code: Some(0),
                signal: None,
            },
        )
    }

    fn call(pid: u32) -> Event {
        let mut ev = Event::new(Kind::Syscall, Phase::Call, Call::Socket);
        ev.pid = pid;
        ev.tid = pid;
        ev
    }

    /// Feeds the events; each held one's text is its index. Returns what each event let out.
    fn run(h: &mut Helpers, events: &[Event]) -> Vec<Option<Released>> {
        events
            .iter()
            .enumerate()
            .map(|(i, ev)| match h.judge(ev, Lang::En) {
                Verdict::Hold => {
                    h.hold(format!("{i}"));
                    None
                }
                Verdict::Show(r) => Some(r),
            })
            .collect()
    }

    #[test]
    fn a_wrapper_s_helpers_are_counted_and_the_program_s_own_line_shown() {
        let mut h = Helpers::default();
        let out = run(
            &mut h,
            &[
                exec(10, "/usr/bin/env bash shim python3"), // 0: replaced later
                spawn(10, 11),                              // 1
                exec(11, "/usr/bin/readlink x"),            // 2
                exit(11),                                   // 3
                exec(10, "/usr/bin/python3 serveur.py"),    // 4: the program
                call(10),                                   // 5
                spawn(10, 12),                              // 6: a forking server's child
                exit(12),                                   // 7
            ],
        );
        assert!(out[..5].iter().all(Option::is_none), "held");
        let first = out[5].as_ref().unwrap();
        assert_eq!(first.lines, ["4"]);
        let count = first.count.as_deref().unwrap();
        assert_eq!(
            count,
            "4 lines left out (env, readlink: no socket call; --trace json has them)"
        );
        let child = out[6].as_ref().unwrap();
        assert!(child.lines.is_empty() && child.count.is_none());
        assert!(out[7].is_some(), "the shown process's child ends in view");
        assert!(h.finish(Lang::En).count.is_none(), "nothing left");
    }

    #[test]
    fn the_processes_above_the_first_socket_call_are_shown() {
        let mut h = Helpers::default();
        let out = run(
            &mut h,
            &[
                exec(20, "sh -c python3 client.py"), // 0
                spawn(20, 21),                       // 1
                exec(21, "python3 client.py"),       // 2
                call(21),                            // 3
                exit(21),                            // 4
                exit(20),                            // 5
            ],
        );
        let first = out[3].as_ref().unwrap();
        assert_eq!(first.lines, ["0", "1", "2"]);
        assert!(first.count.is_none());
        assert!(
            out[4].is_some() && out[5].is_some(),
            "both shown to their end"
        );
    }

    #[test]
    fn a_shell_shown_as_an_ancestor_has_its_next_children_held() {
        // sh -c 'python3 server.py & python3 client.py', each python3 through shims.
        let mut h = Helpers::default();
        let out = run(
            &mut h,
            &[
                exec(60, "sh -c ..."),         // 0
                spawn(60, 61),                 // 1
                exec(61, "python3 server.py"), // 2
                call(61),                      // 3
                spawn(60, 62),                 // 4: the client, held
                exec(62, "bash shim python3"), // 5: replaced later
                spawn(62, 63),                 // 6: a shim's helper, held
                exit(63),                      // 7
                exec(62, "python3 client.py"), // 8
                call(62),                      // 9
                spawn(61, 64),                 // 10: the server's fork: shown at once
            ],
        );
        assert_eq!(out[3].as_ref().unwrap().lines, ["0", "1", "2"]);
        assert!(
            out[4..9].iter().all(Option::is_none),
            "held: {:?}",
            &out[4..9]
        );
        let client = out[9].as_ref().unwrap();
        assert_eq!(client.lines, ["4", "8"]);
        assert_eq!(
            client.count.as_deref(),
            Some("3 lines left out (bash: no socket call; --trace json has them)")
        );
        assert!(out[10].is_some());
    }

    #[test]
    fn a_started_program_without_socket_calls_is_shown_at_its_end() {
        let mut h = Helpers::default();
        let out = run(
            &mut h,
            &[
                exec(30, "sh -c ls; date"), // 0
                spawn(30, 31),              // 1
                exec(31, "/bin/ls"),        // 2
                exit(31),                   // 3
                exec(30, "/bin/date"),      // 4
                exit(30),                   // 5
            ],
        );
        assert!(out[..5].iter().all(Option::is_none));
        let end = out[5].as_ref().expect("its end is shown");
        assert_eq!(end.lines, ["4"]);
        assert_eq!(
            end.count.as_deref(),
            Some("4 lines left out (sh, ls: no socket call; --trace json has them)")
        );
        assert!(h.finish(Lang::En).count.is_none());
    }

    #[test]
    fn what_is_still_held_at_the_end_of_a_run_without_socket_calls_is_shown() {
        let mut h = Helpers::default();
        run(&mut h, &[exec(30, "/bin/sleep 9")]);
        let end = h.finish(Lang::Fr);
        assert_eq!(end.lines, ["0"]);
        assert!(end.count.is_none());
    }

    #[test]
    fn helpers_still_running_are_counted_at_the_end() {
        let mut h = Helpers::default();
        run(
            &mut h,
            &[exec(40, "python3 s.py"), call(40), exec(41, "sleep 9")],
        );
        // 41 was made by no traced fork that was shown: held, and counted at the end.
        let end = h.finish(Lang::Fr);
        assert!(end.lines.is_empty());
        let count = end.count.unwrap();
        assert_eq!(
            count,
            "1 ligne omise (sleep : aucun appel socket ; --trace json les a)"
        );
    }

    #[test]
    fn memory_stays_bounded_and_lines_counted() {
        let mut h = Helpers::default();
        let mut events = Vec::new();
        for child in 100..100 + KEEP as u32 {
            events.push(spawn(50, child));
            events.push(exit(child));
        }
        run(&mut h, &events);
        assert!(h.held.len() <= KEEP);
        assert!(
            h.held.len() + h.left_out == 2 * KEEP,
            "every line held or counted"
        );
        let out = run(&mut h, &[call(50)]);
        let count = out[0].as_ref().unwrap().count.clone().unwrap();
        assert!(count.starts_with(&format!("{} lines", 2 * KEEP)), "{count}");
    }
}
