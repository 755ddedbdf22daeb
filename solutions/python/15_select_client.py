#!/usr/bin/env python3
# Étape 15 — un client qui attend à la fois le clavier et sa socket, avec select.select
# (l'exemple de select du cours « Communication par sockets »).
#
# Les clients d'avant faisaient une chose à la fois : l'étape 04 lisait une ligne, l'envoyait,
# attendait l'écho. Bloqué dans la lecture du clavier, un client ne voit pas ce que le serveur
# envoie entre-temps ; bloqué dans recv, il ne peut pas envoyer ce qui est tapé. Ici un seul
# select.select attend les deux, l'entrée standard et la socket, et le client sert celui qui
# est prêt, dans un ordre comme dans l'autre. Il se termine à la fin de l'entrée (Ctrl+D) ou
# quand le serveur ferme.
#
# Lancer : `socklab serve chat` (port 6000) ou l'étape 12, puis
# python3 solutions/python/15_select_client.py [HÔTE] [PORT] dans deux terminaux.
# Vérifier : socklab check 15 --solution --python
import os
import select
import socket
import sys

# Le serveur de discussion de l'étape 12 écoute sur le port 6000.
PORT = 6000


def connecter(hote, port):
    """Comme à l'étape 01 : la première adresse de l'hôte qui accepte la connexion."""
    erreur = OSError(f"aucune adresse pour {hote}")
    for famille, _, _, _, adresse in socket.getaddrinfo(hote, port, type=socket.SOCK_STREAM):
        s = socket.socket(famille, socket.SOCK_STREAM)
        try:
            s.connect(adresse)
            return s
        except OSError as e:
            s.close()
            erreur = e
    raise erreur


hote = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else PORT
try:
    clisock = connecter(hote, port)
    # La liste_lectures du cours : la socket et l'entrée standard.
    liste_lectures = [clisock, sys.stdin]
    fini = False
    while not fini:
        # Bloque jusqu'à ce que l'une soit prête : une ligne tapée, des octets du serveur, ou
        # la fin de l'une ou de l'autre (qui rend aussi un descripteur « lisible »).
        readers, _, _ = select.select(liste_lectures, [], [])
        for entree in readers:
            if entree == clisock:
                # select l'a dite prête : ce recv ne bloque pas.
                msg = clisock.recv(1500)
                # b"" : le serveur a fermé. Plus rien ne viendra, et ce qui serait tapé
                # n'irait nulle part : le client se termine.
                if not msg:
                    print("le serveur a fermé la connexion", file=sys.stderr)
                    fini = True
                    break
                # Affiché tel quel et tout de suite : la sortie n'est pas toujours un
                # terminal, et un message doit s'afficher quand il arrive.
                sys.stdout.buffer.write(msg)
                sys.stdout.buffer.flush()
            if entree == sys.stdin:
                # Pas sys.stdin.readline() : il peut lire plusieurs lignes d'un coup dans le
                # tampon de Python, que select ne voit pas, et la deuxième y resterait cachée.
                # os.read sur le descripteur 0 prend ce qui est là, sans rien garder.
                msg = os.read(sys.stdin.fileno(), 16384)
                # b"" : la fin de l'entrée (Ctrl+D). Plus rien à envoyer.
                if not msg:
                    fini = True
                    break
                clisock.sendall(msg)
    # close : le noyau envoie FIN, et le recv du serveur renvoie b"".
    clisock.close()
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
except KeyboardInterrupt:
    pass
