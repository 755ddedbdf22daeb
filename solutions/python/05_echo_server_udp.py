#!/usr/bin/env python3
# Étape 05 — serveur echo UDP (TP3 §3.3, TP5b §1.4).
#
# Reprend l'étape 03, sans connexion : ni listen ni accept. Chaque datagramme reçu est
# renvoyé à l'adresse d'où il vient, entier, en un seul datagramme.
#
# Lancer : python3 solutions/python/05_echo_server_udp.py [PORT]  (7777 par défaut),
# puis `nc -u localhost 7777` ; vérifier : socklab check 05 --solution --python
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
try:
    # SOCK_DGRAM : des datagrammes. Comme à l'étape 03, AF_INET6 sans IPV6_V6ONLY sert IPv4.
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("", port))
    print(f"serveur echo UDP sur le port {port}")
    while True:
        # recvfrom attend un datagramme et dit qui l'a envoyé : sans connexion, cette adresse
        # est le seul moyen de savoir où répondre. Avec un tampon plus petit que le
        # datagramme, la fin serait perdue (UDP garde les limites : pas de « recv suivant »).
        data, addr = s.recvfrom(65535)
        try:
            # Un datagramme en retour, à l'expéditeur ; sendto n'attend rien (pas d'accusé).
            s.sendto(data, addr)
        except OSError as err:
            # L'échec ne concerne que ce datagramme : le serveur continue.
            print(f"{addr[0]} : {err}", file=sys.stderr)
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
except KeyboardInterrupt:
    print("Fin du serveur")
