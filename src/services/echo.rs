//! Echo (RFC 862): every byte received is sent back, unchanged.

use std::io;

use super::{Conversation, Flow, Out};

/// Bytes are bytes: nothing is decoded, so invalid UTF-8 comes back exactly as it went.
pub struct Echo;

impl Conversation for Echo {
    fn data(&mut self, data: &[u8], out: &mut Out<'_>) -> io::Result<Flow> {
        // `send` may take only part of the data; `Out::send` is `sendall`, which loops until
        // all of it is taken.
        out.send(data)?;
        Ok(Flow::Continue)
    }
}
