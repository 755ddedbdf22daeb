#!/usr/bin/env python3
# Exercice 13 — Client et serveur à sens unique, en TCP puis en UDP
# Exercise 13 — One-way client and server, TCP then UDP
#
# D'après / from: RES 302 TP2, exercice 1 « un client - un serveur », §1.1 « Socket TCP » et §1.2 « Socket UDP »
#
# Un programme, quatre rôles. `serveur [PORT]` (1212 par défaut) : accepte un client à la fois et
# affiche « Reçu : <message> » pour ce qu'il reçoit, jusqu'à ce que le client ferme ; puis le
# client suivant. `client [HÔTE] [PORT]` : envoie chaque ligne saisie, sans attendre de réponse ;
# à la fin de l'entrée, ferme la connexion. `serveur-udp [PORT]` et `client-udp [HÔTE] [PORT]` :
# les mêmes en UDP, une ligne par datagramme ; le serveur affiche l'adresse de l'expéditeur.
#
# One program, four roles. `serveur [PORT]` (1212 by default): accepts one client at a time and
# prints "Reçu : <message>" for what it receives, until the client closes; then the next client.
# `client [HOST] [PORT]`: sends each line typed, without waiting for an answer; at the end of
# input, closes the connection. `serveur-udp [PORT]` and `client-udp [HOST] [PORT]`: the same
# over UDP, one line per datagram; the server prints the sender's address.
#
# Remplacer chaque `raise NotImplementedError(…)` marqué `# TODO:` par la ligne qu'il
# cite, puis `socklab check 13 --python` (indice : `socklab hint 13 --python`).
# Replace each `raise NotImplementedError(…)` marked `# TODO:` with the line it quotes,
# then `socklab check 13 --python` (hint: `socklab hint 13 --python`).
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
    # TODO: lier la socket au port / bind the socket to the port
    raise NotImplementedError('s.bind(("", port))')
    # TODO: écouter, avec une file d'attente de 1 / listen, with a backlog of 1
    raise NotImplementedError("s.listen(1)")
    print(f"Serveur TCP en attente de connexion sur le port {port}...")
    while True:
        # Un client à la fois, comme à l'étape 03 : le suivant attend dans la file.
        # TODO: attendre le client suivant / wait for the next client
        raise NotImplementedError("sc, addr = s.accept()")
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
        # TODO: recevoir ce que le client envoie / receive what the client sends
        raise NotImplementedError("data = sc.recv(1024)")
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
            # TODO: se connecter à adresse / connect to adresse
            raise NotImplementedError("s.connect(adresse)")
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
        # TODO: envoyer la ligne, sans attendre de réponse
        #       send the line, without waiting for an answer
        raise NotImplementedError('s.sendall(ligne.encode("utf-8"))')
    # close : le noyau envoie FIN, et le recv du serveur renvoie b"".
    s.close()


# ---------------------------------------------------------------- UDP (§1.2)

def serveur_udp(port):
    # SOCK_DGRAM au lieu de SOCK_STREAM, et ni listen ni accept : une socket pour tous.
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    # TODO: lier la socket UDP au port / bind the UDP socket to the port
    raise NotImplementedError('s.bind(("", port))')
    print(f"Serveur UDP en attente de messages sur le port {port}...")
    while True:
        # Chaque datagramme dit qui l'a envoyé : sans connexion, c'est ainsi que le serveur le
        # sait. Comme à l'étape 05, un datagramme plus long que le tampon serait coupé.
        # TODO: un datagramme, et qui l'a envoyé / one datagram, and who sent it
        raise NotImplementedError("data, addr = s.recvfrom(65535)")
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
        # TODO: la ligne, en un datagramme, à l'adresse du serveur
        #       the line, as one datagram, to the server's address
        raise NotImplementedError('s.sendto(ligne.encode("utf-8"), serveur)')
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
