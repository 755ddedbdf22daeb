//! The workshop's message client (Socket TCP/UDP, exercises 1 and 2): a `>>> ` prompt, each
//! line sent to the server, its reply printed as `Serveur: <reply>`; `quit` is sent and ends
//! the conversation.
//!
//! ```python
//! sock.connect((IP, PORT))
//! while True:
//!     user_input = input(">>> ")
//!     sock.send(user_input.strip().encode())
//!     if user_input == "quit":
//!         break
//!     data = sock.recv(BUFFER_SIZE)
//!     if not data:
//!         print("Déconnecté")
//!         break
//!     print(f"Serveur: {data.decode('utf-8')}")
//! ```
//!
//! The protocol has no delimiter: one message is whatever one `send` carries, and the reply is
//! what one `recv` returns, as in the workshop. That holds on a local network for replies of a
//! few kilobytes, which is what the workshop's server sends.

use super::{Target, console};
use crate::error::Failure;
use crate::lang::Lang;

/// The workshop's `BUFFER_SIZE` is 1024; a bigger buffer keeps a long reply in one piece.
const BUFFER_SIZE: usize = 65_536;

/// TCP (exercise 1).
pub fn run_tcp(target: &Target) -> Result<(), Failure> {
    let conn = target.connect()?;
    let mut buf = vec![0u8; BUFFER_SIZE];
    let mut lines = console::Lines::stdin();
    while let Some(message) = next_message(&mut lines)? {
        // An empty send puts nothing on the wire: no reply would ever come. Ask again.
        if message.is_empty() {
            continue;
        }
        conn.sendall(&message)?;
        if message == b"quit" {
            end_of_conversation(target.lang);
            break;
        }
        let n = conn.recv(&mut buf)?;
        if n == 0 {
            console::say(
                target.lang,
                "Déconnecté : le serveur a fermé la connexion.",
                "Disconnected: the server closed the connection.",
            );
            break;
        }
        if !print_reply(&buf[..n]) {
            break;
        }
    }
    conn.close()
}

/// UDP (exercise 2): `sendto` the server, one datagram back; nothing to connect, nothing to
/// close on the server's side, so `quit` is only sent.
pub fn run_udp(target: &Target) -> Result<(), Failure> {
    let udp = target.udp()?;
    let mut buf = vec![0u8; BUFFER_SIZE];
    let mut lines = console::Lines::stdin();
    while let Some(message) = next_message(&mut lines)? {
        if message.is_empty() {
            continue;
        }
        udp.send(&message)?;
        if message == b"quit" {
            end_of_conversation(target.lang);
            break;
        }
        let n = udp.answer(&mut buf)?;
        if !print_reply(&buf[..n]) {
            break;
        }
    }
    udp.close()
}

/// Prompts (only when a person types: a script's output then holds the replies alone), reads
/// a line and strips it as the workshop's `user_input.strip()` does. `None` at the end of the
/// input, which ends the conversation as `quit` would, without sending anything.
fn next_message(lines: &mut console::Lines) -> Result<Option<Vec<u8>>, Failure> {
    if lines.interactive && !console::print(b">>> ") {
        return Ok(None);
    }
    Ok(lines.next_line()?.map(|l| l.trim_ascii().to_vec()))
}

fn print_reply(reply: &[u8]) -> bool {
    let mut line = b"Serveur: ".to_vec();
    line.extend_from_slice(reply);
    line.push(b'\n');
    console::print(&line)
}

fn end_of_conversation(lang: Lang) {
    console::say(lang, "Fin de la conversation.", "End of the conversation.");
}
