//! What socklab runs: the services a server offers, how a TCP server serves its clients, the
//! transport protocol, and the clients. The command line parses into these; the server, the
//! services and the clients read them.

use clap::ValueEnum;

/// The services a server can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Service {
    /// RFC 862: sends back exactly the bytes it receives.
    Echo,
    /// RFC 867: sends one line with the date and time, then closes (UDP: answers any datagram).
    Daytime,
    /// The TCP/UDP workshop's server: prints "Reçu : <message>" and answers
    /// "Bonjour client, j'ai bien reçu ton message : <message>"; "quit" ends the conversation.
    Message,
    /// RES 302 exercise 2: pairs two clients, sends "1" to the first (the emitter) and "2" to
    /// the second (the receiver), and forwards the emitter's messages to the receiver.
    Relay,
    /// Every message from one client goes to all the others, prefixed with its sender.
    Chat,
    /// TP3 §2: a static HTTP/1.1 web server, port 8080 by default (the labs' hosts use 80):
    /// GET and HEAD, one request per connection, then it closes; a built-in page longer than
    /// 1,024 bytes, or the files of --root DIR.
    Http,
}

impl Service {
    /// The labs' port for each service.
    pub fn default_port(self) -> u16 {
        match self {
            Service::Echo => 7777,
            Service::Daytime => 1313,
            Service::Message => 5000,
            Service::Relay => 1212,
            Service::Chat => 6000,
            // The labs' web servers are on port 80, which needs privileges.
            Service::Http => 8080,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Service::Echo => "echo",
            Service::Daytime => "daytime",
            Service::Message => "message",
            Service::Relay => "relay",
            Service::Chat => "chat",
            Service::Http => "http",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// A veilleur thread accepts; each connection gets its own exécutant thread.
    Threads,
    /// One client at a time: the next one waits in the backlog.
    Iterative,
    /// One thread serves every client, waiting on all sockets at once with poll (the labs'
    /// select.select).
    Select,
    /// A veilleur process accepts; each connection gets its own exécutant process (fork), as in
    /// the course's slides.
    Fork,
}

impl Mode {
    /// The mode in words, for what a person reads (`itératif` in French).
    pub fn label(self, lang: crate::lang::Lang) -> &'static str {
        match self {
            Mode::Iterative => lang.pick("itératif", "iterative"),
            other => other.name(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Mode::Threads => "threads",
            Mode::Iterative => "iterative",
            Mode::Select => "select",
            Mode::Fork => "fork",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Proto {
    Tcp,
    Udp,
}

/// The clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Client {
    /// RFC 867 (TP3 §1): connects, receives until the server closes, prints the date line.
    Daytime,
    /// TP3 §2: an HTTP/1.1 GET written by hand; prints the whole response.
    HttpGet,
    /// TP5b §1.3: sends each line typed on stdin and prints the echo; an empty line ends it.
    Echo,
    /// The TCP/UDP workshop's client: sends each line, prints `Serveur: <reply>`; quit ends it.
    Message,
    /// RES 302 exercise 2.3: the server gives the role; 1 sends what is typed, 2 prints.
    Relay,
}

impl Client {
    /// The labs' port for each client's server.
    pub fn default_port(self) -> u16 {
        match self {
            Client::Daytime => 1313,
            Client::HttpGet => 80,
            Client::Echo => 7777,
            Client::Message => 5000,
            Client::Relay => 1212,
        }
    }
}
