//! socklab: socket programming, shown call by call.
//!
//! Servers and clients from French networking labs (daytime, HTTP GET by hand, echo, a relay,
//! a message server), written over a socket API whose every call is traced as it happens and
//! explained in French or English.
//!
//! # Layout
//!
//! - [`sock`]: the traced socket API. One method, one system call, one trace event; the method
//!   names are Python's `socket` module's, so the labs' programs map onto it line by line
//!   (the table is in the module's documentation).
//! - [`trace`]: the events, the writer thread that receives them over a channel, and the three
//!   renderers (`pretty`, `strace`, `json`).
//! - [`explain`]: what each call does and what each error means, in both languages.
//! - [`server`]: the veilleur and its exécutants, the iterative server, shutdown on Ctrl+C,
//!   the summary.
//! - [`services`]: the protocols (echo, ...), each over one connected socket.
//! - [`clients`]: the clients (daytime, http-get, echo, message, relay), with their timeouts.
//! - [`demo`]: the self-running demos (two columns) and the sequence diagrams.
//! - [`step`]: the step-by-step gate every traced call passes.
//! - [`lab`]: what every program of the curriculum (`exercises/`, `solutions/`) calls first.
//! - [`grade`]: the curriculum's catalogue and the grader behind `socklab check`.
//! - [`cli`], [`app`], [`error`], [`signals`], [`output`]: the command line, the run of a
//!   command, the messages and exit codes, Ctrl+C, the program's own stdout.
//! - [`clients`]: the clients (echo, ...).
//! - [`bench`]: `socklab bench`, a load generator for echo servers, and the modes compared.
//! - [`cli`], [`app`], [`error`], [`signals`]: the command line, the run of a command, the
//!   messages and exit codes, Ctrl+C.
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
pub mod server;
pub mod services;
pub mod signals;
pub mod sock;
pub mod step;
pub mod trace;
