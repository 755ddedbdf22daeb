//! `--pcap FILE`: the captured frames in the pcap format Wireshark and `tcpdump -r` read,
//! written by the `pcap-file` crate. The frames are `lo`'s as the kernel handed them over: a
//! zeroed Ethernet header, then IP (link type Ethernet, as tcpdump writes for `-i lo`).

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pcap_file::DataLink;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};

/// The longest frame kept whole; a longer one is cut (its length is still recorded).
const SNAPLEN: u32 = 262_144;

pub struct PcapOut {
    /// The crate writes each record in several small pieces: into memory first, and to the
    /// file in one `write` per batch of frames.
    writer: PcapWriter<Buffer>,
    buffer: Buffer,
    file: File,
    /// The first write error: the file is then left as it is (the trace goes on).
    failed: bool,
}

/// Bytes waiting for the file, shared between the crate's writer and [`PcapOut::flush`] (the
/// crate gives its inner writer back only by value).
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl PcapOut {
    /// Creates `path` and writes the file's header.
    pub fn create(path: &Path) -> io::Result<PcapOut> {
        // Out of the way of the program's own descriptors, as the capture socket is.
        let file = File::from(super::capture::move_high(File::create(path)?.into()));
        let header = PcapHeader {
            snaplen: SNAPLEN,
            datalink: DataLink::ETHERNET,
            endianness: pcap_file::Endianness::native(),
            ..PcapHeader::default()
        };
        let buffer = Buffer::default();
        let writer = PcapWriter::with_header(buffer.clone(), header)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let mut out = PcapOut {
            writer,
            buffer,
            file,
            failed: false,
        };
        // The header is on disk at once: an empty capture is still a valid file.
        out.flush();
        if out.failed {
            return Err(io::Error::other("cannot write the pcap header"));
        }
        Ok(out)
    }

    /// One frame, received at `ts_us`, `len` bytes long on the wire (`frame` may be shorter).
    pub fn write(&mut self, ts_us: u64, frame: &[u8], len: usize) {
        if self.failed {
            return;
        }
        let kept = &frame[..frame.len().min(SNAPLEN as usize)];
        let packet = PcapPacket::new(
            Duration::from_micros(ts_us),
            len.max(kept.len()) as u32,
            kept,
        );
        if self.writer.write_packet(&packet).is_err() {
            self.failed = true;
        }
    }

    /// Writes out what is buffered, so the file can be read while the capture goes on.
    pub fn flush(&mut self) {
        let mut pending = self.buffer.0.lock().unwrap_or_else(|e| e.into_inner());
        if !self.failed && !pending.is_empty() && self.file.write_all(&pending).is_err() {
            self.failed = true;
        }
        pending.clear();
    }
}

impl Drop for PcapOut {
    fn drop(&mut self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcap_file::pcap::PcapReader;

    #[test]
    fn frames_read_back_with_their_time_and_length() {
        let dir = std::env::temp_dir().join(format!("socklab-pcap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.pcap");
        {
            let mut out = PcapOut::create(&path).unwrap();
            out.write(1_700_000_000_123_456, &[1, 2, 3], 3);
            out.write(1_700_000_000_200_000, &[4; 10], 70_000);
        }
        let mut r = PcapReader::new(File::open(&path).unwrap()).unwrap();
        assert_eq!(r.header().datalink, DataLink::ETHERNET);
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!(p.timestamp, Duration::from_micros(1_700_000_000_123_456));
        assert_eq!(&p.data[..], &[1, 2, 3]);
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!((p.data.len(), p.orig_len), (10, 70_000));
        assert!(r.next_packet().is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
