//! What the kernel shows of sockets, read without changing anything: the TCP state of a
//! socket (`TCP_INFO`), the kernel's list of connections (sock_diag, what `ss` reads), which
//! sockets hold a port, and the packets themselves (`--packets`: an `AF_PACKET` capture on
//! `lo`, in a network namespace of the run's own when it has no privileges, and `--pcap`).
//! Below `trace` and `sock` (it takes descriptors, ports and addresses, never a `Socket`), so
//! both use it without a circle.

pub mod capture;
pub mod diag;
pub mod netns;
pub mod packet;
pub mod pcap;
pub mod ports;
pub mod tcp_info;
pub mod types;
pub mod watch;
