//! The command line: every command, option and help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::explain::{ExplainMode, Lang};
use crate::trace::Format;

const AFTER_HELP: &str = "\
Examples:
  socklab serve echo                      echo server on 127.0.0.1:7777, every call traced
  socklab connect echo localhost 7777     its client: type lines, see them come back
  socklab --lang fr serve echo --mode iterative
  socklab --trace strace serve echo       lines in strace's format, to lay beside `strace -f`
  socklab --trace json --trace-file t.jsonl serve echo --port 0

Exit codes:
  0  success (a server stopped with Ctrl+C exits 0)
  1  other failure
  2  usage error (unknown option, bad value)
  3  unknown host (name resolution failed)
  4  connection refused (nobody listens on that port)
  5  timeout (no answer in time)
  6  connection reset by the peer
  7  network unreachable
  8  cannot listen there (address in use, port below 1024, address not ours)
  130 interrupted by a second Ctrl+C";

/// socklab: socket programming, shown call by call.
///
/// Servers and clients from the networking labs, with every socket call traced as it happens
/// (socket, bind, listen, accept, connect, recv, send, close), explained in French or English.
#[derive(Debug, Parser)]
#[command(name = "socklab", version, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every command that runs sockets.
#[derive(Debug, Args, Clone)]
pub struct GlobalOpts {
    /// How the trace of socket calls is shown.
    #[arg(long, global = true, value_enum, default_value_t = Format::Pretty)]
    pub trace: Format,
    /// Write the trace to this file instead of stderr.
    #[arg(long, global = true, value_name = "PATH")]
    pub trace_file: Option<PathBuf>,
    /// Language of explanations and messages (default: from LC_ALL / LANG; fr* gives French).
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Lang>,
    /// When to print the explanation under a call.
    #[arg(long, global = true, value_enum, default_value_t = ExplainMode::First)]
    pub explain: ExplainMode,
    /// Colour in the pretty trace (auto: only on a terminal, and never with NO_COLOR set).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Show the data of each send and recv as a hexdump under the call.
    #[arg(long, global = true)]
    pub hexdump: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a server from the labs, traced.
    #[command(after_help = "\
Examples:
  socklab serve echo                          threads: a veilleur accepts, one exécutant per client
  socklab serve echo --mode iterative         one client at a time, as in the first lab version
  socklab serve echo --host :: --port 7777    every interface, IPv6 and IPv4 (AF_INET6, \"\")
  nc localhost 7777                           a client to try it with")]
    Serve(ServeArgs),
    /// Run a client from the labs, traced.
    #[command(after_help = "\
Examples:
  socklab connect echo                        to localhost:7777; type lines, an empty line ends
  socklab connect echo 127.0.0.1 7777 < file  lines from a file")]
    Connect(ConnectArgs),
    /// The curriculum's twelve steps, each with its state (not started, compiles, passes).
    #[command(after_help = "\
Examples:
  socklab exercises                       the progress board
  socklab --lang fr exercises")]
    Exercises,
    /// The hint of a step.
    #[command(after_help = "\
Examples:
  socklab hint 03
  socklab --lang fr hint echo_server_tcp")]
    Hint(HintArgs),
    /// Grade a step's program over the network: its exercise, its solution, or any command.
    #[command(after_help = "\
Examples:
  socklab check 03                        build exercises/03_*.rs and grade it
  socklab check 03 --solution             grade the reference solution
  socklab check 03 --json                 the verdicts as JSON
  socklab check 03 -- python3 serveur.py {port}
                                          grade any program: {port} and {host} are filled in,
                                          and PORT is set in its environment
  socklab check 06 --part client -- python3 client.py {host} {port}
  socklab check 03 --each 'tp/*.py' -- python3 {file} {port}
                                          a whole class: one row per file (--csv, --json)

The grader plays the client for a server, and the server for a client, on loopback, with
ephemeral ports. Exit status: 0 when every criterion passes, 1 otherwise.")]
    Check(CheckArgs),
    /// A coloured diff between two steps' solutions (or two files).
    #[command(after_help = "\
Examples:
  socklab diff 03 10                      from the iterative echo server to the poll one
  socklab diff 10 11                      from poll to one thread per client
  socklab diff exercises/03_echo_server_tcp.rs solutions/03_echo_server_tcp.rs")]
    Diff(DiffArgs),
}

#[derive(Debug, Args)]
pub struct HintArgs {
    /// The step: its number (3 or 03) or its name (echo_server_tcp).
    pub id: String,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The step: its number (3 or 03) or its name (echo_server_tcp).
    pub id: String,
    /// Grade the reference solution (solutions/) instead of the exercise.
    #[arg(long, conflicts_with_all = ["command", "each"])]
    pub solution: bool,
    /// Print the verdicts as JSON.
    #[arg(long)]
    pub json: bool,
    /// With --each: print the table as CSV.
    #[arg(long, requires = "each", conflicts_with = "json")]
    pub csv: bool,
    /// Which program of the step the command is (serveur, client, emetteur...; default: the
    /// first). The step's own program is graded in all its parts.
    #[arg(long)]
    pub part: Option<String>,
    /// Use this port instead of an ephemeral one (for a program with its port written in).
    #[arg(long)]
    pub port: Option<u16>,
    /// Grade every file matching this pattern (`dir/*.py`), put in the command as {file}.
    #[arg(long, value_name = "GLOB", requires = "command")]
    pub each: Option<String>,
    /// The program to grade, after `--`; {port}, {host} (and {file}) are filled in.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// A step (its solution) or a file.
    pub a: String,
    /// A step (its solution) or a file.
    pub b: String,
}

/// The services a server can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Service {
    /// RFC 862: sends back exactly the bytes it receives.
    Echo,
}

impl Service {
    /// The labs' port for each service.
    pub fn default_port(self) -> u16 {
        match self {
            Service::Echo => 7777,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Service::Echo => "echo",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// A veilleur thread accepts; each connection gets its own exécutant thread.
    Threads,
    /// One client at a time: the next one waits in the backlog.
    Iterative,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Proto {
    Tcp,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The service to offer.
    #[arg(value_enum)]
    pub service: Service,
    /// Transport protocol.
    #[arg(long, value_enum, default_value_t = Proto::Tcp)]
    pub proto: Proto,
    /// How clients are served.
    #[arg(long, value_enum, default_value_t = Mode::Threads)]
    pub mode: Mode,
    /// Address to listen on: 127.0.0.1 (this machine only), :: (every interface, IPv6 and
    /// IPv4), or one of the machine's addresses.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (default: the labs' port for the service; 0: any free port).
    #[arg(long)]
    pub port: Option<u16>,
    /// Length of the queue of connections waiting for accept (listen's backlog).
    #[arg(long, default_value_t = 5)]
    pub backlog: i32,
}

/// The clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Client {
    /// Sends each line typed on stdin and prints the echo; an empty line ends it.
    Echo,
}

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// The client to run.
    #[arg(value_enum)]
    pub client: Client,
    /// Server host name or address.
    #[arg(default_value = "localhost")]
    pub host: String,
    /// Server port (default: the labs' port for the service).
    pub port: Option<u16>,
}
