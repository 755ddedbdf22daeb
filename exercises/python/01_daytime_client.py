#!/usr/bin/env python3
# Exercice 01 — Client daytime
# Exercise 01 — Daytime client
#
# D'après / from: TP3 §1.2 « Programmation d'un client Daytime avec les Socket » (daytime.py)
#
# Se connecter à un serveur daytime (RFC 867), recevoir la date qu'il envoie et l'afficher.
# L'hôte et le port sont les paramètres du programme (par défaut localhost 1313).
#
# Connect to a daytime server (RFC 867), receive the date it sends and print it.
# The host and the port are the program's arguments (default: localhost 1313).
#
# Remplacer chaque `raise NotImplementedError(…)` marqué `# TODO:` par la ligne qu'il
# cite, puis `socklab check 01 --python` (indice : `socklab hint 01 --python`).
# Replace each `raise NotImplementedError(…)` marked `# TODO:` with the line it quotes,
# then `socklab check 01 --python` (hint: `socklab hint 01 --python`).
import socket
import sys


def connecter(hote, port):
    """Une socket TCP connectée à la première adresse de l'hôte qui accepte.

    getaddrinfo donne les adresses d'un nom (« localhost » : ::1 puis 127.0.0.1), chacune
    avec sa famille (AF_INET6 ou AF_INET) : on les essaie dans l'ordre, comme
    socket.create_connection.
    """
    erreur = OSError(f"aucune adresse pour {hote}")
    for famille, _, _, _, adresse in socket.getaddrinfo(hote, port, type=socket.SOCK_STREAM):
        # TODO: une socket TCP de la famille de l'adresse (AF_INET ou AF_INET6)
        #       a TCP socket of the address's family (AF_INET or AF_INET6)
        raise NotImplementedError("s = socket.socket(famille, socket.SOCK_STREAM)")
        try:
            # TODO: se connecter à adresse / connect to adresse
            raise NotImplementedError("s.connect(adresse)")
            return s
        except OSError as e:
            # Refusée : on ferme cette socket et on essaie l'adresse suivante.
            s.close()
            erreur = e
    raise erreur


hote = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 1313
try:
    s = connecter(hote, port)
    # Un seul recv suffit ici : une réponse daytime est une ligne courte, bien moins de 1024
    # octets (l'étape 02 montre pourquoi une réponse plus longue demande une boucle).
    # TODO: recevoir ce que le serveur a envoyé (1024 octets au plus)
    #       receive what the server sent (1024 bytes at most)
    raise NotImplementedError("data = s.recv(1024)")
    # La ligne de la date se termine déjà par un retour à la ligne.
    print(data.decode("utf-8"), end="")
    # close : le noyau envoie FIN ; le serveur a en général déjà fermé de son côté.
    s.close()
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
