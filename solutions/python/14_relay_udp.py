#!/usr/bin/env python3
# Étape 14 — le serveur relais en UDP (RES 302 TP2, exercice 2.2).
#
# Le relais de l'étape 08 sans connexion. Pas d'accept pour dire « un client est là » : le
# serveur apprend l'adresse de chaque client par son premier datagramme (recvfrom). La
# première adresse qui écrit est l'émetteur, la deuxième, une autre adresse, le récepteur.
# Rien ne dit non plus à un client UDP que le serveur l'a pris : le serveur répond à chacun
# son rôle, « 1 » ou « 2 », comme à l'étape 09. Ensuite chaque datagramme de l'émetteur part,
# en un datagramme, à l'adresse du récepteur ; « quit » de l'émetteur est transmis et termine
# la paire.
#
# Lancer : python3 solutions/python/14_relay_udp.py [PORT]  (1212 par défaut), puis
# `nc -u localhost 1212` dans deux terminaux : taper une ligne dans le premier (il reçoit 1),
# puis dans le second (il reçoit 2) ; ce qui est tapé dans le premier s'affiche dans le second.
# Vérifier : socklab check 14 --solution --python
import socket
import sys

PORT = 1212


def paire(s):
    """Les deux clients, dans l'ordre où ils ont écrit : le serveur ne connaît que leurs
    adresses."""
    _, emetteur = s.recvfrom(65535)
    # Son rôle, à l'adresse que recvfrom a donnée : le seul moyen de joindre un client sans
    # connexion, et pour lui le seul signe que le serveur l'a pris.
    s.sendto(b"1", emetteur)
    print(f"émetteur : {emetteur[0]} port {emetteur[1]}")
    recepteur = emetteur
    # L'émetteur qui écrit encore n'est pas un deuxième client. Ce qu'il envoie avant que le
    # récepteur soit là est perdu : personne à qui le transmettre.
    while recepteur == emetteur:
        _, recepteur = s.recvfrom(65535)
    s.sendto(b"2", recepteur)
    print(f"récepteur : {recepteur[0]} port {recepteur[1]}")
    return emetteur, recepteur


def relayer(s, emetteur, recepteur):
    """Transmet les datagrammes de l'émetteur au récepteur jusqu'à ce que l'émetteur dise quit."""
    while True:
        data, addr = s.recvfrom(65535)
        # N'importe qui peut écrire à un port UDP : seuls ceux de l'émetteur sont transmis.
        if addr != emetteur:
            continue
        # Un datagramme reçu, un datagramme envoyé : limites gardées, octets inchangés.
        try:
            s.sendto(data, recepteur)
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
    s.bind(("", port))
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
