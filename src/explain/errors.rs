//! What each error a student meets means, and what to do about it.

use super::Lang;

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
             proprement ; les données encore en route sont perdues.",
            "ECONNRESET: the peer cut the connection abruptly (RST) instead of closing it \
             cleanly; data still in flight is lost.",
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
            "EINPROGRESS : socket non bloquante, la poignée de main a commencé ; on attend sa fin \
             avec poll().",
            "EINPROGRESS: non-blocking socket, the handshake has started; poll() waits for it to \
             finish.",
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
            "Résolution impossible pour l'instant : le serveur DNS ne répond pas (pas de réseau ?). \
             Réessayez, ou donnez directement une adresse IP.",
            "Name resolution failed for now: the DNS server does not answer (no network?). Try \
             again, or give an IP address directly.",
        ),
        _ => return None,
    };
    Some(lang.pick(fr, en))
}

/// The advice printed under a fatal error: the errno's explanation when there is one.
pub fn errno_advice(errno: Option<&str>, lang: Lang) -> Option<&'static str> {
    errno.and_then(|e| errno_text(e, lang))
}
