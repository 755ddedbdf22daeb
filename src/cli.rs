//! The command line: every command, option and help text.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::bench::pattern::Payload;
use crate::bench::workloads::Workload;
use crate::explain::ExplainMode;
use crate::kinds::{Client, Mode, Proto, Service};
use crate::lang::Lang;
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
  9  the HTTP server answered with an error status (4xx, 5xx)
  10 no answer over UDP within the timeout
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
    /// Stop before every socket call: Enter runs it, c continues without stopping, q quits.
    #[arg(long, global = true)]
    pub step: bool,
    /// Step automatically, waiting this many milliseconds before each call (for a projector).
    #[arg(long, global = true, value_name = "MS")]
    pub step_delay: Option<u64>,
    /// When the command ends, draw its sequence diagram into this file (.svg or .mmd).
    #[arg(long, global = true, value_name = "FILE")]
    pub diagram: Option<PathBuf>,
    /// The kernel's side: after each call, the TCP state the kernel reports (→ ESTABLISHED,
    /// → CLOSE_WAIT, → TIME_WAIT on the side that closed first) and the accept queue against
    /// the backlog; an ss-like table of the program's sockets when one changes state.
    #[arg(long, global = true)]
    pub sockets: bool,
    /// The packets themselves: the TCP segments (SYN, SYN-ACK, ACK, data, FIN, RST) and UDP
    /// datagrams of the run, captured on loopback, in the timeline between the calls that sent
    /// them and drawn in the diagrams. Demos need no privileges (socklab enters a network
    /// namespace of its own); serve and connect need CAP_NET_RAW (root, or `sudo setcap
    /// cap_net_raw+ep $(command -v socklab)`). On by default for the demos backlog, time-wait
    /// and reset.
    #[arg(long, global = true, conflicts_with = "no_packets")]
    pub packets: bool,
    /// No packet capture, not even in the demos that show it by default.
    #[arg(long, global = true)]
    pub no_packets: bool,
    /// Also write the captured packets to this file, for Wireshark or `tcpdump -r` (implies
    /// --packets).
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        conflicts_with = "no_packets"
    )]
    pub pcap: Option<PathBuf>,
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
  socklab serve echo --mode select            one thread, poll on every socket (the labs' select)
  socklab serve echo --mode fork              a veilleur process forks one exécutant process per client
  socklab serve echo --proto udp              recvfrom/sendto, datagrams kept whole
  socklab serve echo --host :: --port 7777    every interface, IPv6 and IPv4 (AF_INET6, \"\")
  socklab serve message                       the workshop's server, port 5000
  socklab serve relay                         pairs clients: \"1\" to the emitter, \"2\" to the receiver
  socklab serve chat --max-clients 10         everyone hears everyone
  socklab serve http                          a web server on port 8080 (the labs' hosts use 80)
  socklab serve http --root site/             the files under site/ instead of the built-in page
  socklab serve daytime                       port 1313; --port 13 needs root or CAP_NET_BIND_SERVICE
  socklab serve echo --recv-size 65536        recv given 64 KiB: a stream read in fewer calls
  nc localhost 7777                           a client to try it with
  socklab connect http-get http://127.0.0.1:8080/    a client for the web server")]
    Serve(ServeArgs),
    /// Run a client from the labs, traced.
    #[command(after_help = "\
Examples:
  socklab connect daytime                       the date from localhost:1313 (socklab serve daytime)
  socklab connect daytime time.nist.gov 13      a standard daytime server
  socklab connect daytime --proto udp           one empty datagram out, the date back
  socklab connect http-get www.perdu.com        GET / on port 80, the whole response printed
  socklab connect http-get http://127.0.0.1:8000/page.html --body    the page alone
  socklab connect echo                          to localhost:7777; type lines, an empty line ends
  socklab connect echo 127.0.0.1 7777 < file    lines from a file
  socklab connect echo --proto udp              one datagram per line
  socklab connect message                       the workshop's client: >>> prompt, quit ends
  socklab connect relay                         role 1 types, role 2 reads (run two of them)
  socklab connect daytime trucbidule            an unknown host: exit code 3

--timeout (10 s by default) bounds the connection and each wait for an answer; a timeout
exits with code 5, a UDP request with no answer with code 10.")]
    Connect(ConnectArgs),
    /// Play a demo: server and scripted clients in one process, side by side.
    #[command(after_help = "\
Examples:
  socklab demo                                the list of demos
  socklab demo echo-threads                   three clients, three exécutants
  socklab demo echo-iterative --lang fr       the second client waits in the backlog
  socklab demo relay --diagram relay.svg      and its sequence diagram
  socklab --step demo echo-iterative          one call at a time: Enter, c or q")]
    Demo(DemoArgs),
    /// Draw the sequence diagram of a JSON trace recorded with --trace json.
    #[command(after_help = "\
Examples:
  socklab --trace json --trace-file t.jsonl demo chat
  socklab diagram t.jsonl -o chat.svg
  socklab diagram t.jsonl -o chat.mmd         Mermaid text, for a Markdown page")]
    Diagram(DiagramArgs),
    /// The curriculum's steps, each with its state (not started, compiles, passes).
    #[command(after_help = "\
Examples:
  socklab exercises                       the progress board
  socklab --lang fr exercises")]
    Exercises(ExercisesArgs),
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
  socklab check 03 --each 'tp/*.py' --jobs 4 --html classe.html -- python3 {file} {port}
                                          four at a time, and the class report as a web page

The grader plays the client for a server, and the server for a client, on loopback, with
ephemeral ports. Exit status: 0 when every criterion passes, 1 otherwise.

Each program runs in a sandbox: its own user, network and PID namespaces (only a loopback),
limits on CPU time, memory, processes, open files and file size, writes only in a private
temporary directory ($TMPDIR), and everything it started ended when its grading ends.")]
    Check(CheckArgs),
    /// A coloured diff between two steps' solutions (or two files), or between two programs'
    /// calls (--trace).
    #[command(after_help = "\
Examples:
  socklab diff 03 10                      from the iterative echo server to the poll one
  socklab diff 10 11                      from poll to one thread per client
  socklab diff exercises/03_echo_server_tcp.rs solutions/03_echo_server_tcp.rs
  socklab --trace json --trace-file a.jsonl trace -- python3 serveur.py 7777
  socklab diff --trace a.jsonl b.jsonl    the two programs' calls, thread by thread
  socklab diff --trace a.jsonl b.jsonl --role veilleur --html diff.html

With --trace, each thread of A is paired with the thread of B that has its role (veilleur,
exécutant-1, client-1), and their socket calls are aligned, sockets numbered by order of
appearance (#1, #2) so that equal programs compare equal whatever their descriptor numbers.
The first divergence is explained. Exit status: 0 when the programs make the same calls, 1
when they part, 2 when a trace cannot be read.")]
    Diff(DiffArgs),
    /// Load an echo server and measure it: round trips, bulk, churn, connections held, UDP.
    #[command(after_help = "\
Examples:
  socklab bench                               start `socklab serve echo` (threads), run every workload
  socklab bench --compare-modes               iterative, select and threads under the same load
  socklab bench --compare-buffers             recv of 1,500, 16,384 and 65,536 bytes: MiB/s and
                                              system calls per MiB
  socklab bench --mode select --workloads rr --clients 1,8,64
  socklab bench --server-trace json --server-trace-file t.jsonl --workloads rr
                                              what the JSON trace costs the server
  socklab bench --workloads accept --burst 1000
                                              SYNs dropped by a full accept queue, the veilleur's
                                              CPU per accept and hand-over
  socklab bench 127.0.0.1 7777 --pid 4242     any echo server (--pid: read its memory in /proc)
  socklab bench --json > results.json         the figures as JSON

Every byte echoed is checked against what was sent; a single difference makes the bench fail.
The bench's own sockets are not traced: it measures the server, not the tracer.")]
    Bench(BenchArgs),
    /// Print the completion script of a shell (bash, zsh, fish...) to stdout.
    #[command(after_help = "\
Examples:
  socklab completions bash > ~/.local/share/bash-completion/completions/socklab
  socklab completions zsh > ~/.zfunc/_socklab     with fpath+=~/.zfunc before compinit in ~/.zshrc
  socklab completions fish > ~/.config/fish/completions/socklab.fish")]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to stdout, in French with --lang fr.
    #[command(after_help = "\
Examples:
  socklab man > ~/.local/share/man/man1/socklab.1     then: man socklab
  socklab man | man -l -                      read it without installing it")]
    Man,
    /// Trace any program's socket calls (Python, C...) with ptrace, shown as socklab's own.
    #[command(after_help = "\
Examples:
  socklab trace -- python3 serveur.py 7777      a lab's server, every socket call explained
  socklab --step trace -- ./client 127.0.0.1 7777
                                                the program waits at each socket call
  socklab --trace json --trace-file t.jsonl trace -- python3 serveur.py
  socklab trace --server 'python3 serveur.py 7777' --client 'python3 client.py localhost 7777'
                                                both, in the demos' two columns; the client
                                                starts once the server listens

The program's threads are named from what they do: the one that accepts is the veilleur, one
that serves a connection another accepted is an exécutant, one that connects is a client
(until then, thread-TID). socklab exits with the program's exit status, or dies of the signal
that killed it (a shell shows 128 + N); with --server/--client, the client's. kill -USR1 on
socklab kills the traced programs and ends the trace cleanly, nothing lost.")]
    Trace(TraceArgs),
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The server of a pair, one string split as a shell would ('python3 serveur.py 7777').
    #[arg(
        long,
        value_name = "CMD",
        requires = "client",
        conflicts_with = "command"
    )]
    pub server: Option<String>,
    /// The client of the pair, started once the server has called listen.
    #[arg(long, value_name = "CMD", requires = "server")]
    pub client: Option<String>,
    /// End the trace when the program itself ends: the processes it leaves behind (children
    /// still running) are killed, rather than traced to their end as `strace -f` does.
    #[arg(long)]
    pub end_with_program: bool,
    /// The program to trace and its arguments, after `--`.
    #[arg(
        last = true,
        value_name = "COMMAND",
        required_unless_present = "server"
    )]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The demo to play (none: list them).
    pub scenario: Option<String>,
    /// How many clients, for the demos that have several.
    #[arg(long, value_name = "N")]
    pub clients: Option<usize>,
    /// The backlog demo: the backlog its server listens with (default 1; 128 drops nothing).
    #[arg(long, value_name = "N")]
    pub backlog: Option<i32>,
}

#[derive(Debug, Args)]
pub struct DiagramArgs {
    /// A trace written by --trace json.
    #[arg(value_name = "TRACE.jsonl")]
    pub file: PathBuf,
    /// The diagram to write: .svg (a standalone image) or .mmd (Mermaid text).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExercisesArgs {
    /// The board of the Python track: exercises/python/*.py and their last checks.
    #[arg(long)]
    pub python: bool,
}

#[derive(Debug, Args)]
pub struct HintArgs {
    /// The step: its number (3 or 03) or its name (echo_server_tcp).
    pub id: String,
    /// The hint of the Python track (exercises/python/).
    #[arg(long)]
    pub python: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The step: its number (3 or 03) or its name (echo_server_tcp).
    pub id: String,
    /// Grade the reference solution (solutions/) instead of the exercise.
    #[arg(long, conflicts_with_all = ["command", "each"])]
    pub solution: bool,
    /// The Python track: grade exercises/python/ID_*.py (solutions/python/ with --solution),
    /// run with python3, instead of building the Rust program.
    #[arg(long, conflicts_with_all = ["command", "each"])]
    pub python: bool,
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
    /// With --each: how many programs to grade at once (default: the number of cores). Each
    /// has its own network namespace, so fixed ports do not collide; without the sandbox, 1.
    #[arg(long, value_name = "N", requires = "each", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// With --each: also write the class report as one HTML page (pass rates per criterion,
    /// the most frequent failure reasons).
    #[arg(long, value_name = "FILE", requires = "each")]
    pub html: Option<PathBuf>,
    /// Run the programs as plain processes: no namespaces, no resource limits, no private
    /// directory.
    #[arg(long)]
    pub no_sandbox: bool,
    /// The program to grade, after `--`; {port}, {host} (and {file}) are filled in.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// A step (its solution) or a file; with --trace, a JSON trace.
    pub a: String,
    /// A step (its solution) or a file; with --trace, a JSON trace.
    pub b: String,
    /// Compare two JSON traces (socklab --trace json --trace-file F) by their calls; also
    /// written `diff --trace A B`.
    #[arg(long)]
    pub traces: bool,
    /// With --trace: only this thread (veilleur, exécutant-1, client-1) or role (exécutant).
    #[arg(long, requires = "traces", value_name = "ROLE")]
    pub role: Option<String>,
    /// With --trace: compare the calls that change nothing too (getsockname, getpeername,
    /// getsockopt, fcntl, ioctl).
    #[arg(long, requires = "traces")]
    pub all: bool,
    /// With --trace: also write the comparison as a web page, for a projector.
    #[arg(long, requires = "traces", value_name = "FILE")]
    pub html: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The service to offer.
    #[arg(value_enum)]
    pub service: Service,
    /// Transport protocol.
    #[arg(long, value_enum, default_value_t = Proto::Tcp)]
    pub proto: Proto,
    /// How TCP clients are served (default: threads). UDP has no connections and no modes.
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Address to listen on: 127.0.0.1 (this machine only), :: (every interface, IPv6 and
    /// IPv4), or one of the machine's addresses.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (default: the labs' port for the service: echo 7777, daytime 1313,
    /// message 5000, relay 1212, chat 6000, http 8080; 0: any free port). Ports below 1024
    /// need root or CAP_NET_BIND_SERVICE.
    #[arg(long)]
    pub port: Option<u16>,
    /// Length of the queue of connections waiting for accept (listen's backlog).
    #[arg(long, default_value_t = 5)]
    pub backlog: i32,
    /// Most clients served at once; one more gets a one-line refusal and is closed.
    #[arg(long, value_name = "N")]
    pub max_clients: Option<usize>,
    /// Close a connection that sent nothing for this many seconds.
    #[arg(long, value_name = "SECS")]
    pub idle_timeout: Option<f64>,
    /// http: serve the files under this directory instead of the built-in page (nothing
    /// outside it: `..` is refused).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// TCP: the size of the buffer each recv is given (the labs' 1500; a larger one reads a
    /// stream in fewer system calls). UDP reads each datagram whole, in 65,535 bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1500,
          value_parser = clap::value_parser!(u32).range(1..=16 * 1024 * 1024))]
    pub recv_size: u32,
}

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// The client to run.
    #[arg(value_enum)]
    pub client: Client,
    /// Server host name or address; for http-get, a URL (http://host:port/path) or a host.
    #[arg(default_value = "localhost", value_name = "HOST|URL")]
    pub host: String,
    /// Server port (default: the labs' port for the client: daytime 1313, http-get 80,
    /// echo 7777, message 5000, relay 1212).
    pub port: Option<u16>,
    /// Transport protocol (udp: daytime, echo and message).
    #[arg(long, value_enum, default_value_t = Proto::Tcp)]
    pub proto: Proto,
    /// Seconds to wait for the connection and for each answer (0: wait forever).
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_timeout)]
    pub timeout: Duration,
    /// http-get: print the body alone, with chunked transfer-encoding decoded.
    #[arg(long)]
    pub body: bool,
}

/// `--timeout`: seconds, possibly with a fraction (`0.5`).
fn parse_timeout(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs).map_err(|_| format!("`{s}` is not a duration"))
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Host of an echo server to load (default: the bench starts `socklab serve echo` itself,
    /// on a free port of 127.0.0.1).
    pub host: Option<String>,
    /// Port of that server.
    pub port: Option<u16>,
    /// Mode of the server the bench starts.
    #[arg(long, value_enum, default_value_t = Mode::Threads)]
    pub mode: Mode,
    /// Start iterative, select and threads servers in turn and show them side by side.
    #[arg(long, conflicts_with_all = ["host", "mode"])]
    pub compare_modes: bool,
    /// Start the threads server with each `recv` given 1,500, 16,384 and 65,536 bytes in
    /// turn (`--recv-size`), and show side by side its MiB/s and the system calls it made per
    /// MiB (counted by the server itself). Runs the bulk workload unless --workloads says.
    #[arg(long, conflicts_with_all = ["host", "mode", "compare_modes"])]
    pub compare_buffers: bool,
    /// Trace of the server the bench starts.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Off)]
    pub server_trace: Format,
    /// Where that trace goes (default: the server's stderr, read and dropped by the bench).
    /// With --compare-modes, one file per mode: PATH.iterative, PATH.select, PATH.threads.
    #[arg(long, value_name = "PATH")]
    pub server_trace_file: Option<PathBuf>,
    /// Workloads to run, comma-separated (default: all; udp only when the bench starts the
    /// server or --udp-port is given).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub workloads: Vec<Workload>,
    /// Concurrent clients for the rr and udp workloads, comma-separated: one run each.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1,32",
        value_name = "N,..."
    )]
    pub clients: Vec<usize>,
    /// Clients opening and closing connections at once in the churn workload.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub churn_clients: usize,
    /// Connections held open at once in the hold workload.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub hold: usize,
    /// Connections opened back to back in the accept workload.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub burst: usize,
    /// Bytes per message in the rr and udp workloads.
    #[arg(long, default_value_t = 64, value_name = "BYTES")]
    pub size: usize,
    /// The bytes sent: binary (every byte value) or text (printable lines, like the labs').
    #[arg(long, value_enum, default_value_t = Payload::Binary)]
    pub payload: Payload,
    /// Seconds each timed workload runs.
    #[arg(long, default_value_t = 3.0, value_name = "SECS")]
    pub duration: f64,
    /// Pid of the server at HOST PORT: its memory, threads and processes are read from /proc
    /// while the connections are held.
    #[arg(long)]
    pub pid: Option<u32>,
    /// UDP port of the server at HOST, for the udp workload (default: PORT).
    #[arg(long, value_name = "PORT")]
    pub udp_port: Option<u16>,
    /// Name of this server in the report (default: its command or HOST:PORT).
    #[arg(long)]
    pub label: Option<String>,
    /// Print the figures as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}
