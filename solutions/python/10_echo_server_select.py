#!/usr/bin/env python3
# Étape 10 — serveur echo pour plusieurs clients à la fois, avec select (TP5b §2.1).
#
# Reprend l'étape 03 : même socket d'écoute, même écho. Mais l'étape 03 restait bloquée dans
# recv sur un client pendant que les autres attendaient. Ici un seul thread attend toutes
# les sockets à la fois avec select.select, et n'appelle accept ou recv que sur une socket
# que select a dite prête : aucun appel ne bloque.
#
# Lancer : python3 solutions/python/10_echo_server_select.py [PORT]  (7777 par défaut), puis
# plusieurs `nc localhost 7777` en même temps ; vérifier : socklab check 10 --solution --python
import select
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
try:
    # Comme à l'étape 03, avec une file plus longue : plusieurs clients peuvent arriver ensemble.
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("", port))
    s.listen(5)
    print(f"serveur echo (select) en écoute sur le port {port}")
    # La liste l du TP : les sockets des clients connectés.
    l = []
    while True:
        # Surveiller la socket d'écoute et chaque client ; bloque jusqu'à ce qu'au moins une
        # soit prête : un client à accepter, des octets à lire (ou la fin d'une connexion, qui
        # rend aussi une socket « lisible »).
        readers, _, _ = select.select(l + [s], [], [])
        for sock in readers:
            if sock == s:
                # Une connexion attend dans la file : cet accept revient aussitôt.
                try:
                    sc, addr = s.accept()
                except OSError as err:
                    # Plus de descripteurs (EMFILE), par exemple : les autres sont servis.
                    print(f"accept : {err}", file=sys.stderr)
                    continue
                print(f"client connecté : {addr[0]} port {addr[1]}")
                l.append(sc)
            else:
                # select l'a dite prête : ce recv revient aussitôt.
                try:
                    data = sock.recv(1500)
                    if len(data) > 0:
                        # sendall peut encore bloquer si ce client ne lit pas son écho ; la
                        # version du TP a la même limite.
                        sock.sendall(data)
                except OSError as err:
                    print(f"{err}", file=sys.stderr)
                    data = b""
                if len(data) == 0:
                    # b"" : le client a fermé. On ferme la nôtre et on l'oublie.
                    sock.close()
                    l.remove(sock)
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
except KeyboardInterrupt:
    print("Fin du serveur")
