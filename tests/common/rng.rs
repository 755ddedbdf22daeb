//! A small deterministic generator (xorshift64), so a failure can be replayed.

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `len` bytes, each the low byte of the next number.
    pub fn plain_bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// `len` bytes of every value, with runs of NULs, newlines and invalid UTF-8 sequences.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(len);
        while v.len() < len {
            match self.below(8) {
                0 => v.extend_from_slice(b"\xff\xfe\xc3"),
                1 => v.extend_from_slice(&[0, 0, 0]),
                2 => v.push(b'\n'),
                3 => v.extend_from_slice(b"\r\n\t "),
                _ => v.push(self.next() as u8),
            }
        }
        v.truncate(len);
        v
    }
}
