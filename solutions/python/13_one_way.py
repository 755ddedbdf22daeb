#!/usr/bin/env python3
# Étape 13 — client et serveur à sens unique, TCP puis UDP (RES 302 TP2, exercice 1, §1.1 et
# §1.2).
#
# La première paire de programmes du TP : le client ne fait qu'envoyer, le serveur ne fait
# qu'afficher ce qu'il reçoit ; rien ne revient jamais. Puis les deux mêmes programmes en UDP,
# où le serveur n'a pas de connexion à accepter et apprend qui écrit par chaque datagramme.
# Un seul fichier pour les quatre, pour lire les deux versions côte à côte : le §1.2 est le
# §1.1 avec d'autres sockets.
#
# Lancer : python3 solutions/python/13_one_way.py serveur [PORT]  (1212 par défaut), puis
# `... client [HÔTE] [PORT]` dans un autre terminal, et taper des lignes (Ctrl+D termine) ;
# `serveur-udp` et `client-udp` pour la paire UDP.
# Vérifier : socklab check 13 --solution --python
import socket
import sys

# Le serveur du TP tourne sur le port 1212.
PORT = 1212


# ---------------------------------------------------------------- TCP (§1.1)

def serveur(port):
    # Comme à l'étape 03 : socket, SO_REUSEADDR, bind sur toutes les interfaces, listen.
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("", port))
    s.listen(1)
    print(f"Serveur TCP en attente de connexion sur le port {port}...")
    while True:
        # Un client à la fois, comme à l'étape 03 : le suivant attend dans la file.
        sc, addr = s.accept()
        print(f"Client connecté : {addr[0]} port {addr[1]}")
        try:
            afficher_recu(sc)
        except OSError as err:
            print(f"{addr[0]} : {err}", file=sys.stderr)
        sc.close()
        print(f"Client parti : {addr[0]} port {addr[1]}")


def afficher_recu(sc):
    """Affiche ce que le client envoie jusqu'à ce qu'il ferme. Rien n'est renvoyé : le client
    ne lit rien, et des octets jamais lus resteraient dans son tampon de réception."""
    while True:
        data = sc.recv(1024)
        # b"" : le client a fermé. Sans ce test, la boucle afficherait des messages vides sans
        # fin : une fois le flot terminé, chaque recv renvoie b"" aussitôt.
        if not data:
            return
        # TCP ne garde pas les limites des messages : un recv peut contenir deux lignes, ou
        # la moitié d'une.
        print(f"Reçu : {data.decode('utf-8', 'replace').rstrip()}")


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
        ligne = sys.stdin.readline()
        # La fin de l'entrée (Ctrl+D) : plus rien à envoyer.
        if ligne == "":
            break
        # Pas de recv ensuite : le serveur ne répond rien, attendre une réponse bloquerait.
        s.sendall(ligne.encode("utf-8"))
    # close : le noyau envoie FIN, et le recv du serveur renvoie b"".
    s.close()


# ---------------------------------------------------------------- UDP (§1.2)

def serveur_udp(port):
    # SOCK_DGRAM au lieu de SOCK_STREAM, et ni listen ni accept : une socket pour tous.
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("", port))
    print(f"Serveur UDP en attente de messages sur le port {port}...")
    while True:
        # Chaque datagramme dit qui l'a envoyé : sans connexion, c'est ainsi que le serveur le
        # sait. Comme à l'étape 05, un datagramme plus long que le tampon serait coupé.
        data, addr = s.recvfrom(65535)
        print(f"Reçu de {addr[0]} port {addr[1]} : {data.decode('utf-8', 'replace').rstrip()}")


def client_udp(hote, port):
    # Pas de connect : l'adresse du serveur accompagne chaque sendto, donc la famille de la
    # socket est celle de l'adresse ; « localhost » peut donner ::1 ou 127.0.0.1 : la première.
    famille, _, _, _, serveur = socket.getaddrinfo(hote, port, type=socket.SOCK_DGRAM)[0]
    s = socket.socket(famille, socket.SOCK_DGRAM)
    while True:
        ligne = sys.stdin.readline()
        if ligne == "":
            break
        # Une ligne, un datagramme : UDP garde les limites que TCP ne garde pas. Rien ne dit
        # s'il est arrivé, et un serveur absent ne fait pas échouer sendto.
        s.sendto(ligne.encode("utf-8"), serveur)
    # Pas de FIN à envoyer : close ne fait que libérer le descripteur.
    s.close()


role = sys.argv[1] if len(sys.argv) > 1 else ""
hote = sys.argv[2] if len(sys.argv) > 2 else "localhost"
try:
    if role in ("serveur", "server"):
        serveur(int(sys.argv[2]) if len(sys.argv) > 2 else PORT)
    elif role == "client":
        client(hote, int(sys.argv[3]) if len(sys.argv) > 3 else PORT)
    elif role in ("serveur-udp", "server-udp"):
        serveur_udp(int(sys.argv[2]) if len(sys.argv) > 2 else PORT)
    elif role == "client-udp":
        client_udp(hote, int(sys.argv[3]) if len(sys.argv) > 3 else PORT)
    else:
        print("usage : 13_one_way.py serveur [PORT] | client [HÔTE] [PORT] "
              "| serveur-udp [PORT] | client-udp [HÔTE] [PORT]", file=sys.stderr)
        sys.exit(2)
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
except KeyboardInterrupt:
    print("Fin du programme")
