#!/usr/bin/env python3
# Exercice 03 — Serveur echo TCP, un client à la fois
# Exercise 03 — TCP echo server, one client at a time
#
# D'après / from: TP3 §3.2 et TP5b §1.2 « Serveur Echo en Python, version TCP »
#
# Un serveur echo : il renvoie exactement les octets que chaque client envoie, jusqu'à ce que
# le client ferme ; puis il passe au client suivant. Socket AF_INET6 (IPv6 et IPv4), option
# SO_REUSEADDR avant bind, écoute sur toutes les interfaces, port 7777 par défaut ou donné en
# paramètre, backlog de 1.
#
# An echo server: it sends back exactly the bytes each client sends, until the client closes;
# then it takes the next client. An AF_INET6 socket (IPv6 and IPv4), SO_REUSEADDR set before
# bind, listening on every interface, port 7777 by default or given as argument, backlog 1.
#
# Remplacer chaque `raise NotImplementedError(…)` marqué `# TODO:` par la ligne qu'il
# cite, puis `socklab check 03 --python` (indice : `socklab hint 03 --python`).
# Replace each `raise NotImplementedError(…)` marked `# TODO:` with the line it quotes,
# then `socklab check 03 --python` (hint: `socklab hint 03 --python`).
import socket
import sys

# « passer en paramètre du programme le numéro de port », avec celui du TP par défaut.
port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
try:
    # AF_INET6 sert IPv6 et IPv4 : un client IPv4 apparaît comme ::ffff:127.0.0.1.
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    # Sans SO_REUSEADDR, relancer le serveur juste après l'avoir arrêté échoue avec
    # « Address already in use » tant que les anciennes connexions sont en TIME_WAIT.
    # TODO: SO_REUSEADDR, avant bind / SO_REUSEADDR, before bind
    raise NotImplementedError("s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)")
    # Dit explicitement plutôt que laissé au système : accepter aussi IPv4.
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    # "" : toutes les interfaces de la machine.
    # TODO: lier la socket au port, sur toutes les interfaces
    #       bind the socket to the port, on every interface
    raise NotImplementedError('s.bind(("", port))')
    # Une file de 1 suffit pour un client à la fois : le noyau termine quand même la poignée
    # de main du client suivant et le garde en attente.
    # TODO: écouter, avec une file d'attente de 1 / listen, with a backlog of 1
    raise NotImplementedError("s.listen(1)")
    print(f"serveur echo en écoute sur le port {port}")
    while True:
        # accept bloque jusqu'à ce qu'un client soit connecté, puis renvoie une NOUVELLE
        # socket pour lui ; la socket d'écoute reste prête pour le client suivant.
        # TODO: attendre le client suivant : accept renvoie une nouvelle socket, et son adresse
        #       wait for the next client: accept returns a new socket, and its address
        raise NotImplementedError("sc, addr = s.accept()")
        print(f"client connecté : {addr[0]} port {addr[1]}")
        try:
            while True:
                # recv renvoie ce qui est arrivé jusque-là, peut-être une partie de ce que le
                # client a envoyé. b"" : le client a fermé la connexion.
                # TODO: recevoir ce qui est arrivé (1500 octets au plus)
                #       receive what has arrived (1500 bytes at most)
                raise NotImplementedError("data = sc.recv(1500)")
                if len(data) == 0:
                    break
                # send peut en prendre moins qu'on ne lui en donne (tampon plein, gros
                # message) ; sendall boucle jusqu'à ce que tout soit parti.
                # TODO: renvoyer au client tout ce qui est arrivé
                #       send back to the client all that came
                raise NotImplementedError("sc.sendall(data)")
        except OSError as err:
            # Un client qui se comporte mal (connexion réinitialisée) n'arrête pas le serveur.
            print(f"{addr[0]} : {err}", file=sys.stderr)
        # Fermer la socket connectée termine la connexion de ce client (le noyau envoie FIN).
        sc.close()
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
except KeyboardInterrupt:
    print("Fin du serveur")
