//! The clients from the labs: daytime (TP3 §1), the HTTP GET by hand (TP3 §2), echo (TP5b
//! §1.3), the workshop's message client and the relay client (RES 302 exercise 2.3).
//!
//! Each client is a module with a `run` function written the way the lab's Python is, on the
//! traced socket API. What they share lives here and in [`net`] (connecting with a timeout,
//! turning a timed-out call into a message that says "timeout") and [`console`] (stdin lines,
//! stdout that may be closed).

mod console;
pub mod daytime;
pub mod echo;
pub mod http;
pub mod http_get;
pub mod message;
mod net;
pub mod relay;

use std::time::Duration;

pub use net::connect_tcp;

use crate::cli::ConnectArgs;
use crate::error::{Failure, Trouble};
use crate::kinds::{Client, Proto};
use crate::lang::Lang;
use crate::trace;

/// What every client is told: where to connect, over what, and how long to wait.
#[derive(Debug, Clone)]
pub struct Target {
    pub host: String,
    pub port: u16,
    /// How long `connect` and each wait for an answer may take; `None`: forever.
    pub timeout: Option<Duration>,
    pub lang: Lang,
}

impl Target {
    /// A TCP connection to the server, with the timeout.
    pub fn connect(&self) -> Result<net::Conn, Failure> {
        net::connect(&self.host, self.port, self.timeout)
    }

    /// A UDP socket and the server's address, with the timeout on answers.
    pub fn udp(&self) -> Result<net::Udp, Failure> {
        net::udp(&self.host, self.port, self.timeout)
    }
}

/// Runs `socklab connect`.
pub fn run(args: &ConnectArgs, lang: Lang) -> Result<(), Failure> {
    trace::set_thread("client", trace::Role::Client);
    let udp = args.proto == Proto::Udp;
    if udp && matches!(args.client, Client::HttpGet | Client::Relay) {
        return Err(usage(
            "--proto udp",
            "http-get et relay ne fonctionnent qu'en TCP",
            "http-get and relay speak TCP only",
        ));
    }
    if args.body && args.client != Client::HttpGet {
        return Err(usage(
            "--body",
            "--body ne sert qu'à http-get",
            "--body only applies to http-get",
        ));
    }
    let timeout = (!args.timeout.is_zero()).then_some(args.timeout);
    let target = || Target {
        host: args.host.clone(),
        port: args.port.unwrap_or(args.client.default_port()),
        timeout,
        lang,
    };
    match (args.client, udp) {
        // http-get reads its host, port and path from a URL.
        (Client::HttpGet, _) => http_get::run(&args.host, args.port, timeout, args.body, lang),
        (Client::Daytime, false) => daytime::run_tcp(&target()),
        (Client::Daytime, true) => daytime::run_udp(&target()),
        (Client::Echo, false) => echo::run_tcp(&target()),
        (Client::Echo, true) => echo::run_udp(&target()),
        (Client::Message, false) => message::run_tcp(&target()),
        (Client::Message, true) => message::run_udp(&target()),
        (Client::Relay, _) => relay::run(&target()),
    }
}

fn usage(what: &str, fr: &str, en: &str) -> Failure {
    Failure::trouble(
        what,
        Trouble::Usage {
            fr: fr.to_string(),
            en: en.to_string(),
        },
    )
}
