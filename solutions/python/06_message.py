#!/usr/bin/env python3
# Étape 06 — serveur et client de messages en TCP (atelier « Socket TCP/UDP », exercice 1).
#
# Le serveur reprend l'étape 03 (même socket d'écoute, un client à la fois) ; au lieu de
# l'écho, il affiche chaque message et répond « Bonjour client, j'ai bien reçu ton message :
# ... ». Le client reprend l'étape 04 : il demande un message, l'envoie, affiche la réponse ;
# « quit » met fin à la conversation des deux côtés.
#
# Lancer : python3 solutions/python/06_message.py serveur [PORT]  (5000 par défaut)
# et       python3 solutions/python/06_message.py client [HÔTE] [PORT]
# Vérifier : socklab check 06 --solution --python
import socket
import sys

# Le serveur de messages de l'atelier écoute sur le port 5000.
PORT = 5000
BUFFER_SIZE = 1024


# ---------------------------------------------------------------- serveur

def serveur(port):
    # Comme à l'étape 03 : socket, SO_REUSEADDR, bind sur toutes les interfaces, listen.
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("", port))
    s.listen(1)
    print(f"Serveur TCP en attente de connexion sur le port {port}...")
    while True:
        conn, addr = s.accept()
        print(f"Client connecté : {addr[0]} port {addr[1]}")
        try:
            converser(conn)
        except OSError as err:
            print(f"{addr[0]} : {err}", file=sys.stderr)
        conn.close()
        print("Fin de la conversation")


def converser(conn):
    """Une conversation : chaque message a sa réponse, jusqu'à « quit » ou au départ du client."""
    while True:
        data = conn.recv(BUFFER_SIZE)
        # b"" : le client est parti sans dire quit.
        if not data:
            return
        # Le data.decode().strip() de l'atelier : nc envoie le "\n" tapé, le client non.
        message = data.decode("utf-8", "replace").strip()
        print(f"Reçu : {message}")
        if message == "quit":
            # Pas de réponse : l'appelant ferme la connexion, le recv du client renvoie b"".
            return
        reponse = f"Bonjour client, j'ai bien reçu ton message : {message}"
        conn.sendall(reponse.encode("utf-8"))


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
    while True:
        # La fin de l'entrée vaut quit : plus rien ne sera tapé.
        try:
            saisie = input(">>> ")
        except EOFError:
            saisie = "quit"
        message = saisie.strip()
        s.sendall(message.encode("utf-8"))
        if message == "quit":
            print("Fin de la conversation")
            break
        # La réponse est courte : un recv de 1024 octets la contient.
        data = s.recv(BUFFER_SIZE)
        if not data:
            print("Déconnecté")
            break
        print(f"Serveur: {data.decode('utf-8', 'replace')}")
    s.close()


role = sys.argv[1] if len(sys.argv) > 1 else ""
try:
    if role in ("serveur", "server"):
        serveur(int(sys.argv[2]) if len(sys.argv) > 2 else PORT)
    elif role == "client":
        client(sys.argv[2] if len(sys.argv) > 2 else "localhost",
               int(sys.argv[3]) if len(sys.argv) > 3 else PORT)
    else:
        print("usage : 06_message.py serveur [PORT] | client [HÔTE] [PORT]", file=sys.stderr)
        sys.exit(2)
except ConnectionRefusedError:
    print("Erreur : serveur indisponible", file=sys.stderr)
    sys.exit(4)
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
except KeyboardInterrupt:
    print("Fin de la conversation")
