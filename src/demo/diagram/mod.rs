//! Sequence diagrams of a trace: one lifeline per thread of the lesson (clients, veilleur,
//! exécutants, main, helpers), the handshake drawn when the kernel completed it, the `accept`
//! as the server's own step, each transfer as an arrow from the `send` to the thread whose
//! `recv` takes the bytes, `close` and the end of stream, the calls that blocked drawn as
//! waiting, and the demo's stop of its server as one labelled end. A trace with packets
//! (`--packets`) also has them, as the thin arrows of a flow graph beside the calls.
//!
//! [`model`] turns the trace into participants and steps; [`svg`] and [`mermaid`] write them
//! out. Both writers are pure functions of the diagram, so one trace always gives the same
//! bytes (no clock, no random ids): a picture kept with its trace can be checked.

mod mermaid;
mod model;
mod svg;

use std::io;
use std::path::Path;

use crate::lang::Lang;
use crate::trace::{Event, Role};

pub use mermaid::to_mermaid;
pub use model::build;
pub use svg::to_svg;

/// A lifeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub name: String,
    /// The thread's role; `None` for a program outside the trace, known only by its address.
    pub role: Option<Role>,
}

/// What an arrow stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// The three-way handshake, from the client to the server's listening side.
    Connect,
    /// Bytes or a datagram.
    Data,
    /// A FIN (or RST): no data, the end of one direction.
    Close,
    /// A descriptor handed to another thread of the same program: no packet at all.
    HandOver,
    /// One packet captured on the wire (`--packets`): a TCP segment or a UDP datagram.
    Packet,
}

impl Line {
    /// Drawn dashed: nothing the peer reads as data.
    pub fn dashed(self) -> bool {
        matches!(self, Line::Close | Line::HandOver)
    }
}

/// What a note says, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    /// A call that is blocked, waiting.
    Waiting,
    /// An `accept` that returned a connection.
    Accept,
    /// A call that failed.
    Error,
}

/// One row of the diagram. Participants are indices into [`Diagram::participants`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Arrow {
        from: usize,
        to: usize,
        label: String,
        line: Line,
    },
    Note {
        over: usize,
        text: String,
        tone: Tone,
    },
    /// A note across the lifelines `first..=last` (the demo stopping its server).
    Span {
        first: usize,
        last: usize,
        text: String,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagram {
    pub participants: Vec<Participant>,
    pub steps: Vec<Step>,
}

impl Diagram {
    /// The lifelines' names, left to right.
    pub fn names(&self) -> Vec<&str> {
        self.participants.iter().map(|p| p.name.as_str()).collect()
    }
}

/// Which file format a path asks for, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Mermaid,
    Svg,
}

impl Output {
    pub fn for_path(path: &Path) -> Option<Output> {
        match path.extension()?.to_str()? {
            "mmd" | "mermaid" => Some(Output::Mermaid),
            "svg" => Some(Output::Svg),
            _ => None,
        }
    }
}

/// The diagram of `events` in the format `output` asks for.
pub fn render(events: &[Event], lang: Lang, output: Output) -> String {
    let diagram = build(events, lang);
    match output {
        Output::Mermaid => to_mermaid(&diagram),
        Output::Svg => to_svg(&diagram),
    }
}

/// Draws `events` into `path` (`.svg` or `.mmd`).
pub fn write(path: &Path, events: &[Event], lang: Lang) -> io::Result<()> {
    let output = Output::for_path(path).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{}: the diagram file must end in .svg or .mmd",
                path.display()
            ),
        )
    })?;
    std::fs::write(path, render(events, lang, output))
}

/// Reads a JSON Lines trace written by `--trace json`.
pub fn read_trace(path: &Path) -> io::Result<Vec<Event>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{} line {}: not a socklab JSON event: {e}",
                        path.display(),
                        i + 1
                    ),
                )
            })
        })
        .collect()
}
