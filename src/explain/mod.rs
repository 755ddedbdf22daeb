//! Annotations: what each socket call does and what each error means, in French and English.
//!
//! The trace renderers ask this module for the line of explanation printed under a call; the
//! command-line front end asks it for the advice printed under a fatal error. Everything a
//! student reads about the kernel comes from the two tables in `calls.rs` and `errors.rs`.

mod calls;
mod errors;

use std::collections::HashSet;

use crate::lang::Lang;
use crate::trace::{Event, Kind, Phase};

pub use errors::{errno_advice, failure_text};

/// The explanation of a call about to run (the step prompt): by its name, or for
/// `setsockopt` by the option its arguments name.
pub fn step_text(call: &str, args: &str, lang: Lang) -> Option<&'static str> {
    if call == "setsockopt"
        && let Some((_, text)) = calls::option_text(args, lang)
    {
        return Some(text);
    }
    calls::call_text(call, lang)
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
    said: HashSet<String>,
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
    /// An error is explained by its errno (that is what the student needs to act on); a `recv`
    /// that returned 0 gets the end-of-stream explanation; any other call its own.
    pub fn explain(&mut self, ev: &Event) -> Option<String> {
        if self.mode == ExplainMode::Never {
            return None;
        }
        let (key, text) = if let Some(errno) = &ev.errno {
            (
                format!("errno:{errno}"),
                errors::errno_text(errno, self.lang)?,
            )
        } else if ev.kind == Kind::Syscall
            && ev.phase != Phase::Enter
            && ev.ret == Some(0)
            && (ev.call == "recvfrom" || ev.call == "recv")
            && ev.args.contains("NULL, NULL")
        {
            ("eof".to_string(), calls::end_of_stream(self.lang))
        } else if ev.call == "setsockopt"
            && let Some((option, text)) = calls::option_text(&ev.args, self.lang)
        {
            (format!("setsockopt:{option}"), text)
        } else {
            (ev.call.to_string(), calls::call_text(&ev.call, self.lang)?)
        };
        if self.mode == ExplainMode::First && !self.said.insert(key) {
            return None;
        }
        Some(text.to_string())
    }

    /// The short phrase shown while a blocking call waits ("waiting for a connection").
    pub fn waiting(&self, call: &str) -> &'static str {
        calls::waiting_text(call, self.lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_traced_call_has_both_languages() {
        for call in calls::ALL_CALLS {
            let fr = calls::call_text(call, Lang::Fr).unwrap_or_else(|| panic!("no fr for {call}"));
            let en = calls::call_text(call, Lang::En).unwrap_or_else(|| panic!("no en for {call}"));
            assert_ne!(fr, en, "{call}: French and English texts are the same");
        }
    }

    #[test]
    fn errors_students_meet_are_explained_in_both_languages() {
        for errno in [
            "EADDRINUSE",
            "ECONNREFUSED",
            "ECONNRESET",
            "EPIPE",
            "ETIMEDOUT",
            "ENETUNREACH",
            "EACCES",
            "EAI_NONAME",
        ] {
            let fr = errors::errno_text(errno, Lang::Fr).unwrap();
            let en = errors::errno_text(errno, Lang::En).unwrap();
            assert_ne!(fr, en);
        }
        assert!(
            errors::errno_text("EADDRINUSE", Lang::Fr)
                .unwrap()
                .contains("SO_REUSEADDR")
        );
        assert!(
            errors::errno_text("EADDRINUSE", Lang::En)
                .unwrap()
                .contains("TIME_WAIT")
        );
        assert!(
            errors::errno_text("EACCES", Lang::En)
                .unwrap()
                .contains("1024")
        );
    }
}
