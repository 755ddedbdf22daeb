#!/usr/bin/python3
# Atelier « Socket TCP/UDP », exercice 1 : le serveur.
import socket
import sys

IP = ""
PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
BUFFER_SIZE = 1024

try:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((IP, PORT))
        sock.listen()
        print(f"Serveur TCP en attente de connexion sur le port {PORT}...")
        conn, addr = sock.accept()
        with conn:
            print(f"Client connecté : {addr}")
            while True:
                data = conn.recv(BUFFER_SIZE)
                if not data:
                    break
                request = data.decode().strip()
                print(f"Reçu : {request}")
                if request == "quit":
                    break
                response = f"Bonjour client, j'ai bien reçu ton message : {request}"
                conn.sendall(response.encode("utf-8"))
        print("Fin de la conversation")
except Exception as err:
    print(f"Erreur: {err}")
except KeyboardInterrupt:
    print("Fin de la conversation")
