//! The diagram as a standalone SVG image: a column per lifeline, a row per step.
//!
//! Everything is computed from the diagram alone (no clock, no counter, no random id), so the
//! same trace always gives the same bytes.

use super::{Diagram, Line, Step, Tone};

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A lifeline's width.
const COL: usize = 200;
/// A step's height.
const ROW: usize = 34;
/// Where the first step goes, below the lifelines' heads.
const TOP: usize = 70;
/// The margin left and right of the lifelines.
const SIDE: usize = 20;
/// A character's width in the 12-pixel monospace font, rounded up.
const CHAR: usize = 7;

fn text_width(text: &str) -> usize {
    text.chars().count() * CHAR + 16
}

pub fn to_svg(d: &Diagram) -> String {
    let n = d.participants.len().max(1);
    let width = COL * n + 2 * SIDE;
    let height = TOP + ROW * (d.steps.len() + 1) + 20;
    let x = |i: usize| SIDE + COL * i + COL / 2;
    // The packets' open arrowhead, only in a diagram that has packets: one without stays the
    // same, byte for byte.
    let packet_marker = if d.steps.iter().any(|s| {
        matches!(
            s,
            Step::Arrow {
                line: Line::Packet,
                ..
            }
        )
    }) {
        "<marker id=\"packet\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
         markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M 0 0 L 10 5 L 0 10\" fill=\"none\" stroke=\"#8a8a8a\"/></marker>"
    } else {
        ""
    };
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"monospace\" font-size=\"12\">\n\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
         markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\">\
         <path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#333\"/></marker>{packet_marker}</defs>\n\
         <rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n"
    );
    for (i, p) in d.participants.iter().enumerate() {
        let cx = x(i);
        // A program outside the trace: grey, dashed, known only by its address.
        let (fill, stroke, dash) = match p.role {
            Some(_) => ("#dbe9f6", "#2b5d8a", ""),
            None => ("#eeeeee", "#777777", " stroke-dasharray=\"4 3\""),
        };
        out.push_str(&format!(
            "<rect x=\"{}\" y=\"16\" width=\"{}\" height=\"28\" rx=\"4\" fill=\"{fill}\" \
             stroke=\"{stroke}\"{dash}/>\n\
             <text x=\"{cx}\" y=\"35\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\n\
             <line x1=\"{cx}\" y1=\"44\" x2=\"{cx}\" y2=\"{}\" stroke=\"#999\" \
             stroke-dasharray=\"4 4\"/>\n",
            cx - COL / 2 + 10,
            COL - 20,
            xml(&p.name),
            height - 10
        ));
    }
    let note = |out: &mut String, cx: usize, y: usize, text: &str, fill: &str| {
        // As wide as its text, kept inside the image.
        let w = text_width(text).min(width - 8);
        let left = cx.saturating_sub(w / 2).clamp(4, width - 4 - w);
        out.push_str(&format!(
            "<rect x=\"{left}\" y=\"{}\" width=\"{w}\" height=\"22\" rx=\"3\" fill=\"{fill}\" \
             stroke=\"#888\"/>\n\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            y - 11,
            left + w / 2,
            y + 4,
            xml(text)
        ));
    };
    for (row, step) in d.steps.iter().enumerate() {
        let y = TOP + ROW * row + ROW / 2;
        match step {
            // A packet: thin, grey, dotted, with an open head and a smaller label, so the
            // calls stay the story and the packets the detail beside it.
            Step::Arrow {
                from,
                to,
                label,
                line: Line::Packet,
            } if from != to => {
                let (x1, x2) = (x(*from), x(*to));
                out.push_str(&format!(
                    "<line x1=\"{x1}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#8a8a8a\" \
                     stroke-width=\"1\" stroke-dasharray=\"2 3\" marker-end=\"url(#packet)\"/>\n\
                     <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" \
                     fill=\"#666\">{}</text>\n",
                    (x1 + x2) / 2,
                    y - 4,
                    xml(label)
                ));
            }
            Step::Arrow {
                from,
                to,
                label,
                line,
            } if from != to => {
                let (x1, x2) = (x(*from), x(*to));
                let dash = if line.dashed() {
                    " stroke-dasharray=\"6 4\""
                } else {
                    ""
                };
                // The handshake stands out by its colour (not its width: the arrowhead grows
                // with the line and would cover the label of a short arrow).
                let stroke = match line {
                    Line::Connect => "#2b5d8a",
                    _ => "#333",
                };
                out.push_str(&format!(
                    "<line x1=\"{x1}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"{stroke}\" \
                     stroke-width=\"1.5\"{dash} marker-end=\"url(#arrow)\"/>\n\
                     <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                    (x1 + x2) / 2,
                    y - 5,
                    xml(label)
                ));
            }
            Step::Arrow { from, label, .. } => note(&mut out, x(*from), y, label, "#eeeeee"),
            Step::Note { over, text, tone } => {
                let fill = match tone {
                    Tone::Plain => "#eef6ee",
                    Tone::Waiting => "#fff3c4",
                    Tone::Accept => "#dbe9f6",
                    Tone::Error => "#f8d7d3",
                };
                note(&mut out, x(*over), y, text, fill);
            }
            Step::Span { first, last, text } => {
                let left = x(*first) - COL / 2 + 10;
                let right = x(*last) + COL / 2 - 10;
                out.push_str(&format!(
                    "<rect x=\"{left}\" y=\"{}\" width=\"{}\" height=\"22\" rx=\"3\" \
                     fill=\"#e4e4e4\" stroke=\"#555\"/>\n\
                     <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-style=\"italic\">{}</text>\n",
                    y - 11,
                    right - left,
                    (left + right) / 2,
                    y + 4,
                    xml(text)
                ));
            }
        }
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::diagram::Participant;
    use crate::trace::Role;

    #[test]
    fn text_is_escaped() {
        assert_eq!(xml("a<b>&\"c\""), "a&lt;b&gt;&amp;&quot;c&quot;");
    }

    #[test]
    fn lifelines_arrows_and_notes_that_stay_inside() {
        let d = Diagram {
            participants: vec![
                Participant {
                    name: "client".into(),
                    role: Some(Role::Client),
                },
                Participant {
                    name: "remote 127.0.0.1:7".into(),
                    role: None,
                },
            ],
            steps: vec![
                Step::Arrow {
                    from: 0,
                    to: 1,
                    label: "6 bytes".into(),
                    line: Line::Data,
                },
                Step::Note {
                    over: 0,
                    text: "x".repeat(200),
                    tone: Tone::Error,
                },
            ],
        };
        let svg = to_svg(&d);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<line").count(), 2 + 1, "2 lifelines, 1 arrow");
        assert!(
            svg.contains("stroke-dasharray=\"4 3\""),
            "the remote is dashed"
        );
        // The long note is cut to the image's width and starts inside it.
        assert!(svg.contains("<rect x=\"4\" y=\""), "{svg}");
        assert_eq!(svg, to_svg(&d), "the same diagram gives the same bytes");
        assert!(
            !svg.contains("id=\"packet\""),
            "no packets, no packet marker"
        );
    }

    #[test]
    fn packets_are_thin_grey_arrows_with_their_own_head() {
        let p = |name: &str| Participant {
            name: name.into(),
            role: Some(Role::Main),
        };
        let d = Diagram {
            participants: vec![p("client-1"), p("main")],
            steps: vec![Step::Arrow {
                from: 0,
                to: 1,
                label: "SYN".into(),
                line: Line::Packet,
            }],
        };
        let svg = to_svg(&d);
        assert!(svg.contains("<marker id=\"packet\""), "{svg}");
        assert!(svg.contains("marker-end=\"url(#packet)\""), "{svg}");
        assert!(svg.contains("stroke=\"#8a8a8a\""), "{svg}");
        assert!(svg.contains(">SYN</text>"), "{svg}");
    }
}
