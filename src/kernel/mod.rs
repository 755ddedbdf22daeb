//! What the kernel shows of sockets, read without changing anything: which sockets hold a
//! port. Below `sock` (it takes ports and addresses, never a `Socket`), so the traced calls can
//! use it without a circle.

pub mod diag;
pub mod ports;
pub mod tcp_info;
pub mod types;
