#!/usr/bin/env python3
# Étape 09 — le relais avec les rôles 1 et 2 (RES 302 TP2, exercice 2.3, « semblant de
# protocole de signalisation »).
#
# Reprend l'étape 08. Le client est maintenant un seul programme : le serveur dit son rôle à
# chaque client dès qu'il l'accepte, « 1 » au premier (qui envoie), « 2 » au deuxième (qui
# reçoit). Deux instances du même client se comportent alors comme l'émetteur et le
# récepteur de l'étape 08.
#
# Lancer : python3 solutions/python/09_relay_roles.py serveur [PORT]  (1212 par défaut),
# puis `... client [HÔTE] [PORT]` deux fois, dans deux terminaux.
# Vérifier : socklab check 09 --solution --python
import socket
import sys

PORT = 1212


# ---------------------------------------------------------------- serveur

def serveur(port):
    # Comme à l'étape 08.
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("", port))
    s.listen(2)
    print(f"relais en écoute sur le port {port}")
    while True:
        premier, a = s.accept()
        # Le rôle part juste après accept, avant même que le deuxième client existe : le
        # premier sait tout de suite que c'est lui qui envoie.
        try:
            premier.sendall(b"1")
        except OSError as err:
            print(f"{a[0]} : {err}", file=sys.stderr)
            premier.close()
            continue
        print(f"client 1 (émetteur) : {a[0]} port {a[1]}")
        deuxieme, b = s.accept()
        try:
            deuxieme.sendall(b"2")
        except OSError as err:
            print(f"{b[0]} : {err}", file=sys.stderr)
            premier.close()
            deuxieme.close()
            continue
        print(f"client 2 (récepteur) : {b[0]} port {b[1]}")
        try:
            relayer(premier, deuxieme)
        except OSError as err:
            print(f"relais {a[0]} → {b[0]} : {err}", file=sys.stderr)
        premier.close()
        deuxieme.close()


def relayer(source, destination):
    """Comme à l'étape 08 : du premier client au deuxième, jusqu'à ce que le premier ferme."""
    while True:
        data = source.recv(1500)
        if not data:
            return
        destination.sendall(data)


# ---------------------------------------------------------------- client

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


def client(hote, port):
    s = connecter(hote, port)
    # Le rôle est le premier octet envoyé par le serveur. recv(1) prend exactement cet octet
    # et laisse la suite (les messages relayés) au recv suivant.
    role = s.recv(1)
    if role == b"1":
        print("rôle 1 : j'envoie", flush=True)
        envoyer_lignes(s)
    elif role == b"2":
        print("rôle 2 : je reçois", flush=True)
        afficher_recu(s)
    else:
        print(f"rôle inattendu : {role!r}", file=sys.stderr)
    s.close()


def envoyer_lignes(s):
    """Rôle 1, l'émetteur de l'étape 08 : une ligne vide ou la fin de l'entrée termine."""
    while True:
        ligne = sys.stdin.readline()
        if ligne == "" or ligne == "\n":
            return
        s.sendall(ligne.encode("utf-8"))


def afficher_recu(s):
    """Rôle 2, le récepteur de l'étape 08 : affiche ce qui arrive jusqu'à la fermeture."""
    while True:
        data = s.recv(1500)
        if not data:
            return
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


role = sys.argv[1] if len(sys.argv) > 1 else ""
try:
    if role in ("serveur", "server"):
        serveur(int(sys.argv[2]) if len(sys.argv) > 2 else PORT)
    elif role == "client":
        client(sys.argv[2] if len(sys.argv) > 2 else "localhost",
               int(sys.argv[3]) if len(sys.argv) > 3 else PORT)
    else:
        print("usage : 09_relay_roles.py serveur [PORT] | client [HÔTE] [PORT]",
              file=sys.stderr)
        sys.exit(2)
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
except KeyboardInterrupt:
    print("Fin du relais")
