//! The diagram as Mermaid text, for a Markdown page.

use super::{Diagram, Line, Step};

/// Mermaid reads `;` as the end of a statement and `#` as the start of an entity: both are
/// written as entity codes.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            c => out.push(c),
        }
    }
    out
}

pub fn to_mermaid(d: &Diagram) -> String {
    let mut out = String::from("sequenceDiagram\n");
    for (i, p) in d.participants.iter().enumerate() {
        out.push_str(&format!("    participant p{i} as {}\n", text(&p.name)));
    }
    for step in &d.steps {
        match step {
            Step::Arrow {
                from,
                to,
                label,
                line,
            } => {
                // A packet: Mermaid's open ("async") arrow, apart from the calls' filled ones.
                let arrow = match line {
                    Line::Packet => "-)",
                    l if l.dashed() => "-->>",
                    _ => "->>",
                };
                out.push_str(&format!("    p{from}{arrow}p{to}: {}\n", text(label)));
            }
            Step::Note { over, text: t, .. } => {
                out.push_str(&format!("    Note over p{over}: {}\n", text(t)));
            }
            Step::Span {
                first,
                last,
                text: t,
            } if first == last => {
                out.push_str(&format!("    Note over p{first}: {}\n", text(t)));
            }
            Step::Span {
                first,
                last,
                text: t,
            } => {
                out.push_str(&format!("    Note over p{first},p{last}: {}\n", text(t)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::diagram::{Participant, Tone};
    use crate::trace::Role;

    #[test]
    fn steps_and_escapes() {
        let p = |name: &str| Participant {
            name: name.into(),
            role: Some(Role::Main),
        };
        let d = Diagram {
            participants: vec![p("client-1"), p("veilleur"), p("exécutant-1")],
            steps: vec![
                Step::Arrow {
                    from: 0,
                    to: 1,
                    label: "connect".into(),
                    line: Line::Connect,
                },
                Step::Arrow {
                    from: 1,
                    to: 2,
                    label: "fd 4".into(),
                    line: Line::HandOver,
                },
                Step::Note {
                    over: 2,
                    text: "a;b#c".into(),
                    tone: Tone::Plain,
                },
                Step::Span {
                    first: 1,
                    last: 2,
                    text: "the demo stops the server".into(),
                },
                Step::Arrow {
                    from: 2,
                    to: 0,
                    label: "FIN-ACK".into(),
                    line: Line::Packet,
                },
            ],
        };
        assert_eq!(
            to_mermaid(&d),
            "sequenceDiagram\n    participant p0 as client-1\n    participant p1 as veilleur\n    \
             participant p2 as exécutant-1\n    p0->>p1: connect\n    p1-->>p2: fd 4\n    \
             Note over p2: a#59;b#35;c\n    Note over p1,p2: the demo stops the server\n    \
             p2-)p0: FIN-ACK\n"
        );
    }
}
