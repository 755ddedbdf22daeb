//! Annotations: what each socket call does and what each error means, in French and English,
//! true for the socket in front of them.
//!
//! The texts are data (`texts.toml`), keyed by call, option, errno and context; `context.rs`
//! chooses the keys from the event's fields (a UDP `close` sends nothing, the side that closes
//! after `recv() = 0` is the passive closer). The pretty renderer and the step gate ask this
//! module for the lines under a call; the command-line front end asks it for the advice under a
//! fatal error.

mod context;

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use serde::Deserialize;

use crate::lang::Lang;
use crate::trace::{Call, Event, PortUse};

pub use context::{Topic, topic};

/// One text, in both languages.
#[derive(Debug, Deserialize)]
struct Text {
    fr: String,
    en: String,
}

/// The texts, read once from the data built into the program.
fn texts() -> &'static HashMap<String, Text> {
    static TEXTS: OnceLock<HashMap<String, Text>> = OnceLock::new();
    TEXTS.get_or_init(|| {
        // The file is part of the program and checked by the tests: a mistake in it is a bug.
        toml::from_str(include_str!("texts.toml")).expect("src/explain/texts.toml is valid TOML")
    })
}

/// The text of `key` in `lang`, if there is one.
pub fn text(key: &str, lang: Lang) -> Option<&'static str> {
    texts().get(key).map(|t| match lang {
        Lang::Fr => t.fr.as_str(),
        Lang::En => t.en.as_str(),
    })
}

/// The topic's texts, said one after the other, with their `{name}` holes filled.
fn say(keys: &[&str], values: &[(&str, String)], lang: Lang) -> Option<String> {
    let parts: Vec<&str> = keys.iter().filter_map(|k| text(k, lang)).collect();
    if parts.is_empty() {
        return None;
    }
    let mut out = parts.join(" ");
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    Some(out)
}

/// The explanation of a call about to run (the step prompt).
pub fn step_text(ev: &Event, lang: Lang) -> Option<String> {
    let t = topic(ev)?;
    say(&t.keys, &t.values, lang)
}

/// The texts the step gate said before their calls ran, not to be said again under them.
static AT_GATE: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
/// Set once the gate has said anything: without step mode, no event takes the lock.
static GATE_SPOKE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The explanation of a call about to run, said at the step gate: the trace will not repeat it
/// under the call (what only the result tells, such as the end of the stream, it still says).
pub fn at_gate(ev: &Event, lang: Lang) -> Option<String> {
    let t = topic(ev)?;
    GATE_SPOKE.store(true, std::sync::atomic::Ordering::Relaxed);
    AT_GATE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .extend(t.keys.iter().copied());
    say(&t.keys, &t.values, lang)
}

/// Takes `key` out of the texts said at the gate: true when it was there.
fn said_at_gate(key: &str) -> bool {
    if !GATE_SPOKE.load(std::sync::atomic::Ordering::Relaxed) {
        return false;
    }
    let mut at = AT_GATE.lock().unwrap_or_else(|e| e.into_inner());
    match at.iter().position(|k| *k == key) {
        Some(i) => {
            at.swap_remove(i);
            true
        }
        None => false,
    }
}

/// When explanations are printed under the calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ExplainMode {
    /// The first time each call (or each error) appears.
    #[default]
    First,
    /// Under every call.
    Always,
    /// Never.
    Never,
}

/// Decides which explanation goes under which event, remembering what was already said when the
/// mode is `first`.
#[derive(Debug)]
pub struct Explainer {
    lang: Lang,
    mode: ExplainMode,
    said: HashSet<&'static str>,
}

impl Explainer {
    pub fn new(lang: Lang, mode: ExplainMode) -> Explainer {
        Explainer {
            lang,
            mode,
            said: HashSet::new(),
        }
    }

    /// The explanation to print under this event, if any.
    ///
    /// An error is explained by its errno in its context (that is what the student needs to
    /// act on); any other call by what it did to that socket. With `first`, each text is said
    /// once: a second `accept` says nothing, but the first one from an IPv4 client through an
    /// IPv6 socket still explains the `::ffff:` address.
    pub fn explain(&mut self, ev: &Event) -> Option<String> {
        if self.mode == ExplainMode::Never {
            return None;
        }
        let mut t = topic(ev)?;
        if ev.phase != crate::trace::Phase::Enter {
            t.keys.retain(|k| !said_at_gate(k));
        }
        let keys: Vec<&'static str> = match self.mode {
            ExplainMode::First => t
                .keys
                .iter()
                .copied()
                .filter(|k| self.said.insert(k))
                .collect(),
            _ => t.keys,
        };
        say(&keys, &t.values, self.lang)
    }

    /// The language it speaks.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The short phrase shown while a blocking call waits ("waiting for a connection").
    pub fn waiting(&self, call: &Call) -> &'static str {
        waiting_text(call, self.lang)
    }
}

/// The short phrase shown while a blocking call waits.
pub fn waiting_text(call: &Call, lang: Lang) -> &'static str {
    let key = match call {
        c if c.accepts() => "wait.accept",
        c if c.receives() => "wait.recv",
        c if c.sends() => "wait.send",
        c if c.multiplexes() => "wait.poll",
        Call::Connect => "wait.connect",
        Call::Close => "wait.close",
        Call::Shutdown => "wait.shutdown",
        _ => "wait.other",
    };
    text(key, lang).unwrap_or("…")
}

/// The advice printed under a fatal error: the errno's explanation, in its context when the
/// failure knows it (what held the port of a failed `bind`).
pub fn errno_advice(errno: Option<&str>, port_use: Option<PortUse>, lang: Lang) -> Option<String> {
    let errno = errno?;
    let mut ev = Event::new(
        crate::trace::Kind::Syscall,
        crate::trace::Phase::Call,
        Call::Bind,
    );
    ev.errno = Some(errno.to_string());
    ev.port_use = port_use;
    let t = topic(&ev)?;
    say(&t.keys, &t.values, lang)
}

/// What a failure that no errno names means, and what to try: a timeout, a UDP request with
/// no answer, an HTTP error status. Keyed as [`Trouble::advice`](crate::error::Trouble) asks.
pub fn failure_text(key: &str, lang: Lang) -> Option<&'static str> {
    text(&format!("failure.{key}"), lang)
}

#[cfg(test)]
mod tests;
