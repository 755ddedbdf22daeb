//! The workshop's message server (TCP/UDP workshop, exercises 1 and 2): it prints each message
//! it receives and answers that it got it; `quit` ends the conversation.

use std::io;

use super::{Conversation, Flow, Out};
use crate::trace::escape::display_bytes;

/// The wire text is the protocol, the same in both languages.
const REPLY_PREFIX: &str = "Bonjour client, j'ai bien reçu ton message : ";

pub struct Message;

/// The message as the lab's `data.decode().strip()` sees it: surrounding white space removed.
fn strip(data: &[u8]) -> &[u8] {
    let start = data
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(data.len());
    let end = data
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &data[start..end]
}

/// Prints `Reçu : <message>` on stdout, as the lab's server does. Invalid UTF-8 is shown escaped.
fn print_received(msg: &[u8]) {
    crate::output::say(format!("Reçu : {}\n", display_bytes(msg)));
}

fn reply(msg: &[u8]) -> Vec<u8> {
    let mut r = REPLY_PREFIX.as_bytes().to_vec();
    r.extend_from_slice(msg);
    r
}

impl Conversation for Message {
    fn data(&mut self, data: &[u8], out: &mut Out<'_>) -> io::Result<Flow> {
        // As in the lab, one `recv` is one message: the workshop's client waits for the answer
        // before sending the next one, so messages do not run together.
        let msg = strip(data);
        print_received(msg);
        if msg == b"quit" {
            return Ok(Flow::Close);
        }
        out.send(&reply(msg))?;
        Ok(Flow::Continue)
    }
}

/// The answer to one datagram (workshop exercise 2): none for `quit`, which only ends the
/// client's side.
pub fn answer(data: &[u8]) -> Option<Vec<u8>> {
    let msg = strip(data);
    print_received(msg);
    if msg == b"quit" {
        None
    } else {
        Some(reply(msg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_like_python() {
        assert_eq!(strip(b"  hello\r\n"), b"hello");
        assert_eq!(strip(b"\n"), b"");
        assert_eq!(strip(b"a b"), b"a b");
    }

    #[test]
    fn reply_keeps_the_bytes() {
        assert_eq!(
            reply(b"h\xff"),
            [REPLY_PREFIX.as_bytes(), b"h\xff"].concat()
        );
        assert_eq!(answer(b"quit\n"), None);
    }
}
