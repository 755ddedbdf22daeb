//! What a server did, for the summary printed when it stops.

use std::net::SocketAddr;
use std::sync::Mutex;

use crate::lang::Lang;
pub use crate::services::Counts;
use crate::trace::counters::Calls;

/// One finished connection.
#[derive(Debug, Clone)]
pub struct ConnRecord {
    /// The thread that served it (`exécutant-3`, or `main` for an iterative server).
    pub thread: String,
    pub peer: SocketAddr,
    pub counts: Counts,
}

#[derive(Debug, Default)]
pub struct Stats {
    records: Mutex<Vec<ConnRecord>>,
}

impl Stats {
    pub fn record(&self, record: ConnRecord) {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(record);
    }

    pub fn records(&self) -> Vec<ConnRecord> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The summary: totals on the first line, then one line per connection (for UDP, which
    /// has no connections, one line per client address).
    pub fn summary(&self, lang: Lang, udp: bool) -> String {
        let records = self.records();
        let total_in: u64 = records.iter().map(|r| r.counts.bytes_in).sum();
        let total_out: u64 = records.iter().map(|r| r.counts.bytes_out).sum();
        let n = records.len();
        let mut out = match (lang, udp) {
            (Lang::Fr, false) => format!(
                "Bilan : {n} connexion(s), {total_in} octets reçus, {total_out} octets envoyés\n"
            ),
            (Lang::Fr, true) => format!(
                "Bilan : {n} client(s) UDP, {total_in} octets reçus, {total_out} octets envoyés\n"
            ),
            (Lang::En, false) => {
                format!("Summary: {n} connection(s), {total_in} bytes in, {total_out} bytes out\n")
            }
            (Lang::En, true) => {
                format!("Summary: {n} UDP client(s), {total_in} bytes in, {total_out} bytes out\n")
            }
        };
        for r in &records {
            let (inw, outw) = match lang {
                Lang::Fr => ("reçus", "envoyés"),
                Lang::En => ("in", "out"),
            };
            out.push_str(&format!(
                "  {:<14} {:<24} {} {inw}, {} {outw}\n",
                r.thread, r.peer, r.counts.bytes_in, r.counts.bytes_out
            ));
        }
        out
    }
}

/// The socket system calls the server made (every thread's, counted even untraced): with a
/// bigger `--recv-size`, fewer for the same bytes.
pub fn calls_line(calls: Calls, lang: Lang) -> String {
    let others = calls.calls - calls.receives - calls.sends;
    match lang {
        Lang::Fr => format!(
            "{CALLS_FR} {} ({} pour recevoir, {} pour envoyer, {others} autres)\n",
            calls.calls, calls.receives, calls.sends
        ),
        Lang::En => format!(
            "{CALLS_EN} {} ({} to receive, {} to send, {others} others)\n",
            calls.calls, calls.receives, calls.sends
        ),
    }
}

/// How [`calls_line`] starts, in each language (the bench reads the figures after it).
pub const CALLS_EN: &str = "System calls on sockets:";
pub const CALLS_FR: &str = "Appels système sur les sockets :";

/// The figures of a [`calls_line`]: total, receives, sends.
pub fn parse_calls_line(line: &str) -> Option<Calls> {
    let rest = line
        .strip_prefix(CALLS_EN)
        .or_else(|| line.strip_prefix(CALLS_FR))?;
    match numbers(rest)[..] {
        [calls, receives, sends, _others] => Some(Calls {
            calls,
            receives,
            sends,
        }),
        _ => None,
    }
}

/// The numbers in a line of the summary, in order (`Summary: 3 connection(s), 120 bytes in`
/// gives 3, 120).
pub fn numbers(line: &str) -> Vec<u64> {
    line.split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect()
}

/// With the kernel view: the connection attempts the listening socket's full queue made the
/// kernel drop, for the summary.
pub fn dropped_line(dropped: u64, lang: Lang) -> String {
    match (dropped, lang) {
        (0, Lang::Fr) => "File d'attente : aucune tentative de connexion perdue.\n".into(),
        (0, Lang::En) => "Accept queue: no connection attempt dropped.\n".into(),
        (n, Lang::Fr) => format!(
            "File d'attente : {n} tentative(s) de connexion ignorée(s), file pleine ; les \
             clients ont renvoyé leur SYN 1 s plus tard ; --backlog relève la limite.\n"
        ),
        (n, Lang::En) => format!(
            "Accept queue: {n} connection attempt(s) dropped, the queue was full; the clients \
             sent their SYN again 1 s later; --backlog raises the limit.\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_line_reads_back_in_both_languages() {
        let calls = Calls {
            calls: 1234,
            receives: 600,
            sends: 599,
        };
        for lang in [Lang::Fr, Lang::En] {
            let line = calls_line(calls, lang);
            assert!(line.contains("35 "), "{line}");
            assert_eq!(parse_calls_line(line.trim_end()), Some(calls), "{line}");
        }
        assert_eq!(parse_calls_line("Summary: 2 connection(s)"), None);
    }

    #[test]
    fn summary_totals_and_lines() {
        let s = Stats::default();
        for (i, n) in [(1, 5u64), (2, 7)] {
            s.record(ConnRecord {
                thread: format!("exécutant-{i}"),
                peer: "127.0.0.1:5000".parse().unwrap(),
                counts: Counts {
                    bytes_in: n,
                    bytes_out: n,
                },
            });
        }
        let en = s.summary(Lang::En, false);
        assert!(
            en.starts_with("Summary: 2 connection(s), 12 bytes in, 12 bytes out"),
            "{en}"
        );
        assert!(en.contains("exécutant-2"), "{en}");
        let fr = s.summary(Lang::Fr, false);
        assert!(
            s.summary(Lang::En, true)
                .starts_with("Summary: 2 UDP client(s)")
        );
        assert!(
            fr.starts_with("Bilan : 2 connexion(s), 12 octets reçus"),
            "{fr}"
        );
    }
}
