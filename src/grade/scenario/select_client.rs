//! The client that waits on the keyboard and on its socket at once (step 15). The grader is
//! its server and its keyboard: the program's standard input stays open, and the grader types
//! on it when it chooses. That is what tells a client waiting on both (`poll`, `select`) from
//! one blocked in a read of its input while the server talks, or in a recv while lines are
//! typed.

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use super::clients::{ended_ok, quote};
use super::{Ctx, c, grader_listener};
use crate::grade::child::{HOST, Running, find};
use crate::grade::net::{self, End, IO_LIMIT};
use crate::grade::verdict::{Checklist, Criterion, Reason};

/// How long the client has to print a message or to send a line: a client that waits on
/// both does it at once, one blocked elsewhere never does.
const WAIT: Duration = Duration::from_secs(3);

pub const CLIENT: &[Criterion] = &[
    c(
        "connects",
        "se connecte au serveur donné en paramètres (hôte et port)",
        "connects to the server given on the command line (host and port)",
    ),
    c(
        "prints_unprompted",
        "affiche ce que le serveur envoie alors que rien n'est saisi",
        "prints what the server sends while nothing is typed",
    ),
    c(
        "sends_typed",
        "envoie chaque ligne saisie, même si le serveur n'a rien envoyé entre-temps",
        "sends each line typed, even when the server sent nothing in between",
    ),
    c(
        "prints_again",
        "affiche chaque message suivant du serveur dès qu'il arrive",
        "prints each next message of the server as soon as it arrives",
    ),
    c(
        "ends_on_close",
        "se termine (code 0) quand le serveur ferme la connexion, l'entrée restant ouverte",
        "ends (status 0) when the server closes the connection, the input still open",
    ),
    c(
        "ends_on_eof",
        "à la fin de l'entrée (Ctrl+D), ferme la connexion et se termine (code 0)",
        "at the end of input (Ctrl+D), closes the connection and ends (status 0)",
    ),
];

fn say(s: &mut TcpStream, message: &str) -> Result<(), Reason> {
    s.write_all(message.as_bytes())
        .map_err(|e| Reason::new(format!("envoi : {e}"), format!("send: {e}")))
}

/// `why`, and how the program ended if it did.
fn ended(why: Reason, run: &mut Running) -> Reason {
    if run.exited().is_some() {
        why.then(&Reason::new("—", "—")).then(&run.ending())
    } else {
        why
    }
}

/// `what` did not happen: a program that ended is told how it ended; one still running, where
/// it must be blocked (`blocked`), and what poll is for.
fn not_done(what: Reason, blocked: Reason, run: &mut Running) -> Reason {
    if run.exited().is_some() {
        return ended(what, run);
    }
    what.then(&blocked).then(&Reason::new(
        "attendre les deux à la fois avec poll (PollFd::stdin() et la socket), puis ne lire que \
         ce qui est prêt",
        "wait on both at once with poll (PollFd::stdin() and the socket), then read only what \
         is ready",
    ))
}

/// The hypothesis for a message that is not printed: the client is reading its input.
fn reading_stdin() -> Reason {
    Reason::new(
        "le client est-il bloqué dans la lecture de l'entrée standard ?",
        "is the client blocked reading its standard input?",
    )
}

/// The server speaks while nothing is typed.
fn prints_unprompted(s: &mut TcpStream, run: &mut Running) -> Result<(), Reason> {
    let welcome = "bienvenue, ici le serveur";
    say(s, &format!("{welcome}\n"))?;
    if run.wait_stdout(welcome.as_bytes(), WAIT) {
        return Ok(());
    }
    let what = Reason::new(
        format!(
            "« {welcome} », envoyé par le serveur alors que rien n'était saisi, n'est pas \
             affiché en {} s : {} ;",
            WAIT.as_secs(),
            quote(&run.stdout_text())
        ),
        format!(
            "\"{welcome}\", sent by the server while nothing was typed, is not printed within \
             {} s: {};",
            WAIT.as_secs(),
            quote(&run.stdout_text())
        ),
    );
    Err(not_done(what, reading_stdin(), run))
}

/// Two lines typed one after the other, the server silent: both must reach it.
fn sends_typed(s: &mut TcpStream, run: &mut Running) -> Result<(), Reason> {
    let lines = ["première ligne", "deuxième ligne"];
    for (i, line) in lines.into_iter().enumerate() {
        run.type_text(format!("{line}\n").as_bytes())
            .map_err(|r| ended(r, run))?;
        let mut got = Vec::new();
        net::read_until(s, &mut got, WAIT, |g| find(g, line.as_bytes()).is_some());
        if find(&got, line.as_bytes()).is_some() {
            continue;
        }
        if i == 0 {
            let what = Reason::new(
                format!(
                    "la ligne saisie « {line} » n'est pas arrivée au serveur en {} s (reçu : {})",
                    WAIT.as_secs(),
                    net::show(&got)
                ),
                format!(
                    "the line typed \"{line}\" did not reach the server within {} s (received: \
                     {})",
                    WAIT.as_secs(),
                    net::show(&got)
                ),
            );
            return Err(ended(what, run));
        }
        let what = Reason::new(
            format!(
                "« {} » est arrivée, mais pas « {line} », saisie juste après sans que le serveur \
                 ait rien envoyé :",
                lines[0]
            ),
            format!(
                "\"{}\" arrived, but not \"{line}\", typed right after it while the server sent \
                 nothing:",
                lines[0]
            ),
        );
        let blocked = Reason::new(
            "le client est-il bloqué dans recv, à attendre une réponse ?",
            "is the client blocked in recv, waiting for an answer?",
        );
        return Err(not_done(what, blocked, run));
    }
    Ok(())
}

/// Two more messages of the server, one after the other, nothing typed.
fn prints_again(s: &mut TcpStream, run: &mut Running) -> Result<(), Reason> {
    let messages = ["message 2 du serveur", "message 3 du serveur"];
    for (i, m) in messages.into_iter().enumerate() {
        say(s, &format!("{m}\n"))?;
        if run.wait_stdout(m.as_bytes(), WAIT) {
            continue;
        }
        let what = if i == 0 {
            Reason::new(
                format!(
                    "« {m} » n'est pas affiché en {} s : {} ;",
                    WAIT.as_secs(),
                    quote(&run.stdout_text())
                ),
                format!(
                    "\"{m}\" is not printed within {} s: {};",
                    WAIT.as_secs(),
                    quote(&run.stdout_text())
                ),
            )
        } else {
            Reason::new(
                format!(
                    "« {} » est affiché, mais pas « {m} », envoyé juste après sans que rien soit \
                     saisi :",
                    messages[0]
                ),
                format!(
                    "\"{}\" is printed, but not \"{m}\", sent right after it while nothing was \
                     typed:",
                    messages[0]
                ),
            )
        };
        return Err(not_done(what, reading_stdin(), run));
    }
    Ok(())
}

/// The server closes, the input stays open: the client must see the end on its socket.
fn ends_on_close(s: TcpStream, run: &mut Running) -> Result<(), Reason> {
    drop(s);
    match run.wait(IO_LIMIT) {
        None => Err(Reason::new(
            format!(
                "le client tourne encore {} s après la fermeture de la connexion par le serveur, \
                 l'entrée restant ouverte : recv renvoie alors 0, et le client doit se terminer ; \
                 bloqué dans la lecture de l'entrée standard, il ne le voit pas",
                IO_LIMIT.as_secs()
            ),
            format!(
                "the client still runs {} s after the server closed the connection, the input \
                 still open: recv then returns 0, and the client must end; blocked reading its \
                 standard input, it does not see it",
                IO_LIMIT.as_secs()
            ),
        )),
        status => ended_ok(run, status),
    }
}

/// A second run: the input ends (Ctrl+D) with nothing typed, the server silent.
fn ends_on_eof(ctx: &Ctx) -> Result<(), Reason> {
    let listener = grader_listener(ctx)?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let mut run = ctx.program.start_typing(HOST, port)?;
    let mut s = net::accept(&listener, &mut run)?;
    run.end_input();
    let (_, end) = net::read_to_close(&mut s, IO_LIMIT);
    match end {
        End::Closed => {
            let status = run.wait(IO_LIMIT);
            ended_ok(&mut run, status)
        }
        End::Reset => Err(Reason::new(
            "le programme a réinitialisé la connexion (RST) au lieu de la fermer (FIN), sans \
             avoir rien reçu à lire (SO_LINGER à 0 ?)",
            "the program reset the connection (RST) instead of closing it (FIN), with nothing \
             received to read (SO_LINGER at 0?)",
        )),
        _ => Err(ended(
            Reason::new(
                format!(
                    "l'entrée a pris fin (Ctrl+D), mais la connexion est restée ouverte {} s : \
                     poll dit alors l'entrée standard prête, et read y renvoie 0 octet",
                    IO_LIMIT.as_secs()
                ),
                format!(
                    "the input ended (Ctrl+D), but the connection stayed open for {} s: poll \
                     then says standard input is ready, and read there returns 0 bytes",
                    IO_LIMIT.as_secs()
                ),
            ),
            &mut run,
        )),
    }
}

/// Step 15: the grader is the server, and types on the client's keyboard.
pub fn client(ctx: &Ctx, list: &mut Checklist) {
    let mut attempt = || -> Result<(), Reason> {
        let listener = grader_listener(ctx)?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let mut run = ctx.program.start_typing(HOST, port)?;
        let mut s = match net::accept(&listener, &mut run) {
            Ok(s) => s,
            Err(r) => {
                list.fail("connects", r);
                return Ok(());
            }
        };
        list.pass("connects");
        type Step = fn(&mut TcpStream, &mut Running) -> Result<(), Reason>;
        let steps: [(&str, Step); 3] = [
            ("prints_unprompted", prints_unprompted),
            ("sends_typed", sends_typed),
            ("prints_again", prints_again),
        ];
        let mut alive = true;
        for (id, step) in steps {
            // A program that ended leaves the rest of this run unchecked (the checklist says
            // so); the second run still judges the end of input.
            if !list.record(id, step(&mut s, &mut run)) && run.exited().is_some() {
                alive = false;
                break;
            }
        }
        if alive {
            list.record("ends_on_close", ends_on_close(s, &mut run));
        }
        // The first run is over: its listener goes too, so that an imposed port is free again.
        drop(run);
        drop(listener);
        list.record("ends_on_eof", ends_on_eof(ctx));
        Ok(())
    };
    if let Err(r) = attempt() {
        list.fail_rest(&r);
    }
}
