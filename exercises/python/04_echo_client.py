#!/usr/bin/env python3
# Exercice 04 — Client echo : l'entrée standard en boucle
# Exercise 04 — Echo client: standard input in a loop
#
# D'après / from: TP5b §1.3 « Client Echo »
#
# Repartir du client daytime : lire en boucle les lignes de l'entrée standard, envoyer chacune
# au serveur echo et afficher son écho. Une ligne vide (ou la fin de l'entrée) ferme la
# connexion et termine le programme. Hôte et port en paramètres (localhost 7777 par défaut).
#
# Start from the daytime client: read lines from standard input in a loop, send each one to the
# echo server and print its echo. An empty line (or the end of input) closes the connection and
# ends the program. Host and port as arguments (default: localhost 7777).
#
# Remplacer chaque `raise NotImplementedError(…)` marqué `# TODO:` par la ligne qu'il
# cite, puis `socklab check 04 --python` (indice : `socklab hint 04 --python`).
# Replace each `raise NotImplementedError(…)` marked `# TODO:` with the line it quotes,
# then `socklab check 04 --python` (hint: `socklab hint 04 --python`).
import socket
import sys


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
port = int(sys.argv[2]) if len(sys.argv) > 2 else 7777
try:
    s = connecter(hote, port)
    while True:
        # readline : la ligne avec son "\n" ; "" à la fin de l'entrée.
        ligne = sys.stdin.readline()
        # "\n" seul est la ligne vide qui arrête, comme la fin de l'entrée.
        if ligne == "" or ligne == "\n" or ligne == "\r\n":
            break
        donnees = ligne.encode("utf-8")
        # TODO: envoyer la ligne au serveur / send the line to the server
        raise NotImplementedError("s.sendall(donnees)")
        # L'écho d'une longue ligne peut revenir en plusieurs morceaux : recevoir jusqu'à en
        # avoir autant que d'octets envoyés, ou jusqu'à ce que le serveur ferme.
        echo = b""
        while len(echo) < len(donnees):
            # TODO: recevoir le morceau suivant de l'écho / receive the next piece of the echo
            raise NotImplementedError("morceau = s.recv(1024)")
            if morceau == b"":
                break
            echo += morceau
        print(echo.decode("utf-8", "replace"), end="", flush=True)
        if len(echo) < len(donnees):
            print("le serveur a fermé la connexion", file=sys.stderr)
            break
    # Fermer dit au serveur qu'on a fini : son recv renvoie b"" et il passe au client suivant.
    s.close()
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
