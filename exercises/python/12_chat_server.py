#!/usr/bin/env python3
# Exercice 12 — Serveur de discussion : canaux crossbeam et arrêt propre par Ctrl+C
# Exercise 12 — Chat server: crossbeam channels and a clean Ctrl+C
#
# D'après / from: au-delà des TP (d'après le veilleur et les exécutants du cours)
#
# Au-delà des TP. Chaque ligne envoyée par un client arrive chez tous les autres. Le serveur
# accueille chaque client par une ligne dès qu'il est inscrit. Les threads ne partagent pas de
# liste : ils passent par des canaux crossbeam vers un seul thread, le salon, qui sait qui est
# connecté. Ctrl+C ferme les connexions, attend les threads et se termine avec le code de
# sortie 0. Port 6000 par défaut.
#
# Beyond the labs. Each line a client sends reaches all the others. The server greets each
# client with one line as soon as it is registered. Threads share no list: they go through
# crossbeam channels to one thread, the salon, which knows who is connected. Ctrl+C closes the
# connections, waits for the threads and exits with status 0. Port 6000 by default.
#
# En Python : des queue.Queue jouent le rôle des canaux crossbeam, et Ctrl+C lève
# KeyboardInterrupt dans le thread principal, bloqué dans accept.
# In Python: queue.Queue objects play the part of crossbeam channels, and Ctrl+C raises
# KeyboardInterrupt in the main thread, blocked in accept.
#
# Remplacer chaque `raise NotImplementedError(…)` marqué `# TODO:` par la ligne qu'il
# cite, puis `socklab check 12 --python` (indice : `socklab hint 12 --python`).
# Replace each `raise NotImplementedError(…)` marked `# TODO:` with the line it quotes,
# then `socklab check 12 --python` (hint: `socklab hint 12 --python`).
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
            # TODO: la ligne, précédée de son auteur, à tous les autres
            #       the line, after its author, to all the others
            raise NotImplementedError('diffuser(numero, f"client-{numero}: ".encode("utf-8") + contenu)')
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
                # TODO: détacher la première ligne complète de ce qui attend
                #       split the first complete line off what is pending
                raise NotImplementedError("ligne, en_attente = en_attente.split(b\"\\n\", 1)")
                # TODO: la donner au salon, avec son "\n" / hand it to the salon, with its "\n"
                raise NotImplementedError("evenements.put((\"ligne\", numero, ligne + b\"\\n\"))")
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
        # TODO: couper la connexion dans les deux sens : le recv du lecteur renvoie b""
        #       shut the connection down both ways: the reader's recv returns b""
        raise NotImplementedError("sc.shutdown(socket.SHUT_RDWR)")
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
