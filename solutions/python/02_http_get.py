#!/usr/bin/env python3
# Étape 02 — client HTTP GET à la main (TP3 §2.2 et §2.3, httpget.py).
#
# Reprend l'étape 01 : même connexion, mais cette fois le client parle le premier (la
# requête), et la réponse est une page entière, bien plus longue qu'un recv.
# - la requête : GET / HTTP/1.1, Host, Connection: close, et la ligne vide (§2.2) ;
# - toute la page : recv en boucle jusqu'à ce qu'il renvoie b"" (§2.3) ;
# - les erreurs distinguées : connexion refusée et hôte inconnu, deux messages (§2.3) ;
# - le serveur a-t-il compris ? la ligne de statut le dit (§2.2, dernière question).
#
# Lancer : python3 solutions/python/02_http_get.py HÔTE [PORT]  (port 80 par défaut)
# contre `socklab serve http` (port 8080) ; vérifier : socklab check 02 --solution --python
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
    requete = f"GET / HTTP/1.1\r\nHost: {hote}\r\nConnection: close\r\n\r\n"
    # sendall : send peut n'en prendre qu'une partie ; sendall l'appelle jusqu'au bout.
    s.sendall(requete.encode("utf-8"))
    # TCP est un flot : la page arrive en morceaux de taille quelconque. Un seul recv(1024)
    # afficherait le premier kilo-octet (la page « tronquée » du TP) : on boucle jusqu'à b"",
    # le serveur a fermé, la page est entière.
    premiere_ligne = b""
    while True:
        morceau = s.recv(1024)
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
