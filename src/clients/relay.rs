//! The relay client (RES 302 TP 2, exercise 2.3): one program for both ends. The server sends
//! `1` to the first client that connects and `2` to the second; role 1 sends what is typed,
//! role 2 prints what the server relays to it.

use super::net::Conn;
use super::{Target, console};
use crate::error::{Failure, Trouble};
use crate::sock::addr::brief;

/// Connects, learns its role from the server's first byte, then plays it.
pub fn run(target: &Target) -> Result<(), Failure> {
    let mut conn = target.connect()?;
    // The role is sent right after accept, so it comes within the timeout like any answer.
    let mut buf = [0u8; 1024];
    let n = conn.recv(&mut buf)?;
    let (role, rest) = parse_role(&buf[..n]).ok_or_else(|| not_a_role(&conn, &buf[..n]))?;
    match role {
        Role::Sender => {
            console::say(
                target.lang,
                "rôle 1 : ce que vous tapez est relayé à l'autre client (ligne vide ou Ctrl+D \
                 pour finir).",
                "role 1: what you type is relayed to the other client (an empty line or Ctrl+D \
                 ends).",
            );
            send_lines(&conn)?;
        }
        Role::Receiver => {
            console::say(
                target.lang,
                "rôle 2 : ce que l'autre client tape s'affiche ici.",
                "role 2: what the other client types shows here.",
            );
            // The receiver waits as long as the sender takes to type: no timeout from now on.
            conn.set_recv_timeout(None)?;
            if console::print(rest) {
                let mut open = true;
                conn.recv_until_closed(|piece| open = open && console::print(piece))?;
            }
        }
    }
    conn.close()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// `1`: the first client, which sends.
    Sender,
    /// `2`: the second client, which receives.
    Receiver,
}

/// The role in the server's first bytes, and what came after it in the same `recv` (for the
/// receiver, the start of the relayed data). A line end right after the digit is part of the
/// role, whether the server sends `1` or `1\n`.
fn parse_role(first: &[u8]) -> Option<(Role, &[u8])> {
    let (&digit, rest) = first.split_first()?;
    let role = match digit {
        b'1' => Role::Sender,
        b'2' => Role::Receiver,
        _ => return None,
    };
    let rest = rest
        .strip_prefix(b"\r\n")
        .or_else(|| rest.strip_prefix(b"\n"))
        .unwrap_or(rest);
    Some((role, rest))
}

fn not_a_role(conn: &Conn, got: &[u8]) -> Failure {
    let (fr, en) = if got.is_empty() {
        (
            "le serveur a fermé la connexion sans donner de rôle (1 ou 2)".to_string(),
            "the server closed the connection without giving a role (1 or 2)".to_string(),
        )
    } else {
        let shown = crate::trace::escape::strace_quote(got, got.len(), 64);
        (
            format!("le serveur a envoyé {shown} au lieu d'un rôle (1 ou 2)"),
            format!("the server sent {shown} where a role (1 or 2) was expected"),
        )
    };
    Failure::trouble(
        format!("relay {}", brief(&conn.peer())),
        Trouble::Protocol { fr, en },
    )
}

/// Role 1: each line typed goes to the server, which relays it to role 2.
fn send_lines(conn: &Conn) -> Result<(), Failure> {
    let mut lines = console::Lines::stdin();
    while let Some(line) = lines.next_line()? {
        if console::chomp(&line).is_empty() {
            break;
        }
        conn.sendall(&line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_with_or_without_line_end() {
        assert_eq!(parse_role(b"1"), Some((Role::Sender, &b""[..])));
        assert_eq!(parse_role(b"2\n"), Some((Role::Receiver, &b""[..])));
        assert_eq!(
            parse_role(b"2\r\nhello\n"),
            Some((Role::Receiver, &b"hello\n"[..]))
        );
        assert_eq!(parse_role(b"2hello"), Some((Role::Receiver, &b"hello"[..])));
        assert_eq!(parse_role(b"3"), None);
        assert_eq!(parse_role(b""), None);
    }
}
