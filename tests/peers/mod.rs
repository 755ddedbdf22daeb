//! The peers the client tests talk to: `nc -l`, `socat`, and the Python servers of
//! `tests/python/`, each started as a real process on 127.0.0.1.
//!
//! Every peer binds port 0 itself, so the kernel picks a free port and no port is ever fixed
//! or guessed, and reports the port it got on a banner line once it is ready: `nc -lv` prints
//! `Listening on 127.0.0.1 PORT` (or `Bound on` for UDP) after `listen`/`bind`, `socat -d -d`
//! prints `listening on AF=2 127.0.0.1:PORT` after `listen`, and the Python servers print a
//! line ending with the port once their socket is bound. Waiting for that line is the
//! readiness check: no sleep, and no window in which another program could take the port.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::sync::mpsc;
use std::thread::JoinHandle;

use super::common::{
    TIMEOUT, lines_in_background, read_all_in_background, spawn_with_input, wait_timeout,
};

/// Which of the peer's outputs carries the banner line.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Banner {
    Stdout,
    Stderr,
}

/// A peer process, started and ready: `port` is where it listens.
pub struct Peer {
    child: Child,
    pub port: u16,
    /// The lines after the banner, on the banner's stream.
    lines: mpsc::Receiver<String>,
    /// Everything on the other stream (what nc received, for nc).
    other: Option<JoinHandle<Vec<u8>>>,
}

impl Peer {
    /// Starts `command` with `input` on its stdin (then closed), and waits for its banner.
    pub fn start(command: Command, banner: Banner, input: &[u8]) -> Peer {
        let (mut child, _feeder) = spawn_with_input(command, input);
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        let (banner_stream, other_stream): (Box<dyn Read + Send>, Box<dyn Read + Send>) =
            match banner {
                Banner::Stdout => (Box::new(out), Box::new(err)),
                Banner::Stderr => (Box::new(err), Box::new(out)),
            };
        let other = read_all_in_background(other_stream);
        let rx = lines_in_background(banner_stream);
        let Ok(first) = rx.recv_timeout(TIMEOUT) else {
            let _ = child.kill();
            let other = other.join().unwrap();
            panic!(
                "the peer printed no banner; its other output:\n{}",
                String::from_utf8_lossy(&other)
            );
        };
        let port = last_number(&first).unwrap_or_else(|| panic!("no port in banner: {first}"));
        Peer {
            child,
            port,
            lines: rx,
            other: Some(other),
        }
    }

    /// The next line after the banner, within `TIMEOUT`.
    pub fn next_line(&self) -> String {
        self.lines
            .recv_timeout(TIMEOUT)
            .expect("no line from the peer in time")
    }

    /// Waits for the peer to exit (killing it past `TIMEOUT`); returns its status, the rest of
    /// the banner stream's lines, and all of its other stream.
    pub fn finish(mut self) -> (Option<ExitStatus>, Vec<String>, Vec<u8>) {
        let status = wait_timeout(&mut self.child, TIMEOUT);
        let other = self.other.take().unwrap().join().unwrap();
        let lines = self.lines.try_iter().collect();
        (status, lines, other)
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last run of digits in a line: the port in every banner above.
fn last_number(line: &str) -> Option<u16> {
    let end = line.rfind(|c: char| c.is_ascii_digit())? + 1;
    let start = line[..end]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    line[start..end].parse().ok()
}

/// `nc -l` on 127.0.0.1, a port of the kernel's choosing; `-N` shuts the connection down for
/// writing once `input` is sent, so the client sees the end of the stream.
pub fn nc_tcp(input: &[u8]) -> Peer {
    let mut c = Command::new("nc");
    c.args(["-l", "-v", "-n", "-N", "127.0.0.1", "0"]);
    Peer::start(c, Banner::Stderr, input)
}

/// `socat -d -d TCP-LISTEN:0,bind=127.0.0.1 <then>`: socat accepts one connection and joins it
/// to `then` (`PIPE` echoes, `SYSTEM:cmd` runs a command).
pub fn socat_tcp(then: &str) -> Peer {
    let mut c = Command::new("socat");
    c.args(["-d", "-d", "TCP-LISTEN:0,bind=127.0.0.1", then]);
    Peer::start(c, Banner::Stderr, b"")
}

/// One of the Python servers of `tests/python/`.
pub fn python(script: &str, args: &[&str]) -> Peer {
    let mut c = Command::new("python3");
    c.arg("-u").arg(python_dir().join(script)).args(args);
    Peer::start(c, Banner::Stdout, b"")
}

pub fn python_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python")
}
