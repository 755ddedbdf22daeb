#!/usr/bin/env python3
# Exercice 14 — Serveur relais en UDP
# Exercise 14 — Relay server over UDP
#
# D'après / from: RES 302 TP2, exercice 2.2 « Socket UDP » (le serveur multi-client de l'exercice 2.1 en UDP)
#
# Le relais de l'étape 08 en UDP, avec les rôles de l'étape 09. Sans connexion, le serveur (port
# 1212 par défaut) apprend l'adresse de chaque client par son premier datagramme : le premier
# qui écrit est l'émetteur, le serveur lui répond « 1 » ; le deuxième, d'une autre adresse, est
# le récepteur, il reçoit « 2 ». Ensuite chaque datagramme de l'émetteur est transmis tel quel,
# en un datagramme, au récepteur ; ceux des autres adresses ne sont pas transmis. « quit » de
# l'émetteur est transmis puis termine la paire : les deux clients suivants forment la
# suivante.
#
# Step 08's relay over UDP, with step 09's roles. Without connections, the server (port 1212 by
# default) learns each client's address from its first datagram: the first to write is the
# emitter, and the server answers it "1"; the second, from another address, is the receiver,
# and gets "2". Then each datagram of the emitter is passed on as it is, as one datagram, to the
# receiver; those from other addresses are not. "quit" from the emitter is passed on, then ends
# the pair: the next two clients make the next one.
#
# Remplacer chaque `raise NotImplementedError(…)` marqué `# TODO:` par la ligne qu'il
# cite, puis `socklab check 14 --python` (indice : `socklab hint 14 --python`).
# Replace each `raise NotImplementedError(…)` marked `# TODO:` with the line it quotes,
# then `socklab check 14 --python` (hint: `socklab hint 14 --python`).
import socket
import sys

PORT = 1212


def paire(s):
    """Les deux clients, dans l'ordre où ils ont écrit : le serveur ne connaît que leurs
    adresses."""
    # TODO: le premier datagramme : son expéditeur est l'émetteur
    #       the first datagram: its sender is the emitter
    raise NotImplementedError("_, emetteur = s.recvfrom(65535)")
    # Son rôle, à l'adresse que recvfrom a donnée : le seul moyen de joindre un client sans
    # connexion, et pour lui le seul signe que le serveur l'a pris.
    # TODO: lui répondre son rôle / answer it its role
    raise NotImplementedError('s.sendto(b"1", emetteur)')
    print(f"émetteur : {emetteur[0]} port {emetteur[1]}")
    recepteur = emetteur
    # L'émetteur qui écrit encore n'est pas un deuxième client. Ce qu'il envoie avant que le
    # récepteur soit là est perdu : personne à qui le transmettre.
    while recepteur == emetteur:
        _, recepteur = s.recvfrom(65535)
    # TODO: répondre au récepteur son rôle / answer the receiver its role
    raise NotImplementedError('s.sendto(b"2", recepteur)')
    print(f"récepteur : {recepteur[0]} port {recepteur[1]}")
    return emetteur, recepteur


def relayer(s, emetteur, recepteur):
    """Transmet les datagrammes de l'émetteur au récepteur jusqu'à ce que l'émetteur dise quit."""
    while True:
        # TODO: un datagramme, et qui l'a envoyé / one datagram, and who sent it
        raise NotImplementedError("data, addr = s.recvfrom(65535)")
        # N'importe qui peut écrire à un port UDP : seuls ceux de l'émetteur sont transmis.
        if addr != emetteur:
            continue
        # Un datagramme reçu, un datagramme envoyé : limites gardées, octets inchangés.
        try:
            # TODO: le transmettre tel quel au récepteur / pass it on as it is to the receiver
            raise NotImplementedError("s.sendto(data, recepteur)")
        except OSError as err:
            print(f"{err}", file=sys.stderr)
        # Sans connexion, pas de close pour dire « l'émetteur a fini » : quit le dit, et le
        # récepteur le reçoit aussi.
        if data.strip() == b"quit":
            return


port = int(sys.argv[1]) if len(sys.argv) > 1 else PORT
try:
    # Comme à l'étape 05 : une socket de datagrammes pour tous les clients.
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    # TODO: lier la socket au port / bind the socket to the port
    raise NotImplementedError('s.bind(("", port))')
    print(f"relais UDP en écoute sur le port {port}")
    while True:
        emetteur, recepteur = paire(s)
        relayer(s, emetteur, recepteur)
        print(f"fin de la paire {emetteur[0]} port {emetteur[1]} → "
              f"{recepteur[0]} port {recepteur[1]}")
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
except KeyboardInterrupt:
    print("Fin du relais")
