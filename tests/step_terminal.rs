//! Step mode as a student uses it, in a real terminal (tmux): one keypress acts, without
//! Enter; Ctrl+C still stops the program; the terminal is given back as it was.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{TIMEOUT, have_tool, socklab, temp_dir};

/// A tmux server of the test's own (its own socket), with one window running `script`.
struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    fn start(dir: &Path, script: &str) -> Tmux {
        let socket = dir.join("tmux.sock");
        let ok = Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(["new-session", "-d", "-x", "200", "-y", "50", "-s", "step"])
            .arg(script)
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux starts");
        Tmux { socket }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["capture-pane", "-p", "-t", "step"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen shows `text`.
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "no {text:?} on screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// One key, as typed: no Enter after it.
    fn key(&self, key: &str) {
        let ok = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["send-keys", "-t", "step", key])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .status();
    }
}

/// The script: the terminal's settings before and after, the exit status, between them
/// socklab in step mode.
fn script(dir: &Path, args: &str) -> String {
    let d = dir.display();
    format!(
        "stty -a > {d}/before; {} --lang en --color never --step {args}; echo $? > {d}/status; \
         stty -a > {d}/after; echo DONE; sleep 60",
        socklab()
    )
}

fn wait_file(path: &Path) -> String {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && !text.is_empty()
        {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{} never written",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn assert_terminal_restored(dir: &Path) {
    let before = wait_file(&dir.join("before"));
    let after = wait_file(&dir.join("after"));
    assert_eq!(before, after, "stty -a before and after differ");
    assert!(
        after.contains(" icanon") && after.contains(" echo"),
        "{after}"
    );
}

#[test]
fn one_c_lets_the_server_run_on_and_ctrl_c_still_stops_it() {
    if !have_tool("tmux") {
        return;
    }
    let dir = temp_dir("step-c");
    let tmux = Tmux::start(&dir, &script(&dir, "serve echo --port 0"));
    tmux.wait_for("Enter: run");
    // One keypress, no Enter: the server runs on, through its listen, to its banner.
    tmux.key("c");
    let screen = tmux.wait_for("echo server");
    let port: u16 = screen
        .lines()
        .find_map(|l| {
            l.rsplit(':')
                .next()?
                .trim()
                .parse()
                .ok()
                .filter(|_| l.contains("listen"))
        })
        .unwrap_or_else(|| panic!("no port on screen:\n{screen}"));
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    assert_eq!(common::echo_round_trip(&mut s, b"hi\n"), b"hi\n");
    drop(s);
    tmux.key("C-c");
    tmux.wait_for("DONE");
    assert_eq!(
        wait_file(&dir.join("status")).trim(),
        "0",
        "Ctrl+C stops the server cleanly"
    );
    assert_terminal_restored(&dir);
}

#[test]
fn one_q_ends_the_program() {
    if !have_tool("tmux") {
        return;
    }
    let dir = temp_dir("step-q");
    let tmux = Tmux::start(&dir, &script(&dir, "serve echo --port 0"));
    tmux.wait_for("Enter: run");
    tmux.key("q");
    tmux.wait_for("DONE");
    assert_eq!(wait_file(&dir.join("status")).trim(), "0");
    assert_terminal_restored(&dir);
}

#[test]
fn ctrl_c_at_the_prompt_stops_the_program_and_gives_the_terminal_back() {
    if !have_tool("tmux") {
        return;
    }
    let dir = temp_dir("step-ctrl-c");
    let tmux = Tmux::start(&dir, &script(&dir, "serve echo --port 0"));
    tmux.wait_for("Enter: run");
    // h shows the keys, and waits again.
    tmux.key("h");
    tmux.wait_for("Keys: Enter runs the call");
    tmux.key("C-c");
    tmux.wait_for("DONE");
    assert_terminal_restored(&dir);
}

/// Each explanation is said once: at the prompt, before the call runs, and not again under
/// the call's line in the trace.
#[test]
fn the_explanation_is_shown_once() {
    let out = common::output_with_input(
        {
            let mut c = Command::new(socklab());
            c.args([
                "--lang",
                "en",
                "--color",
                "never",
                "--explain",
                "always",
                "--step",
                "serve",
                "echo",
                "--port",
                "0",
            ]);
            c
        },
        b"\n\n\n\nq\n",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("bind() attaches the socket").count(),
        1,
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("setsockopt(SO_REUSEADDR)").count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("bind(3, 127.0.0.1:0) = 0"),
        "the call ran: {stderr}"
    );
}
