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

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use crate::explain;
use crate::lang::Lang;
use crate::trace::{self, Event};

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

enum Key {
    Run,
    Sockets,
    Continue,
    Quit,
}

/// Where the keys come from.
struct Keys {
    input: Box<dyn BufRead + Send>,
    /// A terminal echoes the key and its Enter; a script's keys are not echoed.
    echoed: bool,
}

/// True when the keys come from the terminal.
fn tty_keys() -> bool {
    io::stderr().is_terminal() && File::open("/dev/tty").is_ok()
}

/// The terminal if there is one, otherwise standard input.
fn key_source() -> Keys {
    if io::stderr().is_terminal()
        && let Ok(tty) = File::open("/dev/tty")
    {
        return Keys {
            input: Box::new(BufReader::new(tty)),
            echoed: true,
        };
    }
    Keys {
        input: Box::new(BufReader::new(io::stdin())),
        echoed: io::stdin().is_terminal(),
    }
}

fn read_key(keys: &mut Keys) -> Key {
    let mut line = String::new();
    let read = keys.input.read_line(&mut line);
    if !keys.echoed {
        // Nothing ended the prompt's line: end it here.
        eprintln!();
    }
    match read {
        // No more keys (a script ran out): run the rest without stopping.
        Ok(0) | Err(_) => Key::Continue,
        Ok(_) => match line.trim() {
            "q" | "Q" => Key::Quit,
            "c" | "C" => Key::Continue,
            "s" | "S" => Key::Sockets,
            _ => Key::Run,
        },
    }
}

fn stepper(rx: Receiver<Request>, delay: Option<Duration>, lang: Lang) {
    let mut keys = if delay.is_none() {
        Some(key_source())
    } else {
        None
    };
    for req in rx.iter() {
        if OPEN.load(Ordering::Relaxed) {
            let _ = req.go.send(Answer::Run);
            continue;
        }
        let key = loop {
            // Everything traced so far is shown before the prompt.
            trace::flush();
            let waiting = rx.len();
            prompt(&req, waiting, delay.is_some(), lang);
            let key = match (&mut keys, delay) {
                (Some(k), _) => read_key(k),
                (None, Some(d)) => {
                    std::thread::sleep(d);
                    Key::Run
                }
                (None, None) => Key::Run,
            };
            match key {
                // The sockets as the kernel lists them now, then the same prompt again.
                Key::Sockets => trace::sockets_note(),
                key => break key,
            }
        };
        match key {
            Key::Sockets => {}
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
                trace::note(trace::Note::StepQuit);
                trace::finish();
                std::process::exit(0);
            }
        }
        let _ = req.go.send(Answer::Run);
    }
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
    if let Some(text) = explain::step_text(&req.call, lang) {
        let _ = writeln!(err, "  ↳ {text}");
    }
    if !auto {
        let keys = match (trace::sockets_table(), lang) {
            (true, Lang::Fr) => {
                "  Entrée : exécuter · c : continuer sans s'arrêter · s : les sockets · q : quitter › "
            }
            (true, Lang::En) => {
                "  Enter: run · c: continue without stopping · s: the sockets · q: quit › "
            }
            (false, _) => lang.pick(
                "  Entrée : exécuter · c : continuer sans s'arrêter · q : quitter › ",
                "  Enter: run · c: continue without stopping · q: quit › ",
            ),
        };
        let _ = write!(err, "{keys}");
    }
    let _ = err.flush();
}
