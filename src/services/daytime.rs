//! Daytime (RFC 867): one line with the date and time, then the server closes.

use std::io;

use super::{Conversation, Flow, Out};

pub struct Daytime;

impl Conversation for Daytime {
    fn open(&mut self, out: &mut Out<'_>) -> io::Result<Flow> {
        // The server speaks first and last: the client only has to read until the end of the
        // stream, which is what the lab's `recv` loop does.
        out.send(date_line().as_bytes())?;
        Ok(Flow::Close)
    }

    fn data(&mut self, _data: &[u8], _out: &mut Out<'_>) -> io::Result<Flow> {
        Ok(Flow::Close)
    }
}

/// The date line: `Sun Nov 22 00:20:11 2026` and CRLF, in the machine's time zone, the form
/// the classic inetd daytime service sends (RFC 867 leaves the format free).
pub fn date_line() -> String {
    // SAFETY: time/localtime_r/strftime with a zeroed tm and a buffer of the given size.
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&now, &mut tm);
        let mut buf = [0u8; 64];
        let fmt = c"%a %b %e %H:%M:%S %Y";
        let n = libc::strftime(buf.as_mut_ptr().cast(), buf.len(), fmt.as_ptr(), &tm);
        format!("{}\r\n", String::from_utf8_lossy(&buf[..n]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_line_has_the_year_and_ends_with_crlf() {
        let line = date_line();
        assert!(line.ends_with("\r\n"), "{line:?}");
        // SAFETY: time(NULL) only reads the clock.
        let now = unsafe { libc::time(std::ptr::null_mut()) };
        let year = 1970 + now / 31_556_952;
        assert!(
            line.contains(&year.to_string()) || line.contains(&(year + 1).to_string()),
            "{line:?}"
        );
        assert_eq!(line.split_whitespace().count(), 5, "{line:?}");
    }
}
