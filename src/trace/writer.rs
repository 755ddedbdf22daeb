//! The writer thread: the only place trace output is written.

use std::io::Write;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError};

use super::{Event, Msg, Phase, Render};

/// How long an `Enter` is held back, hoping its `Exit` comes next and both fit on one line.
/// After that the call is shown waiting (strace's `<unfinished ...>`), so a blocked `accept`
/// is visible while it blocks.
const HOLD: Duration = Duration::from_millis(50);

/// Renders and writes every event until stopped; returns them all when `keep` is set.
pub(super) fn run(
    rx: Receiver<Msg>,
    mut renderer: Box<dyn Render>,
    out: Box<dyn Write + Send>,
    keep: bool,
) -> Vec<Event> {
    let mut kept = Vec::new();
    // Large enough that a burst of events goes out in few writes; whole lines only, so the
    // trace never interleaves mid-line with the program's own output.
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    let mut seq: u64 = 0;
    let mut held: Option<Event> = None;
    let mut text = String::new();
    loop {
        let msg = if held.is_some() {
            match rx.recv_timeout(HOLD) {
                Ok(m) => m,
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(ev) = held.take() {
                        renderer.render(&ev, false, &mut text);
                    }
                    write_out(&mut out, &mut text, true);
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(m) => m,
                Err(_) => break,
            }
        };
        match msg {
            Msg::Event(mut ev) => {
                seq += 1;
                ev.seq = seq;
                if keep {
                    kept.push(ev.clone());
                }
                place(ev, &mut held, renderer.as_mut(), &mut text);
                write_out(&mut out, &mut text, rx.is_empty());
            }
            Msg::Flush(ack) => {
                if let Some(ev) = held.take() {
                    renderer.render(&ev, false, &mut text);
                }
                write_out(&mut out, &mut text, true);
                let _ = ack.send(());
            }
            Msg::Stop => break,
        }
    }
    // Drain whatever is still queued: nothing sent before `finish` is lost.
    while let Ok(msg) = rx.try_recv() {
        match msg {
            Msg::Event(mut ev) => {
                seq += 1;
                ev.seq = seq;
                if keep {
                    kept.push(ev.clone());
                }
                place(ev, &mut held, renderer.as_mut(), &mut text);
            }
            Msg::Flush(ack) => {
                let _ = ack.send(());
            }
            Msg::Stop => {}
        }
    }
    if let Some(ev) = held.take() {
        renderer.render(&ev, false, &mut text);
    }
    write_out(&mut out, &mut text, true);
    kept
}

/// Renders `ev`, holding an `Enter` back when the renderer may merge it with its `Exit`.
fn place(ev: Event, held: &mut Option<Event>, renderer: &mut dyn Render, text: &mut String) {
    if !renderer.merges() {
        renderer.render(&ev, false, text);
        return;
    }
    if let Some(enter) = held.take() {
        if ev.phase == Phase::Exit && ev.tid == enter.tid && ev.call == enter.call {
            renderer.render(&ev, true, text);
            return;
        }
        renderer.render(&enter, false, text);
    }
    if ev.phase == Phase::Enter {
        *held = Some(ev);
    } else {
        renderer.render(&ev, false, text);
    }
}

fn write_out(out: &mut impl Write, text: &mut String, flush: bool) {
    // A failing trace output (a closed pipe) must not stop the program it traces.
    if !text.is_empty() {
        let _ = out.write_all(text.as_bytes());
        text.clear();
    }
    if flush {
        let _ = out.flush();
    }
}
