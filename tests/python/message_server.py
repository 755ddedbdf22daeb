#!/usr/bin/env python3
"""The TCP/UDP workshop's message server (exercises 1 and 2), as the workshop writes it.

    python3 message_server.py [tcp|udp] [PORT]

Each message received is printed ("Reçu : ...") and answered with
"Bonjour client, j'ai bien reçu ton message : <message>". Over TCP the server serves one
client and stops when it receives "quit" or the client closes; over UDP it answers every
datagram until it is stopped.

Two changes from the workshop, for tests: it listens on 127.0.0.1 (the workshop's "" is every
interface), and port 0 lets the kernel choose a free port; the banner line gives the real one,
and only appears once the socket is ready.
"""
import socket
import sys

PROTO = sys.argv[1] if len(sys.argv) > 1 else "tcp"
IP = "127.0.0.1"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
BUFFER_SIZE = 1024


def tcp_server():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind((IP, PORT))
        server.listen()
        port = server.getsockname()[1]
        print(f"Serveur TCP en attente de connexion sur le port {port}...", flush=True)
        conn, addr = server.accept()
        with conn:
            print(f"Client connecté : {addr}", flush=True)
            while True:
                data = conn.recv(BUFFER_SIZE)
                if not data:
                    break
                request = data.decode().strip()
                print(f"Reçu : {request}", flush=True)
                if request == "quit":
                    break
                response = f"Bonjour client, j'ai bien reçu ton message : {request}"
                conn.sendall(response.encode("utf-8"))
        print("Fin de la conversation", flush=True)


def udp_server():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind((IP, PORT))
        port = server.getsockname()[1]
        print(f"Serveur UDP en écoute de messages sur le port {port}...", flush=True)
        while True:
            data, address = server.recvfrom(BUFFER_SIZE)
            request = data.decode().strip()
            print(f"Reçu : {request}", flush=True)
            response = f"Bonjour client, j'ai bien reçu ton message : {request}"
            server.sendto(response.encode(), address)


try:
    if PROTO == "udp":
        udp_server()
    else:
        tcp_server()
except Exception as err:
    print(f"Erreur: {err}", flush=True)
    sys.exit(1)
except KeyboardInterrupt:
    print("Fin du serveur", flush=True)
