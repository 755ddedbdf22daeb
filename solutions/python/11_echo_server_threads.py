#!/usr/bin/env python3
# Étape 11 — serveur echo, un thread par connexion : le veilleur et ses exécutants (TP5b §2.2,
# et le « serveur concurrent » du cours).
#
# Reprend l'étape 03 : la boucle recv/send passe dans une fonction, handle, qui tourne dans un
# nouveau thread (un exécutant) pour chaque connexion ; le thread principal (le veilleur)
# retourne aussitôt à accept.
#
# Lancer : python3 solutions/python/11_echo_server_threads.py [PORT]  (7777 par défaut), puis
# plusieurs `nc localhost 7777` en même temps ; vérifier : socklab check 11 --solution --python
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
        t = threading.Thread(None, handle, f"exécutant-{nombre}", (sc, addr), daemon=True)
        t.start()
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
except KeyboardInterrupt:
    print("Fin du serveur")
