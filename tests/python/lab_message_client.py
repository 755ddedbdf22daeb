#!/usr/bin/env python3
# The TCP/UDP workshop's client (exercises 1 and 2): prompt, send, print the server's answer;
# "quit" ends the conversation. Usage: lab_message_client.py HOST PORT [udp]
import socket
import sys

IP = sys.argv[1]
PORT = int(sys.argv[2])
UDP = len(sys.argv) > 3 and sys.argv[3] == "udp"
BUFFER_SIZE = 1024

try:
    kind = socket.SOCK_DGRAM if UDP else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, kind) as sock:
        if not UDP:
            sock.connect((IP, PORT))
        sock.settimeout(10)
        while True:
            user_input = input(">>> ")
            if UDP:
                sock.sendto(user_input.strip().encode(), (IP, PORT))
            else:
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
    sys.exit(1)
except Exception as err:
    print(f"Erreur: {err}")
    sys.exit(1)
