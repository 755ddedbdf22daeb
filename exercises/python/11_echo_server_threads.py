#!/usr/bin/env python3
# Exercice 11 — Serveur echo, un thread par connexion : veilleur et exécutants
# Exercise 11 — Echo server, one thread per connection: veilleur and exécutants
#
# D'après / from: TP5b §2.2 « Version thread » ; cours « Client-serveur en mode concurrent »
#
# Le serveur echo de l'étape 03 en mode concurrent : le thread principal (le veilleur) ne fait
# qu'accepter ; chaque connexion est confiée à un nouveau thread (un exécutant) qui fait la
# boucle recv/sendall puis ferme sa socket. Port 7777 par défaut.
#
# Step 03's echo server in concurrent mode: the main thread (the veilleur) only accepts; each
# connection is handed to a new thread (an exécutant) that runs the recv/sendall loop and then
# closes its socket. Port 7777 by default.
#
# Remplacer chaque `raise NotImplementedError(…)` marqué `# TODO:` par la ligne qu'il
# cite, puis `socklab check 11 --python` (indice : `socklab hint 11 --python`).
# Replace each `raise NotImplementedError(…)` marked `# TODO:` with the line it quotes,
# then `socklab check 11 --python` (hint: `socklab hint 11 --python`).
import socket
import sys
import threading


def handle(sc, addr):
    """L'exécutant : la boucle d'écho de l'étape 03, puis la fermeture de sa socket."""
    try:
        while True:
            data = sc.recv(1500)
            if len(data) == 0:
                break
            sc.sendall(data)
    except OSError as err:
        print(f"{addr[0]} : {err}", file=sys.stderr)
    sc.close()


port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
try:
    # Comme à l'étape 03, avec une file plus longue : plusieurs clients peuvent arriver ensemble.
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("", port))
    s.listen(5)
    print(f"serveur echo (threads) en écoute sur le port {port}")
    nombre = 0
    while True:
        # Le veilleur garde la socket d'écoute et ne fait qu'accepter.
        sc, addr = s.accept()
        nombre += 1
        # La socket connectée est confiée au thread : c'est l'exécutant qui s'en sert et la
        # ferme ; le veilleur ne garde rien de cette connexion. Attention à la virgule de
        # (sc, addr) : c'est le tuple des arguments de handle. daemon : Ctrl+C arrête le
        # serveur sans attendre les clients encore connectés.
        # TODO: un thread (un exécutant) qui appellera handle(sc, addr)
        #       a thread (an exécutant) that will call handle(sc, addr)
        raise NotImplementedError('t = threading.Thread(None, handle, f"exécutant-{nombre}", (sc, addr), daemon=True)')
        # TODO: le démarrer / start it
        raise NotImplementedError("t.start()")
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
except KeyboardInterrupt:
    print("Fin du serveur")
