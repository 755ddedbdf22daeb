//! The reference of `bench/compare.sh`: a thread-per-connection TCP echo server written with
//! nothing but Rust's standard library, no tracing, no abstraction. It serves clients the way
//! `socklab serve echo --mode threads` does (a thread per connection, a `read` of at most
//! BUF_SIZE bytes, then `write_all` of what came), so the difference between the two is the
//! cost of socklab's traced layer and bookkeeping.
//!
//! Built on its own with `rustc` (see compare.sh), which also proves it needs no crate.
//!
//! Usage: echo_ref [ADDR] [BUF_SIZE]     (default 127.0.0.1:0 and 1500, the labs' buffer)

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

fn serve(mut conn: TcpStream, buf_size: usize) {
    let mut buf = vec![0u8; buf_size];
    loop {
        let n = match conn.read(&mut buf) {
            // 0: the client closed its side; an error: it reset. Either way, done.
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if conn.write_all(&buf[..n]).is_err() {
            return;
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".to_string());
    let buf_size: usize = match args.next().map(|s| s.parse()) {
        None => 1500,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("echo_ref: BUF_SIZE must be a positive number");
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind(&addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("echo_ref: bind {addr}: {e}");
            std::process::exit(1);
        }
    };
    let local = listener.local_addr().expect("a bound socket has an address");
    println!(
        "echo_ref (buffer {buf_size}, pid {}) listening on {local}",
        std::process::id()
    );
    for conn in listener.incoming() {
        match conn {
            Ok(conn) => {
                std::thread::spawn(move || serve(conn, buf_size));
            }
            Err(e) => eprintln!("echo_ref: accept: {e}"),
        }
    }
}
