#!/usr/bin/env python3
# Exercice 07 — Serveur et client de messages (UDP)
# Exercise 07 — Message server and client (UDP)
#
# D'après / from: Atelier « Socket TCP/UDP », exercice 2
#
# L'étape 06 en UDP. `serveur [PORT]` : répond à chaque datagramme par un datagramme « Bonjour
# client, j'ai bien reçu ton message : ... », à l'adresse de l'expéditeur. `client [HÔTE]
# [PORT]` : envoie chaque message en un datagramme au serveur, affiche la réponse ; « quit » est
# envoyé puis le client se termine.
#
# Step 06 over UDP. `serveur [PORT]`: answers each datagram with one datagram "Bonjour client,
# j'ai bien reçu ton message : ...", to the sender's address. `client [HOST] [PORT]`: sends each
# message as one datagram to the server, prints the answer; "quit" is sent, then the client
# ends.
#
# Remplacer chaque `raise NotImplementedError(…)` marqué `# TODO:` par la ligne qu'il
# cite, puis `socklab check 07 --python` (indice : `socklab hint 07 --python`).
# Replace each `raise NotImplementedError(…)` marked `# TODO:` with the line it quotes,
# then `socklab check 07 --python` (hint: `socklab hint 07 --python`).
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
        # TODO: un datagramme, et qui l'a envoyé / one datagram, and who sent it
        raise NotImplementedError("data, addr = s.recvfrom(65535)")
        message = data.decode("utf-8", "replace").strip()
        print(f"Reçu de {addr[0]} port {addr[1]} : {message}")
        # Sans connexion, rien à fermer : quit veut seulement dire que ce client est parti.
        if message == "quit":
            continue
        reponse = f"Bonjour client, j'ai bien reçu ton message : {message}"
        try:
            # TODO: la réponse, en un datagramme, à l'expéditeur
            #       the answer, as one datagram, to the sender
            raise NotImplementedError('s.sendto(reponse.encode("utf-8"), addr)')
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
        # TODO: le message, en un datagramme, à l'adresse du serveur
        #       the message, as one datagram, to the server's address
        raise NotImplementedError('s.sendto(message.encode("utf-8"), serveur)')
        if message == "quit":
            break
        # TODO: la réponse du serveur (recvfrom abandonne au bout de 5 s)
        #       the server's answer (recvfrom gives up after 5 s)
        raise NotImplementedError("data, addr = s.recvfrom(65535)")
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
