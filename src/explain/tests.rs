//! Each context the explanations tell apart, in both languages: the text under a call must be
//! true for that socket.

use super::*;
use crate::trace::{
    Family, How, Kind, Opt, OptName, Phase, Role, Side, SockInfo, SockRole, SockType,
};

fn tcp(role: SockRole) -> SockInfo {
    SockInfo {
        role,
        ..SockInfo::new(Family::Inet, SockType::Stream)
    }
}

fn udp() -> SockInfo {
    SockInfo::new(Family::Inet, SockType::Dgram)
}

fn local(ty: SockType, role: SockRole) -> SockInfo {
    SockInfo {
        role,
        ..SockInfo::new(Family::Unix, ty)
    }
}

fn call(call: Call, socket: Option<SockInfo>, ret: i64) -> Event {
    let mut ev = Event::new(Kind::Syscall, Phase::Call, call);
    ev.fd = Some(4);
    ev.socket = socket;
    ev.ret = Some(ret);
    ev
}

fn failed(call_: Call, socket: Option<SockInfo>, errno: &str) -> Event {
    let mut ev = call(call_, socket, -1);
    ev.errno = Some(errno.into());
    ev
}

/// The explanation, always on, in both languages.
fn both(ev: &Event) -> (String, String) {
    let fr = Explainer::new(Lang::Fr, ExplainMode::Always)
        .explain(ev)
        .expect("a French explanation");
    let en = Explainer::new(Lang::En, ExplainMode::Always)
        .explain(ev)
        .expect("an English explanation");
    assert_ne!(fr, en, "French and English differ");
    (fr, en)
}

#[test]
fn every_text_exists_in_both_languages() {
    for (key, t) in texts() {
        assert!(!t.fr.trim().is_empty(), "{key}: no French");
        assert!(!t.en.trim().is_empty(), "{key}: no English");
        assert_ne!(t.fr, t.en, "{key}: French and English are the same");
    }
}

#[test]
fn every_key_the_contexts_choose_has_a_text() {
    let mut events = Vec::new();
    for socket in [
        None,
        Some(udp()),
        Some(tcp(SockRole::Unconnected)),
        Some(tcp(SockRole::Listening)),
        Some(tcp(SockRole::Connected)),
        Some(local(SockType::Stream, SockRole::Unconnected)),
        Some(local(SockType::Stream, SockRole::Listening)),
        Some(local(SockType::Stream, SockRole::Connected)),
        Some(local(SockType::Dgram, SockRole::Unconnected)),
    ] {
        for c in [
            Call::Socketpair,
            Call::Socket,
            Call::Setsockopt,
            Call::Bind,
            Call::Listen,
            Call::Accept4,
            Call::Connect,
            Call::Recvfrom,
            Call::Sendto,
            Call::Shutdown,
            Call::Close,
            Call::Getsockname,
            Call::Getpeername,
            Call::Poll,
            Call::Pselect6,
            Call::EpollWait,
            Call::EpollCtl,
            Call::Fcntl,
            Call::Getsockopt,
        ] {
            for ret in [0, 5] {
                events.push(call(c.clone(), socket, ret));
            }
        }
    }
    for ev in &events {
        let t = topic(ev).unwrap_or_else(|| panic!("nothing said for {ev:?}"));
        for key in t.keys {
            assert!(text(key, Lang::Fr).is_some(), "{key} has no text");
        }
    }
}

#[test]
fn tcp_active_close_ends_in_time_wait_here() {
    let ev = call(Call::Close, Some(tcp(SockRole::Connected)), 0);
    let (fr, en) = both(&ev);
    assert!(en.contains("sends FIN") && en.contains("TIME_WAIT"), "{en}");
    assert!(en.contains("closes first"), "{en}");
    // What the calls cannot settle is said conditionally.
    assert!(
        en.contains("Unless the peer's FIN had already arrived unread"),
        "{en}"
    );
    assert!(
        fr.contains("envoie FIN") && fr.contains("TIME_WAIT"),
        "{fr}"
    );
}

#[test]
fn tcp_passive_close_goes_through_close_wait_and_last_ack() {
    let mut s = tcp(SockRole::Connected);
    s.closed_first = Some(Side::Peer);
    let (fr, en) = both(&call(Call::Close, Some(s), 0));
    assert!(en.contains("passive close"), "{en}");
    assert!(en.contains("CLOSE_WAIT") && en.contains("LAST_ACK"), "{en}");
    assert!(en.contains("TIME_WAIT is on the peer's side"), "{en}");
    assert!(
        fr.contains("fermeture passive") && fr.contains("CLOSE_WAIT"),
        "{fr}"
    );
}

#[test]
fn close_with_unread_data_sends_rst() {
    let mut s = tcp(SockRole::Connected);
    s.closed_first = Some(Side::Peer);
    s.unread = Some(12);
    let (fr, en) = both(&call(Call::Close, Some(s), 0));
    assert!(
        en.contains("12 received byte(s)") && en.contains("RST instead of a FIN"),
        "{en}"
    );
    assert!(en.contains("ECONNRESET"), "{en}");
    assert!(
        fr.contains("12 octet(s)") && fr.contains("RST au lieu d'un FIN"),
        "{fr}"
    );
    // No unread bytes: the usual FIN.
    s.unread = Some(0);
    let (_, en) = both(&call(Call::Close, Some(s), 0));
    assert!(!en.contains("RST"), "{en}");
}

#[test]
fn closing_after_shutdown_write_is_the_active_side() {
    let mut s = tcp(SockRole::Connected);
    s.closed_first = Some(Side::Local);
    let (_, en) = both(&call(Call::Close, Some(s), 0));
    assert!(en.contains("already went out with shutdown()"), "{en}");
}

#[test]
fn closing_a_descriptor_fork_duplicated_sends_nothing() {
    // The veilleur's copy of a connection handed to a child process.
    let mut s = tcp(SockRole::Connected);
    s.shared = true;
    let mut ev = call(Call::Close, Some(s), 0);
    ev.role = Role::Veilleur;
    let (fr, en) = both(&ev);
    assert!(
        en.contains("nothing is sent") && en.contains("child"),
        "{en}"
    );
    assert!(!en.contains("TIME_WAIT"), "{en}");
    assert!(
        fr.contains("rien n'est envoyé") && fr.contains("fils"),
        "{fr}"
    );
    // The child's copy of the listening socket: the port stays taken.
    let mut s = tcp(SockRole::Listening);
    s.shared = true;
    let (fr, en) = both(&call(Call::Close, Some(s), 0));
    assert!(en.contains("still listens"), "{en}");
    assert!(!en.contains("port is free"), "{en}");
    assert!(fr.contains("écoute toujours"), "{fr}");
    // The child's close of a connection its parent did not close: the client gets no FIN.
    let mut s = tcp(SockRole::Connected);
    s.shared = true;
    let mut ev = call(Call::Close, Some(s), 0);
    ev.role = Role::Executant;
    let (fr, en) = both(&ev);
    assert!(en.contains("the client gets no FIN"), "{en}");
    assert!(fr.contains("le client ne reçoit pas de FIN"), "{fr}");
    // The veilleur's close of the listening socket a child still holds: still listening.
    let mut s = tcp(SockRole::Listening);
    s.shared = true;
    let mut ev = call(Call::Close, Some(s), 0);
    ev.role = Role::Veilleur;
    let (_, en) = both(&ev);
    assert!(en.contains("the port stays taken"), "{en}");
}

#[test]
fn read_and_write_on_a_socket_are_recv_and_send() {
    let (_, en) = both(&call(Call::Read, Some(tcp(SockRole::Connected)), 5));
    assert!(
        en.starts_with("read() on a socket does what recv() does with no flags."),
        "{en}"
    );
    assert!(en.contains("TCP is a stream"), "{en}");
    let (fr, _) = both(&call(Call::Write, Some(udp()), 5));
    assert!(
        fr.starts_with("write() sur une socket fait ce que fait send()"),
        "{fr}"
    );
    let (_, en) = both(&call(
        Call::Read,
        Some(local(SockType::Stream, SockRole::Connected)),
        0,
    ));
    assert!(en.contains("No FIN went anywhere"), "{en}");
}

#[test]
fn udp_close_sends_nothing() {
    let (fr, en) = both(&call(Call::Close, Some(udp()), 0));
    assert!(en.contains("nothing is sent"), "{en}");
    for word in ["FIN", "TIME_WAIT", "TCP"] {
        assert!(
            !en.contains(word) && !fr.contains(word),
            "{word}: {en} / {fr}"
        );
    }
}

#[test]
fn close_after_a_refused_connect_sends_nothing() {
    // connect failed: the socket stays unconnected.
    let refused = failed(
        Call::Connect,
        Some(tcp(SockRole::Unconnected)),
        "ECONNREFUSED",
    );
    let (_, en) = both(&refused);
    assert!(en.contains("nobody listens"), "{en}");
    let (fr, en) = both(&call(Call::Close, Some(tcp(SockRole::Unconnected)), 0));
    assert!(
        en.contains("never connected") && en.contains("nothing is sent"),
        "{en}"
    );
    assert!(fr.contains("jamais connectée"), "{fr}");
    assert!(!en.contains("FIN") && !en.contains("TIME_WAIT"), "{en}");
}

#[test]
fn udp_recvfrom_is_one_datagram_and_zero_is_no_end() {
    let mut ev = call(Call::Recvfrom, Some(udp()), 5);
    ev.bytes = Some(5);
    ev.size = Some(65_535);
    let (fr, en) = both(&ev);
    assert!(
        en.contains("one whole datagram") && en.contains("Boundaries are kept"),
        "{en}"
    );
    assert!(fr.contains("un datagramme entier"), "{fr}");
    for t in [&fr, &en] {
        assert!(
            !t.contains("stream") && !t.contains("flot") && !t.contains("TCP"),
            "{t}"
        );
    }
    let (_, en) = both(&call(Call::Recvfrom, Some(udp()), 0));
    assert!(
        en.contains("empty datagram") && en.contains("0 is not an end"),
        "{en}"
    );
    // Longer than the buffer: MSG_TRUNC.
    let mut cut = call(Call::Recvfrom, Some(udp()), 70_000);
    cut.bytes = Some(70_000);
    cut.size = Some(65_535);
    let (fr, en) = both(&cut);
    assert!(en.contains("MSG_TRUNC") && fr.contains("MSG_TRUNC"), "{en}");
}

#[test]
fn tcp_recv_of_zero_is_the_end_of_stream_unless_we_shut_down_ourselves() {
    let mut s = tcp(SockRole::Connected);
    s.closed_first = Some(Side::Peer);
    let (fr, en) = both(&call(Call::Recvfrom, Some(s), 0));
    assert!(
        en.contains("end of the stream") && en.contains("FIN arrived"),
        "{en}"
    );
    assert!(fr.contains("fin du flot"), "{fr}");
    let mut s = tcp(SockRole::Connected);
    s.shut_read = true;
    let (_, en) = both(&call(Call::Recvfrom, Some(s), 0));
    assert!(en.contains("this program itself shut down"), "{en}");
}

#[test]
fn udp_shutdown_enotconn_is_explained() {
    let mut s = udp();
    s.shut_read = true;
    let (fr, en) = both(&failed(Call::Shutdown, Some(s), "ENOTCONN"));
    assert!(en.contains("wakes up a recvfrom()"), "{en}");
    assert!(fr.contains("réveille un recvfrom()"), "{fr}");
    let (_, en) = both(&call(Call::Recvfrom, Some(s), 0));
    assert!(en.contains("shut down receiving"), "{en}");
}

#[test]
fn reuseaddr_is_told_per_protocol() {
    let mut ev = call(Call::Setsockopt, Some(tcp(SockRole::Unconnected)), 0);
    ev.option = Some(Opt {
        name: OptName::ReuseAddr,
        value: Some(1),
    });
    let (fr, en) = both(&ev);
    assert!(en.contains("FIN_WAIT2") && en.contains("earlier server must have set it too"));
    assert!(en.contains("does not let two servers listen"), "{en}");
    assert!(fr.contains("FIN_WAIT2"), "{fr}");
    ev.socket = Some(udp());
    let (_, en) = both(&ev);
    assert!(en.contains("a UDP server does not set it"), "{en}");
    assert!(!en.contains("TIME_WAIT"), "{en}");
}

#[test]
fn eaddrinuse_tells_a_listener_from_lingering_connections() {
    let mut ev = failed(Call::Bind, Some(tcp(SockRole::Unconnected)), "EADDRINUSE");
    ev.port_use = Some(PortUse {
        port: 7777,
        listening: 1,
        connected: 0,
        lingering: 0,
    });
    let (fr, en) = both(&ev);
    assert!(
        en.contains("another socket listens on it") && en.contains("7777"),
        "{en}"
    );
    assert!(fr.contains("une autre socket y écoute"), "{fr}");
    ev.port_use = Some(PortUse {
        port: 7777,
        listening: 0,
        connected: 0,
        lingering: 3,
    });
    let (fr, en) = both(&ev);
    assert!(en.contains("nothing listens on port 7777 any more"), "{en}");
    assert!(
        en.contains("3 connection(s)") && en.contains("FIN_WAIT2"),
        "{en}"
    );
    assert!(
        fr.contains("déjà utilisé") || fr.contains("traînent"),
        "{fr}"
    );
}

#[test]
fn epipe_and_econnreset_tell_the_order_of_events() {
    let (_, en) = both(&failed(
        Call::Sendto,
        Some(tcp(SockRole::Connected)),
        "EPIPE",
    ));
    assert!(en.contains("the first send() after it succeeded"), "{en}");
    assert!(en.contains("RST"), "{en}");
    let (_, en) = both(&failed(
        Call::Recvfrom,
        Some(tcp(SockRole::Connected)),
        "ECONNRESET",
    ));
    assert!(en.contains("still unread"), "{en}");
}

#[test]
fn listen_says_the_queue_and_what_happens_when_it_is_full() {
    let (fr, en) = both(&call(Call::Listen, Some(tcp(SockRole::Listening)), 0));
    assert!(
        en.contains("somaxconn") && en.contains("backlog + 1"),
        "{en}"
    );
    assert!(en.contains("1 s later, then 2 s after that"), "{en}");
    assert!(fr.contains("mène seul la poignée de main"), "{fr}");
    assert!(fr.contains("range les connexions établies"), "{fr}");
}

#[test]
fn socket_is_explained_from_its_arguments() {
    let (_, en) = both(&call(Call::Socket, Some(udp()), 3));
    assert!(
        en.contains("SOCK_DGRAM: UDP") && en.contains("AF_INET: IPv4"),
        "{en}"
    );
    let six = SockInfo::new(Family::Inet6, SockType::Stream);
    let (_, en) = both(&call(Call::Socket, Some(six), 3));
    assert!(en.contains("SOCK_STREAM") && en.contains("::ffff:"), "{en}");
}

#[test]
fn a_mapped_ipv4_client_is_explained_once() {
    let mut ev = call(Call::Accept4, Some(tcp(SockRole::Listening)), 5);
    ev.addr = Some("[::ffff:127.0.0.1]:40000".parse().unwrap());
    let mut ex = Explainer::new(Lang::En, ExplainMode::First);
    let first = ex.explain(&ev).unwrap();
    assert!(first.contains("::ffff:a.b.c.d"), "{first}");
    assert_eq!(ex.explain(&ev), None, "said once");
    ev.addr = Some("127.0.0.1:40000".parse().unwrap());
    let mut ex = Explainer::new(Lang::En, ExplainMode::Always);
    assert!(!ex.explain(&ev).unwrap().contains("::ffff:"));
}

#[test]
fn bind_says_port_zero_only_for_port_zero() {
    let mut ev = call(Call::Bind, Some(tcp(SockRole::Unconnected)), 0);
    ev.addr = Some("127.0.0.1:0".parse().unwrap());
    let (_, en) = both(&ev);
    assert!(
        en.contains("Port 0 lets the kernel pick") && en.contains("loopback"),
        "{en}"
    );
    ev.addr = Some("[::]:7777".parse().unwrap());
    let (fr, en) = both(&ev);
    assert!(!en.contains("Port 0"), "{en}");
    assert!(en.contains("every interface"), "{en}");
    assert!(fr.contains("toutes les interfaces"), "{fr}");
}

#[test]
fn select_is_named_beside_poll() {
    let (_, en) = both(&call(Call::Poll, None, 1));
    assert!(
        en.contains("select.select") && en.contains("pselect6"),
        "{en}"
    );
    let (_, en) = both(&call(Call::Pselect6, None, 1));
    assert!(en.contains("select.select"), "{en}");
}

#[test]
fn shutdown_is_explained_by_its_direction() {
    let mut ev = call(Call::Shutdown, Some(tcp(SockRole::Connected)), 0);
    ev.how = Some(How::Write);
    let (_, en) = both(&ev);
    assert!(en.contains("SHUT_WR") && en.contains("sends FIN"), "{en}");
    ev.how = Some(How::Read);
    let (_, en) = both(&ev);
    assert!(en.contains("Nothing is sent to the peer"), "{en}");
    ev.socket = Some(tcp(SockRole::Listening));
    let (_, en) = both(&ev);
    assert!(en.contains("EINVAL"), "{en}");
}

#[test]
fn first_mode_says_each_text_once() {
    let ev = call(Call::Listen, Some(tcp(SockRole::Listening)), 0);
    let mut ex = Explainer::new(Lang::En, ExplainMode::First);
    assert!(ex.explain(&ev).is_some());
    assert_eq!(ex.explain(&ev), None);
    let mut never = Explainer::new(Lang::En, ExplainMode::Never);
    assert_eq!(never.explain(&ev), None);
}

#[test]
fn fatal_error_advice_uses_the_context() {
    let used = PortUse {
        port: 5000,
        listening: 1,
        connected: 0,
        lingering: 0,
    };
    let advice = errno_advice(Some("EADDRINUSE"), Some(used), Lang::En).unwrap();
    assert!(advice.contains("another socket listens"), "{advice}");
    let advice = errno_advice(Some("EACCES"), None, Lang::Fr).unwrap();
    assert!(advice.contains("supérieur ou égal à 1024"), "{advice}");
    assert!(failure_text("udp:no-answer", Lang::En).is_some());
}

/// Local (AF_UNIX) sockets: no handshake, no FIN, no TIME_WAIT, no port; their errors are
/// the file system's.
#[test]
fn local_sockets_are_not_explained_as_tcp() {
    let connected = local(SockType::Stream, SockRole::Connected);
    let cases = [
        (
            call(
                Call::Socket,
                Some(local(SockType::Dgram, SockRole::Unconnected)),
                3,
            ),
            "socket.unix",
        ),
        (
            call(
                Call::Bind,
                Some(local(SockType::Stream, SockRole::Unconnected)),
                0,
            ),
            "bind.unix",
        ),
        (
            call(
                Call::Listen,
                Some(local(SockType::Stream, SockRole::Listening)),
                0,
            ),
            "listen.unix",
        ),
        (call(Call::Connect, Some(connected), 0), "connect.unix"),
        (call(Call::Recvfrom, Some(connected), 5), "recv.unix"),
        (call(Call::Recvfrom, Some(connected), 0), "recv.unix.eof"),
        (call(Call::Sendto, Some(connected), 5), "send.unix"),
        (call(Call::Shutdown, Some(connected), 0), "shutdown.unix"),
        (call(Call::Close, Some(connected), 0), "close.unix"),
        (
            call(
                Call::Close,
                Some(local(SockType::Stream, SockRole::Listening)),
                0,
            ),
            "close.unix.listening",
        ),
        (
            call(Call::Getsockname, Some(connected), 0),
            "getsockname.unix",
        ),
        (
            call(
                Call::Close,
                Some(local(SockType::Dgram, SockRole::Unconnected)),
                0,
            ),
            "close.unix.dgram",
        ),
        (call(Call::Socketpair, Some(connected), 0), "socketpair"),
        (
            failed(Call::Connect, Some(connected), "ENOENT"),
            "errno.ENOENT.unix",
        ),
        (
            failed(Call::Connect, Some(connected), "ECONNREFUSED"),
            "errno.ECONNREFUSED.unix",
        ),
        (
            failed(Call::Bind, Some(connected), "EADDRINUSE"),
            "errno.EADDRINUSE.unix",
        ),
        (
            failed(Call::Sendto, Some(connected), "EPIPE"),
            "errno.EPIPE.unix",
        ),
        (
            failed(Call::Recvfrom, Some(connected), "ECONNRESET"),
            "errno.ECONNRESET.unix",
        ),
    ];
    for (ev, key) in &cases {
        assert_eq!(topic(ev).unwrap().keys, [*key], "{ev:?}");
        let (fr, en) = both(ev);
        for words in [
            "SYN",
            "sends FIN",
            "envoie FIN",
            "port ",
            "UDP,",
            "TCP handshake",
        ] {
            assert!(
                !en.contains(words) && !fr.contains(words),
                "{key}: {words}: {en} / {fr}"
            );
        }
    }
    let mut shared = connected;
    shared.shared = true;
    assert_eq!(
        topic(&call(Call::Close, Some(shared), 0)).unwrap().keys,
        ["close.unix.shared"]
    );
    // The same calls on TCP keep TCP's words.
    let (_, en) = both(&call(Call::Close, Some(tcp(SockRole::Connected)), 0));
    assert!(en.contains("TIME_WAIT") && en.contains("FIN"), "{en}");
}

/// The C library's sockets when it resolves a name (getaddrinfo): its look for nscd and its DNS
/// query are said to be the library's.
#[test]
fn the_c_library_s_sockets_are_said_to_be_its() {
    let mut library = local(SockType::Stream, SockRole::Unconnected);
    library.resolver = true;
    let (fr, en) = both(&failed(Call::Connect, Some(library), "ENOENT"));
    assert!(
        en.contains("C library's") && en.contains("nscd") && en.contains("ENOENT"),
        "{en}"
    );
    assert!(fr.contains("bibliothèque C") && fr.contains("nscd"), "{fr}");
    let mine = failed(
        Call::Connect,
        Some(local(SockType::Stream, SockRole::Unconnected)),
        "ENOENT",
    );
    assert_eq!(topic(&mine).unwrap().keys, ["errno.ENOENT.unix"]);
    // Its DNS query: the connect, then the calls that follow on that socket.
    let mut dns = udp();
    dns.resolver = true;
    let (_, en) = both(&failed(Call::Connect, Some(dns), "ENETUNREACH"));
    assert!(
        en.contains("asks the DNS server /etc/resolv.conf names"),
        "{en}"
    );
    let (_, en) = both(&call(Call::Recvfrom, Some(dns), 40));
    assert!(
        en.starts_with("Still the C library resolving a name"),
        "{en}"
    );
}

#[test]
fn epoll_is_named_as_such() {
    let (_, en) = both(&call(Call::EpollWait, None, 1));
    assert!(en.starts_with("epoll_wait() waits"), "{en}");
    let (fr, _) = both(&call(Call::EpollCtl, None, 0));
    assert!(fr.starts_with("epoll_ctl() inscrit une socket"), "{fr}");
}

/// A refused UDP datagram: the machine's ICMP port unreachable, told on a connected socket's
/// next call (measured with tcpdump), not a RST to a connection request.
#[test]
fn econnrefused_on_udp_is_the_icmp_answer() {
    let (fr, en) = both(&failed(Call::Recvfrom, Some(udp()), "ECONNREFUSED"));
    assert!(
        en.contains("ICMP") && en.contains("connected UDP socket"),
        "{en}"
    );
    assert!(!en.contains("RST"), "{en}");
    assert!(fr.contains("ICMP"), "{fr}");
    let (_, en) = both(&failed(
        Call::Connect,
        Some(tcp(SockRole::Unconnected)),
        "ECONNREFUSED",
    ));
    assert!(en.contains("RST"), "{en}");
}

#[test]
fn getsockname_on_a_connection_is_not_about_port_zero() {
    let (_, en) = both(&call(Call::Getsockname, Some(tcp(SockRole::Connected)), 0));
    assert!(
        en.contains("on a connection, this side's address and port"),
        "{en}"
    );
    assert!(!en.contains("port 0"), "{en}");
    let (_, en) = both(&call(Call::Getsockname, Some(tcp(SockRole::Listening)), 0));
    assert!(en.contains("port 0"), "{en}");
}

#[test]
fn a_death_by_sigpipe_is_explained_and_other_ends_are_not() {
    use crate::trace::Note;
    let mut ev = Event::new(Kind::Note, Phase::Call, Call::Note);
    ev.note = Some(Note::Exit {
        pid: 7,
        code: None,
        signal: Some("SIGPIPE".into()),
    });
    let (fr, en) = both(&ev);
    assert!(
        en.contains("MSG_NOSIGNAL") && en.contains("BrokenPipeError"),
        "{en}"
    );
    assert!(fr.contains("SIG_IGN"), "{fr}");
    ev.note = Some(Note::Exit {
        pid: 7,
        code: Some(0),
        signal: None,
    });
    assert!(topic(&ev).is_none());
}

#[test]
fn closing_one_of_two_dup_descriptors_sends_nothing() {
    for mut s in [
        tcp(SockRole::Connected),
        udp(),
        local(SockType::Stream, SockRole::Connected),
    ] {
        s.dup = true;
        let ev = call(Call::Close, Some(s), 0);
        assert_eq!(topic(&ev).unwrap().keys, ["close.dup"], "{s:?}");
        let (fr, en) = both(&ev);
        assert!(
            en.contains("nothing is sent") && !en.contains("TIME_WAIT"),
            "{en}"
        );
        assert!(fr.contains("rien n'est envoyé"), "{fr}");
    }
}
