//! Malformed and random answers to the http-get client: whatever a server sends, the client
//! never panics, exits with one of its documented codes, and prints what came byte for byte
//! when it prints the whole response.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;

use common::*;

/// A server that answers one GET with `answer`, then closes; returns its port.
fn answer_once(answer: Vec<u8>) -> (u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut c, _) = listener.accept().unwrap();
        c.set_read_timeout(Some(TIMEOUT)).unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            match c.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => request.extend_from_slice(&buf[..n]),
            }
        }
        let _ = c.write_all(&answer);
    });
    (port, handle)
}

#[test]
fn malformed_answers_never_crash_the_client() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut answers: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"HTTP/1.1".to_vec(),
        b"HTTP/1.1 200 OK\n\nbody with bare newlines\n".to_vec(),
        b"HTTP/1.1 abc Weird\r\n\r\n".to_vec(),
        b"HTTP/1.1 200 OK\r\nno colon in this header\r\n\r\nbody".to_vec(),
        b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nbody".to_vec(),
        b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\nbody".to_vec(),
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort".to_vec(),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n".to_vec(),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc".to_vec(),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc".to_vec(),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX0\r\n\r\n".to_vec(),
        b"\x00\x01\x02HTTP/1.1 200 OK\r\n\r\n\xff\xfe".to_vec(),
    ];
    for len in [1, 17, 300, 5000] {
        answers.push(rng.plain_bytes(len));
        let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
        head.extend(rng.plain_bytes(len));
        answers.push(head);
    }
    for (i, answer) in answers.into_iter().enumerate() {
        for body in [false, true] {
            let (port, server) = answer_once(answer.clone());
            let url = format!("http://127.0.0.1:{port}/");
            let mut args = vec![
                "--trace",
                "off",
                "connect",
                "http-get",
                "--timeout",
                "2",
                &url,
            ];
            if body {
                args.push("--body");
            }
            let run = socklab_run("en", &args, b"");
            server.join().unwrap();
            let (out, err) = (run.stdout.clone(), err(&run));
            let code = run.status.code().unwrap_or(-1);
            assert!(!err.contains("panicked"), "answer {i}: {err}");
            assert!(
                [0, 1, 5, 6, 9].contains(&code),
                "answer {i} (--body {body}): exit {code}: {err}"
            );
            if code != 0 {
                assert!(err.starts_with("socklab: "), "answer {i}: a message: {err}");
            }
            if code == 0 && !body {
                assert_eq!(out, answer, "answer {i}: the whole response, byte for byte");
            }
        }
    }
}
