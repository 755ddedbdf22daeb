#!/usr/bin/env python3
# Exercice 15 — Client select : le clavier et la socket à la fois, avec poll
# Exercise 15 — Select client: the keyboard and the socket at once, with poll
#
# D'après / from: Cours « Communication par sockets », « La primitive select.select » et son exemple (clisock et sys.stdin)
#
# Un client (`[HÔTE] [PORT]`, localhost 6000 par défaut, le serveur de discussion de l'étape
# 12) qui attend à la fois son entrée standard et sa socket, avec poll : ce qui est saisi part au
# serveur, ce qui arrive du serveur est affiché aussitôt, dans un ordre comme dans l'autre, même
# si rien n'est saisi. Il se termine à la fin de l'entrée (Ctrl+D), en fermant la connexion, ou
# quand le serveur ferme la connexion.
#
# A client (`[HOST] [PORT]`, localhost 6000 by default, step 12's chat server) that waits on its
# standard input and on its socket at once, with poll: what is typed goes to the server, what
# arrives from the server is printed at once, in either order, even when nothing is typed. It
# ends at the end of input (Ctrl+D), closing the connection, or when the server closes the
# connection.
#
# En Python : select.select([clisock, sys.stdin], [], []) joue le rôle de poll.
# In Python: select.select([clisock, sys.stdin], [], []) plays the part of poll.
#
# Remplacer chaque `raise NotImplementedError(…)` marqué `# TODO:` par la ligne qu'il
# cite, puis `socklab check 15 --python` (indice : `socklab hint 15 --python`).
# Replace each `raise NotImplementedError(…)` marked `# TODO:` with the line it quotes,
# then `socklab check 15 --python` (hint: `socklab hint 15 --python`).
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
    # TODO: ce qu'il faut surveiller en lecture : la socket et l'entrée standard
    #       what to watch for reading: the socket and standard input
    raise NotImplementedError("liste_lectures = [clisock, sys.stdin]")
    fini = False
    while not fini:
        # Bloque jusqu'à ce que l'une soit prête : une ligne tapée, des octets du serveur, ou
        # la fin de l'une ou de l'autre (qui rend aussi un descripteur « lisible »).
        # TODO: attendre que l'un des deux soit prêt / wait until either is ready
        raise NotImplementedError("readers, _, _ = select.select(liste_lectures, [], [])")
        for entree in readers:
            if entree == clisock:
                # select l'a dite prête : ce recv ne bloque pas.
                # TODO: recevoir ce que le serveur a envoyé (ne bloque pas)
                #       receive what the server sent (does not block)
                raise NotImplementedError("msg = clisock.recv(1500)")
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
                # TODO: envoyer au serveur ce qui a été tapé / send the server what was typed
                raise NotImplementedError("clisock.sendall(msg)")
    # close : le noyau envoie FIN, et le recv du serveur renvoie b"".
    clisock.close()
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
except KeyboardInterrupt:
    pass
