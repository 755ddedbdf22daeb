#!/usr/bin/env python3
# Étape 08 — serveur relais, de l'émetteur au récepteur (RES 302 TP2, exercice 2.1).
#
# Le serveur attend un premier client (l'émetteur), puis un deuxième (le récepteur), et envoie
# au deuxième tout ce qu'envoie le premier. Les deux clients sont deux rôles de ce même
# programme : l'émetteur est le client de l'étape 04 sans l'écho, le récepteur ne fait que
# recevoir et afficher.
#
# Lancer : python3 solutions/python/08_relay.py serveur [PORT]  (1212 par défaut), puis
# `... emetteur [HÔTE] [PORT]` dans un deuxième terminal et `... recepteur [HÔTE] [PORT]` dans
# un troisième (dans cet ordre : le premier connecté est l'émetteur).
# Vérifier : socklab check 08 --solution --python
import socket
import sys

PORT = 1212


# ---------------------------------------------------------------- serveur

def serveur(port):
    # Comme à l'étape 03, avec une file de 2 : le récepteur peut se connecter pendant qu'on
    # accepte l'émetteur.
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("", port))
    s.listen(2)
    print(f"relais en écoute sur le port {port}")
    while True:
        # L'étape 03 acceptait un client ; le relais en accepte deux, dans l'ordre d'arrivée.
        emetteur, a = s.accept()
        print(f"émetteur connecté : {a[0]} port {a[1]}")
        recepteur, b = s.accept()
        print(f"récepteur connecté : {b[0]} port {b[1]}")
        try:
            relayer(emetteur, recepteur)
        except OSError as err:
            print(f"relais {a[0]} → {b[0]} : {err}", file=sys.stderr)
        # L'émetteur a fini : fermer la connexion du récepteur le lui dit (son recv renvoie
        # b""). Puis la paire suivante.
        emetteur.close()
        recepteur.close()


def relayer(source, destination):
    """Tout ce qui vient de source part vers destination, dans l'ordre, jusqu'à sa fermeture."""
    while True:
        data = source.recv(1500)
        if not data:
            return
        # Les octets repartent tels quels : TCP garde leur ordre sur les deux connexions.
        destination.sendall(data)


# ---------------------------------------------------------------- clients

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


def emetteur(hote, port):
    """Chaque ligne saisie est envoyée ; une ligne vide ou la fin de l'entrée termine."""
    s = connecter(hote, port)
    while True:
        ligne = sys.stdin.readline()
        if ligne == "" or ligne == "\n":
            break
        s.sendall(ligne.encode("utf-8"))
    s.close()


def recepteur(hote, port):
    """Affiche ce qui arrive jusqu'à ce que le serveur ferme la connexion."""
    s = connecter(hote, port)
    while True:
        data = s.recv(1500)
        if not data:
            break
        # Les octets tels qu'ils arrivent : un morceau peut couper un caractère en deux.
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    s.close()


role = sys.argv[1] if len(sys.argv) > 1 else ""
hote = sys.argv[2] if len(sys.argv) > 2 else "localhost"
try:
    if role in ("serveur", "server"):
        serveur(int(sys.argv[2]) if len(sys.argv) > 2 else PORT)
    elif role in ("emetteur", "émetteur", "emitter"):
        emetteur(hote, int(sys.argv[3]) if len(sys.argv) > 3 else PORT)
    elif role in ("recepteur", "récepteur", "receiver"):
        recepteur(hote, int(sys.argv[3]) if len(sys.argv) > 3 else PORT)
    else:
        print("usage : 08_relay.py serveur [PORT] | emetteur [HÔTE] [PORT] "
              "| recepteur [HÔTE] [PORT]", file=sys.stderr)
        sys.exit(2)
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
except KeyboardInterrupt:
    print("Fin du relais")
