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

use std::io::{self, Write};
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
    go: Sender<()>,
}

static GATE: OnceLock<Sender<Request>> = OnceLock::new();
/// Set by `c`: the gate stays open from then on.
static OPEN: AtomicBool = AtomicBool::new(false);

/// Turns step mode on: every traced call from now on waits at the gate. `delay` plays the
/// steps automatically instead of waiting for keys.
pub fn init(delay: Option<Duration>, lang: Lang) -> io::Result<()> {
    let (tx, rx) = crossbeam_channel::unbounded();
    std::thread::Builder::new()
        .name("stepper".into())
        .spawn(move || stepper(rx, delay, lang))?;
    let _ = GATE.set(tx);
    Ok(())
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
    let Some(tx) = GATE.get() else { return };
    let (go_tx, go_rx) = crossbeam_channel::bounded(1);
    let request = Request {
        thread: trace::thread_name(),
        call: call.clone(),
        go: go_tx,
    };
    if tx.send(request).is_ok() {
        // The stepper answers every request; if it is gone, the process is exiting.
        let _ = go_rx.recv();
    }
}

fn stepper(rx: Receiver<Request>, delay: Option<Duration>, lang: Lang) {
    let mut keys = if delay.is_none() {
        Some(keys::source())
    } else {
        None
    };
    for req in rx.iter() {
        if OPEN.load(Ordering::Relaxed) {
            let _ = req.go.send(());
            continue;
        }
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
            Key::Quit => {
                keys::restore();
                trace::note(trace::Note::StepQuit);
                trace::finish();
                std::process::exit(0);
            }
        }
        let _ = req.go.send(());
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
