#!/usr/bin/env python3
# Exercice 10 — Serveur echo multi-client avec poll (le select du TP)
# Exercise 10 — Multi-client echo server with poll (the lab's select)
#
# D'après / from: TP5b §2.1 « Version select » ; cours « La primitive select.select »
#
# Le serveur echo de l'étape 03, pour plusieurs clients à la fois, dans un seul thread : poll
# surveille la socket d'écoute et toutes les sockets clientes ; accept pour une nouvelle
# connexion, recv puis sendall pour un client prêt, et un client qui ferme est retiré de la
# liste. Port 7777 par défaut.
#
# Step 03's echo server, for several clients at once, in one thread: poll watches the listening
# socket and every client socket; accept for a new connection, recv then sendall for a ready
# client, and a client that closes is removed from the list. Port 7777 by default.
#
# En Python : select.select(l + [s], [], []) joue le rôle de poll.
# In Python: select.select(l + [s], [], []) plays the part of poll.
#
# Remplacer chaque `raise NotImplementedError(…)` marqué `# TODO:` par la ligne qu'il
# cite, puis `socklab check 10 --python` (indice : `socklab hint 10 --python`).
# Replace each `raise NotImplementedError(…)` marked `# TODO:` with the line it quotes,
# then `socklab check 10 --python` (hint: `socklab hint 10 --python`).
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
        # TODO: attendre que la socket d'écoute ou un client soit prêt en lecture
        #       wait until the listening socket or a client is ready to read
        raise NotImplementedError("readers, _, _ = select.select(l + [s], [], [])")
        for sock in readers:
            if sock == s:
                # Une connexion attend dans la file : cet accept revient aussitôt.
                try:
                    # TODO: accepter le client qui attend (ne bloque pas)
                    #       accept the waiting client (does not block)
                    raise NotImplementedError("sc, addr = s.accept()")
                except OSError as err:
                    # Plus de descripteurs (EMFILE), par exemple : les autres sont servis.
                    print(f"accept : {err}", file=sys.stderr)
                    continue
                print(f"client connecté : {addr[0]} port {addr[1]}")
                # TODO: l'ajouter aux sockets surveillées / add it to the sockets watched
                raise NotImplementedError("l.append(sc)")
            else:
                # select l'a dite prête : ce recv revient aussitôt.
                try:
                    # TODO: recevoir ce que ce client a envoyé (ne bloque pas)
                    #       receive what this client sent (does not block)
                    raise NotImplementedError("data = sock.recv(1500)")
                    if len(data) > 0:
                        # sendall peut encore bloquer si ce client ne lit pas son écho ; la
                        # version du TP a la même limite.
                        # TODO: le lui renvoyer / send it back to it
                        raise NotImplementedError("sock.sendall(data)")
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
