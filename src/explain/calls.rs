//! One explanation per traced call, in the words of the labs.

use crate::lang::Lang;

#[cfg(test)]
/// Every call name the traced API can emit, so the tests can check none is left unexplained.
pub const ALL_CALLS: &[&str] = &[
    "socket",
    "setsockopt",
    "bind",
    "listen",
    "accept4",
    "connect",
    "recvfrom",
    "sendto",
    "shutdown",
    "close",
    "getsockname",
    "getpeername",
    "poll",
    "getaddrinfo",
    "fcntl",
    "getsockopt",
];

pub fn call_text(call: &str, lang: Lang) -> Option<&'static str> {
    let (fr, en) = match call {
        "socket" => (
            "socket() demande au noyau un nouveau point de communication et rend un descripteur \
             (un petit entier, comme pour un fichier). Rien n'est encore envoyé sur le réseau.",
            "socket() asks the kernel for a new communication endpoint and returns a descriptor \
             (a small integer, as for a file). Nothing is sent on the network yet.",
        ),
        "setsockopt" => (
            "setsockopt() règle une option de la socket dans le noyau.",
            "setsockopt() sets an option of the socket in the kernel.",
        ),
        "bind" => (
            "bind() attache la socket à une adresse et un port locaux : c'est l'adresse que les \
             clients utiliseront. Le port 0 laisse le noyau en choisir un libre.",
            "bind() attaches the socket to a local address and port: the address clients will \
             use. Port 0 lets the kernel pick a free one.",
        ),
        "listen" => (
            "listen() fait de la socket une socket d'écoute : le noyau accepte désormais les \
             connexions tout seul (poignée de main TCP) et les range dans une file d'attente \
             (le backlog) jusqu'à ce que le programme appelle accept().",
            "listen() turns the socket into a listening socket: from now on the kernel completes \
             TCP handshakes on its own and queues the connections (the backlog) until the \
             program calls accept().",
        ),
        "accept4" => (
            "accept() prend la prochaine connexion de la file d'attente ; s'il n'y en a pas, il \
             bloque. Il rend une NOUVELLE socket, dédiée à ce client ; la socket d'écoute reste \
             libre pour les suivants.",
            "accept() takes the next connection from the queue, and blocks if there is none. It \
             returns a NEW socket, dedicated to this client; the listening socket stays free for \
             the next ones.",
        ),
        "connect" => (
            "connect() lance la poignée de main TCP (SYN, SYN-ACK, ACK) vers le serveur et bloque \
             jusqu'à ce qu'elle aboutisse ou échoue. Le noyau choisit le port local du client.",
            "connect() starts the TCP handshake (SYN, SYN-ACK, ACK) with the server and blocks \
             until it succeeds or fails. The kernel picks the client's local port.",
        ),
        "recvfrom" => (
            "recv() copie dans le programme les octets arrivés dans le tampon de réception du \
             noyau ; s'il est vide, il bloque. Il peut rendre moins d'octets que demandé : TCP \
             est un flot, pas une suite de messages.",
            "recv() copies into the program the bytes waiting in the kernel's receive buffer, \
             and blocks while it is empty. It may return fewer bytes than asked for: TCP is a \
             stream, not a sequence of messages.",
        ),
        "sendto" => (
            "send() copie les octets dans le tampon d'émission du noyau, qui les enverra quand il \
             pourra. Il peut en accepter moins que donné : sendall() reboucle jusqu'au dernier.",
            "send() copies the bytes into the kernel's send buffer, which will transmit them when \
             it can. It may take fewer than given: sendall() loops until the last one is taken.",
        ),
        "shutdown" => (
            "shutdown() ferme un sens de la connexion (SHUT_WR : « je n'enverrai plus », le pair \
             lira 0) ou les deux (SHUT_RDWR), sans libérer le descripteur. Un accept() ou un \
             recv() bloqué sur cette socket se réveille.",
            "shutdown() closes one direction of the connection (SHUT_WR: \"I will send no more\", \
             the peer reads 0) or both (SHUT_RDWR), without freeing the descriptor. An accept() \
             or recv() blocked on this socket wakes up.",
        ),
        "close" => (
            "close() libère le descripteur ; pour une connexion TCP, le noyau envoie FIN au pair \
             (qui lira 0 octet) et garde la connexion un moment en TIME_WAIT.",
            "close() frees the descriptor; for a TCP connection the kernel sends FIN to the peer \
             (which will read 0 bytes) and keeps the connection in TIME_WAIT for a while.",
        ),
        "getsockname" => (
            "getsockname() demande au noyau l'adresse locale de la socket : c'est ainsi qu'on \
             apprend le port choisi quand on a demandé le port 0.",
            "getsockname() asks the kernel for the socket's local address: this is how a program \
             learns the port it got when it asked for port 0.",
        ),
        "getpeername" => (
            "getpeername() demande au noyau l'adresse du pair connecté.",
            "getpeername() asks the kernel for the connected peer's address.",
        ),
        "poll" => (
            "poll() (le select.select des TP) attend qu'au moins une des sockets surveillées soit \
             prête : une connexion à accepter, des octets à lire, ou la fin du flot. Un seul \
             thread peut ainsi servir plusieurs clients.",
            "poll() (the labs' select.select) waits until at least one of the watched sockets is \
             ready: a connection to accept, bytes to read, or the end of the stream. One thread \
             can serve several clients this way.",
        ),
        "getaddrinfo" => (
            "getaddrinfo() n'est pas un appel système : c'est la bibliothèque C qui traduit un nom \
             en adresses IP (/etc/hosts, puis DNS). strace montre ses propres appels internes.",
            "getaddrinfo() is not a system call: the C library translates a name into IP \
             addresses (/etc/hosts, then DNS). strace shows the calls it makes inside.",
        ),
        "fcntl" => (
            "fcntl() change un drapeau du descripteur, ici O_NONBLOCK : un appel qui devrait \
             attendre rend aussitôt EAGAIN ou EINPROGRESS.",
            "fcntl() changes a flag of the descriptor, here O_NONBLOCK: a call that would wait \
             returns EAGAIN or EINPROGRESS at once instead.",
        ),
        "getsockopt" => (
            "getsockopt() lit une option de la socket ; SO_ERROR rend le résultat d'un connect() \
             non bloquant.",
            "getsockopt() reads an option of the socket; SO_ERROR gives the outcome of a \
             non-blocking connect().",
        ),
        _ => return None,
    };
    Some(lang.pick(fr, en))
}

/// One explanation per socket option, keyed by the option's name as strace prints it.
pub fn option_text(args: &str, lang: Lang) -> Option<(&'static str, &'static str)> {
    let (key, fr, en) = if args.contains("SO_REUSEADDR") {
        (
            "SO_REUSEADDR",
            "setsockopt(SO_REUSEADDR) : le serveur pourra être relancé sur le même port sans \
             attendre la fin des anciennes connexions, que le noyau garde en TIME_WAIT.",
            "setsockopt(SO_REUSEADDR): the server can start again on the same port without \
             waiting for its old connections, which the kernel keeps in TIME_WAIT, to end.",
        )
    } else if args.contains("IPV6_V6ONLY") {
        (
            "IPV6_V6ONLY",
            "setsockopt(IPV6_V6ONLY, 0) : cette socket IPv6 acceptera aussi les clients IPv4 \
             (vus comme ::ffff:a.b.c.d).",
            "setsockopt(IPV6_V6ONLY, 0): this IPv6 socket will accept IPv4 clients too (seen \
             as ::ffff:a.b.c.d).",
        )
    } else if args.contains("SO_RCVTIMEO") {
        (
            "SO_RCVTIMEO",
            "setsockopt(SO_RCVTIMEO) : un recv() bloqué abandonnera au bout de ce délai, avec \
             EAGAIN, au lieu d'attendre sans fin.",
            "setsockopt(SO_RCVTIMEO): a blocked recv() gives up after this long, with EAGAIN, \
             instead of waiting forever.",
        )
    } else if args.contains("SO_SNDTIMEO") {
        (
            "SO_SNDTIMEO",
            "setsockopt(SO_SNDTIMEO) : un connect() ou un send() bloqué abandonnera au bout de \
             ce délai (connect rend alors EINPROGRESS).",
            "setsockopt(SO_SNDTIMEO): a blocked connect() or send() gives up after this long \
             (connect then returns EINPROGRESS).",
        )
    } else if args.contains("SO_LINGER") {
        (
            "SO_LINGER",
            "setsockopt(SO_LINGER, 0) : le prochain close() coupera la connexion par un RST au \
             lieu de la fermer proprement par un FIN ; le pair verra ECONNRESET.",
            "setsockopt(SO_LINGER, 0): the next close() cuts the connection with a RST instead \
             of closing it cleanly with a FIN; the peer will see ECONNRESET.",
        )
    } else {
        return None;
    };
    Some((key, lang.pick(fr, en)))
}

pub fn end_of_stream(lang: Lang) -> &'static str {
    lang.pick(
        "recv() a rendu 0 octet : le pair a fermé la connexion (fin du flot). On sort de la \
         boucle et on ferme à notre tour.",
        "recv() returned 0 bytes: the peer closed the connection (end of stream). Leave the \
         loop and close our side too.",
    )
}

pub fn waiting_text(call: &str, lang: Lang) -> &'static str {
    match call {
        "accept4" => lang.pick("attend un client…", "waiting for a client…"),
        "recvfrom" => lang.pick("attend des données…", "waiting for data…"),
        "connect" => lang.pick("poignée de main en cours…", "handshake in progress…"),
        "poll" => lang.pick(
            "attend qu'une socket soit prête…",
            "waiting for a socket to be ready…",
        ),
        "sendto" => lang.pick("envoi…", "sending…"),
        "close" => lang.pick("fermeture…", "closing…"),
        "shutdown" => lang.pick("arrêt…", "shutting down…"),
        _ => lang.pick("bloqué…", "blocked…"),
    }
}
