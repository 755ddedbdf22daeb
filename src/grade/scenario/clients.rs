//! Client exercises graded by a grader that plays the server: daytime (step 01), HTTP GET
//! (step 02) and the echo client (step 04).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::{Ctx, c, client_connects, crashed, grader_listener, start_client};
use crate::grade::child::{HOST, find, shorten};
use crate::grade::net::{self, End, IO_LIMIT};
use crate::grade::verdict::{Checklist, Criterion, Reason};

pub const DAYTIME: &[Criterion] = &[
    c(
        "connects",
        "se connecte au serveur donné en paramètres (hôte et port)",
        "connects to the server given on the command line (host and port)",
    ),
    c(
        "prints_date",
        "affiche la date envoyée par le serveur",
        "prints the date the server sent",
    ),
    c(
        "exits",
        "se termine seul (code 0) une fois la date reçue",
        "ends by itself (status 0) once the date is received",
    ),
];

/// Step 01: the grader is a daytime server that sends one line and closes.
pub fn daytime(ctx: &Ctx, list: &mut Checklist) {
    let date = "Sun Nov 22 10:31:07 2026 (socklab)";
    let mut attempt = || -> Result<(), Reason> {
        let Some((mut conn, mut run)) = client_connects(ctx, list, b"")? else {
            return Ok(());
        };
        let _ = conn.write_all(format!("{date}\r\n").as_bytes());
        drop(conn);
        let status = run.wait(IO_LIMIT);
        if run.wait_stdout(date.as_bytes(), Duration::from_millis(200)) {
            list.pass("prints_date");
        } else {
            list.fail(
                "prints_date",
                Reason::new(
                    format!(
                        "la date « {date} » n'apparaît pas dans ce qu'il affiche : {}",
                        quote(&run.stdout_text())
                    ),
                    format!(
                        "the date \"{date}\" is not in what it prints: {}",
                        quote(&run.stdout_text())
                    ),
                ),
            );
        }
        list.record("exits", ended_ok(&mut run, status));
        Ok(())
    };
    if let Err(r) = attempt() {
        list.fail_rest(&r);
    }
}

pub const HTTP: &[Criterion] = &[
    c(
        "request",
        "envoie une requête GET / HTTP/1.1 avec l'en-tête Host, terminée par une ligne vide",
        "sends a GET / HTTP/1.1 request with a Host header, ended by an empty line",
    ),
    c(
        "whole_page",
        "affiche la page entière (plus de 1 024 octets), pas seulement ce que renvoie le premier recv",
        "prints the whole page (more than 1,024 bytes), not only the first recv",
    ),
    c(
        "exits",
        "se termine seul (code 0) quand le serveur ferme la connexion",
        "ends by itself (status 0) when the server closes the connection",
    ),
    c(
        "refused",
        "connexion refusée : un message clair, pas de traceback Python, un code de sortie non nul",
        "connection refused: a clear message, no Python traceback, a non-zero exit status",
    ),
    c(
        "unknown_host",
        "hôte inconnu : un message différent de celui de la connexion refusée",
        "unknown host: a message different from the refused connection's",
    ),
];

/// The page the grader serves: about 30 KB, numbered lines, so a truncation shows where.
fn page() -> String {
    let mut body =
        String::from("<!DOCTYPE html>\n<html><head><title>socklab</title></head><body>\n");
    for i in 1..=400 {
        body.push_str(&format!(
            "<p>ligne {i:03} : Vous etes perdu ? Pas de panique.</p>\n"
        ));
    }
    body.push_str("</body></html>\n");
    body
}

/// Step 02: the grader is a web server; then a refused connection, then an unknown host.
pub fn http(ctx: &Ctx, list: &mut Checklist) {
    if let Err(r) = fetch(ctx, list) {
        list.fail("request", r.clone());
        list.fail("whole_page", r.clone());
        list.fail("exits", r);
    }
    let refused = refused_message(ctx, list);
    unknown_host(ctx, list, refused.as_deref());
}

fn fetch(ctx: &Ctx, list: &mut Checklist) -> Result<(), Reason> {
    let listener = grader_listener(ctx)?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let mut run = start_client(ctx, port, b"")?;
    let mut conn = net::accept(&listener, &mut run)?;
    let mut req = Vec::new();
    let end = net::read_until(&mut conn, &mut req, IO_LIMIT, |g| {
        find(g, b"\r\n\r\n").is_some()
    });
    let text = String::from_utf8_lossy(&req).into_owned();
    let first = text.lines().next().unwrap_or("");
    let has_host = text
        .lines()
        .any(|l| l.to_ascii_lowercase().starts_with("host:"));
    let ok = end == End::Done && first.starts_with("GET / HTTP/1.") && has_host;
    if ok {
        list.pass("request");
    } else if req.is_empty() {
        let _ = run.wait(std::time::Duration::from_millis(200));
        list.fail(
            "request",
            Reason::new("aucune requête reçue :", "no request received:").then(&run.ending()),
        );
    } else {
        let why_fr = if end != End::Done {
            "la requête ne se termine pas par une ligne vide (\\r\\n\\r\\n)"
        } else if !has_host {
            "l'en-tête Host manque"
        } else {
            "la première ligne n'est pas « GET / HTTP/1.1 »"
        };
        let why_en = if end != End::Done {
            "the request does not end with an empty line (\\r\\n\\r\\n)"
        } else if !has_host {
            "the Host header is missing"
        } else {
            "the first line is not \"GET / HTTP/1.1\""
        };
        list.fail(
            "request",
            Reason::new(
                format!("{why_fr} ; reçu : {}", net::show(&req)),
                format!("{why_en}; received: {}", net::show(&req)),
            ),
        );
    }
    // The answer in two parts, a moment apart: the first part alone is what one recv gets.
    let body = page();
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let whole = format!("{head}{body}");
    let (first_part, rest) = whole.as_bytes().split_at(900);
    let _ = conn.write_all(first_part);
    let _ = conn.flush();
    std::thread::sleep(Duration::from_millis(150));
    let _ = conn.write_all(rest);
    drop(conn);
    let status = run.wait(IO_LIMIT);
    let out = run.stdout();
    if find(&out, body.as_bytes()).is_some() {
        list.pass("whole_page");
    } else {
        // How far the page got: the longest start of the body that was printed.
        let start = find(&out, b"<!DOCTYPE html>");
        let printed = start.map_or(0, |s| {
            out[s..]
                .iter()
                .zip(body.as_bytes())
                .take_while(|(a, b)| a == b)
                .count()
        });
        let last_line = body[..printed].lines().last().unwrap_or("").to_string();
        let reason = if printed == 0 {
            Reason::new(
                format!(
                    "la page n'est pas affichée ; il a affiché : {}",
                    quote(&run.output_text())
                ),
                format!(
                    "the page is not printed; it printed: {}",
                    quote(&run.output_text())
                ),
            )
        } else {
            Reason::new(
                format!(
                    "la page affichée s'arrête après {printed} octets sur {} (dernière ligne : \
                     « {} ») : un seul recv ne reçoit pas toute la page ; recevoir en boucle \
                     jusqu'à ce que recv renvoie 0",
                    body.len(),
                    shorten(&last_line, 60)
                ),
                format!(
                    "the page printed stops after {printed} bytes of {} (last line: \"{}\"): \
                     one recv does not get the whole page; receive in a loop until recv \
                     returns 0 bytes",
                    body.len(),
                    shorten(&last_line, 60)
                ),
            )
        };
        list.fail("whole_page", reason);
    }
    list.record("exits", ended_ok(&mut run, status));
    Ok(())
}

/// Runs the client against a port nobody listens on; returns its message, normalised.
fn refused_message(ctx: &Ctx, list: &mut Checklist) -> Option<String> {
    let port = match net::free_port(net::Proto::Tcp) {
        Ok(p) => p,
        Err(e) => {
            list.fail(
                "refused",
                Reason::new(
                    format!("pas de port libre : {e}"),
                    format!("no free port: {e}"),
                ),
            );
            return None;
        }
    };
    let mut run = match start_client(ctx, port, b"") {
        Ok(r) => r,
        Err(r) => {
            list.fail("refused", r);
            return None;
        }
    };
    let status = run.wait(net::START_LIMIT);
    let out = run.output_text();
    let verdict = error_message_verdict(&out, status, "connexion refusée", "connection refused");
    let ok = verdict.is_ok();
    list.record("refused", verdict);
    ok.then(|| normalise(&out, HOST, port))
}

/// Runs the client inside a network namespace of its own (`unshare -rn`), where no name can
/// be resolved and no packet leaves: the unknown host `trucbidule` is never asked of a real DNS.
fn unknown_host(ctx: &Ctx, list: &mut Checklist, refused: Option<&str>) {
    if !unshare_works() {
        list.skip(
            "unknown_host",
            Reason::new(
                "non vérifié : `unshare -rn` n'est pas utilisable ici (il faut un espace de noms \
                 réseau pour tester un hôte inconnu sans interroger le DNS)",
                "not checked: `unshare -rn` cannot be used here (a network namespace is needed \
                 to test an unknown host without asking DNS)",
            ),
        );
        return;
    }
    let host = "trucbidule";
    let port = 8080;
    let mut run = match ctx
        .program
        .start(host, port, Some(b""), &["unshare", "-rn"])
    {
        Ok(r) => r,
        Err(r) => {
            list.fail("unknown_host", r);
            return;
        }
    };
    let status = run.wait(net::START_LIMIT);
    let out = run.output_text();
    if let Err(r) = error_message_verdict(&out, status, "hôte inconnu", "unknown host") {
        list.fail("unknown_host", r);
        return;
    }
    let mine = normalise(&out, host, port);
    match refused {
        Some(refused) if refused == mine => list.fail(
            "unknown_host",
            Reason::new(
                format!(
                    "même message que pour la connexion refusée ({}) : l'utilisateur ne sait \
                     pas si le nom est faux ou si le serveur est arrêté ; traiter les deux \
                     exceptions séparément",
                    quote(&out)
                ),
                format!(
                    "same message as for the refused connection ({}): the user cannot tell a \
                     wrong name from a server that is down; handle the two errors separately",
                    quote(&out)
                ),
            ),
        ),
        _ => list.pass("unknown_host"),
    }
}

/// A failed connection must end with a message, no crash, and an error status.
fn error_message_verdict(
    out: &str,
    status: Option<std::process::ExitStatus>,
    case_fr: &str,
    case_en: &str,
) -> Result<(), Reason> {
    let Some(status) = status else {
        return Err(Reason::new(
            format!(
                "cas « {case_fr} » : le programme ne s'est pas terminé en {} s",
                net::START_LIMIT.as_secs()
            ),
            format!(
                "\"{case_en}\" case: the program did not end within {} s",
                net::START_LIMIT.as_secs()
            ),
        ));
    };
    if crashed(out) {
        return Err(Reason::new(
            format!(
                "cas « {case_fr} » : le programme plante au lieu d'afficher un message ({}) ; \
                 attraper l'erreur (try/except) et expliquer",
                quote(out)
            ),
            format!(
                "\"{case_en}\" case: the program crashes instead of printing a message ({}); \
                 catch the error (try/except) and explain",
                quote(out)
            ),
        ));
    }
    if out.trim().is_empty() {
        return Err(Reason::new(
            format!("cas « {case_fr} » : le programme n'affiche rien"),
            format!("\"{case_en}\" case: the program prints nothing"),
        ));
    }
    if status.success() {
        return Err(Reason::new(
            format!(
                "cas « {case_fr} » : le programme se termine avec le code de sortie 0, comme en \
                 cas de succès (appeler sys.exit(1) après le message)"
            ),
            format!(
                "\"{case_en}\" case: the program ends with status 0, as a success \
                 (sys.exit(1) after the message)"
            ),
        ));
    }
    Ok(())
}

/// The message with the host and the port taken out, so that only what the program says
/// about the error is compared.
fn normalise(out: &str, host: &str, port: u16) -> String {
    out.replace(host, "<host>")
        .replace(&port.to_string(), "<port>")
        .trim()
        .to_string()
}

/// Whether an unprivileged network namespace can be made here.
fn unshare_works() -> bool {
    std::process::Command::new("unshare")
        .args(["-rn", "true"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub const ECHO: &[Criterion] = &[
    c(
        "connects",
        "se connecte au serveur donné en paramètres (hôte et port)",
        "connects to the server given on the command line (host and port)",
    ),
    c(
        "sends_lines",
        "envoie chaque ligne saisie, dans l'ordre, à l'octet près",
        "sends each line typed, in order, byte for byte",
    ),
    c(
        "prints_echo",
        "affiche l'écho de chaque ligne, en entier même quand il arrive en plusieurs morceaux",
        "prints each line's echo, whole even when it arrives in several pieces",
    ),
    c(
        "empty_line_ends",
        "une ligne vide ferme la connexion et termine le programme (code 0)",
        "an empty line closes the connection and ends the program (status 0)",
    ),
];

/// Step 04: the grader is an echo server that sends each echo back in pieces.
pub fn echo(ctx: &Ctx, list: &mut Checklist) {
    let long: String = (0..3000).map(|i| (b'a' + (i % 26) as u8) as char).collect();
    let lines = format!("bonjour\nhého\n{long}\n");
    let input = format!("{lines}\naprès\n");
    let mut attempt = || -> Result<(), Reason> {
        let Some((conn, mut run)) = client_connects(ctx, list, input.as_bytes())? else {
            return Ok(());
        };
        let received = serve_echo_in_pieces(conn);
        let status = run.wait(IO_LIMIT);
        let (got, end) = received;
        let sent_all = got.starts_with(lines.as_bytes());
        if sent_all {
            list.pass("sends_lines");
        } else {
            list.fail(
                "sends_lines",
                Reason::new(
                    format!(
                        "reçu {} au lieu des lignes saisies {}",
                        net::show(&got),
                        net::show(lines.as_bytes())
                    ),
                    format!(
                        "received {} instead of the lines typed {}",
                        net::show(&got),
                        net::show(lines.as_bytes())
                    ),
                ),
            );
        }
        let out = run.stdout_text();
        let missing: Vec<&str> = ["bonjour", "hého", long.as_str()]
            .into_iter()
            .filter(|l| !out.contains(l))
            .collect();
        if missing.is_empty() {
            list.pass("prints_echo");
        } else if missing == [long.as_str()] {
            list.fail(
                "prints_echo",
                Reason::new(
                    "la ligne de 3 000 octets n'est pas affichée en entier : son écho arrive en \
                     plusieurs morceaux, il faut recevoir jusqu'à avoir reçu autant \
                     d'octets qu'on en a envoyé",
                    "the 3,000-byte line is not printed whole: its echo arrives in several \
                     pieces; receive until as many bytes as were sent came back",
                ),
            );
        } else {
            list.fail(
                "prints_echo",
                Reason::new(
                    format!(
                        "l'écho de « {} » n'est pas affiché",
                        shorten(missing[0], 20)
                    ),
                    format!("the echo of \"{}\" is not printed", shorten(missing[0], 20)),
                ),
            );
        }
        let after = find(&got, "après".as_bytes()).is_some();
        if after {
            list.fail(
                "empty_line_ends",
                Reason::new(
                    "la ligne tapée après la ligne vide a été envoyée : la ligne vide doit \
                     terminer le client",
                    "the line typed after the empty line was sent: the empty line must end the \
                     client",
                ),
            );
        } else if end == End::Reset {
            // What a client that stops receiving before the whole echo came back does at its
            // close: the rest of the echo is still unread in its receive buffer.
            let mut why = net::reset_unread(
                ("le programme", "the program"),
                (
                    "une partie de l'écho, encore dans son tampon de réception quand il a \
                     fermé sa socket ; recevoir tout l'écho d'une ligne avant de lire la \
                     suivante",
                    "part of the echo, still in its receive buffer when it closed its socket; \
                     receive a line's whole echo before reading the next line",
                ),
            );
            if let Err(also) = ended_ok(&mut run, status) {
                why = why.then(&also);
            }
            list.fail("empty_line_ends", why);
        } else if end != End::Closed {
            list.fail(
                "empty_line_ends",
                Reason::new(
                    "après la ligne vide, la connexion n'a pas été fermée (close)",
                    "after the empty line, the connection was not closed",
                ),
            );
        } else {
            list.record("empty_line_ends", ended_ok(&mut run, status));
        }
        Ok(())
    };
    if let Err(r) = attempt() {
        list.fail_rest(&r);
    }
}

/// Echoes what arrives, in pieces of 1,000 bytes a moment apart, until the client closes.
/// Returns everything received and how it ended: a client that closes before the whole echo
/// came back ends it too, closed (FIN, then a reset for the pieces sent after it: the send
/// fails with EPIPE) or reset (it closed with part of the echo unread: ECONNRESET).
fn serve_echo_in_pieces(mut conn: TcpStream) -> (Vec<u8>, End) {
    let mut got = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let _ = conn.set_read_timeout(Some(IO_LIMIT));
    loop {
        match conn.read(&mut buf) {
            Ok(0) => return (got, End::Closed),
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                for (i, piece) in buf[..n].chunks(1000).enumerate() {
                    if i > 0 {
                        std::thread::sleep(Duration::from_millis(40));
                    }
                    if let Err(e) = conn.write_all(piece) {
                        return (got, net::end_of(&e));
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return (got, net::end_of(&e)),
        }
    }
}

/// Ended by itself within the limit, with status 0.
pub(crate) fn ended_ok(
    run: &mut crate::grade::child::Running,
    status: Option<std::process::ExitStatus>,
) -> Result<(), Reason> {
    match status {
        Some(s) if s.success() => Ok(()),
        Some(_) => Err(run.ending()),
        None => Err(Reason::new(
            format!(
                "le programme ne s'est pas terminé en {} s",
                IO_LIMIT.as_secs()
            ),
            format!("the program did not end within {} s", IO_LIMIT.as_secs()),
        )),
    }
}

/// Output quoted for a reason, its last lines only.
pub(crate) fn quote(text: &str) -> String {
    format!("« {} »", crate::grade::child::last_lines(text, 3))
}
