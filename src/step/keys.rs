//! Where the step keys come from, and how they are read.
//!
//! At a terminal one keypress acts: while the gate waits, the terminal is put in
//! non-canonical mode without echo (the key is not waiting for Enter), signals kept (`ISIG`:
//! Ctrl+C still interrupts), and set back as it was as soon as the key is read, and on every
//! way out (`q`, Ctrl+C, the end of the program: [`restore`]). Without a terminal the keys come
//! from standard input, one line each, so step mode can be scripted.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::sync::Mutex;

use nix::sys::termios::{self, LocalFlags, SetArg, SpecialCharacterIndices, Termios};

/// A key of the step gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Run,
    Sockets,
    Continue,
    Quit,
    Help,
}

impl Key {
    fn of(text: &str) -> Key {
        match text.trim() {
            "q" | "Q" => Key::Quit,
            "c" | "C" => Key::Continue,
            "s" | "S" => Key::Sockets,
            "h" | "H" | "?" => Key::Help,
            _ => Key::Run,
        }
    }
}

/// The terminal's settings while no key is awaited, kept to be put back on every way out;
/// and whether the program is on its way out (then the terminal is not changed again).
struct Saved {
    settings: Option<(RawFd, Termios)>,
    leaving: bool,
}

/// One lock for both: Ctrl+C's thread and the stepper's cannot cross, so the terminal is never
/// left in one-key mode by a key read that started while the program was already leaving.
static SAVED: Mutex<Saved> = Mutex::new(Saved {
    settings: None,
    leaving: false,
});

/// Puts the terminal back as it was, if a key was being awaited.
fn restore_locked(saved: &mut Saved) {
    if let Some((fd, settings)) = saved.settings.take() {
        // SAFETY: the descriptor is the open /dev/tty this module keeps for the whole run.
        let tty = unsafe { BorrowedFd::borrow_raw(fd) };
        let _ = termios::tcsetattr(tty, SetArg::TCSANOW, &settings);
    }
}

/// The program is leaving (Ctrl+C, `q`, the end): the terminal back as it was, for good.
pub fn restore() {
    let mut saved = SAVED.lock().unwrap_or_else(|e| e.into_inner());
    saved.leaving = true;
    restore_locked(&mut saved);
}

pub enum Keys {
    /// A terminal: one keypress acts.
    Terminal(File),
    /// A script (or a pipe): one line per key.
    Lines {
        input: Box<dyn BufRead + Send>,
        echoed: bool,
    },
}

/// The terminal if there is one, otherwise standard input.
pub fn source() -> Keys {
    if io::stderr().is_terminal()
        && let Ok(tty) = File::options().read(true).write(true).open("/dev/tty")
    {
        return Keys::Terminal(tty);
    }
    Keys::Lines {
        input: Box::new(BufReader::new(io::stdin())),
        echoed: io::stdin().is_terminal(),
    }
}

impl Keys {
    /// Waits for the next key. The end of a script's keys runs the rest without stopping.
    pub fn read(&mut self) -> Key {
        match self {
            Keys::Terminal(tty) => match read_keypress(tty) {
                Ok(Some(c)) => {
                    // The prompt's line ends here: the key itself is not echoed.
                    eprintln!();
                    Key::of(&c.to_string())
                }
                Ok(None) | Err(_) => Key::Continue,
            },
            Keys::Lines { input, echoed } => {
                let mut line = String::new();
                let read = input.read_line(&mut line);
                if !*echoed {
                    // Nothing ended the prompt's line: end it here.
                    eprintln!();
                }
                match read {
                    Ok(0) | Err(_) => Key::Continue,
                    Ok(_) => Key::of(&line),
                }
            }
        }
    }
}

/// One keypress from the terminal: non-canonical, no echo, signals kept, for this read only.
fn read_keypress(tty: &mut File) -> io::Result<Option<char>> {
    let before = termios::tcgetattr(tty.as_fd())?;
    let mut raw = before.clone();
    raw.local_flags
        .remove(LocalFlags::ICANON | LocalFlags::ECHO);
    // ISIG stays: Ctrl+C still sends SIGINT, and Ctrl+Z still suspends.
    raw.local_flags.insert(LocalFlags::ISIG);
    raw.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
    raw.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
    {
        let mut saved = SAVED.lock().unwrap_or_else(|e| e.into_inner());
        if saved.leaving {
            return Ok(None);
        }
        saved.settings = Some((tty.as_raw_fd(), before));
        termios::tcsetattr(tty.as_fd(), SetArg::TCSANOW, &raw)?;
    }
    let mut byte = [0u8; 1];
    let read = tty.read(&mut byte);
    restore_locked(&mut SAVED.lock().unwrap_or_else(|e| e.into_inner()));
    match read? {
        0 => Ok(None),
        _ => Ok(Some(byte[0] as char)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_by_their_letter() {
        assert_eq!(Key::of("q\n"), Key::Quit);
        assert_eq!(Key::of("c"), Key::Continue);
        assert_eq!(Key::of("s"), Key::Sockets);
        assert_eq!(Key::of("h"), Key::Help);
        assert_eq!(Key::of("\n"), Key::Run);
        assert_eq!(Key::of("x"), Key::Run);
    }
}
