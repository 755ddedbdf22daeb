#!/usr/bin/env python3
# Étape 03 — serveur echo TCP, un client à la fois (TP3 §3.2, TP5b §1.2).
#
# Renvoie exactement les octets que chaque client envoie, jusqu'à ce que le client ferme ;
# puis passe au client suivant. Les autres attendent pendant ce temps dans la file du noyau.
#
# Lancer : python3 solutions/python/03_echo_server_tcp.py [PORT]  (7777 par défaut),
# puis `nc localhost 7777` ; vérifier : socklab check 03 --solution --python
import socket
import sys

# « passer en paramètre du programme le numéro de port », avec celui du TP par défaut.
port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
try:
    # AF_INET6 sert IPv6 et IPv4 : un client IPv4 apparaît comme ::ffff:127.0.0.1.
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    # Sans SO_REUSEADDR, relancer le serveur juste après l'avoir arrêté échoue avec
    # « Address already in use » tant que les anciennes connexions sont en TIME_WAIT.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Dit explicitement plutôt que laissé au système : accepter aussi IPv4.
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    # "" : toutes les interfaces de la machine.
    s.bind(("", port))
    # Une file de 1 suffit pour un client à la fois : le noyau termine quand même la poignée
    # de main du client suivant et le garde en attente.
    s.listen(1)
    print(f"serveur echo en écoute sur le port {port}")
    while True:
        # accept bloque jusqu'à ce qu'un client soit connecté, puis renvoie une NOUVELLE
        # socket pour lui ; la socket d'écoute reste prête pour le client suivant.
        sc, addr = s.accept()
        print(f"client connecté : {addr[0]} port {addr[1]}")
        try:
            while True:
                # recv renvoie ce qui est arrivé jusque-là, peut-être une partie de ce que le
                # client a envoyé. b"" : le client a fermé la connexion.
                data = sc.recv(1500)
                if len(data) == 0:
                    break
                # send peut en prendre moins qu'on ne lui en donne (tampon plein, gros
                # message) ; sendall boucle jusqu'à ce que tout soit parti.
                sc.sendall(data)
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
