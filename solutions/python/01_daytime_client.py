#!/usr/bin/env python3
# Étape 01 — client daytime (TP3 §1.2, daytime.py).
#
# Se connecte à un serveur daytime (RFC 867), reçoit la date qu'il envoie et l'affiche. Le
# serveur parle le premier et ferme la connexion après une ligne : le client ne fait que se
# connecter et lire.
#
# Lancer : python3 solutions/python/01_daytime_client.py [HÔTE] [PORT]  (localhost 1313)
# contre `socklab serve daytime` ; vérifier : socklab check 01 --solution --python
import socket
import sys


def connecter(hote, port):
    """Une socket TCP connectée à la première adresse de l'hôte qui accepte.

    getaddrinfo donne les adresses d'un nom (« localhost » : ::1 puis 127.0.0.1), chacune
    avec sa famille (AF_INET6 ou AF_INET) : on les essaie dans l'ordre, comme
    socket.create_connection.
    """
    erreur = OSError(f"aucune adresse pour {hote}")
    for famille, _, _, _, adresse in socket.getaddrinfo(hote, port, type=socket.SOCK_STREAM):
        s = socket.socket(famille, socket.SOCK_STREAM)
        try:
            s.connect(adresse)
            return s
        except OSError as e:
            # Refusée : on ferme cette socket et on essaie l'adresse suivante.
            s.close()
            erreur = e
    raise erreur


hote = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 1313
try:
    s = connecter(hote, port)
    # Un seul recv suffit ici : une réponse daytime est une ligne courte, bien moins de 1024
    # octets (l'étape 02 montre pourquoi une réponse plus longue demande une boucle).
    data = s.recv(1024)
    # La ligne de la date se termine déjà par un retour à la ligne.
    print(data.decode("utf-8"), end="")
    # close : le noyau envoie FIN ; le serveur a en général déjà fermé de son côté.
    s.close()
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
