//! The bytes the load generator sends, chosen so that every echoed byte can be checked.
//!
//! Each stream (a connection, a UDP client) gets its own table of pseudo-random bytes, every
//! value from 0 to 255 included (NULs, invalid UTF-8: bytes are bytes). The byte at offset `o`
//! of a stream is `table[o % LEN]`; `LEN` is prime, so a chunk boundary (the server's 1,500-byte
//! `recv`, a 64 KiB write) never lines up with the table and a byte echoed twice, dropped or
//! reordered shows up as a difference.

/// Length of a stream's table: a prime a little under 64 KiB.
const LEN: usize = 65_521;

/// What the bytes look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Payload {
    /// Every byte value, NULs and invalid UTF-8 included: the hardest case for anything that
    /// escapes data (a trace).
    #[default]
    Binary,
    /// Printable ASCII in lines of about 60 characters, like the labs' messages.
    Text,
}

/// Printable characters for text payloads (no backslash, no quote: words and punctuation).
const TEXT: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?-'()";

/// The bytes of one stream.
pub struct Pattern {
    table: Vec<u8>,
}

impl Pattern {
    /// The pattern of stream `id` with the given kind of bytes.
    pub fn of(payload: Payload, id: u64) -> Pattern {
        let mut p = Pattern::new(id);
        if payload == Payload::Text {
            for (i, b) in p.table.iter_mut().enumerate() {
                *b = if i % 61 == 60 {
                    b'\n'
                } else {
                    TEXT[usize::from(*b) % TEXT.len()]
                };
            }
        }
        p
    }

    /// The binary pattern of stream `id` (a different `id` gives different bytes).
    pub fn new(id: u64) -> Pattern {
        // splitmix64: a fast generator whose every seed gives a different, well-mixed sequence.
        let mut state = id.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5eed;
        let mut table = Vec::with_capacity(LEN + 8);
        while table.len() < LEN {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            table.extend_from_slice(&z.to_le_bytes());
        }
        table.truncate(LEN);
        Pattern { table }
    }

    /// Fills `out` with the stream's bytes from `offset` on.
    pub fn fill(&self, offset: u64, out: &mut [u8]) {
        let mut pos = (offset % LEN as u64) as usize;
        let mut done = 0;
        while done < out.len() {
            let n = (LEN - pos).min(out.len() - done);
            out[done..done + n].copy_from_slice(&self.table[pos..pos + n]);
            done += n;
            pos = 0;
        }
    }

    /// True when `data` is exactly the stream's bytes from `offset` on.
    pub fn matches(&self, offset: u64, data: &[u8]) -> bool {
        let mut pos = (offset % LEN as u64) as usize;
        let mut done = 0;
        while done < data.len() {
            let n = (LEN - pos).min(data.len() - done);
            if data[done..done + n] != self.table[pos..pos + n] {
                return false;
            }
            done += n;
            pos = 0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_then_match_across_the_wrap() {
        let p = Pattern::new(3);
        let mut buf = vec![0u8; 200_000];
        p.fill(65_000, &mut buf);
        assert!(p.matches(65_000, &buf));
        assert!(p.matches(65_100, &buf[100..]));
        // One byte shifted, one byte changed: both caught.
        assert!(!p.matches(65_001, &buf));
        buf[150_000] ^= 1;
        assert!(!p.matches(65_000, &buf));
    }

    #[test]
    fn streams_differ_and_use_every_byte_value() {
        let (a, b) = (Pattern::new(1), Pattern::new(2));
        let mut x = vec![0u8; 4096];
        let mut y = vec![0u8; 4096];
        a.fill(0, &mut x);
        b.fill(0, &mut y);
        assert_ne!(x, y);
        let mut seen = [false; 256];
        a.table.iter().for_each(|&v| seen[v as usize] = true);
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn text_is_printable_lines() {
        let t = Pattern::of(Payload::Text, 1);
        let mut buf = vec![0u8; 1000];
        t.fill(5, &mut buf);
        assert!(t.matches(5, &buf));
        let text = std::str::from_utf8(&buf).unwrap();
        assert!(
            text.lines()
                .all(|l| l.len() <= 60 && l.chars().all(|c| c.is_ascii_graphic() || c == ' '))
        );
        assert!(text.contains('\n'));
    }
}
