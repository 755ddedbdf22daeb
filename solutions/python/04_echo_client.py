#!/usr/bin/env python3
# Étape 04 — client echo (TP5b §1.3).
#
# Reprend le client daytime (étape 01) : même connexion, puis en boucle, lire une ligne sur
# l'entrée standard, l'envoyer et afficher son écho. Une ligne vide termine la session.
#
# Lancer : python3 solutions/python/04_echo_client.py [HÔTE] [PORT]  (localhost 7777),
# contre le serveur de l'étape 03 ; vérifier : socklab check 04 --solution --python
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
        s.sendall(donnees)
        # L'écho d'une longue ligne peut revenir en plusieurs morceaux : recevoir jusqu'à en
        # avoir autant que d'octets envoyés, ou jusqu'à ce que le serveur ferme.
        echo = b""
        while len(echo) < len(donnees):
            morceau = s.recv(1024)
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
