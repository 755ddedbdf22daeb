#!/usr/bin/python3
# Atelier « Socket TCP/UDP », exercice 1 : le client.
import socket
import sys

IP = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
BUFFER_SIZE = 1024

try:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.connect((IP, PORT))
        while True:
            user_input = input(">>> ")
            sock.send(user_input.strip().encode())
            if user_input == "quit":
                print("Fin de la conversation")
                break
            data = sock.recv(BUFFER_SIZE)
            if not data:
                print("Déconnecté")
                break
            print(f"Serveur: {data.decode('utf-8')}")
except ConnectionRefusedError:
    print("Erreur: serveur indisponible")
except Exception as err:
    print(f"Erreur: {err}")
except KeyboardInterrupt:
    print("Fin de la conversation")
