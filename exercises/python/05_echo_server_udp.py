#!/usr/bin/env python3
# Exercice 05 — Serveur echo UDP
# Exercise 05 — UDP echo server
#
# D'après / from: TP3 §3.3 et TP5b §1.4 « Version UDP »
#
# La version UDP du serveur echo : une socket AF_INET6 de type SOCK_DGRAM liée au port (7777 par
# défaut), puis en boucle recvfrom et sendto du même datagramme à l'adresse de l'expéditeur.
# Chaque datagramme revient en un seul datagramme, entier.
#
# The UDP echo server: an AF_INET6 socket of type SOCK_DGRAM bound to the port (7777 by default),
# then in a loop recvfrom and sendto of the same datagram to the sender's address. Each datagram
# comes back as one datagram, whole.
#
# Remplacer chaque `raise NotImplementedError(…)` marqué `# TODO:` par la ligne qu'il
# cite, puis `socklab check 05 --python` (indice : `socklab hint 05 --python`).
# Replace each `raise NotImplementedError(…)` marked `# TODO:` with the line it quotes,
# then `socklab check 05 --python` (hint: `socklab hint 05 --python`).
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
try:
    # SOCK_DGRAM : des datagrammes. Comme à l'étape 03, AF_INET6 sans IPV6_V6ONLY sert IPv4.
    # TODO: une socket AF_INET6 de datagrammes / an AF_INET6 datagram socket
    raise NotImplementedError("s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)")
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    # TODO: la lier au port / bind it to the port
    raise NotImplementedError('s.bind(("", port))')
    print(f"serveur echo UDP sur le port {port}")
    while True:
        # recvfrom attend un datagramme et dit qui l'a envoyé : sans connexion, cette adresse
        # est le seul moyen de savoir où répondre. Avec un tampon plus petit que le
        # datagramme, la fin serait perdue (UDP garde les limites : pas de « recv suivant »).
        # TODO: un datagramme, et qui l'a envoyé / one datagram, and who sent it
        raise NotImplementedError("data, addr = s.recvfrom(65535)")
        try:
            # Un datagramme en retour, à l'expéditeur ; sendto n'attend rien (pas d'accusé).
            # TODO: le même datagramme, renvoyé à son expéditeur
            #       the same datagram, back to its sender
            raise NotImplementedError("s.sendto(data, addr)")
        except OSError as err:
            # L'échec ne concerne que ce datagramme : le serveur continue.
            print(f"{addr[0]} : {err}", file=sys.stderr)
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
except KeyboardInterrupt:
    print("Fin du serveur")
