//! Self-running demos: a server and scripted clients in one process, every call traced, the
//! clients on the left and the server on the right, and a short "what you saw" at the end.

pub mod columns;
pub mod diagram;
mod kernel;
mod scenarios;

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::cli::ServeArgs;
use crate::error::Failure;
use crate::kinds::{Mode, Proto, Service};
use crate::lang::Lang;
use crate::server::{self, shutdown::Shutdown};
use crate::trace;

/// One demo: its name on the command line, what it shows, and how many clients it runs.
pub struct Scenario {
    pub name: &'static str,
    pub fr: &'static str,
    pub en: &'static str,
    /// Default number of clients; `None` when `--clients` does not apply.
    pub clients: Option<usize>,
}

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "daytime",
        fr: "un client lit la date puis voit le serveur fermer (recv = 0)",
        en: "a client reads the date, then sees the server close (recv = 0)",
        clients: None,
    },
    Scenario {
        name: "http-get",
        fr: "GET HTTP à la main : sendall, puis recv en boucle jusqu'à la fermeture",
        en: "HTTP GET by hand: sendall, then recv in a loop until the server closes",
        clients: None,
    },
    Scenario {
        name: "echo-iterative",
        fr: "serveur itératif : le deuxième client attend dans le backlog",
        en: "iterative server: the second client waits in the backlog",
        clients: Some(2),
    },
    Scenario {
        name: "echo-threads",
        fr: "un veilleur et un exécutant par client : tous servis en même temps",
        en: "a veilleur and one exécutant per client: all served at once",
        clients: Some(3),
    },
    Scenario {
        name: "echo-fork",
        fr: "un processus veilleur, un processus exécutant (fork) par client, chacun son pid",
        en: "a veilleur process, one exécutant process (fork) per client, each with its pid",
        clients: Some(3),
    },
    Scenario {
        name: "echo-select",
        fr: "un seul thread, poll sur toutes les sockets (le select des TP)",
        en: "one thread, poll on every socket (the labs' select)",
        clients: Some(3),
    },
    Scenario {
        name: "echo-udp",
        fr: "UDP : ni connect ni accept, recvfrom dit qui a écrit",
        en: "UDP: no connect, no accept; recvfrom says who wrote",
        clients: Some(2),
    },
    Scenario {
        name: "message",
        fr: "le serveur de messages sur :: : un client IPv4 (vu ::ffff:127.0.0.1), un client IPv6",
        en: "the message server on ::: one IPv4 client (seen as ::ffff:127.0.0.1), one IPv6",
        clients: None,
    },
    Scenario {
        name: "relay",
        fr: "le relais : rôle 1 à l'émetteur, 2 au récepteur, puis transfert",
        en: "the relay: role 1 to the emitter, 2 to the receiver, then forwarding",
        clients: None,
    },
    Scenario {
        name: "backlog",
        fr: "listen(1) et quatre clients à la fois : la file déborde, des SYN sont ignorés",
        en: "listen(1) and four clients at once: the queue overflows, SYNs are ignored",
        clients: None,
    },
    Scenario {
        name: "time-wait",
        fr: "qui ferme le premier garde TIME_WAIT ; relancer sans SO_REUSEADDR échoue",
        en: "whoever closes first keeps TIME_WAIT; a restart without SO_REUSEADDR fails",
        clients: None,
    },
    Scenario {
        name: "reset",
        fr: "fermer avec des octets non lus envoie RST : ECONNRESET, puis EPIPE",
        en: "closing with unread bytes sends RST: ECONNRESET, then EPIPE",
        clients: None,
    },
    Scenario {
        name: "chat",
        fr: "chacun entend tout le monde : exécutants et diffuseur reliés par des canaux",
        en: "everyone hears everyone: exécutants and a broadcaster linked by channels",
        clients: Some(3),
    },
];

/// The list `socklab demo` prints without a scenario.
pub fn list(lang: Lang) -> String {
    let mut out = String::from(lang.pick("Démonstrations :\n", "Demos:\n"));
    for s in SCENARIOS {
        out.push_str(&format!("  {:<16} {}\n", s.name, lang.pick(s.fr, s.en)));
    }
    out.push_str(lang.pick(
        "\nExemple : socklab demo echo-threads\n",
        "\nExample: socklab demo echo-threads\n",
    ));
    out
}

pub fn find(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// How long a demo may take before it is declared stuck.
const DEADLINE: Duration = Duration::from_secs(15);

/// The demos that show the kernel's side: they run with the kernel view on, and with the
/// packets (`--packets`) unless `--no-packets` says otherwise.
pub fn shows_the_kernel(name: &str) -> bool {
    matches!(name, "backlog" | "time-wait" | "reset")
}

/// Runs one demo to its end and prints what it showed.
pub fn run(
    scenario: &Scenario,
    clients: Option<usize>,
    backlog: Option<i32>,
    lang: Lang,
) -> Result<(), Failure> {
    trace::set_thread(lang.pick("démo", "demo"), trace::Role::Harness);
    let n = match (scenario.clients, clients) {
        (Some(_), Some(n)) if (1..=20).contains(&n) => n,
        (Some(_), Some(_)) => return Err(Failure::usage("--clients takes 1 to 20")),
        (Some(d), None) => d,
        (None, Some(_)) => {
            return Err(Failure::usage(format!(
                "--clients does not apply to the {} demo",
                scenario.name
            )));
        }
        (None, None) => 1,
    };
    match (scenario.name, backlog) {
        ("backlog", b) => kernel::backlog(b.unwrap_or(kernel::DEMO_BACKLOG), lang)?,
        (_, Some(_)) => {
            return Err(Failure::usage(format!(
                "--backlog only applies to the backlog demo, not to {}",
                scenario.name
            )));
        }
        ("time-wait", None) => kernel::time_wait()?,
        ("reset", None) => kernel::reset()?,
        (name, None) => scenarios::play(name, n, lang)?,
    }
    // The whole trace is out before the closing words, the packets the last calls sent too.
    trace::stop_capture();
    trace::flush();
    let said = kernel::what_you_saw(scenario.name, lang)
        .unwrap_or_else(|| scenarios::what_you_saw(scenario.name, n, lang));
    crate::output::say_line(said);
    Ok(())
}

/// A socklab server running on a thread of its own, on a free loopback port.
pub(crate) struct DemoServer {
    pub addr: SocketAddr,
    shutdown: Arc<Shutdown>,
    handle: JoinHandle<Result<(), Failure>>,
}

impl DemoServer {
    pub fn start(
        service: Service,
        proto: Proto,
        mode: Option<Mode>,
        lang: Lang,
    ) -> Result<DemoServer, Failure> {
        DemoServer::start_with(DemoServer::args(service, proto, mode), lang)
    }

    /// What `socklab serve` would be given for a demo's server: loopback, a free port.
    pub fn args(service: Service, proto: Proto, mode: Option<Mode>) -> ServeArgs {
        ServeArgs {
            service,
            proto,
            mode,
            host: "127.0.0.1".into(),
            port: Some(0),
            backlog: 5,
            max_clients: None,
            idle_timeout: None,
            root: None,
            recv_size: crate::server::BUF_SIZE as u32,
        }
    }

    pub fn start_with(args: ServeArgs, lang: Lang) -> Result<DemoServer, Failure> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let handle = std::thread::Builder::new()
            .name("server".into())
            .spawn(move || match server::bind(&args, lang) {
                Ok(bound) => {
                    let _ = tx.send(Ok((bound.local_addr(), bound.shutdown())));
                    bound.serve()
                }
                Err(f) => {
                    let _ = tx.send(Err(f));
                    Ok(())
                }
            })
            .map_err(|e| Failure::new("spawn server", e))?;
        let (addr, shutdown) = rx.recv().map_err(|_| {
            Failure::new("start server", std::io::Error::other("server thread died"))
        })??;
        Ok(DemoServer {
            addr,
            shutdown,
            handle,
        })
    }

    /// Stops the server as Ctrl+C would, and waits for it.
    pub fn stop(self) -> Result<(), Failure> {
        // Said before it happens: the calls that follow (the harness's shutdowns, the server's
        // way out) are the demo's doing, not the lesson's, and the diagram draws them as one
        // labelled end.
        trace::note(trace::Note::HarnessStop);
        self.shutdown.trigger();
        self.handle
            .join()
            .map_err(|_| Failure::new("server", std::io::Error::other("server thread panicked")))?
    }
}

/// Runs scripted clients, each on a thread named `client-N`, and waits for all of them within
/// the demo's deadline.
pub(crate) fn run_clients<F>(count: usize, script: F) -> Result<(), Failure>
where
    F: Fn(usize) -> std::io::Result<()> + Send + Sync + 'static,
{
    let script = Arc::new(script);
    let (done_tx, done_rx) = crossbeam_channel::unbounded();
    for i in 1..=count {
        let script = Arc::clone(&script);
        let done = done_tx.clone();
        std::thread::Builder::new()
            .name(format!("client-{i}"))
            .spawn(move || {
                trace::set_thread(&format!("client-{i}"), trace::Role::Client);
                let _ = done.send((i, script(i)));
            })
            .map_err(|e| Failure::new("spawn client", e))?;
    }
    let deadline = Instant::now() + DEADLINE;
    for _ in 0..count {
        let left = deadline.saturating_duration_since(Instant::now());
        match done_rx.recv_timeout(left) {
            Ok((_, Ok(()))) => {}
            Ok((i, Err(e))) => return Err(Failure::new(format!("client-{i}"), e)),
            Err(_) => {
                return Err(Failure::new(
                    "demo",
                    std::io::Error::new(std::io::ErrorKind::TimedOut, "did not finish in time"),
                ));
            }
        }
    }
    Ok(())
}
