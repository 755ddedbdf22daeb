//! The grader's side of the network: free ports, readiness checks, and reads and writes that
//! never wait longer than they are told. The grader uses the standard library's sockets: it is
//! not being taught, so it is not traced.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use super::child::Running;
use super::verdict::Reason;

/// How long a program has to start listening, or to connect to the grader.
pub const START_LIMIT: Duration = Duration::from_secs(10);
/// How long the grader waits for an answer it is owed.
pub const IO_LIMIT: Duration = Duration::from_secs(5);

/// The transport a server under test uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Udp,
}

/// A port that was free a moment ago: bound to port 0 (the kernel picks), read back, released.
/// The program under test then gets it as `{port}`.
pub fn free_port(proto: Proto) -> io::Result<u16> {
    let any6 = SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0));
    let any4 = SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0));
    match proto {
        Proto::Tcp => TcpListener::bind(any6)
            .or_else(|_| TcpListener::bind(any4))
            .and_then(|l| l.local_addr())
            .map(|a| a.port()),
        Proto::Udp => UdpSocket::bind(any6)
            .or_else(|_| UdpSocket::bind(any4))
            .and_then(|s| s.local_addr())
            .map(|a| a.port()),
    }
}

/// True when some socket on this machine listens on TCP `port` (or, for UDP, is bound to it),
/// read from the kernel's tables. Unlike a trial connection, looking costs the server nothing:
/// a relay server would take a trial connection for its first client.
pub fn is_listening(proto: Proto, port: u16) -> bool {
    crate::kernel::ports::is_listening(proto == Proto::Udp, port)
}

/// Waits, at most [`START_LIMIT`], until the program listens on `port`: a readiness check
/// repeated every 20 ms, that gives up early if the program ends.
pub fn wait_listening(run: &mut Running, proto: Proto, port: u16) -> Result<(), Reason> {
    let deadline = Instant::now() + START_LIMIT;
    loop {
        if is_listening(proto, port) {
            return Ok(());
        }
        if run.exited().is_some() {
            let why = run.ending();
            return Err(Reason::new(
                format!("le programme n'écoute pas sur le port {port} :"),
                format!("the program does not listen on port {port}:"),
            )
            .then(&why));
        }
        if Instant::now() > deadline {
            let (what_fr, what_en) = match proto {
                Proto::Tcp => ("rien n'écoute (listen)", "nothing listens"),
                Proto::Udp => (
                    "aucune socket UDP n'est liée (bind)",
                    "no UDP socket is bound",
                ),
            };
            return Err(Reason::new(
                format!(
                    "{what_fr} sur le port {port} après {} s : le programme prend-il son port \
                     en paramètre (« passer en paramètre du programme le numéro de port ») ?",
                    START_LIMIT.as_secs()
                ),
                format!(
                    "{what_en} on port {port} after {} s: does the program take its port from \
                     the command line?",
                    START_LIMIT.as_secs()
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A TCP connection to the program, over IPv4 or IPv6 loopback, with bounded reads.
pub fn connect(port: u16, v6: bool) -> Result<TcpStream, Reason> {
    let addr: SocketAddr = if v6 {
        (Ipv6Addr::LOCALHOST, port).into()
    } else {
        (Ipv4Addr::LOCALHOST, port).into()
    };
    let s = TcpStream::connect_timeout(&addr, IO_LIMIT).map_err(|e| {
        Reason::new(
            format!("connexion à {addr} impossible : {e}"),
            format!("cannot connect to {addr}: {e}"),
        )
    })?;
    let _ = s.set_nodelay(true);
    Ok(s)
}

/// Waits, at most [`START_LIMIT`], for the program to connect to `listener`; gives up early if
/// the program ends.
pub fn accept(listener: &TcpListener, run: &mut Running) -> Result<TcpStream, Reason> {
    listener
        .set_nonblocking(true)
        .map_err(|e| Reason::new(format!("grader : {e}"), format!("grader: {e}")))?;
    let deadline = Instant::now() + START_LIMIT;
    loop {
        match listener.accept() {
            Ok((s, _)) => {
                let _ = s.set_nonblocking(false);
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(Reason::new(format!("grader : {e}"), format!("grader: {e}"))),
        }
        if run.exited().is_some() {
            let why = run.ending();
            return Err(Reason::new(
                "le programme ne s'est pas connecté au serveur :",
                "the program never connected to the server:",
            )
            .then(&why));
        }
        if Instant::now() > deadline {
            let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
            return Err(Reason::new(
                format!(
                    "aucune connexion sur le port {port} en {} s : le programme prend-il l'hôte \
                     et le port en paramètres ?",
                    START_LIMIT.as_secs()
                ),
                format!(
                    "no connection on port {port} within {} s: does the program take the host \
                     and the port from the command line?",
                    START_LIMIT.as_secs()
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// How a bounded read ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// The condition was met.
    Done,
    /// The peer closed the connection (FIN).
    Closed,
    /// The peer's kernel reset the connection (RST): the next recv or send failed with
    /// ECONNRESET.
    Reset,
    /// Nothing more within the time limit.
    Timeout,
    /// The connection failed otherwise.
    Error(String),
}

/// How a failed recv or send on the grader's side ended the exchange. A send that fails with
/// EPIPE found the connection already closed by the peer (its FIN came first, then a RST for
/// what the grader sent after it, and that RST reports EPIPE, not ECONNRESET): closed.
pub fn end_of(e: &io::Error) -> End {
    match e.kind() {
        io::ErrorKind::ConnectionReset => End::Reset,
        io::ErrorKind::BrokenPipe => End::Closed,
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => End::Timeout,
        _ => End::Error(e.to_string()),
    }
}

/// Why a peer reset the connection, when the grader had sent it bytes. On Linux, a socket
/// closed (or whose program ends) with received bytes still unread sends RST instead of FIN,
/// and those bytes are lost; a connection still waiting in the backlog when its listening
/// socket closes is reset too, its bytes unread as well. `who` names the peer ("le serveur",
/// "the server"), `unread` the bytes it left.
pub fn reset_unread(who: (&str, &str), unread: (&str, &str)) -> Reason {
    Reason::new(
        format!(
            "{} a réinitialisé la connexion (RST) au lieu de la fermer (FIN) : le noyau envoie \
             RST quand une socket est fermée (ou son programme terminé) alors que des octets \
             reçus n'ont pas été lus, et ces octets sont perdus (ici, {})",
            who.0, unread.0
        ),
        format!(
            "{} reset the connection (RST) instead of closing it (FIN): the kernel sends RST \
             when a socket is closed (or its program ends) with bytes it received still \
             unread, and those bytes are lost (here, {})",
            who.1, unread.1
        ),
    )
}

/// Reads from `s` into `got` until `done(got)` holds, the peer closes, an error, or `limit`.
pub fn read_until(
    s: &mut TcpStream,
    got: &mut Vec<u8>,
    limit: Duration,
    done: impl Fn(&[u8]) -> bool,
) -> End {
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 16 * 1024];
    loop {
        if done(got) {
            return End::Done;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return End::Timeout;
        }
        let _ = s.set_read_timeout(Some(left));
        match s.read(&mut buf) {
            Ok(0) => return End::Closed,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return End::Timeout;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return end_of(&e),
        }
    }
}

/// Reads exactly `n` bytes, or what came before the connection closed or `limit` passed.
pub fn read_n(s: &mut TcpStream, n: usize, limit: Duration) -> (Vec<u8>, End) {
    let mut got = Vec::with_capacity(n);
    let end = read_until(s, &mut got, limit, |g| g.len() >= n);
    (got, end)
}

/// Waits for the peer to close the connection, at most `limit`; what it sent meanwhile is
/// returned too.
pub fn read_to_close(s: &mut TcpStream, limit: Duration) -> (Vec<u8>, End) {
    let mut got = Vec::new();
    let end = read_until(s, &mut got, limit, |_| false);
    (got, end)
}

/// Sends `data` from another thread while this one reads the answer: a large message would
/// otherwise fill both directions' buffers and block both sides. Returns what came back, at
/// most `expect` bytes.
pub fn exchange(s: &mut TcpStream, data: &[u8], expect: usize, limit: Duration) -> (Vec<u8>, End) {
    let writer = s.try_clone().map(|mut w| {
        let data = data.to_vec();
        std::thread::spawn(move || w.write_all(&data))
    });
    let (got, end) = read_n(s, expect, limit);
    if let Ok(handle) = writer {
        if end != End::Done {
            // The reader gave up: unblock a writer stuck on a full buffer.
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
        let _ = handle.join();
    }
    (got, end)
}

/// Says how an echo of `sent` went wrong, when `got` is not `sent`.
pub fn echo_mismatch(sent: &[u8], got: &[u8], end: &End) -> Reason {
    let same = sent.iter().zip(got).take_while(|(a, b)| a == b).count();
    let how_fr = match end {
        End::Done => String::new(),
        End::Closed => " puis le serveur a fermé la connexion".into(),
        End::Reset => format!(" puis {}", server_reset().fr),
        End::Timeout => format!(" puis plus rien pendant {} s", IO_LIMIT.as_secs()),
        End::Error(e) => format!(" puis la connexion a échoué ({e})"),
    };
    let how_en = match end {
        End::Done => String::new(),
        End::Closed => " then the server closed the connection".into(),
        End::Reset => format!(" then {}", server_reset().en),
        End::Timeout => format!(" then nothing for {} s", IO_LIMIT.as_secs()),
        End::Error(e) => format!(" then the connection failed ({e})"),
    };
    if got.len() < sent.len() && same == got.len() {
        let mut r = Reason::new(
            format!(
                "{} octets envoyés, {} revenus{how_fr}",
                sent.len(),
                got.len()
            ),
            format!("sent {} bytes, {} came back{how_en}", sent.len(), got.len()),
        );
        if got.len() <= 1500 && sent.len() > 1500 && !got.is_empty() {
            r = r.then(&Reason::new(
                "— un seul recv ne reçoit pas tout le message : il faut recevoir et renvoyer \
                 en boucle jusqu'à ce que recv renvoie 0.",
                "— one recv does not get the whole message: receive and send back in a loop \
                 until recv returns 0.",
            ));
        }
        r
    } else {
        Reason::new(
            format!(
                "les octets revenus diffèrent de ceux envoyés à partir de l'octet {same} \
                 ({} envoyés, {} revenus){how_fr}",
                sent.len(),
                got.len()
            ),
            format!(
                "the bytes that came back differ from those sent from byte {same} on \
                 ({} sent, {} came back){how_en}",
                sent.len(),
                got.len()
            ),
        )
    }
}

/// A server that reset a connection on which the grader had sent it bytes.
pub fn server_reset() -> Reason {
    reset_unread(
        ("le serveur", "the server"),
        (
            "des octets envoyés par le correcteur, que le serveur n'a pas lus",
            "bytes the grader sent that the server never read",
        ),
    )
}

/// A server that reset a connection on which the grader had sent nothing: no unread data made
/// that reset, but a connection still waiting to be accepted when the listening socket closes.
pub fn reset_nothing_sent() -> Reason {
    Reason::new(
        "le serveur a réinitialisé la connexion (RST) alors que le correcteur n'y avait rien \
         envoyé, donc sans données non lues : le noyau réinitialise ainsi une connexion jamais \
         acceptée quand la socket d'écoute est fermée (à la fin du programme, par exemple)",
        "the server reset the connection (RST) though the grader had sent nothing on it, so no \
         unread data caused it: the kernel resets a connection never accepted when the \
         listening socket closes (when the program ends, for instance)",
    )
}

/// A test message of `len` bytes that is not text: every byte value, in a pattern that makes
/// a lost or repeated block visible.
pub fn binary_message(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 7 + i / 251) % 256) as u8).collect()
}

/// `bytes` shown for a message: printable text quoted, the rest escaped, cut at 60 characters.
pub fn show(bytes: &[u8]) -> String {
    let text: String = bytes.escape_ascii().to_string();
    format!("\"{}\"", super::child::shorten(&text, 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connected pair on loopback: (the peer, the grader's side), bounded reads.
    fn pair() -> (TcpStream, TcpStream) {
        let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let peer = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (grader, _) = l.accept().unwrap();
        grader.set_read_timeout(Some(IO_LIMIT)).unwrap();
        peer.set_read_timeout(Some(IO_LIMIT)).unwrap();
        (peer, grader)
    }

    /// What the reasons say of a reset, as the kernel does it: a peer that closes with bytes
    /// unread resets the connection, and the grader's recv fails with ECONNRESET.
    #[test]
    fn a_close_with_bytes_unread_is_a_reset() {
        let (mut peer, mut grader) = pair();
        grader.write_all(&[1u8; 1000]).unwrap();
        let mut some = [0u8; 10];
        // Once 10 bytes are read, the 1,000 sent in one write are all there: 990 stay unread.
        peer.read_exact(&mut some).unwrap();
        drop(peer);
        assert_eq!(read_to_close(&mut grader, IO_LIMIT).1, End::Reset);
    }

    /// A peer that read everything closes (FIN); what the grader sends after it is answered with
    /// a reset, which makes the grader's next send fail with EPIPE: closed, not reset.
    #[test]
    fn a_close_with_nothing_unread_is_a_close_even_when_sends_follow() {
        let (mut peer, mut grader) = pair();
        grader.write_all(b"all of it").unwrap();
        let mut all = [0u8; 9];
        peer.read_exact(&mut all).unwrap();
        drop(peer);
        let (_, end) = read_to_close(&mut grader, IO_LIMIT);
        assert_eq!(end, End::Closed);
        let deadline = Instant::now() + IO_LIMIT;
        let failed = loop {
            match grader.write(b"more") {
                Err(e) => break e,
                Ok(_) if Instant::now() > deadline => panic!("every send succeeded"),
                Ok(_) => std::thread::yield_now(),
            }
        };
        assert_eq!(end_of(&failed), End::Closed, "{failed}");
    }
}
