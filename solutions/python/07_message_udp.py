#!/usr/bin/env python3
# Étape 07 — serveur et client de messages en UDP (atelier « Socket TCP/UDP », exercice 2).
#
# L'étape 06 sans connexion, comme l'étape 05 est l'étape 03 sans connexion : le serveur
# répond à chaque datagramme à l'adresse d'où il vient ; le client envoie chaque message en
# un datagramme à l'adresse du serveur et attend la réponse ; « quit » termine le client.
#
# Lancer : python3 solutions/python/07_message_udp.py serveur [PORT]  (5000 par défaut)
# et       python3 solutions/python/07_message_udp.py client [HÔTE] [PORT]
# Vérifier : socklab check 07 --solution --python
import socket
import sys

PORT = 5000


# ---------------------------------------------------------------- serveur

def serveur(port):
    # Comme à l'étape 05 : une socket de datagrammes pour tous les clients, ni listen ni accept.
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("", port))
    print(f"Serveur UDP en écoute de messages sur le port {port}...")
    while True:
        data, addr = s.recvfrom(65535)
        message = data.decode("utf-8", "replace").strip()
        print(f"Reçu de {addr[0]} port {addr[1]} : {message}")
        # Sans connexion, rien à fermer : quit veut seulement dire que ce client est parti.
        if message == "quit":
            continue
        reponse = f"Bonjour client, j'ai bien reçu ton message : {message}"
        try:
            s.sendto(reponse.encode("utf-8"), addr)
        except OSError as err:
            print(f"{addr[0]} : {err}", file=sys.stderr)


# ---------------------------------------------------------------- client

def client(hote, port):
    # Pas de connect : l'adresse du serveur accompagne chaque sendto. La famille de la socket
    # doit être celle de l'adresse ; « localhost » peut donner ::1 ou 127.0.0.1 : la première.
    famille, _, _, _, serveur = socket.getaddrinfo(hote, port, type=socket.SOCK_DGRAM)[0]
    s = socket.socket(famille, socket.SOCK_DGRAM)
    # UDP peut perdre un datagramme, et un serveur absent ne renvoie rien : sans délai,
    # recvfrom attendrait indéfiniment.
    s.settimeout(5)
    while True:
        try:
            saisie = input(">>> ")
        except EOFError:
            saisie = "quit"
        message = saisie.strip()
        s.sendto(message.encode("utf-8"), serveur)
        if message == "quit":
            break
        data, addr = s.recvfrom(65535)
        print(f"Serveur ({addr[0]} port {addr[1]}): {data.decode('utf-8', 'replace')}")
    print("Fin du client UDP")
    s.close()


role = sys.argv[1] if len(sys.argv) > 1 else ""
try:
    if role in ("serveur", "server"):
        serveur(int(sys.argv[2]) if len(sys.argv) > 2 else PORT)
    elif role == "client":
        client(sys.argv[2] if len(sys.argv) > 2 else "localhost",
               int(sys.argv[3]) if len(sys.argv) > 3 else PORT)
    else:
        print("usage : 07_message_udp.py serveur [PORT] | client [HÔTE] [PORT]",
              file=sys.stderr)
        sys.exit(2)
except TimeoutError:
    print("Erreur : pas de réponse du serveur en 5 s", file=sys.stderr)
    sys.exit(5)
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
except KeyboardInterrupt:
    print("Fin du client UDP")
