//! The protocols the servers speak, each over one connected socket.

pub mod echo;
