#!/usr/bin/env python3
# Étape 12 — serveur de discussion (au-delà des TP) : chaque ligne d'un client va à tous les
# autres.
#
# Reprend l'étape 11 (un veilleur, des threads par connexion) et l'étape 09 (le serveur passe
# les messages d'un client à l'autre). Les threads ne partagent plus de liste de sockets :
# ils passent par des files (queue.Queue, les canaux de Python) vers un seul thread, le
# salon, qui est seul à savoir qui est connecté.
# - le veilleur accepte, inscrit le client auprès du salon, lance ses deux threads ;
# - le lecteur du client reçoit les lignes et les donne au salon ;
# - le salon envoie chaque ligne dans la file de chacun des autres clients ;
# - l'écrivain du client envoie sur sa socket ce qui arrive dans sa file.
#
# Ctrl+C l'arrête proprement : la socket d'écoute est fermée, chaque connexion est coupée
# (shutdown : le recv de chaque lecteur renvoie b""), chaque thread est attendu, un bilan est
# affiché, et le programme se termine avec le code 0.
#
# Lancer : python3 solutions/python/12_chat_server.py [PORT]  (6000 par défaut), puis
# plusieurs `nc localhost 6000` ; vérifier : socklab check 12 --solution --python
import queue
import socket
import sys
import threading


def salon(evenements):
    """Le salon : seul à savoir qui est connecté. Il reçoit chaque événement dans l'ordre,
    donc une ligne part exactement aux clients connectés quand elle a été dite."""
    membres = {}

    def diffuser(de, message):
        for numero, file in membres.items():
            if numero != de:
                file.put(message)

    while True:
        evenement = evenements.get()
        # None : le veilleur a fini, plus personne n'écrira.
        if evenement is None:
            break
        genre, numero, contenu = evenement
        if genre == "arrivee":
            contenu.put(f"Bienvenue, vous êtes client-{numero}\n".encode("utf-8"))
            diffuser(numero, f"* client-{numero} arrive\n".encode("utf-8"))
            membres[numero] = contenu
        elif genre == "ligne":
            diffuser(numero, f"client-{numero}: ".encode("utf-8") + contenu)
        elif genre == "depart":
            # None dans sa file termine l'écrivain du client.
            membres.pop(numero).put(None)
            diffuser(numero, f"* client-{numero} part\n".encode("utf-8"))
    for file in membres.values():
        file.put(None)


def lire_lignes(numero, sc, evenements):
    """Le lecteur : reçoit des octets, les découpe en lignes (TCP ne connaît pas les lignes :
    un recv peut en contenir une moitié, ou trois) et donne chaque ligne complète au salon."""
    en_attente = b""
    try:
        while True:
            data = sc.recv(1500)
            # b"" : le client est parti, ou Ctrl+C a coupé la connexion.
            if not data:
                break
            en_attente += data
            while b"\n" in en_attente:
                ligne, en_attente = en_attente.split(b"\n", 1)
                evenements.put(("ligne", numero, ligne + b"\n"))
    except OSError:
        pass
    evenements.put(("depart", numero, None))


def ecrire(sc, file):
    """L'écrivain : envoie ce que le salon met dans la file de ce client, jusqu'à None."""
    while True:
        message = file.get()
        if message is None:
            return
        try:
            sc.sendall(message)
        except OSError:
            return


port = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
try:
    # Comme à l'étape 11.
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("", port))
    s.listen(5)
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)
print(f"salon de discussion sur le port {port}")

evenements = queue.Queue()
t_salon = threading.Thread(None, salon, "salon", (evenements,))
t_salon.start()
connexions = []
servis = 0
try:
    while True:
        try:
            sc, addr = s.accept()
        except OSError as err:
            print(f"accept : {err}", file=sys.stderr)
            continue
        servis += 1
        print(f"client-{servis} : {addr[0]} port {addr[1]}")
        sortants = queue.Queue()
        # Inscrit avant que son lecteur démarre : le salon le connaît avant sa première ligne.
        evenements.put(("arrivee", servis, sortants))
        lecteur = threading.Thread(None, lire_lignes, f"exécutant-{servis}",
                                   (servis, sc, evenements))
        ecrivain = threading.Thread(None, ecrire, f"envoi-{servis}", (sc, sortants))
        lecteur.start()
        ecrivain.start()
        # Fermer et oublier les connexions terminées (leurs deux threads ont fini).
        finies = [c for c in connexions if not c[1].is_alive() and not c[2].is_alive()]
        for fini in finies:
            fini[0].close()
        connexions = [c for c in connexions if c not in finies]
        connexions.append((sc, lecteur, ecrivain))
except KeyboardInterrupt:
    # Ctrl+C : Python lève KeyboardInterrupt dans le thread principal, bloqué dans accept.
    pass
s.close()
# Couper chaque connexion fait renvoyer b"" au recv de son lecteur : le lecteur annonce son
# départ, le salon met None dans la file de l'écrivain, l'écrivain s'arrête.
for sc, lecteur, ecrivain in connexions:
    try:
        sc.shutdown(socket.SHUT_RDWR)
    except OSError:
        # Déjà fermée par le client.
        pass
for sc, lecteur, ecrivain in connexions:
    lecteur.join()
    ecrivain.join()
    sc.close()
# Plus aucun lecteur : le salon peut s'arrêter.
evenements.put(None)
t_salon.join()
print(f"salon fermé ; clients servis : {servis}")
