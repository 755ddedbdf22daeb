//! What each error a student meets means, and what to do about it.

use crate::lang::Lang;

/// The explanation of an errno (or of a resolver error, `EAI_*`), by its name.
pub fn errno_text(errno: &str, lang: Lang) -> Option<&'static str> {
    let (fr, en) = match errno {
        "EADDRINUSE" => (
            "EADDRINUSE : le port est déjà pris. Soit un autre programme écoute déjà dessus \
             (cherchez-le avec `ss -tlnp`), soit d'anciennes connexions de votre serveur sont \
             encore en TIME_WAIT : le noyau les garde quelques minutes. SO_REUSEADDR, posé avant \
             bind(), permet de relancer le serveur malgré elles ; sinon choisissez un autre port.",
            "EADDRINUSE: the port is taken. Either another program already listens on it (find \
             it with `ss -tlnp`), or old connections of your server are still in TIME_WAIT, \
             which the kernel keeps for a few minutes. SO_REUSEADDR, set before bind(), lets the \
             server start again despite them; otherwise pick another port.",
        ),
        "ECONNREFUSED" => (
            "ECONNREFUSED : la machine a répondu, mais personne n'écoute sur ce port (le noyau \
             a renvoyé un RST). Le serveur est-il lancé ? Sur le bon port, la bonne adresse ?",
            "ECONNREFUSED: the machine answered, but nobody listens on that port (the kernel \
             sent back a RST). Is the server running? On that port, that address?",
        ),
        "ECONNRESET" => (
            "ECONNRESET : le pair a coupé la connexion brutalement (RST) au lieu de la fermer \
             proprement ; les données encore en route sont perdues. Le programme d'en face s'est \
             peut-être arrêté, ou a refermé sans lire ce qu'on lui envoyait : regardez son côté, \
             puis réessayez.",
            "ECONNRESET: the peer cut the connection abruptly (RST) instead of closing it \
             cleanly; data still in flight is lost. The program on the other side may have \
             stopped, or closed without reading what it was sent: look at its side, then try \
             again.",
        ),
        "EPIPE" => (
            "EPIPE : on écrit sur une connexion que le pair a déjà fermée. Il faut arrêter \
             d'envoyer et fermer la socket.",
            "EPIPE: writing to a connection the peer has already closed. Stop sending and close \
             the socket.",
        ),
        "ETIMEDOUT" => (
            "ETIMEDOUT : pas de réponse dans le délai. La machine est peut-être éteinte, ou un \
             pare-feu jette les paquets sans répondre.",
            "ETIMEDOUT: no answer in time. The machine may be down, or a firewall drops the \
             packets without answering.",
        ),
        "EAGAIN" => (
            "EAGAIN : rien n'est arrivé avant la fin du délai (ou la socket est non bloquante et \
             l'appel aurait dû attendre).",
            "EAGAIN: nothing arrived before the timeout (or the socket is non-blocking and the \
             call would have had to wait).",
        ),
        "ENETUNREACH" => (
            "ENETUNREACH : aucune route vers ce réseau. La machine n'a pas d'accès à ce réseau \
             (câble, Wi-Fi, passerelle par défaut, ou adresse IPv6 sans IPv6 configuré).",
            "ENETUNREACH: no route to that network. This machine has no way to reach it (cable, \
             Wi-Fi, default gateway, or an IPv6 address without IPv6 configured).",
        ),
        "EHOSTUNREACH" => (
            "EHOSTUNREACH : la machine visée est injoignable sur son réseau.",
            "EHOSTUNREACH: the target machine cannot be reached on its network.",
        ),
        "EACCES" => (
            "EACCES : les ports inférieurs à 1024 sont réservés à root. Utilisez un port au-delà \
             de 1024 (7777 pour l'écho, comme dans le TP).",
            "EACCES: ports below 1024 are reserved for root. Use a port above 1024 (7777 for \
             echo, as in the lab).",
        ),
        "EADDRNOTAVAIL" => (
            "EADDRNOTAVAIL : cette adresse n'appartient à aucune interface de la machine ; on ne \
             peut s'attacher qu'à ses propres adresses (ou à :: / 0.0.0.0 pour toutes).",
            "EADDRNOTAVAIL: that address belongs to no interface of this machine; a socket can \
             only be bound to the machine's own addresses (or to :: / 0.0.0.0 for all).",
        ),
        "EINVAL" => (
            "EINVAL : l'appel n'a pas de sens dans l'état de la socket (par exemple accept() sur \
             une socket d'écoute qu'on vient d'arrêter avec shutdown()).",
            "EINVAL: the call makes no sense in the socket's state (for example accept() on a \
             listening socket that shutdown() just stopped).",
        ),
        "EMFILE" | "ENFILE" => (
            "EMFILE/ENFILE : plus de descripteur libre (limite `ulimit -n` du processus ou du \
             système). Le serveur attend qu'un client parte avant d'accepter à nouveau.",
            "EMFILE/ENFILE: no free descriptor left (the process's `ulimit -n` or the system's \
             limit). The server waits for a client to leave before accepting again.",
        ),
        "EINPROGRESS" => (
            "EINPROGRESS : la poignée de main n'est pas finie. Soit la socket est non bloquante \
             (poll() attend alors la fin), soit le délai SO_SNDTIMEO s'est écoulé pendant que \
             connect() attendait : pour un client, c'est un délai dépassé, le serveur n'a pas \
             répondu à temps.",
            "EINPROGRESS: the handshake has not finished. Either the socket is non-blocking \
             (poll() then waits for the end), or the SO_SNDTIMEO delay ran out while connect() \
             waited: for a client, a timeout, the server did not answer in time.",
        ),
        "EMSGSIZE" => (
            "EMSGSIZE : datagramme trop grand pour UDP (65 507 octets au plus en IPv4).",
            "EMSGSIZE: datagram too large for UDP (65,507 bytes at most over IPv4).",
        ),
        "EAI_NONAME" => (
            "Nom inconnu : ce nom de machine n'existe pas (ni dans /etc/hosts ni dans le DNS). \
             Vérifiez l'orthographe, ou donnez directement une adresse IP.",
            "Unknown host: that machine name does not exist (neither in /etc/hosts nor in DNS). \
             Check the spelling, or give an IP address directly.",
        ),
        "EAI_AGAIN" => (
            "Nom introuvable : ni /etc/hosts ni un serveur DNS n'ont donné d'adresse pour ce nom \
             (le DNS ne répond pas : pas de réseau ?). Vérifiez l'orthographe, réessayez plus \
             tard, ou donnez directement une adresse IP.",
            "Unknown host: neither /etc/hosts nor a DNS server gave an address for that name (the \
             DNS does not answer: no network?). Check the spelling, try again later, or give an \
             IP address directly.",
        ),
        _ => return None,
    };
    Some(lang.pick(fr, en))
}

/// What a failure that no errno names means, and what to try: a timeout, a UDP request with
/// no answer, an HTTP error status. Keyed as [`Trouble::advice`](crate::error::Trouble) asks.
pub fn failure_text(key: &str, lang: Lang) -> Option<&'static str> {
    let (fr, en) = match key {
        "timeout:connect" => (
            "Délai dépassé : la poignée de main TCP n'a pas abouti à temps. Rien n'a répondu : la \
             machine est peut-être éteinte, un pare-feu jette les paquets sans rien dire, ou la \
             file d'attente du serveur (le backlog de listen) est pleine. Vérifiez l'adresse et \
             le port, ou attendez plus longtemps avec --timeout SECONDES.",
            "Timeout: the TCP handshake did not complete in time. Nothing answered: the machine \
             may be down, a firewall may drop the packets silently, or the server's queue of \
             pending connections (listen's backlog) is full. Check the address and port, or wait \
             longer with --timeout SECS.",
        ),
        "timeout:recv" => (
            "Délai dépassé : la connexion est ouverte mais le serveur n'a rien envoyé à temps. \
             Est-ce bien le service attendu sur ce port ? Certains protocoles attendent que le \
             client parle le premier. Attendez plus longtemps avec --timeout SECONDES.",
            "Timeout: the connection is open but the server sent nothing in time. Is that the \
             service you expect on that port? Some protocols wait for the client to speak first. \
             Wait longer with --timeout SECS.",
        ),
        "timeout:send" => (
            "Délai dépassé : le serveur ne lit pas ce qu'on lui envoie ; son tampon de réception \
             et notre tampon d'émission sont pleins, send() ne peut plus rien y copier. Le \
             serveur est-il bloqué ? Attendez plus longtemps avec --timeout SECONDES.",
            "Timeout: the server does not read what it is sent; its receive buffer and our send \
             buffer are full, so send() can copy nothing more. Is the server stuck? Wait longer \
             with --timeout SECS.",
        ),
        "udp:no-answer" => (
            "Pas de réponse : le datagramme est parti, rien n'est revenu. UDP n'a pas de \
             connexion, donc personne ne dit si un serveur écoute : y en a-t-il un en UDP \
             (--proto udp) sur ce port ? Un datagramme peut aussi se perdre : réessayez.",
            "No answer: the datagram went out and nothing came back. UDP has no connection, so \
             nobody tells whether a server listens: is one running over UDP (--proto udp) on that \
             port? A datagram can also get lost: try again.",
        ),
        "http:4xx" => (
            "Le serveur n'a pas compris la requête ou n'a pas trouvé la page (4xx : la faute est \
             du côté de la requête). Vérifiez le chemin dans l'URL ; la page d'erreur renvoyée \
             par le serveur en dit plus.",
            "The server did not understand the request or did not find the page (4xx: the \
             request is at fault). Check the path in the URL; the error page the server sent \
             back says more.",
        ),
        "http:5xx" => (
            "Le serveur a compris la requête mais n'a pas su y répondre (5xx : la faute est de \
             son côté). Réessayez plus tard.",
            "The server understood the request but failed to answer it (5xx: the server is at \
             fault). Try again later.",
        ),
        _ => return None,
    };
    Some(lang.pick(fr, en))
}

/// The advice printed under a fatal error: the errno's explanation when there is one.
pub fn errno_advice(errno: Option<&str>, lang: Lang) -> Option<&'static str> {
    errno.and_then(|e| errno_text(e, lang))
}
