//! socklab: socket programming, shown call by call.
//!
//! Servers and clients from French networking labs (daytime, HTTP GET by hand, echo, a relay,
//! a message server), written over a socket API whose every call is traced as it happens and
//! explained in French or English.
//!
//! # Layout
//!
//! Each module once, from the bottom up:
//!
//! - [`lang`]: French or English, chosen by `--lang` or the locale; everything a user reads.
//! - [`kernel`]: what the kernel shows of sockets without changing anything (which sockets
//!   hold a port); below [`sock`], which calls it.
//! - [`trace`]: the typed event (the call, the socket it concerns, notes, the thread's role),
//!   the writer thread that receives events over a channel, and the three renderers
//!   (`pretty`, `strace`, `json`).
//! - [`sock`]: the traced socket API. One method, one system call, one trace event; the method
//!   names are Python's `socket` module's, so the labs' programs map onto it line by line
//!   (the table is in the module's documentation). Errors name their call and address.
//! - [`explain`]: what each call does and what each error means, in both languages, as data
//!   keyed by call, option, errno and context (TCP or UDP, which side closed first).
//! - [`step`]: the step-by-step gate every traced call passes.
//! - [`ptrace`]: `socklab trace`, any program's socket calls followed with ptrace and turned
//!   into the same events: the second source of events, beside [`sock`].
//! - [`kinds`]: what socklab runs: services, server modes, protocols, clients.
//! - [`services`]: the protocols (echo, daytime, message, http), each over one connected
//!   socket.
//! - [`server`]: the veilleur and its exécutants, the iterative and select servers, UDP, the
//!   relay and the chat, shutdown on Ctrl+C, the summary.
//! - [`clients`]: the clients (daytime, http-get, echo, message, relay), with their timeouts.
//! - [`demo`]: the self-running demos (two columns) and the sequence diagrams.
//! - [`lab`]: what every program of the curriculum (`exercises/`, `solutions/`) calls first.
//! - [`grade`]: the curriculum's catalogue and the grader behind `socklab check`.
//! - [`bench`]: `socklab bench`, a load generator for echo servers, and the modes compared.
//! - [`cli`], [`app`], [`error`], [`signals`], [`output`]: the command line, the run of a
//!   command, the messages and exit codes, Ctrl+C, the program's own stdout.
//! - [`cli_lang`]: the command line in French or English: help, usage errors, completions,
//!   the manual page.
//!
//! # From the labs' Python to socklab
//!
//! ```text
//! s = socket.socket(AF_INET6, SOCK_STREAM)   let s = Socket::new(Family::Inet6, Type::Stream)?;
//! s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)  s.set_reuseaddr(true)?;
//! s.bind(("", 7777))                         s.bind("[::]:7777".parse()?)?;
//! s.listen(1)                                s.listen(1)?;
//! sc, addr = s.accept()                      let (sc, addr) = s.accept()?;
//! data = sc.recv(1500)                       let n = sc.recv(&mut buf)?;
//! sc.send(data)                              sc.send(&buf[..n])?;
//! sc.close()                                 sc.close()?;
//! ```

pub mod app;
pub mod bench;
pub mod cli;
pub mod cli_lang;
pub mod clients;
pub mod demo;
pub mod error;
pub mod explain;
pub mod grade;
pub mod kernel;
pub mod kinds;
pub mod lab;
pub mod lang;
pub mod output;
pub mod procfs;
pub mod ptrace;
pub mod server;
pub mod services;
pub mod signals;
pub mod sock;
pub mod step;
pub mod trace;
pub mod tracediff;
