//! Notes: what a program did that is no system call (a connection handed to an exécutant, a
//! thread ending, a client turned away), as typed values. The renderers put them into words in
//! the trace's language; the diagram reads their fields.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use crate::lang::Lang;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Note {
    /// The veilleur hands an accepted connection to a new exécutant thread.
    HandOver {
        fd: i32,
        peer: SocketAddr,
        /// The exécutant's number: its thread is `exécutant-N`.
        executant: u32,
    },
    /// The thread that emits the note ends.
    ThreadEnd,
    /// A client over `--max-clients` is turned away.
    Refused { peer: SocketAddr, max: usize },
    /// A connection silent for longer than `--idle-timeout` is closed.
    IdleClose {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        peer: Option<SocketAddr>,
    },
    /// The relay server paired an emitter (role 1) with a receiver (role 2).
    RelayPair {
        emitter: SocketAddr,
        receiver: SocketAddr,
    },
    /// A datagram longer than the buffer (`MSG_TRUNC` gave its real length).
    Truncated {
        len: usize,
        cap: usize,
        peer: SocketAddr,
    },
    /// An answer too long for one datagram, cut to what a datagram carries.
    AnswerCut {
        len: usize,
        max: usize,
        peer: SocketAddr,
    },
    /// A listening socket's queue was full: the kernel dropped connection attempts (SYNs),
    /// which the clients' kernels will send again after 1 s, then 2 s.
    QueueFull {
        dropped: u32,
        total: u32,
        backlog: u32,
    },
    /// `s` in step mode: the program's sockets as the kernel lists them now (in `sockets`).
    Sockets,
    /// `q` in step mode.
    StepQuit,
    /// The demo stops its server: the harness's doing, not the lesson's.
    HarnessStop,
    /// `socklab trace`: the thread that emits the note created a thread or a process
    /// (`clone`, `fork`, `vfork`); `child` is the new thread's id, which is the new process's
    /// pid for a process.
    Spawn { child: u32, thread: bool },
    /// `socklab trace`: the thread's process replaced its program (`execve`); `program` is
    /// its command line.
    Exec { program: String },
    /// `socklab trace`: a traced process ended, with its exit status or killed by a signal.
    Exit {
        pid: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signal: Option<String>,
    },
    /// `socklab trace`, at the end: the name given to each traced thread, from what it did,
    /// beside its pid, its thread id and the kernel's name for it.
    Roles { roles: Vec<RoleOf> },
    /// `socklab trace --server --client`: the client has ended, socklab stops the server.
    TraceStop { pid: u32, signal: String },
    /// `socklab trace --end-with-program`: the program has ended, socklab kills the
    /// `count` processes it left behind.
    LeftBehind { pid: u32, count: usize },
}

/// One thread of a traced program, in [`Note::Roles`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleOf {
    /// The name the trace gives it (`veilleur`, `exécutant-1`, `client-1`, `thread-4242`).
    pub thread: String,
    pub pid: u32,
    pub tid: u32,
    /// The kernel's name for the thread (`/proc/PID/task/TID/comm`: `python3`).
    pub comm: String,
}

impl Note {
    /// The exécutant's thread name, `exécutant-N`.
    pub fn executant_name(n: u32) -> String {
        format!("exécutant-{n}")
    }

    /// The note in words. `thread` is the thread that emitted it.
    pub fn text(&self, thread: &str, lang: Lang) -> String {
        match (self, lang) {
            (
                Note::HandOver {
                    fd,
                    peer,
                    executant,
                },
                Lang::Fr,
            ) => format!(
                "le veilleur confie le fd {fd} ({peer}) à {}",
                Note::executant_name(*executant)
            ),
            (
                Note::HandOver {
                    fd,
                    peer,
                    executant,
                },
                Lang::En,
            ) => format!(
                "veilleur hands fd {fd} ({peer}) to {}",
                Note::executant_name(*executant)
            ),
            (Note::ThreadEnd, Lang::Fr) => format!("{thread} se termine"),
            (Note::ThreadEnd, Lang::En) => format!("{thread} ends"),
            (Note::Refused { peer, max }, Lang::Fr) => {
                format!("{peer} refusé : --max-clients {max} atteint")
            }
            (Note::Refused { peer, max }, Lang::En) => {
                format!("{peer} refused: --max-clients {max} reached")
            }
            (Note::IdleClose { peer: Some(p) }, Lang::Fr) => {
                format!("{p} : silencieux trop longtemps (--idle-timeout), fermeture")
            }
            (Note::IdleClose { peer: Some(p) }, Lang::En) => {
                format!("{p}: idle too long (--idle-timeout), closing")
            }
            (Note::IdleClose { peer: None }, Lang::Fr) => {
                "silencieux trop longtemps (--idle-timeout) : fermeture".into()
            }
            (Note::IdleClose { peer: None }, Lang::En) => {
                "idle too long (--idle-timeout): closing".into()
            }
            (Note::RelayPair { emitter, receiver }, Lang::Fr) => {
                format!("paire : {emitter} (1, émetteur) → {receiver} (2, récepteur)")
            }
            (Note::RelayPair { emitter, receiver }, Lang::En) => {
                format!("pair: {emitter} (1, emitter) → {receiver} (2, receiver)")
            }
            (Note::Truncated { len, cap, peer }, Lang::Fr) => {
                format!("datagramme de {len} octets de {peer} tronqué à {cap} (MSG_TRUNC)")
            }
            (Note::Truncated { len, cap, peer }, Lang::En) => {
                format!("datagram of {len} bytes from {peer} truncated to {cap} (MSG_TRUNC)")
            }
            (Note::AnswerCut { len, max, peer }, Lang::Fr) => format!(
                "réponse de {len} octets pour {peer} coupée à {max} : un datagramme UDP n'en \
                 porte pas plus"
            ),
            (Note::AnswerCut { len, max, peer }, Lang::En) => {
                format!(
                    "answer of {len} bytes to {peer} cut to {max}: a UDP datagram carries no more"
                )
            }
            (
                Note::QueueFull {
                    dropped,
                    total,
                    backlog,
                },
                Lang::Fr,
            ) => format!(
                "file d'attente pleine (backlog {backlog}) : le noyau a ignoré {dropped} demande(s) \
                 de connexion ({total} depuis le début) ; leurs clients renvoient leur SYN après \
                 1 s, puis 2 s ; --backlog relève la limite"
            ),
            (
                Note::QueueFull {
                    dropped,
                    total,
                    backlog,
                },
                Lang::En,
            ) => format!(
                "queue full (backlog {backlog}): the kernel ignored {dropped} connection \
                 attempt(s) ({total} so far); their clients send their SYN again after 1 s, then \
                 2 s; --backlog raises the limit"
            ),
            (Note::Sockets, Lang::Fr) => "s : les sockets du programme".into(),
            (Note::Sockets, Lang::En) => "s: the program's sockets".into(),
            (Note::StepQuit, Lang::Fr) => "q : arrêt demandé".into(),
            (Note::StepQuit, Lang::En) => "q: quit requested".into(),
            (Note::HarnessStop, Lang::Fr) => "la démo arrête le serveur".into(),
            (Note::HarnessStop, Lang::En) => "the demo stops the server".into(),
            (
                Note::Spawn {
                    child,
                    thread: true,
                },
                Lang::Fr,
            ) => {
                format!("{thread} crée le thread {child}")
            }
            (
                Note::Spawn {
                    child,
                    thread: true,
                },
                Lang::En,
            ) => {
                format!("{thread} starts thread {child}")
            }
            (Note::Spawn { child, .. }, Lang::Fr) => {
                format!("{thread} crée le processus {child} (fork)")
            }
            (Note::Spawn { child, .. }, Lang::En) => {
                format!("{thread} forks process {child}")
            }
            (Note::Exec { program }, Lang::Fr) => format!("{thread} exécute {program} (execve)"),
            (Note::Exec { program }, Lang::En) => format!("{thread} runs {program} (execve)"),
            (Note::Exit { pid, code, signal }, lang) => exit_text(*pid, *code, signal, lang),
            (Note::Roles { roles }, lang) => {
                let list: Vec<String> = roles
                    .iter()
                    .map(|r| {
                        format!(
                            "{} = pid {}, thread {} ({})",
                            r.thread, r.pid, r.tid, r.comm
                        )
                    })
                    .collect();
                format!("{}{}", lang.pick("rôles : ", "roles: "), list.join(" ; "))
            }
            (Note::TraceStop { pid, signal }, Lang::Fr) => {
                format!("le client a fini : socklab arrête le serveur ({signal} au pid {pid})")
            }
            (Note::TraceStop { pid, signal }, Lang::En) => {
                format!("the client is done: socklab stops the server ({signal} to pid {pid})")
            }
            (Note::LeftBehind { pid, count }, Lang::Fr) => format!(
                "le programme (pid {pid}) a fini : socklab tue les {count} processus qu'il laisse \
                 derrière lui (SIGKILL, --end-with-program)"
            ),
            (Note::LeftBehind { pid, count }, Lang::En) => format!(
                "the program (pid {pid}) is done: socklab kills the {count} processes it left \
                 behind (SIGKILL, --end-with-program)"
            ),
        }
    }
}

/// A process's end in words.
fn exit_text(pid: u32, code: Option<i32>, signal: &Option<String>, lang: Lang) -> String {
    match (signal, code, lang) {
        (Some(sig), _, Lang::Fr) => format!("le processus {pid} est tué par {sig}"),
        (Some(sig), _, Lang::En) => format!("process {pid} killed by {sig}"),
        (None, code, Lang::Fr) => {
            format!("le processus {pid} se termine (code {})", code.unwrap_or(0))
        }
        (None, code, Lang::En) => {
            format!("process {pid} exits with status {}", code.unwrap_or(0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_read_back_from_json() {
        let note = Note::HandOver {
            fd: 4,
            peer: "127.0.0.1:5000".parse().unwrap(),
            executant: 2,
        };
        let json = serde_json::to_string(&note).unwrap();
        assert_eq!(
            json,
            r#"{"what":"hand_over","fd":4,"peer":"127.0.0.1:5000","executant":2}"#
        );
        assert_eq!(serde_json::from_str::<Note>(&json).unwrap(), note);
        assert_eq!(
            note.text("veilleur", Lang::Fr),
            "le veilleur confie le fd 4 (127.0.0.1:5000) à exécutant-2"
        );
        assert_eq!(
            Note::ThreadEnd.text("exécutant-2", Lang::En),
            "exécutant-2 ends"
        );
    }
}
