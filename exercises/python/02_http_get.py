#!/usr/bin/env python3
# Exercice 02 — Client HTTP GET : la page entière, en distinguant les erreurs
# Exercise 02 — HTTP GET client: the whole page, errors told apart
#
# D'après / from: TP3 §2.2 « Programmons notre client web ! » et §2.3 « Raffinements » (httpget.py)
#
# Récupérer la page d'accueil d'un site web (l'hôte en paramètre, le port en second paramètre,
# 80 par défaut) : envoyer la requête GET / HTTP/1.1 avec les en-têtes Host et Connection: close,
# puis afficher TOUTE la réponse. Une connexion refusée et un hôte inconnu donnent deux messages
# différents, et un code de sortie non nul.
#
# Fetch a web site's home page (the host as argument, the port as second argument, 80 by
# default): send the request GET / HTTP/1.1 with the Host and Connection: close headers, then
# print the WHOLE answer. A refused connection and an unknown host give two different messages,
# and an error exit status.
#
# Remplacer chaque `raise NotImplementedError(…)` marqué `# TODO:` par la ligne qu'il
# cite, puis `socklab check 02 --python` (indice : `socklab hint 02 --python`).
# Replace each `raise NotImplementedError(…)` marked `# TODO:` with the line it quotes,
# then `socklab check 02 --python` (hint: `socklab hint 02 --python`).
import socket
import sys


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


if len(sys.argv) < 2:
    print("usage : 02_http_get.py HÔTE [PORT]", file=sys.stderr)
    sys.exit(2)
hote = sys.argv[1]
port = int(sys.argv[2]) if len(sys.argv) > 2 else 80
try:
    # Un nom inconnu échoue dans getaddrinfo, avant toute socket : socket.gaierror.
    # Un hôte qui existe mais sans serveur web répond RST au SYN : ConnectionRefusedError.
    s = connecter(hote, port)
except socket.gaierror as err:
    print(f"Erreur : hôte inconnu « {hote} » ({err})", file=sys.stderr)
    sys.exit(3)
except ConnectionRefusedError:
    print(f"Erreur : connexion refusée : aucun serveur web sur {hote}, port {port}",
          file=sys.stderr)
    sys.exit(4)
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)

try:
    # HTTP/1.1 exige l'en-tête Host. « Connection: close » demande au serveur de fermer une
    # fois la page envoyée : c'est ainsi que le client sait que la page est complète. La
    # requête se termine par une ligne vide, d'où le "\r\n\r\n" final.
    # TODO: la ligne de requête, les en-têtes Host et Connection, puis la ligne vide
    #       the request line, the Host and Connection headers, then the empty line
    raise NotImplementedError("requete = f\"GET / HTTP/1.1\\r\\n…\\r\\n\\r\\n\"")
    # sendall : send peut n'en prendre qu'une partie ; sendall l'appelle jusqu'au bout.
    # TODO: envoyer toute la requête / send the whole request
    raise NotImplementedError('s.sendall(requete.encode("utf-8"))')
    # TCP est un flot : la page arrive en morceaux de taille quelconque. Un seul recv(1024)
    # afficherait le premier kilo-octet (la page « tronquée » du TP) : on boucle jusqu'à b"",
    # le serveur a fermé, la page est entière.
    premiere_ligne = b""
    while True:
        # TODO: recevoir la suite de la page / receive the next piece of the page
        raise NotImplementedError("morceau = s.recv(1024)")
        if morceau == b"":
            break
        if b"\n" not in premiere_ligne:
            premiere_ligne += morceau
        # Les octets tels qu'ils arrivent : un morceau peut couper un caractère UTF-8 en deux,
        # et une page n'est pas toujours de l'UTF-8.
        sys.stdout.buffer.write(morceau)
    sys.stdout.buffer.flush()
    s.close()
except OSError as err:
    print(f"Erreur : {err}", file=sys.stderr)
    sys.exit(1)

# « HTTP/1.1 200 OK » : le deuxième mot est le statut ; 4xx veut dire requête fautive.
statut = premiere_ligne.split(b"\n")[0].decode("utf-8", "replace").strip()
mots = statut.split()
if len(mots) < 2 or not mots[1].startswith("2"):
    print(f"le serveur a répondu : {statut}", file=sys.stderr)
    sys.exit(1)
