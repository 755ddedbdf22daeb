//! Showing bytes: strace's quoting (so lines can be compared with strace) and a hexdump.

use std::fmt::Write;

/// How many bytes of data strace shows with `-s 64`, the command line the README gives.
pub const STRACE_STRSIZE: usize = 64;

/// Quotes bytes as strace does: printable ASCII as is, `\n`-style escapes for the usual control
/// characters, octal for everything else (three digits when a digit follows, so it stays
/// unambiguous), `...` after the closing quote when `total` is longer than what is shown.
pub fn strace_quote(data: &[u8], total: usize, max: usize) -> String {
    let shown = &data[..data.len().min(max)];
    let mut out = String::with_capacity(shown.len() * 4 + 5);
    out.push('"');
    // SAFETY: only printable ASCII is written, each byte of `shown` giving at most four
    // (`\377`), within the room reserved above.
    //
    // From two tables into reserved room rather than pushing characters: with binary data
    // every byte is an escape, and the pushes were a twentieth of a traced server's time.
    unsafe {
        let v = out.as_mut_vec();
        let mut len = v.len();
        let p = v.as_mut_ptr();
        for (i, &b) in shown.iter().enumerate() {
            let next_is_digit = shown.get(i + 1).is_some_and(|n| (b'0'..=b'7').contains(n));
            let (n, text) = if next_is_digit {
                QUOTE_BEFORE_DIGIT[b as usize]
            } else {
                QUOTE[b as usize]
            };
            std::ptr::copy_nonoverlapping(text.as_ptr(), p.add(len), 4);
            len += n as usize;
        }
        v.set_len(len);
    }
    out.push('"');
    if total > shown.len() {
        out.push_str("...");
    }
    out
}

/// How strace shows each byte: its length and up to four characters. Octal in its shortest
/// form (`\0`, `\12`)...
const QUOTE: [(u8, [u8; 4]); 256] = quote_table(false);
/// ... and in three digits when a digit follows, so it stays unambiguous (`\0012`).
const QUOTE_BEFORE_DIGIT: [(u8, [u8; 4]); 256] = quote_table(true);

const fn quote_table(before_digit: bool) -> [(u8, [u8; 4]); 256] {
    let mut t = [(0u8, [0u8; 4]); 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = match b {
            b'"' => (2, [b'\\', b'"', 0, 0]),
            b'\\' => (2, [b'\\', b'\\', 0, 0]),
            b'\n' => (2, [b'\\', b'n', 0, 0]),
            b'\r' => (2, [b'\\', b'r', 0, 0]),
            b'\t' => (2, [b'\\', b't', 0, 0]),
            0x0b => (2, [b'\\', b'v', 0, 0]),
            0x0c => (2, [b'\\', b'f', 0, 0]),
            0x20..=0x7e => (1, [b, 0, 0, 0]),
            _ => {
                let d2 = b'0' + (b >> 6);
                let d1 = b'0' + ((b >> 3) & 7);
                let d0 = b'0' + (b & 7);
                if before_digit || b >= 0o100 {
                    (4, [b'\\', d2, d1, d0])
                } else if b >= 0o10 {
                    (3, [b'\\', d1, d0, 0])
                } else {
                    (2, [b'\\', d0, 0, 0])
                }
            }
        };
        i += 1;
    }
    t
}

/// Text for a human: valid UTF-8 shown as is (control characters escaped), invalid bytes as
/// `\xNN`, so a binary message never garbles the terminal and never panics.
pub fn display_bytes(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len());
    for chunk in data.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// A classic hexdump: offset, sixteen bytes in hex, the same bytes as ASCII.
pub fn hexdump(data: &[u8]) -> Vec<String> {
    data.chunks(16)
        .enumerate()
        .map(|(row, chunk)| {
            let mut line = format!("{:08x}  ", row * 16);
            for i in 0..16 {
                match chunk.get(i) {
                    Some(b) => {
                        let _ = write!(line, "{b:02x} ");
                    }
                    None => line.push_str("   "),
                }
                if i == 7 {
                    line.push(' ');
                }
            }
            line.push_str(" |");
            for &b in chunk {
                line.push(if (0x20..0x7f).contains(&b) {
                    b as char
                } else {
                    '.'
                });
            }
            line.push('|');
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_strace() {
        assert_eq!(strace_quote(b"hello\n", 6, 64), r#""hello\n""#);
        assert_eq!(strace_quote(b"a\"b\\c", 5, 64), r#""a\"b\\c""#);
        // Octal, shortest form unless a digit follows.
        assert_eq!(strace_quote(&[0xff, b'a'], 2, 64), r#""\377a""#);
        assert_eq!(strace_quote(&[0x01, b'a'], 2, 64), r#""\1a""#);
        assert_eq!(strace_quote(&[0x01, b'2'], 2, 64), r#""\0012""#);
        assert_eq!(strace_quote(&[0], 1, 64), r#""\0""#);
        assert_eq!(
            strace_quote(&[0o10, 0o37, 0o200, 0o7], 4, 64),
            r#""\10\37\200\7""#
        );
        assert_eq!(strace_quote(&[0o10, b'0'], 2, 64), r#""\0100""#);
    }

    #[test]
    fn cuts_long_strings_with_dots() {
        assert_eq!(strace_quote(b"abcdef", 6, 3), r#""abc"..."#);
        // The data captured may itself be shorter than the total.
        assert_eq!(strace_quote(b"abc", 100, 64), r#""abc"..."#);
    }

    #[test]
    fn displays_invalid_utf8_escaped() {
        assert_eq!(display_bytes(b"h\xc3\xa9ho"), "hého");
        assert_eq!(display_bytes(b"a\xffb\n"), "a\\xffb\\n");
        assert_eq!(display_bytes(b"\x1b[31m"), "\\u{1b}[31m");
    }

    #[test]
    fn hexdump_rows() {
        let rows = hexdump(b"0123456789abcdefXY");
        assert_eq!(rows.len(), 2);
        assert!(rows[0].starts_with("00000000  30 31 32"));
        assert!(rows[0].ends_with("|0123456789abcdef|"));
        assert!(rows[1].starts_with("00000010  58 59 "));
        assert!(rows[1].ends_with("|XY|"));
    }
}
