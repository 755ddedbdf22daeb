//! The grading scenarios: what the grader does against a program, and what it checks.
//!
//! For a client exercise the grader is the server (it listens on an ephemeral port and gives
//! it to the program as `{port}`); for a server exercise it is the client (it finds a free
//! port, starts the program with it, waits until the port is listened on, then connects).
//! Every criterion comes from the labs; the catalogue names the scenario of each part.

mod chat;
mod clients;
mod echo;
mod message;
mod one_way;
mod relay;
mod relay_udp;
mod select_client;

use std::net::{TcpListener, TcpStream};

use super::child::{HOST, Program, Running};
use super::net::{self, Proto};
use super::verdict::{Checklist, Criterion, Reason, Verdict};

/// What a scenario gets: the program, and the port to use if the user imposed one.
pub struct Ctx<'a> {
    pub program: &'a Program,
    pub port: Option<u16>,
}

pub(crate) const fn c(id: &'static str, fr: &'static str, en: &'static str) -> Criterion {
    Criterion { id, fr, en }
}

type Run = fn(&Ctx, &mut Checklist);

/// Every scenario: its name in the catalogue, its criteria, its run.
const SCENARIOS: &[(&str, &[Criterion], Run)] = &[
    ("daytime-client", clients::DAYTIME, clients::daytime),
    ("http-client", clients::HTTP, clients::http),
    ("echo-client", clients::ECHO, clients::echo),
    (
        "echo-tcp-iterative",
        echo::TCP_ITERATIVE,
        echo::tcp_iterative,
    ),
    ("echo-udp", echo::UDP, echo::udp),
    (
        "echo-tcp-concurrent",
        echo::TCP_CONCURRENT,
        echo::tcp_concurrent,
    ),
    ("message-server", message::SERVER, message::server),
    ("message-client", message::CLIENT, message::client),
    (
        "message-udp-server",
        message::UDP_SERVER,
        message::udp_server,
    ),
    (
        "message-udp-client",
        message::UDP_CLIENT,
        message::udp_client_scenario,
    ),
    ("relay-server", relay::SERVER, relay::server),
    ("relay-emitter", relay::EMITTER, relay::emitter),
    ("relay-receiver", relay::RECEIVER, relay::receiver),
    (
        "relay-roles-server",
        relay::ROLES_SERVER,
        relay::roles_server,
    ),
    (
        "relay-roles-client",
        relay::ROLES_CLIENT,
        relay::roles_client,
    ),
    ("chat-server", chat::SERVER, chat::server),
    ("one-way-server", one_way::SERVER, one_way::server),
    ("one-way-client", one_way::CLIENT, one_way::client),
    (
        "one-way-udp-server",
        one_way::UDP_SERVER,
        one_way::udp_server,
    ),
    (
        "one-way-udp-client",
        one_way::UDP_CLIENT,
        one_way::udp_client_scenario,
    ),
    ("relay-udp-server", relay_udp::SERVER, relay_udp::server),
    (
        "select-client",
        select_client::CLIENT,
        select_client::client,
    ),
];

/// The criteria of a scenario, or `None` for an unknown name.
pub fn criteria(scenario: &str) -> Option<&'static [Criterion]> {
    SCENARIOS
        .iter()
        .find(|(n, _, _)| *n == scenario)
        .map(|(_, c, _)| *c)
}

/// Runs a scenario and returns one verdict per criterion.
pub fn run(scenario: &str, ctx: &Ctx) -> Vec<Verdict> {
    let Some((_, criteria, run)) = SCENARIOS.iter().find(|(n, _, _)| *n == scenario) else {
        return Vec::new();
    };
    let mut list = Checklist::new(criteria);
    run(ctx, &mut list);
    list.finish()
}

// ---------------------------------------------------------------- shared steps

/// The grader as a server: a listener on an ephemeral loopback port (or the one imposed).
pub(crate) fn grader_listener(ctx: &Ctx) -> Result<TcpListener, Reason> {
    TcpListener::bind((HOST, ctx.port.unwrap_or(0))).map_err(|e| {
        Reason::new(
            format!("le correcteur ne peut pas écouter : {e}"),
            format!("the grader cannot listen: {e}"),
        )
    })
}

/// The grader as the server of a client program: it listens, starts the client with `input`
/// on its standard input, and waits for it to connect, which is the criterion `connects`.
/// `None` when the client never connected (the criterion failed with its reason).
pub(crate) fn client_connects(
    ctx: &Ctx,
    list: &mut Checklist,
    input: &[u8],
) -> Result<Option<(TcpStream, Running)>, Reason> {
    let listener = grader_listener(ctx)?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let mut run = start_client(ctx, port, input)?;
    match net::accept(&listener, &mut run) {
        Ok(conn) => {
            list.pass("connects");
            Ok(Some((conn, run)))
        }
        Err(r) => {
            list.fail("connects", r);
            Ok(None)
        }
    }
}

/// Starts a client program against the grader's `port`.
pub(crate) fn start_client(ctx: &Ctx, port: u16, input: &[u8]) -> Result<Running, Reason> {
    ctx.program.start(HOST, port, Some(input), &[])
}

/// Starts a server program on a free port (or the one imposed) and waits until it listens.
pub(crate) fn start_server(ctx: &Ctx, proto: Proto) -> Result<(Running, u16), Reason> {
    let port = match ctx.port {
        Some(p) => p,
        None => net::free_port(proto).map_err(|e| {
            Reason::new(
                format!("pas de port libre : {e}"),
                format!("no free port: {e}"),
            )
        })?,
    };
    let mut run = ctx.program.start(HOST, port, None, &[])?;
    net::wait_listening(&mut run, proto, port)?;
    Ok((run, port))
}

/// Starts a server program and records the `listens` criterion: the running program and its
/// port when it listens, `None` (the criterion failed with its reason) when it does not.
pub(crate) fn server_listening(
    ctx: &Ctx,
    proto: Proto,
    list: &mut Checklist,
) -> Option<(Running, u16)> {
    match start_server(ctx, proto) {
        Ok(started) => {
            list.pass("listens");
            Some(started)
        }
        Err(r) => {
            list.fail("listens", r);
            None
        }
    }
}

/// Lines of `text` that mean a crash rather than a message: a Python traceback or a Rust panic.
pub(crate) fn crashed(text: &str) -> bool {
    text.contains("Traceback (most recent call last)") || text.contains("panicked at")
}
