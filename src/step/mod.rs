//! Step-by-step mode: every traced call waits at one gate before it runs.
//!
//! Each thread about to make a call sends a request over a crossbeam channel to one stepper
//! thread and waits for the answer. The stepper takes the requests in the order they came,
//! shows the call and its explanation, and waits for a key: Enter runs it, `c` runs everything
//! from then on without stopping, `q` quits (the trace is written out, and the kernel closes
//! every socket as the process exits). With several threads, only one call goes through at a
//! time and the prompt says which thread is waiting; threads that are not at a call keep
//! running. `--step-delay` plays the same thing without keys, for a projector.
//!
//! The keys come from the terminal (`/dev/tty`) when there is one, so a client reading its own
//! standard input still works; without a terminal they come from standard input, so step mode
//! can be scripted.

mod keys;

use std::io::{self, IsTerminal, Write};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use crate::explain;
use crate::lang::Lang;
use crate::trace::{self, Event};

use keys::Key;
pub use keys::restore as restore_terminal;

struct Request {
    thread: String,
    /// The call about to run, as its `Enter` event would show it (its socket, its option).
    call: Event,
    /// The caller handles `q` itself ([`ask`]): it is answered instead of the process exiting.
    answers_quit: bool,
    go: Sender<Answer>,
}

/// What the gate says to a call that waited at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Run the call.
    Run,
    /// `q`: stop the program (only for callers of [`ask`]).
    Quit,
}

static GATE: OnceLock<Sender<Request>> = OnceLock::new();
/// Set by `c`: the gate stays open from then on.
static OPEN: AtomicBool = AtomicBool::new(false);

/// Turns step mode on: every traced call from now on waits at the gate. `delay` plays the
/// steps automatically instead of waiting for keys.
pub fn init(delay: Option<Duration>, lang: Lang) -> io::Result<()> {
    if delay.is_none() && !tty_keys() {
        KEYS_FROM_STDIN.store(true, Ordering::Relaxed);
    }
    let (tx, rx) = crossbeam_channel::unbounded();
    std::thread::Builder::new()
        .name("stepper".into())
        .spawn(move || stepper(rx, delay, lang))?;
    let _ = GATE.set(tx);
    Ok(())
}

/// Set when the keys come from standard input (no terminal): a program socklab starts must
/// then not read it too (`socklab trace` gives it `/dev/null`).
static KEYS_FROM_STDIN: AtomicBool = AtomicBool::new(false);

/// True when step mode reads its keys from standard input.
pub fn keys_from_stdin() -> bool {
    KEYS_FROM_STDIN.load(Ordering::Relaxed)
}

/// True while calls must stop at the gate.
#[inline]
pub fn active() -> bool {
    GATE.get().is_some() && !OPEN.load(Ordering::Relaxed)
}

/// Waits until the stepper lets this call through.
pub fn gate(call: &Event) {
    // A forked exécutant has no stepper of its own: it waits at its parent's.
    if trace::remote::gate(call) {
        return;
    }
    wait_at_gate(call, false);
}

/// Waits at the gate like [`gate`], for a caller that stops its program itself on `q`
/// (`socklab trace`, whose program runs in other processes): `q` is answered, not acted on.
/// The call's `thread` names who waits (the traced thread), when it is set.
pub fn ask(call: &Event) -> Answer {
    wait_at_gate(call, true)
}

fn wait_at_gate(call: &Event, answers_quit: bool) -> Answer {
    let Some(tx) = GATE.get() else {
        return Answer::Run;
    };
    let (go_tx, go_rx) = crossbeam_channel::bounded(1);
    let thread = if call.thread.is_empty() {
        trace::thread_name()
    } else {
        call.thread.clone()
    };
    let request = Request {
        thread,
        call: call.clone(),
        answers_quit,
        go: go_tx,
    };
    if tx.send(request).is_ok() {
        // The stepper answers every request; if it is gone, the process is exiting.
        return go_rx.recv().unwrap_or(Answer::Run);
    }
    Answer::Run
}

/// True when the keys come from the terminal (as [`keys::source`] decides).
fn tty_keys() -> bool {
    io::stderr().is_terminal()
        && std::fs::File::options()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .is_ok()
}

fn stepper(rx: Receiver<Request>, delay: Option<Duration>, lang: Lang) {
    let mut keys = if delay.is_none() {
        Some(keys::source())
    } else {
        None
    };
    for req in rx.iter() {
        if OPEN.load(Ordering::Relaxed) {
            let _ = req.go.send(Answer::Run);
            continue;
        }
        // What the trace holds back about the call's process (how it came to be) first.
        trace::reveal(&req.call);
        let key = loop {
            // Everything traced so far is shown before the prompt.
            trace::flush();
            let waiting = rx.len();
            prompt(&req, waiting, delay.is_some(), lang);
            let key = match (&mut keys, delay) {
                (Some(k), _) => k.read(),
                (None, Some(d)) => {
                    std::thread::sleep(d);
                    Key::Run
                }
                (None, None) => Key::Run,
            };
            match key {
                // The sockets as the kernel lists them now, then the same prompt again.
                Key::Sockets => trace::sockets_note(),
                Key::Help => help(lang),
                key => break key,
            }
        };
        match key {
            Key::Sockets | Key::Help => {}
            Key::Run => {}
            Key::Continue => OPEN.store(true, Ordering::Relaxed),
            Key::Quit if req.answers_quit => {
                trace::note(trace::Note::StepQuit);
                // The caller stops its program; nothing waits at the gate any more.
                OPEN.store(true, Ordering::Relaxed);
                let _ = req.go.send(Answer::Quit);
                continue;
            }
            Key::Quit => {
                keys::restore();
                trace::note(trace::Note::StepQuit);
                trace::finish();
                std::process::exit(0);
            }
        }
        let _ = req.go.send(Answer::Run);
    }
}

/// `h`: what each key does.
fn help(lang: Lang) {
    let text = lang.pick(
        "  Touches : Entrée exécute l'appel · c continue sans s'arrêter · s montre les sockets \
         du programme vues par le noyau (avec --sockets) · q quitte (la trace est écrite) · h \
         cette aide · Ctrl+C arrête le programme comme d'habitude",
        "  Keys: Enter runs the call · c continues without stopping · s shows the program's \
         sockets as the kernel sees them (with --sockets) · q quits (the trace is written out) \
         · h this help · Ctrl+C stops the program as usual",
    );
    eprintln!("{text}");
}

fn prompt(req: &Request, waiting: usize, auto: bool, lang: Lang) {
    let mut err = io::stderr().lock();
    let others = match (waiting, lang) {
        (0, _) => String::new(),
        (n, Lang::Fr) => format!("   ({n} autre(s) appel(s) en attente)"),
        (n, Lang::En) => format!("   ({n} more call(s) waiting)"),
    };
    let _ = writeln!(
        err,
        "⏸ [{}] {}({}){others}",
        req.thread, req.call.call, req.call.brief
    );
    // Said here, before the call runs; the trace does not say it again under the call.
    if let Some(text) = explain::at_gate(&req.call, lang) {
        let _ = writeln!(err, "  ↳ {text}");
    }
    if !auto {
        let keys = match (trace::sockets_table(), lang) {
            (true, Lang::Fr) => {
                "  Entrée : exécuter · c : continuer · s : les sockets · q : quitter · h : aide › "
            }
            (true, Lang::En) => {
                "  Enter: run · c: continue · s: the sockets · q: quit · h: help › "
            }
            (false, _) => lang.pick(
                "  Entrée : exécuter · c : continuer sans s'arrêter · q : quitter · h : aide › ",
                "  Enter: run · c: continue without stopping · q: quit · h: help › ",
            ),
        };
        let _ = write!(err, "{keys}");
    }
    let _ = err.flush();
}
