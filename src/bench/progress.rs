//! A progress bar on stderr for the long runs: one line redrawn in place, only on a terminal
//! (a pipe or a file gets nothing, so `--json` output and logs stay clean).

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How far a run has gone: against the clock (a workload that runs for a set time) or against
/// a count (connections to open).
#[derive(Clone, Copy)]
pub enum Goal {
    Time(Duration),
    Count(u64),
}

/// A bar being drawn; dropping it erases the line.
pub struct Progress {
    stop: Arc<AtomicBool>,
    drawer: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts drawing `label` and the bar, refreshed ten times a second, showing `done` (a
    /// counter the workload increments) as a rate per second (`unit`) for a timed goal, or as
    /// `done/total` for a count. Shows nothing when stderr is no terminal.
    pub fn start(label: String, goal: Goal, done: Arc<AtomicU64>, unit: &'static str) -> Progress {
        let stop = Arc::new(AtomicBool::new(false));
        if !std::io::stderr().is_terminal() {
            return Progress { stop, drawer: None };
        }
        let flag = Arc::clone(&stop);
        let drawer = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || {
                let start = Instant::now();
                while !flag.load(Ordering::Relaxed) {
                    let n = done.load(Ordering::Relaxed);
                    let line = render(&label, goal, n, start.elapsed(), unit);
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[2K{line}");
                    let _ = err.flush();
                    drop(err);
                    std::thread::sleep(Duration::from_millis(100));
                }
                let _ = write!(std::io::stderr(), "\r\x1b[2K");
            })
            .ok();
        Progress { stop, drawer }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.drawer.take() {
            let _ = h.join();
        }
    }
}

const WIDTH: usize = 30;

fn render(label: &str, goal: Goal, done: u64, elapsed: Duration, unit: &str) -> String {
    let (fraction, figures) = match goal {
        Goal::Time(total) => {
            let secs = elapsed.as_secs_f64();
            let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
            (
                secs / total.as_secs_f64().max(1e-9),
                format!("{secs:.1}/{:.1} s  {rate:.0} {unit}", total.as_secs_f64()),
            )
        }
        Goal::Count(total) => (
            done as f64 / total.max(1) as f64,
            format!("{done}/{total} {unit}"),
        ),
    };
    let filled = ((fraction.clamp(0.0, 1.0)) * WIDTH as f64) as usize;
    format!(
        "{label:<28} [{}{}] {figures}",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_for_time_and_count() {
        let t = render(
            "rr",
            Goal::Time(Duration::from_secs(4)),
            2000,
            Duration::from_secs(2),
            "rt/s",
        );
        assert!(
            t.contains(&format!("[{}{}]", "#".repeat(15), ".".repeat(15))),
            "{t}"
        );
        assert!(t.contains("2.0/4.0 s  1000 rt/s"), "{t}");
        let c = render("hold", Goal::Count(10), 20, Duration::ZERO, "conn");
        assert!(
            c.contains(&"#".repeat(WIDTH)) && c.contains("20/10 conn"),
            "{c}"
        );
    }
}
