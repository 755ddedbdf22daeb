//! The protocols the servers speak, each written as a conversation over one connection.
//!
//! A server mode (threads, iterative, select) owns the sockets and the `recv` loop; it hands
//! each chunk of bytes it received to the service's [`Conversation`], which answers through
//! [`Out`]. The same service therefore runs unchanged in every mode. UDP services answer one
//! datagram at a time ([`answer_datagram`]).

pub mod daytime;
pub mod echo;
pub mod http;
pub mod message;

use std::io;

use crate::kinds::Service;
use crate::sock::Socket;

/// Bytes one connection moved, counted by the service as it goes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub bytes_in: u64,
    pub bytes_out: u64,
}

/// Whether the conversation goes on after this step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// The service ends the conversation (daytime after its line, message after `quit`).
    Close,
}

/// Where a conversation's answers go: the connected socket, with the bytes counted.
pub struct Out<'a> {
    conn: &'a Socket,
    counts: &'a mut Counts,
}

impl<'a> Out<'a> {
    pub fn new(conn: &'a Socket, counts: &'a mut Counts) -> Out<'a> {
        Out { conn, counts }
    }

    /// Sends all of `data` (`sendall`: as many `send` calls as it takes).
    pub fn send(&mut self, data: &[u8]) -> io::Result<()> {
        self.conn.sendall(data)?;
        self.counts.bytes_out += data.len() as u64;
        Ok(())
    }
}

/// One client's conversation with a TCP service.
pub trait Conversation: Send {
    /// Right after `accept`: a service that speaks first (daytime) does it here.
    fn open(&mut self, _out: &mut Out<'_>) -> io::Result<Flow> {
        Ok(Flow::Continue)
    }

    /// Called with each chunk one `recv` returned. TCP is a stream: a chunk may hold part of
    /// a message, or several.
    fn data(&mut self, data: &[u8], out: &mut Out<'_>) -> io::Result<Flow>;
}

/// A new conversation for one connection, for the services that serve clients one by one.
/// Relay and chat link several clients together and have servers of their own.
pub fn conversation(service: Service) -> Option<Box<dyn Conversation>> {
    match service {
        Service::Echo => Some(Box::new(echo::Echo)),
        Service::Daytime => Some(Box::new(daytime::Daytime)),
        Service::Message => Some(Box::new(message::Message)),
        // The built-in page; `--root` gives the server a site of its own (server::conversation).
        Service::Http => Some(Box::new(http::Http::new(std::sync::Arc::new(
            http::Site::Builtin,
        )))),
        Service::Relay | Service::Chat => None,
    }
}

/// The answer to one UDP datagram, if any (`quit` gets none).
pub fn answer_datagram(service: Service, data: &[u8]) -> Option<Vec<u8>> {
    match service {
        Service::Echo => Some(data.to_vec()),
        Service::Daytime => Some(daytime::date_line().into_bytes()),
        Service::Message => message::answer(data),
        Service::Relay | Service::Chat | Service::Http => None,
    }
}
